"""Figures used across chapters: digit grids, 2-D samples and densities, training curves.

Every drawing function draws on a Matplotlib ``Axes`` (a new figure when ``ax``
is None) and returns that ``Axes`` so a notebook can add to it. :func:`tile` and
:func:`digit_tiles` build image arrays (the widgets show them without Matplotlib).
Inputs are checked first: NaN or infinite values are refused, never drawn.
"""
import numpy as np
import torch

from ._checks import check_int, check_number
from ._tensors import as_tensor, to_numpy
from .data import DIGITS_SHAPE, NUM_LEVELS


def _finite_array(argument, values, dtype=np.float64, allow_missing=False):
    """``values`` (array, tensor or list) as a NumPy array, checked finite (NaN allowed if ``allow_missing``)."""
    values = to_numpy(as_tensor(argument, values, finite="nan_ok")).astype(dtype, copy=False)
    if not allow_missing and np.isnan(values).any():
        raise ValueError(f"{argument} must hold finite numbers, got {int(np.isnan(values).sum())} NaN; pass "
                         "allow_missing=True to draw NaN as missing (blank) pixels")
    return values


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def tile(images, ncols=10, pad=1, fill=np.nan, image_shape=DIGITS_SHAPE, allow_missing=False):
    """Arrange images row by row in one array, ``pad`` pixels of ``fill`` around each.

    Parameters
    ----------
    images : array or tensor, shape (N, H*W) or (N, H, W)
    ncols : int
        Images per row (at most N).
    pad : int
        Pixels between images and around the border.
    fill : float
        Value of the padding (NaN is drawn blank by ``imshow``).
    image_shape : tuple of int
        (H, W) used when images come flattened.
    allow_missing : bool
        Let NaN pixels through (they mark missing values); otherwise NaN is an error.

    Returns
    -------
    numpy.ndarray, shape (rows * (H + pad) + pad, cols * (W + pad) + pad), float
    """
    images = _finite_array("images", images, allow_missing=allow_missing)
    check_int("ncols", ncols, 1)
    check_int("pad", pad, 0)
    if images.ndim == 2:
        if images.shape[1] != int(np.prod(image_shape)):
            raise ValueError(f"images must have shape (N, {int(np.prod(image_shape))}) for image_shape "
                             f"{tuple(image_shape)}, got {images.shape}")
        images = images.reshape(len(images), *image_shape)
    if images.ndim != 3:
        raise ValueError(f"images must have shape (N, H*W) or (N, H, W), got {images.shape}")
    n, height, width = images.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    canvas = np.full((nrows * (height + pad) + pad, ncols * (width + pad) + pad), fill, dtype=float)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        canvas[top:top + height, left:left + width] = image
    return canvas


def digit_tiles(images, ncols=None, scale=8, vmax=None, pad=1):
    """Tile 8x8 digits into one uint8 picture, white paper and dark ink.

    Parameters
    ----------
    images : array or tensor (any device), shape (N, 64)
        Grey levels in ``[0, vmax]``.
    ncols : int, optional
        Tiles per row (default all in one row).
    scale : int
        Screen pixels per digit pixel (nearest-neighbour upscaling).
    vmax : float, optional
        Level drawn black; default the top grey level, ``NUM_LEVELS - 1`` (16).
    pad : int
        Grey pixels between and around the tiles.

    Returns
    -------
    numpy.ndarray, shape (rows * (8 * scale + pad) + pad, cols * (8 * scale + pad) + pad), uint8
    """
    height, width = DIGITS_SHAPE
    images = _finite_array("images", images, np.float32)
    if images.ndim != 2 or images.shape[1] != height * width:
        raise ValueError(f"images must have shape (N, {height * width}), got {images.shape}")
    check_int("scale", scale, 1, maximum=64)
    vmax = NUM_LEVELS - 1 if vmax is None else vmax
    check_number("vmax", vmax, strict=True)
    ink = 255 - np.clip(images / vmax, 0, 1) * 255  # (N, 64): white paper, black ink
    tiles = ink.reshape(-1, height, width).repeat(scale, axis=1).repeat(scale, axis=2)  # (N, 8s, 8s)
    return tile(tiles, ncols or len(tiles), pad=pad, fill=200).astype(np.uint8)


def image_grid(images, ncols=10, ax=None, title=None, vmax=NUM_LEVELS - 1, image_shape=DIGITS_SHAPE,
               allow_missing=False):
    """Tile images into one grid, white background and dark ink like paper.

    Parameters
    ----------
    images : array or tensor, shape (N, H*W) or (N, H, W)
        Pixel intensities in ``[0, vmax]``.
    ncols : int
        Images per row.
    title : str, optional
    vmax : float
        Intensity drawn as full ink (16 for digits).
    image_shape : tuple of int
        (H, W) used when images come flattened.
    allow_missing : bool
        Draw NaN pixels (missing values) as blank paper instead of refusing them.
    """
    canvas = tile(images, ncols, image_shape=image_shape, allow_missing=allow_missing)
    check_number("vmax", vmax, strict=True)
    ncols = min(ncols, len(images))
    nrows = -(-len(images) // ncols)
    ax = _new_axes(ax, (0.6 * ncols + 0.4, 0.6 * nrows + 0.4))
    ax.imshow(canvas, cmap="gray_r", vmin=0, vmax=vmax, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return ax


def scatter2d(x, labels=None, ax=None, title=None, s=4, alpha=0.6, **kwargs):
    """Scatter plot of 2-D points, coloured by ``labels`` when given."""
    x = to_numpy(as_tensor("x", x, shape=(None, 2)))
    colours = None if labels is None else to_numpy(as_tensor("labels", labels, shape=(len(x),)))
    ax = _new_axes(ax, (4, 4))
    ax.scatter(x[:, 0], x[:, 1], c=colours, s=s, alpha=alpha, cmap="tab10" if colours is not None else None, **kwargs)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal", adjustable="datalim")
    if title:
        ax.set_title(title)
    return ax


def density_contour(log_density, xlim=(-3, 3), ylim=(-3, 3), resolution=150, ax=None,
                    title=None, filled=True, levels=12):
    """Contours of a 2-D density given its log-density function.

    Parameters
    ----------
    log_density : callable
        Maps a float32 tensor of shape (M, 2) to log densities of shape (M,).
    xlim, ylim : (float, float)
        Plotted region.
    resolution : int
        Grid points per axis.
    filled : bool
        Filled contours of the density (True) or contour lines (False).
    """
    if not callable(log_density):
        raise TypeError(f"log_density must be callable, got {type(log_density).__name__}")
    for name, limits in (("xlim", xlim), ("ylim", ylim)):
        low, high = _finite_array(name, limits)
        if not low < high:
            raise ValueError(f"{name} must be (low, high) with low < high, got {tuple(limits)}")
    check_int("resolution", resolution, 2, maximum=2000)
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = torch.as_tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), dtype=torch.float32)
    with torch.no_grad():
        values = to_numpy(log_density(points)).reshape(grid_x.shape)
    if np.isnan(values).any() or np.isposinf(values).any():
        raise ValueError(f"log_density returned {int(np.isnan(values).sum() + np.isposinf(values).sum())} NaN or "
                         "+inf values on the grid; expected log densities (-inf, for zero density, is allowed)")
    ax = _new_axes(ax, (4, 4))
    draw = ax.contourf if filled else ax.contour
    draw(grid_x, grid_y, np.exp(values), levels=levels, cmap="viridis" if filled else "Greys")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def training_curves(history, ax=None, ylabel="loss", title=None):
    """Training (and validation, if any) loss per epoch from a :class:`~course_lib.train.History`."""
    from .train import History

    if not isinstance(history, History):
        raise TypeError(f"history must be a course_lib.train.History, got {type(history).__name__}")
    ax = _new_axes(ax, (5, 3))
    epochs = np.arange(1, len(history.train_loss) + 1)
    ax.plot(epochs, history.train_loss, label="train")
    if history.val_loss:
        ax.plot(epochs, history.val_loss, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    if title:
        ax.set_title(title)
    return ax


def covariance_ellipses(means, covariances, ax=None, n_std=(1.0, 2.0), colors=None, **kwargs):
    """Draw each 2-D Gaussian component as ellipses at ``n_std`` standard deviations.

    Parameters
    ----------
    means : array or tensor, shape (K, 2)
    covariances : array or tensor, shape (K, 2, 2) (full), (K, 2) (diagonal) or (K,) (spherical)
    n_std : sequence of float
        Mahalanobis radii of the ellipses drawn for each component.
    colors : sequence of colours, optional
        One per component; default the ``tab10`` cycle.
    **kwargs
        Passed to ``matplotlib.patches.Ellipse`` (``linewidth``, ``linestyle``...).
    """
    from matplotlib.patches import Ellipse

    means = to_numpy(as_tensor("means", means, shape=("K", 2))).astype(float)
    covariances = _finite_array("covariances", covariances)
    k = len(means)
    if covariances.shape == (k,):
        covariances = covariances[:, None, None] * np.eye(2)
    elif covariances.shape == (k, 2):
        covariances = covariances[:, :, None] * np.eye(2)
    elif covariances.shape != (k, 2, 2):
        raise ValueError(f"covariances must have shape ({k}, 2, 2), ({k}, 2) or ({k},), got {covariances.shape}")
    ax = _new_axes(ax, (4, 4))
    colors = colors if colors is not None else [f"C{i % 10}" for i in range(k)]
    for mean, covariance, color in zip(means, covariances, colors):
        variances, vectors = np.linalg.eigh(covariance)  # ascending eigenvalues
        angle = np.degrees(np.arctan2(vectors[1, 1], vectors[0, 1]))  # direction of the largest axis
        for radius in n_std:
            width, height = 2 * radius * np.sqrt(np.maximum(variances[::-1], 0))
            ax.add_patch(Ellipse(mean, width, height, angle=angle, fill=False, edgecolor=color,
                                 **{"linewidth": 1.5, **kwargs}))
        ax.plot(*mean, marker="x", color=color, markersize=8, markeredgewidth=2)
    return ax
