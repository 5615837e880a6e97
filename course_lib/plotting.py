"""Figures used across chapters: digit grids, 2-D samples and densities, training curves.

Every function draws on a Matplotlib ``Axes`` (a new figure when ``ax`` is
None) and returns that ``Axes`` so a notebook can add to it.
"""
import numpy as np
import torch

from .data import DIGITS_SHAPE, NUM_LEVELS


def _numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def tile(images, ncols=10, pad=1, fill=np.nan, image_shape=DIGITS_SHAPE):
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

    Returns
    -------
    numpy.ndarray, shape (rows * (H + pad) + pad, cols * (W + pad) + pad), float
    """
    images = _numpy(images).astype(float)
    if images.ndim == 2:
        images = images.reshape(len(images), *image_shape)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(f"images must have shape (N, H*W) or (N, H, W) with N >= 1, got {images.shape}")
    n, height, width = images.shape
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    canvas = np.full((nrows * (height + pad) + pad, ncols * (width + pad) + pad), fill, dtype=float)
    for i, image in enumerate(images):
        r, c = divmod(i, ncols)
        top, left = pad + r * (height + pad), pad + c * (width + pad)
        canvas[top:top + height, left:left + width] = image
    return canvas


def image_grid(images, ncols=10, ax=None, title=None, vmax=NUM_LEVELS - 1, image_shape=DIGITS_SHAPE):
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
    """
    canvas = tile(images, ncols, image_shape=image_shape)
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
    x = _numpy(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"x must have shape (N, 2), got {x.shape}")
    ax = _new_axes(ax, (4, 4))
    colours = None if labels is None else _numpy(labels)
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
    xs = np.linspace(*xlim, resolution)
    ys = np.linspace(*ylim, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    points = torch.as_tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1), dtype=torch.float32)
    with torch.no_grad():
        values = _numpy(log_density(points)).reshape(grid_x.shape)
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

    means, covariances = _numpy(means).astype(float), _numpy(covariances).astype(float)
    if means.ndim != 2 or means.shape[1] != 2:
        raise ValueError(f"means must have shape (K, 2), got {means.shape}")
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
