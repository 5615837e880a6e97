"""course_lib.learning_curves: stratified subsets, paired repeats, error messages."""
import numpy as np
import pytest

from course_lib.classifiers import GaussianClassifier
from course_lib.learning_curves import _stratified_subset, learning_curve
from tests.test_classifiers import make_blobs


@pytest.fixture(scope="module")
def blobs():
    return make_blobs()


def test_stratified_subset_has_every_class_and_right_size():
    labels = np.repeat(np.arange(10), [50, 5, 5, 5, 5, 5, 5, 5, 5, 10])
    rng = np.random.default_rng(0)
    for size in (10, 11, 25, 100):
        rows = _stratified_subset(labels, size, rng)
        assert len(rows) == size and len(np.unique(rows)) == size
        assert set(labels[rows]) == set(range(10))


def test_learning_curve_shapes_and_pairing(blobs):
    x, y = blobs
    test_x, test_y = make_blobs(n=100, seed=5)
    sizes = [3, 10, 300]
    result = learning_curve(lambda: GaussianClassifier("diag"), x, y, test_x, test_y, sizes, repeats=3)
    assert set(result) == {"sizes", "mean", "std", "scores"}
    assert result["scores"].shape == (3, 3) and ((0 <= result["scores"]) & (result["scores"] <= 1)).all()
    np.testing.assert_allclose(result["mean"], result["scores"].mean(1))
    assert result["std"][-1] == pytest.approx(0, abs=1e-12)  # the whole training set is fitted once
    full_fit = GaussianClassifier("diag").fit(x, y).predict(test_x)
    assert result["mean"][-1] == pytest.approx(np.mean(full_fit == test_y))
    again = learning_curve(lambda: GaussianClassifier("diag"), x, y, test_x, test_y, sizes, repeats=3)
    np.testing.assert_array_equal(result["scores"], again["scores"])


def test_learning_curve_errors(blobs):
    x, y = blobs
    with pytest.raises(ValueError, match=r"sizes must lie between the number of classes \(3\) and the number "
                                         r"of training examples \(300\), got \[2, 10\]"):
        learning_curve(lambda: GaussianClassifier(), x, y, x, y, [2, 10])
    with pytest.raises(TypeError, match="make_model must be a callable"):
        learning_curve(GaussianClassifier(), x, y, x, y, [10])
    with pytest.raises(ValueError, match=r"^y_test must have shape \(300,\), got \(299,\)$"):
        learning_curve(lambda: GaussianClassifier(), x, y, x, y[:-1], [10])
