import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_lib import data, display, plotting, train  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_image_grid_tiles_images_in_order():
    images = torch.arange(3 * 64, dtype=torch.float32).reshape(3, 64) % 17
    ax = plotting.image_grid(images, ncols=2, title="digits")
    canvas = ax.get_images()[0].get_array()
    assert canvas.shape == (2 * 9 + 1, 2 * 9 + 1)
    np.testing.assert_array_equal(canvas[1:9, 10:18], images[1].reshape(8, 8).numpy())
    assert ax.get_title() == "digits"


def test_image_grid_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"images must have shape \(N, H\*W\) or \(N, H, W\)"):
        plotting.image_grid(np.zeros(64))


def test_scatter_and_density_plots_label_axes():
    x, labels = data.toy2d("ring", n=50)
    ax = plotting.scatter2d(x, labels, title="ring")
    assert ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    normal = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
    ax = plotting.density_contour(normal.log_prob, resolution=20)
    assert ax.collections and ax.get_xlabel() == "$x_1$"
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        plotting.scatter2d(torch.zeros(5, 3))
    with pytest.raises(TypeError, match="log_density must be callable"):
        plotting.density_contour(3)


def test_training_curves_plot_train_and_validation():
    history = train.History(series={"train_loss": [3.0, 2.0, 1.5], "val_loss": [3.1, 2.2, 1.9]})
    ax = plotting.training_curves(history, ylabel="nats")
    assert [line.get_label() for line in ax.get_lines()] == ["train", "validation"]
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), [3.1, 2.2, 1.9])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "nats"


def test_source_returns_the_real_code():
    assert display.source(data.load_digits).startswith("def load_digits(")
    with pytest.raises(TypeError, match="obj must be a function, class, method or module, got int"):
        display.source(3)


def test_show_source_displays_markdown(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    display.show_source(data.toy2d)
    assert shown[0].data.startswith("```python\ndef toy2d(")


def test_tile_pads_with_the_fill_value():
    images = torch.ones(3, 2, 2)
    canvas = plotting.tile(images, ncols=2, pad=1, fill=-1.0)
    assert canvas.shape == (2 * 3 + 1, 2 * 3 + 1)
    assert (canvas == 1).sum() == 12 and (canvas == -1).sum() == canvas.size - 12
    np.testing.assert_array_equal(canvas[4:6, 1:3], np.ones((2, 2)))  # third image starts row two


def test_plots_refuse_nan_and_inf_unless_missing_pixels_are_asked_for():
    import re

    holey = np.zeros((2, 64))
    holey[0, 3] = np.nan
    message = "images must hold finite numbers, got 1 NaN; pass allow_missing=True to draw NaN as missing (blank) pixels"
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        plotting.image_grid(holey)
    assert np.isnan(plotting.tile(holey, allow_missing=True)[1:9, 1:9]).sum() == 1
    with pytest.raises(ValueError, match=r"^images must hold finite numbers, got 64 infinite values$"):
        plotting.tile(np.full((1, 64), np.inf), allow_missing=True)
    with pytest.raises(ValueError, match=r"^ncols must be an int >= 1, got 0$"):
        plotting.tile(np.zeros((2, 64)), ncols=0)
    with pytest.raises(ValueError, match=r"^x must hold finite numbers, got 1 NaN or infinite values$"):
        plotting.scatter2d(np.array([[0.0, np.nan]]))
    with pytest.raises(ValueError, match=r"^means must hold finite numbers, got 1 NaN or infinite values$"):
        plotting.covariance_ellipses(np.array([[0.0, np.inf]]), np.eye(2)[None])
    with pytest.raises(ValueError, match=r"^covariances must hold finite numbers, got 1 NaN"):
        plotting.covariance_ellipses(np.zeros((1, 2)), np.array([[[1.0, np.nan], [0.0, 1.0]]]))
    with pytest.raises(ValueError, match=r"^log_density returned 22500 NaN or \+inf values on the grid"):
        plotting.density_contour(lambda points: torch.full((len(points),), float("nan")))
    with pytest.raises(ValueError, match=r"^xlim must be \(low, high\) with low < high, got \(1, 1\)$"):
        plotting.density_contour(lambda points: points[:, 0], xlim=(1, 1))
    with pytest.raises(TypeError, match=r"^history must be a course_lib.train.History, got dict$"):
        plotting.training_curves({"train_loss": [1.0]})
