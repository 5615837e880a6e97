"""A neural n-gram: embeddings of the previous ``context`` symbols, concatenated, through an MLP (Bengio et al. 2003).

Where a count model must have seen a context to say anything about it, the
MLP maps every symbol to a learned vector, so contexts that were never seen but
resemble seen ones (``"qu"`` and ``"gu"`` before a vowel) share what was learned.
"""
from dataclasses import dataclass

import torch
from torch import nn

from .._module import ConfiguredModule
from .sampling import CharLanguageModel
from .vocabulary import ALPHABET, CharVocabulary, check_char_config


@dataclass(frozen=True)
class MLPConfig:
    """Sizes of :class:`MLPCharLM`; the defaults train on the last names in about 25 s on a laptop CPU."""

    alphabet: str = ALPHABET
    conditions: tuple = ()  # condition tokens, e.g. ("female", "male")
    context: int = 5  # symbols seen; the 4-gram (3 symbols) is the best count model on last names
    embed_dim: int = 16  # 27 symbols need few dimensions; 16 beat 8 and tied 32
    hidden_dim: int = 256
    dropout: float = 0.1  # 71k last names barely overfit this size; first names (4k) do

    def __post_init__(self):
        check_char_config(self, ("context", "embed_dim", "hidden_dim"))


# How chapter 6 and the shipped weights train it on the last names: keyword
# arguments of course_lib.train.fit (about 25 s on 2 CPU cores).
MLP_RECIPE = {"epochs": 8, "batch_size": 256, "lr": 3e-3}


class MLPCharLM(CharLanguageModel, ConfiguredModule):
    """p(x_t | x_{t-context}, ..., x_{t-1}) from a multilayer perceptron over the context's embeddings."""

    config_class = MLPConfig

    def __init__(self, config=None):
        super().__init__(config)
        config = self.config
        self.vocabulary = CharVocabulary(config.alphabet, config.conditions)
        self.embedding = nn.Embedding(self.vocabulary.num_tokens, config.embed_dim)
        self.mlp = nn.Sequential(
            nn.Linear(config.context * config.embed_dim, config.hidden_dim), nn.Tanh(), nn.Dropout(config.dropout),
            nn.Linear(config.hidden_dim, self.vocabulary.num_symbols))

    def logits(self, tokens):
        """Next-symbol logits (B, T, S) for input ids (B, T); before the word, the context is its start token."""
        tokens = tokens.clamp(min=0)  # padding positions are ignored by every loss
        start = tokens[:, :1].expand(-1, self.config.context - 1)
        padded = torch.cat([start, tokens], dim=1)  # (B, context - 1 + T)
        windows = padded.unfold(1, self.config.context, 1)  # (B, T, context)
        embedded = self.embedding(windows).flatten(2)  # (B, T, context * E)
        return self.mlp(embedded)  # (B, T, S)

    def next_logits(self, tokens):
        """Logits of the symbol after ``tokens`` (B, T): shape (B, S), from the last ``context`` tokens only."""
        tokens = tokens.clamp(min=0)
        start = tokens[:, :1].expand(-1, self.config.context - 1)
        window = torch.cat([start, tokens], dim=1)[:, -self.config.context:]  # (B, context)
        return self.mlp(self.embedding(window).flatten(1))

    def forward(self, tokens):
        """Same as :meth:`logits`."""
        return self.logits(tokens)
