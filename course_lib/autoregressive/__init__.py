"""Autoregressive models (chapter 6): the chain rule, from counting to a small transformer, and a pixel model.

Every model here factorises ``p(x) = prod_t p(x_t | x_<t)`` (eq. 6.1), so its
likelihood is exact and sampling goes one symbol at a time. Read from the
smallest part up:

- :mod:`.vocabulary`: characters to ids, the boundary symbol, condition tokens (the simplest prompt);
- :mod:`.sampling`: what every character model shares: ``log_prob``, ``loss``,
  ``sample`` with temperature, top-k and top-p, and the teacher-forcing loss;
- :mod:`.counts`: n-gram models by counting with add-alpha smoothing;
- :mod:`.mlp`: the neural n-gram of Bengio et al. (2003);
- :mod:`.transformer`: causal self-attention, the block, the character GPT;
- :mod:`.pixels`: the 64 pixels of a digit in raster order, with ``complete``;
- :mod:`.tokenizer`: byte-pair encoding, what a token is.
"""
from .counts import ALPHAS, BigramCounts, NGramCounts, fit_counts
from .mlp import MLP_RECIPE, MLPCharLM, MLPConfig
from .pixels import PIXEL_RECIPE, PixelConfig, PixelTransformer, pixel_loss
from .sampling import CharLanguageModel, filter_logits, next_token_loss
from .tokenizer import BytePairTokenizer
from .transformer import TRANSFORMER_RECIPE, Block, CausalSelfAttention, TransformerCharLM, TransformerConfig
from .vocabulary import ALPHABET, BOUNDARY, PAD, CharVocabulary

__all__ = ["ALPHABET", "ALPHAS", "BOUNDARY", "MLP_RECIPE", "PAD", "PIXEL_RECIPE", "TRANSFORMER_RECIPE", "BigramCounts",
           "Block", "BytePairTokenizer", "CausalSelfAttention", "CharLanguageModel", "CharVocabulary", "MLPCharLM",
           "MLPConfig", "NGramCounts", "PixelConfig", "PixelTransformer", "TransformerCharLM", "TransformerConfig",
           "filter_logits", "fit_counts", "next_token_loss", "pixel_loss"]
