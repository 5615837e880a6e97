"""Learning curves: test accuracy against training-set size, for any classifier with fit and predict (chapter 2)."""
import numpy as np
import torch

from ._checks import check_int, check_seed
from ._tensors import as_tensor, to_numpy


def _stratified_subset(labels, size, rng):
    """Indices of ``size`` examples, class shares as in ``labels``, every class at least once."""
    classes, counts = np.unique(labels, return_counts=True)
    extra = (size - len(classes)) * (counts - 1) / (counts - 1).sum() if counts.sum() > len(classes) else 0 * counts
    take = 1 + np.floor(extra).astype(int)
    leftover = np.argsort(-(extra - np.floor(extra)), kind="stable")[: size - take.sum()]
    take[leftover] += 1
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), k, replace=False)
                           for c, k in zip(classes, take)])


def learning_curve(make_model, X_train, y_train, X_test, y_test, sizes, repeats=5, seed=0):
    """Test accuracy against training-set size, averaged over random subsets.

    For each size and repeat a stratified subset of the training data (every
    class present) is drawn, a fresh model from ``make_model()`` is fitted on it
    and scored on the whole test set. The subsets depend only on ``seed``, so
    two models given the same seed see the same data (a paired comparison).
    A size equal to the whole training set is fitted once (every repeat would
    see the same data), so its ``std`` is 0.

    Parameters
    ----------
    make_model : callable
        ``make_model()`` returns an unfitted model with ``fit(X, y)`` and ``predict(X)``.
    X_train, y_train, X_test, y_test : shapes (N, D), (N,), (M, D), (M,)
    sizes : sequence of int
        Training-set sizes, each at least the number of classes and at most N.
    repeats : int
        Subsets per size.
    seed : int

    Returns
    -------
    dict of NumPy arrays
        ``sizes`` (S,), ``mean`` and ``std`` test accuracy (S,), ``scores`` (S, repeats).
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable returning an unfitted model, got {type(make_model).__name__}")
    X_train, X_test = (as_tensor(name, X, shape=("n_samples", "n_features"))
                       for name, X in (("X_train", X_train), ("X_test", X_test)))
    y_train, y_test = (to_numpy(as_tensor(name, y, shape=(len(X),), integer=True))
                       for name, y, X in (("y_train", y_train, X_train), ("y_test", y_test, X_test)))
    check_int("repeats", repeats, 1)
    seed = check_seed("seed", seed)
    sizes = np.asarray(sizes)
    num_classes = len(np.unique(y_train))
    if sizes.ndim != 1 or len(sizes) == 0 or not np.issubdtype(sizes.dtype, np.integer):
        raise ValueError(f"sizes must be a non-empty 1-D sequence of ints, got {sizes!r}")
    if sizes.min() < num_classes or sizes.max() > len(X_train):
        raise ValueError(f"sizes must lie between the number of classes ({num_classes}) and the number of "
                         f"training examples ({len(X_train)}), got {sizes.tolist()}")
    rng = np.random.default_rng(seed)
    scores = np.zeros((len(sizes), repeats))
    for i, size in enumerate(sizes):
        # the whole training set is the same subset every time: fit it once
        for r in range(1 if size == len(X_train) else repeats):
            rows = torch.as_tensor(_stratified_subset(y_train, int(size), rng))
            model = make_model().fit(X_train[rows], torch.as_tensor(y_train)[rows])
            predicted = to_numpy(model.predict(X_test))
            scores[i, r:] = float(np.mean(predicted == y_test))
    return {"sizes": sizes, "mean": scores.mean(axis=1), "std": scores.std(axis=1), "scores": scores}
