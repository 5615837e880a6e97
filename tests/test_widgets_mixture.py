"""The EM stepper widget: the slider redraws exactly what the drawing function draws for that step."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import widgets  # noqa: E402
from course_lib.data import toy2d  # noqa: E402
from course_lib.mixture import GaussianMixture, em_history  # noqa: E402

pytest.importorskip("ipywidgets")


@pytest.fixture(scope="module")
def em_run():
    x = toy2d("ring", n=300, seed=0)[0]
    history = em_history(GaussianMixture(4, init_params="random", random_state=0), x, n_steps=6)
    return x, history


def expected_png(x, history, iteration):
    fig = Figure(figsize=widgets.EM_FIGSIZE)
    widgets.draw_em_state(fig, x, history, iteration)
    return widgets.figure_png(fig, 80)


def test_em_history_records_every_step_and_never_lowers_the_likelihood(em_run):
    x, history = em_run
    assert [h["step"] for h in history] == list(range(7))
    values = np.array([h["log_likelihood"] for h in history])
    assert np.all(np.diff(values) >= -1e-12) and values[-1] > values[0]
    for h in history:
        assert h["resp"].shape == (300, 4)
        np.testing.assert_allclose(h["resp"].sum(1).numpy(), 1.0, atol=1e-12)


def test_slider_redraws_the_state_of_that_iteration(em_run):
    x, history = em_run
    box = widgets.em_stepper(x, history)
    slider = box.controls["iteration"]
    assert (slider.min, slider.max, slider.value) == (0, 6, 0)
    first = box.image.value
    assert first == expected_png(x, history, 0)
    slider.value = 4
    assert box.image.value != first
    assert box.image.value == expected_png(x, history, 4)
    assert box.image.value != expected_png(x, history, 3)


def test_animation_has_one_frame_per_step(em_run):
    x, history = em_run
    html = widgets.em_animation(x, history[:3]).data
    assert "<script" in html and html.count("data:image/png;base64") == 3


def test_bad_iteration_and_empty_history(em_run):
    x, history = em_run
    with pytest.raises(ValueError, match=r"iteration must be an int in \[0, 6\], got 7"):
        widgets.draw_em_state(Figure(), x, history, 7)
    with pytest.raises(ValueError, match=r"history must hold at least one EM state"):
        widgets.em_stepper(x, [])


@pytest.mark.parametrize("iteration, error, match", [
    (2.0, TypeError, r"iteration must be an int, got float 2\.0"),
    (True, TypeError, r"iteration must be an int, got bool True"),
    ("3", TypeError, r"iteration must be an int, got str '3'"),
    (-1, ValueError, r"iteration must be an int >= 0, got -1"),
    (np.int64(7), ValueError, r"iteration must be an int in \[0, 6\], got 7"),
])
def test_iteration_of_the_wrong_type_or_out_of_range(em_run, iteration, error, match):
    x, history = em_run
    with pytest.raises(error, match=match):
        widgets.draw_em_state(Figure(), x, history, iteration)
