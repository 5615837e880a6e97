"""Measures of generative models (chapters 7 and 8); this package imports no model family.

- :mod:`.likelihood`: nats per example to bits per dimension;
- :mod:`.samples`: measures on feature vectors of samples (FID, KID, IS,
  precision and recall, MMD);
- :mod:`.checks`: memorisation distances, a classifier two-sample test, and a
  bootstrap interval for any of the measures;
- :mod:`.latent`: active units of a latent code (posterior collapse, chapter 8);
- :mod:`.privacy`: exact copies among samples and the AUC of a membership-inference attack (chapter 9).
"""
from .checks import bootstrap_interval, classifier_two_sample_test, memorization
from .latent import active_units
from .likelihood import bits_per_dim
from .privacy import copy_rate, membership_auc
from .samples import fid, frechet_distance, inception_score, kid, mmd, precision_recall

__all__ = ["active_units", "bits_per_dim", "bootstrap_interval", "classifier_two_sample_test", "copy_rate", "fid",
           "frechet_distance", "inception_score", "kid", "membership_auc", "memorization", "mmd", "precision_recall"]
