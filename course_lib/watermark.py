"""A statistical watermark for character models: a keyed "green list" of next symbols (Kirchenbauer et al., 2023).

For every context, the previous token, a secret key picks a share ``gamma``
of the symbols as *green*. Sampling with the watermark adds ``delta`` to the
green symbols' logits, so watermarked text holds more green symbols than
chance. Whoever holds the key counts them: among T scored symbols, G green
ones give

.. math::

    z = \\frac{G - \\gamma T}{\\sqrt{T \\gamma (1 - \\gamma)}},

the standardised count under the null hypothesis that the text was written
without the key, where each symbol is green with probability gamma
independently (a binomial count; Kirchenbauer et al., eq. 2). Text written
without the key has z about N(0, 1) for long texts; a watermark shows as a large z.
"""
import hashlib
import math

import torch

from ._checks import check_int, check_number


def _seed(key, context):
    """A 64-bit seed from the key and the context id: SHA-256, so it is the same on every machine and run."""
    digest = hashlib.sha256(f"{key}\x00{context}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


class GreenList:
    """The keyed green lists of one vocabulary, and the watermark's bias and test.

    Parameters
    ----------
    key : str
        The secret: equal keys give equal green lists on every machine.
    num_contexts : int
        How many previous tokens there can be (a vocabulary's ``num_tokens``: symbols and condition tokens).
    num_symbols : int
        How many symbols can follow (a vocabulary's ``num_symbols``).
    gamma : float in (0, 1)
        Share of the symbols that is green in each context; ``round(gamma * num_symbols)`` of them, at least 1.
    delta : float >= 0
        Added to the green symbols' logits when sampling (0: no watermark, the test still works).

    Attributes
    ----------
    green : torch.Tensor, bool, shape (num_contexts, num_symbols)
        ``green[c, s]``: symbol s is green after token c.
    """

    def __init__(self, key, num_contexts, num_symbols, gamma=0.5, delta=2.0):
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a non-empty str, got {type(key).__name__} {key!r}")
        check_int("num_contexts", num_contexts, 1)
        check_int("num_symbols", num_symbols, 2)
        check_number("gamma", gamma, 0, strict=True, maximum=1)
        if gamma >= 1:
            raise ValueError(f"gamma must be below 1 (some symbols must stay red), got {gamma}")
        check_number("delta", delta)
        self.key, self.gamma, self.delta = key, float(gamma), float(delta)
        size = max(1, round(self.gamma * num_symbols))
        self.green = torch.zeros(num_contexts, num_symbols, dtype=torch.bool)
        for context in range(num_contexts):
            order = torch.randperm(num_symbols, generator=torch.Generator().manual_seed(_seed(key, context)))
            self.green[context, order[:size]] = True
        self.share = size / num_symbols  # the exact chance that a symbol is green: gamma after rounding

    @classmethod
    def for_vocabulary(cls, key, vocabulary, gamma=0.5, delta=2.0):
        """The green lists of a character vocabulary (:class:`course_lib.autoregressive.CharVocabulary`)."""
        return cls(key, vocabulary.num_tokens, vocabulary.num_symbols, gamma, delta)

    def _check_contexts(self, previous):
        if previous.dtype not in (torch.int32, torch.int64) or previous.ndim != 1:
            raise TypeError(f"previous must be a 1-D tensor of token ids, got {previous.dtype} of shape "
                            f"{tuple(previous.shape)}")
        if len(previous) and not 0 <= int(previous.min()) <= int(previous.max()) < len(self.green):
            raise ValueError(f"previous must hold token ids in [0, {len(self.green) - 1}], got "
                             f"{int(previous.min())} to {int(previous.max())}")

    def bias(self, logits, previous):
        """``logits`` (B, num_symbols) plus ``delta`` on the symbols green after each row's ``previous`` token (B,)."""
        self._check_contexts(previous)
        if logits.shape != (len(previous), self.green.shape[1]):
            raise ValueError(f"logits must have shape ({len(previous)}, {self.green.shape[1]}), got "
                             f"{tuple(logits.shape)}")
        mask = self.green.to(logits.device)[previous.to(logits.device)]  # (B, S)
        return logits + self.delta * mask.to(logits.dtype)

    def count(self, tokens):
        """(green symbols, scored symbols) of encoded words ``tokens`` (N, T): every symbol after the first
        token is scored against the token before it; padding (negative ids) is skipped."""
        if tokens.ndim != 2 or tokens.shape[1] < 2:
            raise ValueError(f"tokens must have shape (N, T) with T >= 2, got {tuple(tokens.shape)}")
        previous, following = tokens[:, :-1].reshape(-1), tokens[:, 1:].reshape(-1)
        keep = following >= 0
        previous, following = previous[keep].cpu(), following[keep].cpu()
        self._check_contexts(previous)
        return int(self.green[previous, following].sum()), int(keep.sum())

    def z_score(self, green, total):
        """The standardised green count (module docstring) of ``green`` green symbols among ``total``."""
        check_int("total", total, 1)
        check_int("green", green, 0, maximum=total)
        expected = self.share * total
        return (green - expected) / math.sqrt(total * self.share * (1 - self.share))

    def detect(self, words, vocabulary, condition=None):
        """(z, green, total) of words written in ``vocabulary``, scored together as one text."""
        green, total = self.count(vocabulary.encode(words, condition))
        return self.z_score(green, total), green, total
