"""Data sets that ship inside installed packages or are generated: nothing downloads.

- :func:`load_digits`: scikit-learn's 8x8 digits with the fixed split used in
  published work (train ``[:1000]``, val ``[1000:1350]``, test ``[1350:]``), or
  a shuffled split of the same sizes (``shuffle_seed``).
- :func:`toy2d`: two-dimensional toy distributions with known modes
  (:func:`mode_centres`, and :func:`mode_coverage` to score samples against them).
- :func:`load_names`: US census first and last names from the ``names`` package
  (:func:`load_first_names_by_sex`: first names with the census list each comes from).
- :func:`load_mnist` (from :mod:`course_lib.mnist`): an IDX reader for users who already have MNIST files.
"""
import functools
import math
from pathlib import Path

import numpy as np
import torch

from ._checks import check_choice, check_count, check_number, check_seed
from .mnist import IDX_DTYPES, load_mnist, read_idx  # noqa: F401  (data.load_mnist, as before)

NUM_LEVELS = 17  # digits pixels are integers 0..16
DIGITS_SHAPE = (8, 8)
NUM_PIXELS = DIGITS_SHAPE[0] * DIGITS_SHAPE[1]
DIGIT_SPLITS = {
    "train": slice(0, 1000),
    "val": slice(1000, 1350),
    "test": slice(1350, None),
    "all": slice(None),
}
TOY2D_NAMES = ("ring", "grid", "moons", "spirals")
TOY2D_NOISE = {"ring": 0.05, "grid": 0.05, "moons": 0.1, "spirals": 0.2}  # default noise standard deviations
NAME_KINDS = ("first", "last", "all")
NAME_SPLITS = ("train", "val", "test", "all")
NAME_SPLIT_FRACTIONS = (0.8, 0.1, 0.1)  # train / val / test after a fixed shuffle


def as_digit_images(argument, images, dtype=None, device=None, hint=""):
    """``images`` as a tensor (N, 64) of grey levels in [0, 16], integers or not (generated images), checked.

    Values outside the range are refused, not clipped; ``hint`` is added to that message.
    """
    from ._tensors import as_tensor, check_within

    images = as_tensor(argument, images, dtype=dtype, device=device, shape=(None, NUM_PIXELS))
    check_within(argument, images, NUM_LEVELS - 1, hint)
    return images


def load_digits(split="train", shuffle_seed=None):
    """Load scikit-learn's 8x8 handwritten digits, with the course's fixed split or a shuffled one.

    The fixed split (the default) cuts the images in file order, as published
    work on this data does, so likelihoods stay comparable with it. Its blocks
    are not exchangeable: classifiers score several points lower on its test
    block than on its validation block, while on shuffled splits the two agree
    (chapter 2). Use ``shuffle_seed`` to report results over several random
    splits of the same sizes.

    Parameters
    ----------
    split : {"train", "val", "test", "all"}
        ``train`` is images 0..999, ``val`` 1000..1349, ``test`` 1350..1796
        (1,000, 350 and 447 images) of the order chosen by ``shuffle_seed``.
    shuffle_seed : int >= 0, optional
        None: scikit-learn's file order (the fixed split). An int: the 1,797
        images are first permuted by ``numpy.random.default_rng(shuffle_seed)``;
        the three splits of one seed never overlap and together hold every image.

    Returns
    -------
    images : torch.Tensor, shape (N, 64), float32
        Pixel values, the integers 0..16 (17 grey levels), row-major 8x8.
    labels : torch.Tensor, shape (N,), int64
        The digit, 0..9.

    Raises
    ------
    ValueError
        An unknown ``split`` or a negative ``shuffle_seed``.
    TypeError
        A ``shuffle_seed`` that is not an int.
    """
    check_choice("split", split, DIGIT_SPLITS)
    data, target = _sklearn_digits()
    rows = np.arange(len(target))
    if shuffle_seed is not None:
        rows = np.random.default_rng(check_seed("shuffle_seed", shuffle_seed)).permutation(len(target))
    rows = rows[DIGIT_SPLITS[split]]
    # torch.tensor copies, so a caller editing the result cannot change the cached arrays
    return torch.tensor(data[rows], dtype=torch.float32), torch.tensor(target[rows], dtype=torch.int64)


@functools.lru_cache(maxsize=1)
def _sklearn_digits():
    """scikit-learn's digits, parsed once per process (chapters ask for three splits)."""
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return bunch.data, bunch.target


MODE_NAMES = ("ring", "grid")  # the toy sets made of Gaussian modes


def mode_centres(name):
    """The modes of a toy set: ``ring``, 8 points on the circle of radius 2 (angle 2 pi k / 8);
    ``grid``, the 25 points of {-2, ..., 2}^2 (row-major). float64 tensor, shape (K, 2)."""
    check_choice("name", name, MODE_NAMES)
    if name == "ring":
        angle = 2 * math.pi * np.arange(8) / 8
        return torch.as_tensor(2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1))
    k = np.arange(25)
    return torch.as_tensor(np.stack([k // 5 - 2, k % 5 - 2], axis=1).astype(float))


def mode_coverage(samples, name="ring", noise=None, within=3.0, min_share=0.01):
    """How well samples cover a toy set's modes, the measure of Metz et al. (2017) and Srivastava et al. (2017).

    A sample is *near* a mode when it lies within ``within`` noise standard
    deviations of it; a mode is *covered* when at least ``min_share`` of all
    samples are near it.

    Parameters
    ----------
    samples : tensor or array, shape (N, 2)
    name : {"ring", "grid"}
    noise : float, optional
        The data's noise standard deviation (default: ``toy2d``'s for ``name``).

    Returns
    -------
    dict
        ``modes`` (int, modes covered), ``near`` (float, share of samples near
        some mode) and ``counts`` (int64 tensor (K,), samples near each mode).
    """
    from ._tensors import as_tensor

    centres = mode_centres(name)
    noise = TOY2D_NOISE[name] if noise is None else noise
    check_number("noise", noise, strict=True)
    check_number("within", within, strict=True)
    check_number("min_share", min_share, maximum=1.0)
    x = as_tensor("samples", samples, dtype=torch.float64, device="cpu", shape=(None, 2))
    distance, nearest = torch.cdist(x, centres).min(1)  # (N,) each
    near = distance < within * noise
    counts = torch.bincount(nearest[near], minlength=len(centres))
    return {"modes": int((counts >= min_share * len(x)).sum()), "near": float(near.double().mean()),
            "counts": counts}


def toy2d(name, n=1000, seed=0, noise=None):
    """Sample a two-dimensional toy distribution whose modes are known.

    Parameters
    ----------
    name : {"ring", "grid", "moons", "spirals"}
        ``ring``: 8 Gaussians on a circle of radius 2; ``grid``: 25 Gaussians
        on a 5x5 grid with spacing 1; ``moons``: two interleaved half circles;
        ``spirals``: two interleaved spiral arms.
    n : int
        Number of points.
    seed : int
        Seed of a private NumPy generator (global state is not touched).
    noise : float, optional
        Standard deviation of the Gaussian noise, at most 100 (the modes lie
        within 3 of the origin). Defaults: 0.05 (ring), 0.05 (grid), 0.1
        (moons), 0.2 (spirals).

    Returns
    -------
    x : torch.Tensor, shape (n, 2), float32
    labels : torch.Tensor, shape (n,), int64
        The mode (ring, grid) or arm (moons, spirals) each point came from.
    """
    check_choice("name", name, TOY2D_NAMES)
    n = check_count("n", n, bytes_each=64)  # float64 draws and intermediates, about 8 per point
    seed = check_seed("seed", seed)
    noise = TOY2D_NOISE[name] if noise is None else noise
    check_number("noise", noise, maximum=100)
    rng = np.random.default_rng(seed)
    if name in MODE_NAMES:
        modes = mode_centres(name).numpy()
        labels = rng.integers(0, len(modes), size=n)
        centres = modes[labels]
    elif name == "moons":
        labels = rng.integers(0, 2, size=n)
        t = rng.uniform(0, math.pi, size=n)
        upper = np.stack([np.cos(t), np.sin(t)], axis=1)
        lower = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        centres = np.where(labels[:, None] == 0, upper, lower)
    else:  # spirals: radius grows with angle, second arm rotated by pi
        labels = rng.integers(0, 2, size=n)
        t = np.sqrt(rng.uniform(0, 1, size=n)) * 3 * math.pi
        angle = t + math.pi * labels
        centres = (t / math.pi)[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres + noise * rng.standard_normal((n, 2))
    return torch.as_tensor(x, dtype=torch.float32), torch.as_tensor(labels, dtype=torch.int64)


CENSUS_LISTS = {"female first": "dist.female.first", "male first": "dist.male.first", "last": "dist.all.last"}


@functools.lru_cache(maxsize=None)
def _read_census_rows(filename):
    """(name, percent of people, cumulative percent) for each line of one census list, most frequent first."""
    import names  # the PyPI package that bundles the census lists

    path = Path(names.__file__).parent / filename
    with open(path, encoding="ascii") as handle:
        rows = [line.split() for line in handle if line.strip()]
    return tuple((name.lower(), float(percent), float(cumulative)) for name, percent, cumulative, _rank in rows)


def _read_census_names(filename):
    return tuple(name for name, _, _ in _read_census_rows(filename))


def census_coverage(kind):
    """What one of the 1990 US census name lists holds: its names, and the share of people they cover.

    Parameters
    ----------
    kind : {"female first", "male first", "last"}

    Returns
    -------
    dict
        ``names`` (the list's length), ``covered`` (share of the people
        counted whose name is on the list: the cut-off), ``rare`` (names whose
        share is printed as 0.000%, below 0.0005% of people).
    """
    check_choice("kind", kind, list(CENSUS_LISTS))
    rows = _read_census_rows(CENSUS_LISTS[kind])
    return {"names": len(rows), "covered": rows[-1][2] / 100, "rare": sum(percent == 0 for _, percent, _ in rows)}


def load_names(split="train", kind="first"):
    """US census names from the ``names`` package, lower-case and deduplicated.

    The unique names are sorted, shuffled with a fixed seed and cut 80/10/10
    into train, val and test, so every user gets the same split.

    Parameters
    ----------
    split : {"train", "val", "test", "all"}
    kind : {"first", "last", "all"}
        First names (male and female lists merged), last names, or both.

    Returns
    -------
    list of str
        Names made of the letters a-z only.
    """
    check_choice("split", split, NAME_SPLITS)
    check_choice("kind", kind, NAME_KINDS)
    files = {
        "first": [CENSUS_LISTS["male first"], CENSUS_LISTS["female first"]],
        "last": [CENSUS_LISTS["last"]],
    }
    wanted = files["first"] + files["last"] if kind == "all" else files[kind]
    unique = sorted({name for f in wanted for name in _read_census_names(f) if name.isalpha()})
    order = np.random.default_rng(0).permutation(len(unique))
    shuffled = [unique[i] for i in order]
    if split == "all":
        return shuffled
    n_train = int(NAME_SPLIT_FRACTIONS[0] * len(shuffled))
    n_val = int(NAME_SPLIT_FRACTIONS[1] * len(shuffled))
    bounds = {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, len(shuffled))}
    start, stop = bounds[split]
    return shuffled[start:stop]


CENSUS_SEXES = ("female", "male")  # the census first-name lists: a binary field, as the 1990 census recorded it


def load_first_names_by_sex(split="train"):
    """The first names of ``load_names(split, "first")``, each with the census list it appears in.

    A name on both lists (``"jordan"``) appears twice, once per list, so a model
    of ``p(name | sex)`` sees it under both. The split is that of
    :func:`load_names`: no test name is a training name under either label.

    Returns
    -------
    names : list of str
    sexes : list of str
        ``"female"`` or ``"male"`` for each name.
    """
    split_names = load_names(split, "first")
    lists = {sex: set(_read_census_names(CENSUS_LISTS[f"{sex} first"])) for sex in CENSUS_SEXES}
    pairs = [(name, sex) for name in split_names for sex in CENSUS_SEXES if name in lists[sex]]
    return [name for name, _ in pairs], [sex for _, sex in pairs]
