"""Count models: p(x_t | the previous n-1 symbols) read off a table of counts, with add-alpha smoothing.

With ``c(h, x)`` the number of times symbol ``x`` followed the context ``h``
(the n-1 symbols before it) in the training words, ``S`` the number of symbols
and ``alpha > 0`` the pseudo-count every pair gets (eq. 6.2),

    p(x | h) = (c(h, x) + alpha) / (sum_x' c(h, x') + alpha S).

Contexts reaching before a word's first letter are filled with its start token.
Only the pairs seen in training are stored (sorted keys, looked up by binary
search), so the table stays small however large ``n`` grows.
"""
import torch

from .._checks import NotFittedError, check_int, check_number
from .sampling import CharLanguageModel
from .vocabulary import ALPHABET, PAD, CharVocabulary

ALPHAS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # the grid fit_counts searches on validation words
MAX_ORDER = 8  # keys (context, next symbol) must fit in an int64: 29 ** 7 * 27 does


class NGramCounts(CharLanguageModel):
    """An n-gram character model (n - 1 symbols of context) estimated by counting.

    Parameters
    ----------
    n : int in [1, 8]
        1 counts symbols alone; 2 is the bigram model; larger n sees more context.
    alpha : float > 0
        Add-alpha smoothing pseudo-count (eq. 6.2); choose it on validation words (:func:`fit_counts`).
    alphabet : str
    conditions : tuple of str
        Condition tokens (e.g. ``("female", "male")``) that fill the context before the first letter.
    """

    def __init__(self, n=3, alpha=0.1, alphabet=ALPHABET, conditions=()):
        check_int("n", n, 1, maximum=MAX_ORDER)
        check_number("alpha", alpha, 0, strict=True)
        self.n, self.alpha = int(n), float(alpha)
        self.vocabulary = CharVocabulary(alphabet, conditions)
        if self.vocabulary.num_tokens ** (self.n - 1) * self.vocabulary.num_symbols >= 2**63:
            raise ValueError(f"n={self.n} with {self.vocabulary.num_tokens} tokens needs keys beyond int64; "
                             "use a smaller n or alphabet")
        self.device, self.dtype = torch.device("cpu"), torch.float64
        self.keys_ = None

    def __repr__(self):
        return f"{type(self).__name__}(n={self.n}, alpha={self.alpha})"

    def _contexts(self, tokens):
        """Context ids (B, T): the n-1 tokens up to each position, the start token before the word."""
        start = tokens[:, :1].clamp(min=0)
        padded = torch.cat([start.expand(-1, self.n - 2 if self.n > 2 else 0), tokens.clamp(min=0)], dim=1)
        ids = torch.zeros_like(tokens)
        for offset in range(self.n - 1):  # base-V digits, oldest first
            ids = ids * self.vocabulary.num_tokens + padded[:, offset:offset + tokens.shape[1]]
        return ids

    def fit(self, words, condition=None):
        """Count every (context, next symbol) pair in ``words``; return self."""
        tokens = self.vocabulary.encode(words, condition)
        contexts, targets = self._contexts(tokens[:, :-1]), tokens[:, 1:]
        seen = targets != PAD
        keys = contexts[seen] * self.vocabulary.num_symbols + targets[seen]
        self.keys_, self.key_counts_ = keys.unique(return_counts=True)
        self.contexts_, self.context_counts_ = contexts[seen].unique(return_counts=True)
        return self

    def _check_fitted(self):
        if self.keys_ is None:
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(words) first")

    def context_coverage(self, words, condition=None, min_count=1):
        """The share of the symbols in ``words`` whose context (the n-1 symbols before) occurred in training
        at least ``min_count`` times."""
        self._check_fitted()
        check_int("min_count", min_count, 1)
        tokens = self.vocabulary.encode(words, condition)
        contexts, targets = self._contexts(tokens[:, :-1]), tokens[:, 1:]
        seen = self._lookup(self.contexts_, self.context_counts_, contexts[targets != PAD]) >= min_count
        return seen.double().mean().item()

    @staticmethod
    def _lookup(sorted_keys, counts, queries):
        index = torch.searchsorted(sorted_keys, queries).clamp(max=len(sorted_keys) - 1)
        return torch.where(sorted_keys[index] == queries, counts[index], 0).to(torch.float64)

    def _log_p(self, contexts, symbols):
        """log p(symbol | context) (eq. 6.2) for context ids and symbol ids that broadcast together."""
        num_symbols = self.vocabulary.num_symbols
        pairs = self._lookup(self.keys_, self.key_counts_, contexts * num_symbols + symbols)
        totals = self._lookup(self.contexts_, self.context_counts_, contexts)
        return (pairs + self.alpha).log() - (totals + self.alpha * num_symbols).log()

    def logits(self, tokens):
        """log p(next symbol | context) at every position of ``tokens`` (B, T): shape (B, T, S)."""
        self._check_fitted()
        return self._log_p(self._contexts(tokens).unsqueeze(-1), torch.arange(self.vocabulary.num_symbols))

    def _log_prob(self, tokens):
        """log p of each encoded word (N,), as every character model's, looking up each next symbol's count only:
        the table's probabilities are normalised already, so the other symbols' (27 times the work) are not
        needed."""
        self._check_fitted()
        targets = tokens[:, 1:]
        log_p = self._log_p(self._contexts(tokens[:, :-1]), targets.clamp(min=0))  # (N, T-1)
        return log_p.masked_fill(targets == PAD, 0.0).sum(dim=1)


class BigramCounts(NGramCounts):
    """The bigram model: the next symbol given the one before it, a (tokens x symbols) table of counts."""

    def __init__(self, alpha=0.3, alphabet=ALPHABET, conditions=()):
        super().__init__(2, alpha, alphabet, conditions)

    def __repr__(self):
        return f"BigramCounts(alpha={self.alpha})"

    @property
    def counts_(self):
        """The count table, shape (num_tokens, num_symbols): row = previous token, column = next symbol."""
        self._check_fitted()
        table = torch.zeros(self.vocabulary.num_tokens * self.vocabulary.num_symbols, dtype=torch.long)
        table[self.keys_] = self.key_counts_
        return table.view(self.vocabulary.num_tokens, self.vocabulary.num_symbols)


def fit_counts(n, train_words, val_words, alphas=ALPHAS, **kwargs):
    """Fit an n-gram model for each ``alpha`` and keep the one with the lowest validation loss.

    Returns
    -------
    model : NGramCounts
        Fitted on ``train_words`` with the chosen alpha.
    val_losses : dict
        alpha -> validation loss in nats per character.
    """
    if not isinstance(alphas, (list, tuple)) or not alphas:
        raise TypeError(f"alphas must be a non-empty list of numbers, got {alphas!r}")
    model = NGramCounts(n, alphas[0], **kwargs).fit(train_words)
    val_tokens = model._tokens(val_words, None)  # encoded once for every alpha
    val_losses = {}
    for alpha in alphas:
        check_number("alphas", alpha, 0, strict=True)
        model.alpha = float(alpha)  # the counts do not depend on alpha
        val_losses[alpha] = float(model._loss(val_tokens))
    model.alpha = float(min(val_losses, key=val_losses.get))
    return model, val_losses
