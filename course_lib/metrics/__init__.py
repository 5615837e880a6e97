"""Measures of generative models (chapter 7); this package imports no model family.

- :mod:`.likelihood`: nats per example to bits per dimension.
"""
from .likelihood import bits_per_dim

__all__ = ["bits_per_dim"]
