"""What every character model shares: exact likelihood by the chain rule, and sampling one symbol at a time.

A model supplies ``logits(tokens)``: for input ids ``(B, T)``, the next-symbol
logits at every position, ``(B, T, S)``, each computed from that position and
the ones before it only. Everything else follows from the chain rule (eq. 6.1)

    log p(x) = sum_t log p(x_t | x_<t),

where ``x_t`` is the t-th symbol of the word (the final boundary included, so
that the model also says where a word ends).
"""

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_count, check_int, check_number
from .._tensors import categorical, check_generator, evaluating
from .vocabulary import PAD

UNBOUNDED_MAX_LENGTH = 24  # sampling stops here for models without a context limit (census names have <= 13)


def next_token_loss(model, tokens):
    """Teacher forcing: mean cross-entropy (nats) of every next symbol given the true ones before it.

    ``tokens`` (B, T) from :meth:`CharVocabulary.encode`; padding is ignored.
    This is the loss the neural models train on (``course_lib.train.fit(model, next_token_loss, ...)``).
    """
    tokens = tokens.to(model.device)
    logits = model.logits(tokens[:, :-1])  # (B, T-1, S): position t predicts tokens[:, t + 1]
    return F.cross_entropy(logits.flatten(0, 1), tokens[:, 1:].flatten(), ignore_index=PAD)


def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """Next-symbol probabilities after temperature, top-k and nucleus (top-p) filtering.

    Parameters
    ----------
    logits : torch.Tensor, shape (B, S)
    temperature : float > 0
        Divides the logits: below 1 sharpens the distribution, above 1 flattens it.
    top_k : int >= 1, optional
        Keep the ``top_k`` most probable symbols; among equally probable ones the lower
        symbol id is kept, so ``top_k=1`` is greedy decoding (the argmax).
    top_p : float in (0, 1], optional
        Keep the smallest set of most probable symbols whose mass reaches ``top_p``
        (Holtzman et al. 2020).

    Returns
    -------
    torch.Tensor, shape (B, S)
        Renormalised probabilities, zero outside the kept set.
    """
    check_sampling(temperature, top_k, top_p)
    logits = logits / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        order = logits.argsort(dim=-1, descending=True, stable=True)  # ties: the lower symbol id first
        drop = torch.ones_like(logits, dtype=torch.bool).scatter(-1, order[..., :top_k], False)
        logits = logits.masked_fill(drop, float("-inf"))
    probs = logits.softmax(dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs  # (B, S): mass of the more probable symbols
        drop_sorted = mass_before >= top_p  # the first symbol is always kept
        drop = drop_sorted.scatter(-1, order, drop_sorted)
        probs = probs.masked_fill(drop, 0.0)
        probs = probs / probs.sum(dim=-1, keepdim=True)
    return probs


def check_sampling(temperature, top_k, top_p):
    """Raise for a temperature <= 0, a top-k < 1 or a top-p outside (0, 1]."""
    check_number("temperature", temperature, 0, strict=True)
    if top_k is not None:
        check_int("top_k", top_k, 1)
    if top_p is not None:
        check_number("top_p", top_p, 0, strict=True, maximum=1)


class CharLanguageModel:
    """Likelihood, loss and sampling for a character model with a ``vocabulary`` and ``logits(tokens)``.

    ``max_length`` is the longest word the model can read or write (None: no limit).
    """

    max_length = None

    def _no_grad(self):
        return evaluating(self) if isinstance(self, nn.Module) else torch.no_grad()

    def _check_length(self, argument, longest):
        if self.max_length is not None and longest > self.max_length:
            raise ValueError(f"{argument} must be at most {self.max_length} characters long (the model's context), "
                             f"got {longest}")

    def _tokens(self, words, condition):
        tokens = self.vocabulary.encode(words, condition)
        self._check_length("words", tokens.shape[1] - 2)
        return tokens

    def next_logits(self, tokens):
        """Logits of the symbol that follows ``tokens`` (B, T): shape (B, S), the last position of ``logits``."""
        return self.logits(tokens)[:, -1]

    def _next_logits_cached(self, tokens, cache):
        """:meth:`next_logits` and what the next call, one token longer, may start from (None here; a transformer
        keeps the keys and values of the positions it has computed)."""
        return self.next_logits(tokens), None

    def _log_prob(self, tokens):
        """log p of each encoded word (N,): the chain rule's terms, padding left out."""
        tokens = tokens.to(self.device)
        with self._no_grad():
            log_probs = self.logits(tokens[:, :-1]).log_softmax(dim=-1)  # (N, T-1, S)
        targets = tokens[:, 1:]
        picked = log_probs.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1)  # (N, T-1)
        return picked.masked_fill(targets == PAD, 0.0).sum(dim=1)

    def log_prob(self, words, condition=None):
        """log p(word) in nats, one value per word (eq. 6.1), shape (N,), on the model's device and dtype."""
        return self._log_prob(self._tokens(words, condition))

    def loss(self, words, condition=None):
        """Mean negative log-likelihood in nats per character (each word's end counted as one)."""
        return self._loss(self._tokens(words, condition))

    def _loss(self, tokens):
        """:meth:`loss` of encoded words."""
        return -self._log_prob(tokens).sum() / (tokens[:, 1:] != PAD).sum().item()

    def sample(self, n, temperature=1.0, top_k=None, top_p=None, prefix="", condition=None, generator=None,
               watermark=None):
        """Draw ``n`` words one symbol at a time, each from ``p(x_t | x_<t)`` after filtering.

        Parameters
        ----------
        n : int
        temperature, top_k, top_p
            See :func:`filter_logits`; the defaults sample from the model itself.
        prefix : str
            Characters every word starts with (the prompt); they are kept in the result.
        condition : str, optional
            The condition token to start from, for a model trained with conditions.
        generator : torch.Generator, optional
            On any device; default: torch's global CPU generator.
        watermark : course_lib.watermark.GreenList, optional
            Raise the logits of the symbols green after each previous token by its ``delta``
            before filtering (Kirchenbauer et al., 2023); its ``detect`` finds them again.

        Returns
        -------
        list of str
            A word that reaches ``max_length`` characters is cut there.
        """
        check_sampling(temperature, top_k, top_p)
        check_generator(generator)
        sizes = (self.vocabulary.num_tokens, self.vocabulary.num_symbols)
        if watermark is not None and tuple(watermark.green.shape) != sizes:
            raise ValueError(f"watermark must have green lists of shape {sizes} for this vocabulary "
                             f"(GreenList.for_vocabulary), got {tuple(watermark.green.shape)}")
        if not isinstance(prefix, str):
            raise TypeError(f"prefix must be a str, got {type(prefix).__name__} {prefix!r}")
        if prefix:
            self.vocabulary.check_words("prefix", [prefix])
        longest = self.max_length or UNBOUNDED_MAX_LENGTH
        n = check_count("n", n, 4 * (longest + 1) * self.vocabulary.num_symbols)
        if len(prefix) > longest:
            limit = "the model's context" if self.max_length else "the longest word sampling writes"
            raise ValueError(f"prefix must be at most {longest} characters long ({limit}), got {len(prefix)}")
        start = torch.tensor([self.vocabulary.start_token(condition)])
        prompt = torch.cat([start, self.vocabulary.encode([prefix], condition)[0, 1:-1]]) if prefix else start
        tokens = prompt.repeat(n, 1).to(self.device)  # (n, 1 + len(prefix))
        done = torch.zeros(n, dtype=torch.bool, device=self.device)
        cache = None
        with self._no_grad():
            while tokens.shape[1] <= longest and not done.all():
                logits, cache = self._next_logits_cached(tokens, cache)
                logits = logits.double()  # (n, S)
                if watermark is not None:
                    logits = watermark.bias(logits, tokens[:, -1])
                probs = filter_logits(logits, temperature, top_k, top_p)
                drawn = categorical(probs, 1, generator)  # (n, 1)
                drawn = drawn.masked_fill(done.unsqueeze(1), 0)
                done |= drawn.squeeze(1) == 0
                tokens = torch.cat([tokens, drawn], dim=1)
        return [self.vocabulary.decode(row) for row in tokens.tolist()]
