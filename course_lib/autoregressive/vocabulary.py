"""Characters to token ids and back: an alphabet, one boundary symbol, optional condition tokens.

A word becomes ``[start, c_1, ..., c_L, end]``. The boundary symbol ``"."``
(id 0) ends every word; it also starts it, unless a *condition token* (such as
``"<female>"``) takes the start's place: the smallest prompt there is. Models
predict only symbols (the boundary and the letters); condition tokens are
inputs, never outputs.
"""
import string

import torch

from .._checks import check_choice, check_dropout, check_int

BOUNDARY = "."  # starts and ends every word
ALPHABET = string.ascii_lowercase  # the census names are lower-case a-z
PAD = -1  # fills rows of shorter words; ignored by every loss


class CharVocabulary:
    """The symbols a character model reads and writes.

    Parameters
    ----------
    alphabet : str
        The characters words are made of, each once (the boundary ``"."`` excluded).
    conditions : tuple of str
        Names of the condition tokens, e.g. ``("female", "male")``; none for an
        unconditional model.
    """

    def __init__(self, alphabet=ALPHABET, conditions=()):
        if not isinstance(alphabet, str) or not alphabet:
            raise TypeError(f"alphabet must be a non-empty str, got {type(alphabet).__name__} {alphabet!r}")
        if BOUNDARY in alphabet or len(set(alphabet)) != len(alphabet):
            raise ValueError(f"alphabet must hold distinct characters other than {BOUNDARY!r}, got {alphabet!r}")
        if not isinstance(conditions, (tuple, list)) or not all(isinstance(c, str) for c in conditions):
            raise TypeError(f"conditions must be a tuple of str, got {conditions!r}")
        if len(set(conditions)) != len(conditions):
            raise ValueError(f"conditions must be distinct, got {tuple(conditions)}")
        self.alphabet = alphabet
        self.conditions = tuple(conditions)
        self.symbols = BOUNDARY + alphabet  # what a model predicts; id = position here
        self._ids = {char: i for i, char in enumerate(self.symbols)}

    @property
    def num_symbols(self):
        """Output size of a model: the boundary and the letters."""
        return len(self.symbols)

    @property
    def num_tokens(self):
        """Input size of a model: the symbols and the condition tokens."""
        return len(self.symbols) + len(self.conditions)

    def __repr__(self):
        return f"CharVocabulary(alphabet={self.alphabet!r}, conditions={self.conditions})"

    def start_token(self, condition=None):
        """The id a word starts with: the boundary, or the condition's token."""
        if not self.conditions:
            if condition is not None:
                raise ValueError(f"condition must be None for a model without conditions, got {condition!r}")
            return 0
        check_choice("condition", condition, self.conditions)
        return self.num_symbols + self.conditions.index(condition)

    def check_words(self, argument, words, allow_empty=False):
        """Raise unless ``words`` is a non-empty list of str made of the alphabet; return it as a list."""
        if isinstance(words, str) or not isinstance(words, (list, tuple)):
            raise TypeError(f"{argument} must be a list of str, got {type(words).__name__}")
        if not words:
            raise ValueError(f"{argument} must not be empty")
        for word in words:
            if not isinstance(word, str):
                raise TypeError(f"{argument} must hold str only, got {type(word).__name__} {word!r}")
            if not word and not allow_empty:
                raise ValueError(f"{argument} must not hold the empty word")
        unknown = sorted({char for word in words for char in word} - set(self.alphabet))
        if unknown:
            example = next(word for word in words if set(word) & set(unknown))
            raise ValueError(f"{argument} holds characters outside the vocabulary: {', '.join(map(repr, unknown))} "
                             f"(first in {example!r}); the vocabulary has {self.alphabet!r}")
        return list(words)

    def encode(self, words, condition=None):
        """Token ids of ``words`` as one padded tensor.

        Parameters
        ----------
        words : list of str
        condition : str, list of str or None
            The condition of every word, or one per word.

        Returns
        -------
        torch.LongTensor, shape (N, 2 + longest word)
            Row ``i`` is ``[start, c_1, ..., c_L, 0, PAD, ...]``.
        """
        words = self.check_words("words", words, allow_empty=True)  # "" is [start, end]: models sample it
        if isinstance(condition, (list, tuple)):
            if len(condition) != len(words):
                raise ValueError(f"condition must give one condition per word ({len(words)}), got {len(condition)}")
            starts = [self.start_token(c) for c in condition]
        else:
            starts = [self.start_token(condition)] * len(words)
        width = 2 + max(map(len, words))
        rows = [[start, *(self._ids[c] for c in word), 0] + [PAD] * (width - 2 - len(word))
                for start, word in zip(starts, words)]
        return torch.tensor(rows, dtype=torch.long)  # one tensor from lists: a tensor per word took 20 times longer

    def decode(self, ids):
        """The word spelled by symbol ids (a start token first is skipped; the first boundary after ends it)."""
        ids = [int(i) for i in ids]
        if ids and (ids[0] == 0 or ids[0] >= self.num_symbols):
            ids = ids[1:]
        word = []
        for i in ids:
            if i == 0 or i == PAD:
                break
            word.append(self.symbols[i])
        return "".join(word)


def check_char_config(config, sizes):
    """Shared checks of the character models' configs: vocabulary, positive sizes, a dropout in [0, 1)."""
    CharVocabulary(config.alphabet, config.conditions)  # raises for a bad alphabet or conditions
    object.__setattr__(config, "conditions", tuple(config.conditions))
    for name in sizes:
        check_int(name, getattr(config, name), 1)
        object.__setattr__(config, name, int(getattr(config, name)))  # NumPy ints too: checkpoints load weights_only
    check_dropout("dropout", config.dropout)
