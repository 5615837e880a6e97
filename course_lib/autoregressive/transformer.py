"""A small GPT for characters: causal self-attention written out, read from the smallest part up.

Attention (eq. 6.3) lets position ``t`` look at every earlier position with
weights ``softmax(q_t . k_s / sqrt(d_head))`` over ``s <= t``, the causal mask
setting the weights of later positions to zero, so output ``t`` depends on
inputs ``0..t`` only (Vaswani et al. 2017; Radford et al. 2018). A block is
attention then a position-wise MLP, each wrapped as ``x + f(LayerNorm(x))``.
"""
import math
from dataclasses import dataclass

import torch
from torch import nn

from .._module import ConfiguredModule
from .sampling import CharLanguageModel
from .vocabulary import ALPHABET, CharVocabulary, check_char_config


def check_heads(embed_dim, num_heads):
    """Raise unless ``embed_dim`` splits evenly into ``num_heads`` heads."""
    if embed_dim % num_heads:
        raise ValueError(f"embed_dim must be a multiple of num_heads ({num_heads}), got {embed_dim}")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where each position sees itself and the positions before it."""

    def __init__(self, embed_dim, num_heads, context, dropout):
        super().__init__()
        check_heads(embed_dim, num_heads)
        self.num_heads = num_heads
        self.qkv = nn.Linear(embed_dim, 3 * embed_dim)
        self.out = nn.Linear(embed_dim, embed_dim)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril(), persistent=False)

    def forward(self, x):
        return self.extend(x)[0]

    def extend(self, x, past=None):
        """Attention for x's T positions when they follow the P positions whose keys and values are ``past``.

        ``past`` is (keys, values), each (B, H, P, D), or None (P = 0). Returns
        the output (B, T, C) and (keys, values) of all P + T positions: a sampler
        that keeps them (a *KV cache*) feeds each new position alone instead of the
        whole prefix again, and gets the same numbers up to rounding.
        """
        B, T, C = x.shape
        head_dim = C // self.num_heads
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, self.num_heads, head_dim).transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)  # (B, H, P + T, D)
        P = k.shape[2] - T
        scores = q @ k.transpose(-2, -1) / math.sqrt(head_dim)  # (B, H, T, P + T): row t scores every s
        scores = scores.masked_fill(~self.mask[P:P + T, :P + T], float("-inf"))  # s > t: weight 0 after softmax
        weights = self.dropout(scores.softmax(dim=-1))  # (B, H, T, P + T), rows sum to 1
        y = (weights @ v).transpose(1, 2).reshape(B, T, C)  # (B, T, C): heads side by side again
        return self.dropout(self.out(y)), (k, v)


class Block(nn.Module):
    """Pre-norm transformer block: x + attention(LN(x)), then x + MLP(LN(x))."""

    def __init__(self, embed_dim, num_heads, context, dropout):
        super().__init__()
        self.norm1 = nn.LayerNorm(embed_dim)
        self.attention = CausalSelfAttention(embed_dim, num_heads, context, dropout)
        self.norm2 = nn.LayerNorm(embed_dim)
        self.mlp = nn.Sequential(nn.Linear(embed_dim, 4 * embed_dim), nn.GELU(), nn.Linear(4 * embed_dim, embed_dim),
                                 nn.Dropout(dropout))

    def forward(self, x):  # (B, T, C) -> (B, T, C)
        return self.extend(x)[0]

    def extend(self, x, past=None):
        """The block for positions that follow those cached in ``past``: (output, cache), as
        :meth:`CausalSelfAttention.extend`."""
        h, cache = self.attention.extend(self.norm1(x), past)
        x = x + h
        return x + self.mlp(self.norm2(x)), cache


def extend_blocks(blocks, h, cache=None):
    """``blocks`` (causal :class:`Block` s) on ``h`` (B, T, C), positions that follow those ``cache`` holds.

    ``cache`` is (keys, values), each (num_layers, B, heads, K, head_dim), or None (K = 0). Returns the
    blocks' output (B, T, C) and the cache of all K + T positions.
    """
    keys, values = [], []
    for layer, block in enumerate(blocks):
        h, (k, v) = block.extend(h, None if cache is None else (cache[0][layer], cache[1][layer]))
        keys.append(k)
        values.append(v)
    return h, (torch.stack(keys), torch.stack(values))


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes of :class:`TransformerCharLM`; the defaults reach the chapter's loss in about a minute on 2 CPU cores."""

    alphabet: str = ALPHABET
    conditions: tuple = ()  # condition tokens, e.g. ("female", "male")
    context: int = 16  # input positions: the start token and up to 15 letters (census names have <= 13)
    embed_dim: int = 64
    num_heads: int = 4  # 16 dimensions per head
    num_layers: int = 2
    dropout: float = 0.0  # 71k last names: no overfitting within a minute of training

    def __post_init__(self):
        check_char_config(self, ("context", "embed_dim", "num_heads", "num_layers"))
        check_heads(self.embed_dim, self.num_heads)


# How the shipped last-names model trains: keyword arguments of course_lib.train.fit,
# about 55 s on 2 CPU cores (the budget is 60 s).
TRANSFORMER_RECIPE = {"epochs": 7, "batch_size": 256, "lr": 3e-3}


class TransformerCharLM(CharLanguageModel, ConfiguredModule):
    """Token and position embeddings, ``num_layers`` causal blocks, a final LayerNorm and a linear head."""

    config_class = TransformerConfig

    def __init__(self, config=None):
        super().__init__(config)
        config = self.config
        self.vocabulary = CharVocabulary(config.alphabet, config.conditions)
        self.token_embedding = nn.Embedding(self.vocabulary.num_tokens, config.embed_dim)
        self.position_embedding = nn.Embedding(config.context, config.embed_dim)
        self.blocks = nn.Sequential(*(Block(config.embed_dim, config.num_heads, config.context, config.dropout)
                                      for _ in range(config.num_layers)))
        self.norm = nn.LayerNorm(config.embed_dim)
        self.head = nn.Linear(config.embed_dim, self.vocabulary.num_symbols)

    @property
    def max_length(self):
        """Letters a word may have: the context holds the start token and the letters before the end."""
        return self.config.context - 1

    def logits(self, tokens):
        """Next-symbol logits (B, T, S) for input ids (B, T), T <= context."""
        return self.head(self.norm(self.blocks(self._embed(tokens, 0))))  # (B, T, S)

    def extend(self, tokens, cache=None):
        """Logits (B, T - K, S) of positions K..T-1 of ``tokens`` (B, T) when ``cache`` holds the blocks' keys and
        values of positions 0..K-1 (None: K = 0); returns them and the cache of all T positions
        (:func:`extend_blocks`)."""
        h, cache = extend_blocks(self.blocks, self._embed(tokens, 0 if cache is None else cache[0].shape[3]), cache)
        return self.head(self.norm(h)), cache

    def _next_logits_cached(self, tokens, cache):
        logits, cache = self.extend(tokens, cache)
        return logits[:, -1], cache

    def _embed(self, tokens, start):
        """The inputs (B, T - start, C) of positions start..T-1: token and position embeddings."""
        if tokens.shape[1] > self.config.context:
            raise ValueError(f"tokens has {tokens.shape[1]} positions, more than the model's context "
                             f"({self.config.context}); raise TransformerConfig.context or leave out longer words")
        if start and start >= tokens.shape[1]:
            raise ValueError(f"tokens must hold more positions than the cache ({start}), got {tokens.shape[1]}")
        tokens = tokens[:, start:].clamp(min=0)  # padding positions are ignored by every loss
        positions = torch.arange(start, start + tokens.shape[1], device=tokens.device)
        return self.token_embedding(tokens) + self.position_embedding(positions)  # (B, T - start, C)

    def forward(self, tokens):
        """Same as :meth:`logits`."""
        return self.logits(tokens)
