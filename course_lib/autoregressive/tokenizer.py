"""Byte-pair encoding (Sennrich et al. 2016) learned on words: what a *token* is in a language model.

Start from single characters; repeatedly merge the most frequent adjacent
pair of tokens into one new token. Frequent pieces (``"son"``, ``"man"``)
become single tokens, rare words stay split into smaller ones, and every word
can still be written, since the single characters remain in the vocabulary.
Chat models do the same on bytes, with tens of thousands of merges.
"""
from collections import Counter

from .._checks import NotFittedError, check_int


class BytePairTokenizer:
    """Learn ``num_merges`` merges on a list of words, then split any word into tokens.

    Attributes (after ``fit``)
    --------------------------
    merges_ : list of (str, str)
        In the order learned; ``encode`` applies them in this order.
    vocabulary_ : list of str
        The single characters, then one new token per merge.
    """

    def __init__(self, num_merges=100):
        check_int("num_merges", num_merges, 0)
        self.num_merges = int(num_merges)
        self.merges_ = None

    def fit(self, words):
        """Learn the merges from ``words`` (a list of str); return self."""
        if isinstance(words, str) or not isinstance(words, (list, tuple)):
            raise TypeError(f"words must be a list of str, got {type(words).__name__}")
        if not words:
            raise ValueError("words must not be empty")
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"words must hold str only, got {type(word).__name__} {word!r}")
            if not word:
                raise ValueError("words must not hold the empty word")
        alphabet = sorted({char for word in words for char in word})
        pieces = Counter(tuple(word) for word in words)  # each distinct word as a tuple of tokens, with its count
        self.merges_ = []
        for _ in range(self.num_merges):
            pairs = Counter()
            for word, count in pieces.items():
                for pair in zip(word[:-1], word[1:]):
                    pairs[pair] += count
            if not pairs:
                break  # every word is one token
            best = max(pairs, key=lambda pair: (pairs[pair], pair))  # ties: the later pair, so runs repeat
            self.merges_.append(best)
            pieces = Counter({_merge(word, best): count for word, count in pieces.items()})
        self.vocabulary_ = alphabet + ["".join(pair) for pair in self.merges_]
        return self

    def encode(self, word, num_merges=None):
        """The tokens of ``word``: its characters, merged in the order the merges were learned.

        ``num_merges`` applies only the first merges (what a tokenizer trained for
        fewer merges would give, since learning is greedy); default: all.
        Characters never seen in ``fit`` stay tokens of their own.
        """
        if self.merges_ is None:
            raise NotFittedError("this BytePairTokenizer is not fitted yet; call fit(words) first")
        if not isinstance(word, str):
            raise TypeError(f"word must be a str, got {type(word).__name__} {word!r}")
        if not word:
            raise ValueError("word must not be empty")
        if num_merges is not None:
            check_int("num_merges", num_merges, 0)
        tokens = tuple(word)
        for pair in self.merges_[:num_merges]:
            tokens = _merge(tokens, pair)
        return list(tokens)

    @staticmethod
    def decode(tokens):
        """The word the tokens spell (their concatenation)."""
        return "".join(tokens)


def _merge(tokens, pair):
    """``tokens`` with every non-overlapping occurrence of ``pair``, left to right, joined into one."""
    merged, i = [], 0
    while i < len(tokens):
        if i + 1 < len(tokens) and (tokens[i], tokens[i + 1]) == pair:
            merged.append(tokens[i] + tokens[i + 1])
            i += 2
        else:
            merged.append(tokens[i])
            i += 1
    return tuple(merged)
