"""mixture.CategoricalMixture: the per-pixel categorical baselines of chapter 7, checked by hand and by enumeration."""
import itertools
import re

import numpy as np
import pytest
import torch

from course_lib.data import load_digits
from course_lib.mixture import CategoricalMixture, NotFittedError


def test_one_component_is_smoothed_per_pixel_frequencies():
    x = torch.tensor([[0, 2], [0, 1], [1, 2], [0, 2]])
    model = CategoricalMixture(1, num_levels=3, alpha=0.5).fit(x)
    expected = torch.tensor([[3.5, 1.5, 0.5], [0.5, 1.5, 3.5]], dtype=torch.float64) / 5.5  # (count + 1/2) / (4 + 3/2)
    torch.testing.assert_close(model.probs_[0], expected)
    torch.testing.assert_close(model.log_prob(torch.tensor([[1, 0]])), (expected[0, 1] * expected[1, 0]).log()[None])


def test_probabilities_of_every_possible_image_sum_to_one():
    generator = torch.Generator().manual_seed(0)
    x = torch.randint(3, (40, 3), generator=generator)
    model = CategoricalMixture(4, num_levels=3, random_state=0).fit(x)
    every = torch.tensor(list(itertools.product(range(3), repeat=3)))  # all 27 images of 3 pixels
    assert abs(model.log_prob(every).exp().sum().item() - 1) < 1e-12


def test_without_pseudo_counts_em_never_lowers_the_likelihood():
    x, _ = load_digits("train")
    bounds = [CategoricalMixture(5, alpha=0.0, max_iter=i, tol=0, random_state=0).fit(x[:300]).lower_bound_
              for i in range(1, 15)]
    assert all(b >= a - 1e-9 for a, b in zip(bounds, bounds[1:])), bounds


def test_a_seeded_fit_converges_and_repeats_exactly():
    x_train, _ = load_digits("train")
    model = CategoricalMixture(10, random_state=0).fit(x_train[:300])  # quality on test: chapter 7's checks
    assert model.converged_ and model.n_iter_ < 200
    again = CategoricalMixture(10, random_state=0).fit(x_train[:300])
    torch.testing.assert_close(again.probs_, model.probs_, rtol=0, atol=0)
    other = CategoricalMixture(10, random_state=1).fit(x_train[:300])
    assert not torch.equal(other.probs_, model.probs_)


def test_samples_follow_the_fitted_probabilities():
    x = torch.randint(4, (200, 2), generator=torch.Generator().manual_seed(1))
    model = CategoricalMixture(2, num_levels=4, random_state=0).fit(x)
    samples = model.sample(40000, generator=torch.Generator().manual_seed(2))
    assert samples.dtype == torch.float64 and samples.shape == (40000, 2)
    marginal = (model.weights_[:, None, None] * model.probs_).sum(0)  # (D, V)
    for pixel in range(2):
        shares = torch.bincount(samples[:, pixel].long(), minlength=4).double() / len(samples)
        torch.testing.assert_close(shares, marginal[pixel], atol=0.01, rtol=0)


def test_numpy_in_numpy_out():
    x, _ = load_digits("train")
    model = CategoricalMixture(2, random_state=0).fit(x.numpy())
    assert isinstance(model.log_prob(x[:3].numpy()), np.ndarray) and isinstance(model.log_prob(x[:3]), torch.Tensor)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_components": 0}, "n_components must be an int >= 1, got 0"),
    ({"num_levels": 1}, "num_levels must be an int >= 2, got 1"),
    ({"alpha": -1.0}, "alpha must be a finite number >= 0, got -1.0"),
    ({"random_state": -3}, "random_state must be an int >= 0, got -3"),
])
def test_bad_parameters_are_named(kwargs, message):
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        CategoricalMixture(**kwargs)


def test_bad_data_and_unfitted_use_are_named():
    with pytest.raises(ValueError, match=re.escape("X must hold the integer levels 0..16, got values in [0, 17]")):
        CategoricalMixture(2).fit(torch.tensor([[0.0, 17.0]]))
    with pytest.raises(ValueError, match=re.escape("X must hold the integer levels 0..16, got values in [0, 0.5]")):
        CategoricalMixture(2).fit(torch.tensor([[0.0, 0.5]]))
    model = CategoricalMixture(1).fit(torch.zeros(3, 4))
    with pytest.raises(ValueError, match=re.escape("X must have shape (n_samples, 4), got (2, 5)")):
        model.log_prob(torch.zeros(2, 5))
    with pytest.raises(NotFittedError, match="not fitted yet: call fit"):
        CategoricalMixture(2).log_prob(torch.zeros(2, 5))
