"""Measures of generative models (chapter 7); this package imports no model family.

- :mod:`.likelihood`: nats per example to bits per dimension;
- :mod:`.samples`: measures on feature vectors of samples (FID, KID, IS,
  precision and recall, MMD);
- :mod:`.checks`: memorisation distances, a classifier two-sample test, and a
  bootstrap interval for any of the measures.
"""
from .checks import bootstrap_interval, classifier_two_sample_test, memorization
from .likelihood import bits_per_dim
from .samples import fid, frechet_distance, inception_score, kid, mmd, precision_recall

__all__ = ["bits_per_dim", "bootstrap_interval", "classifier_two_sample_test", "fid", "frechet_distance",
           "inception_score", "kid", "memorization", "mmd", "precision_recall"]
