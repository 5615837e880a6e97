"""course_lib.widgets.evaluation: the "which one is real?" quiz, drawn, rendered and clicked through."""
import io
import re

import numpy as np
import pytest
import torch

from course_lib import widgets as W
from course_lib.data import load_digits
from course_lib.widgets import evaluation as E

ipywidgets = pytest.importorskip("ipywidgets")


def png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def real():
    return load_digits("test")[0][:40]  # (40, 64) grey levels 0..16


@pytest.fixture(scope="module")
def fake():
    return torch.rand(30, 64, generator=torch.Generator().manual_seed(0)) * 16  # continuous, like a GAN's


def frame_colours(pixels):
    """The colour of the top-left frame pixel of the left and the right digit of a rendered round."""
    return tuple(pixels[0, 0]), tuple(pixels[0, -1])


def test_a_seed_draws_the_same_quiz_and_another_seed_another(real, fake):
    a, b = W.quiz_rounds(real, fake, rounds=8, seed=3), W.quiz_rounds(real, fake, rounds=8, seed=3)
    for field in ("pairs", "real_side", "real_index", "fake_index"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    c = W.quiz_rounds(real, fake, rounds=8, seed=4)
    assert not torch.equal(a.real_index, c.real_index) and not torch.equal(a.pairs, c.pairs)
    assert len(a) == 8 and a.pairs.shape == (8, 2, 64) and a.seed == 3


def test_each_round_holds_one_real_and_one_generated_digit_none_twice(real, fake):
    quiz = W.quiz_rounds(real, fake, rounds=30, seed=1)  # all 30 generated digits
    assert len(set(quiz.real_index.tolist())) == 30 and len(set(quiz.fake_index.tolist())) == 30
    for k, side in enumerate(quiz.real_side.tolist()):
        assert torch.equal(quiz.pairs[k, side], real[quiz.real_index[k]])
        assert torch.equal(quiz.pairs[k, 1 - side], fake[quiz.fake_index[k]])


def test_the_real_side_is_a_fair_coin(real, fake):
    many = torch.cat([W.quiz_rounds(real, fake, rounds=30, seed=s).real_side for s in range(20)])  # 600 rounds
    assert set(many.tolist()) == {E.LEFT, E.RIGHT}
    assert abs(many.float().mean().item() - 0.5) < 0.08  # 3.9 standard deviations of a fair coin's mean


def test_a_round_is_marked_only_when_revealed(real, fake):
    quiz = W.quiz_rounds(real, fake, rounds=4, seed=0)
    side = int(quiz.real_side[0])
    hidden = W.render_quiz_round(quiz, 0)
    assert hidden.shape == (72, 152, 3) and hidden.dtype == np.uint8
    assert frame_colours(hidden) == (E.NEUTRAL_RGB, E.NEUTRAL_RGB)
    colours = list(frame_colours(W.render_quiz_round(quiz, 0, revealed=True)))
    assert colours[side] == E.REAL_RGB and colours[1 - side] == E.NEUTRAL_RGB
    wrong = frame_colours(W.render_quiz_round(quiz, 0, revealed=True, answer=1 - side))
    assert wrong[side] == E.REAL_RGB and wrong[1 - side] == E.WRONG_RGB
    assert np.array_equal(W.render_quiz_round(quiz, 0, answer=1 - side), hidden)  # an answer alone reveals nothing


def test_answers_stay_hidden_until_the_last_round(real, fake):
    box = W.real_or_fake_quiz(real, fake, rounds=3, seed=2)
    quiz = box.quiz
    for k in range(3):
        assert box.score is None and len(box.answers) == k and not box.left.disabled
        np.testing.assert_array_equal(box.pixels, W.render_quiz_round(quiz, k))
        np.testing.assert_array_equal(png_pixels(box.image.value), box.pixels)
        assert not (box.pixels == E.REAL_RGB).all(axis=-1).any()  # no green anywhere
        assert f"Round {k + 1} of 3" in box.children[0].value
        box.left.click()
    assert box.score is not None and box.left.disabled and box.right.disabled
    np.testing.assert_array_equal(box.pixels, W.render_quiz_summary(quiz, [E.LEFT] * 3))


@pytest.mark.parametrize("correct", [True, False])
def test_clicking_through_scores_the_answers(real, fake, correct):
    box = W.real_or_fake_quiz(real, fake, rounds=5, seed=0)
    sides = box.quiz.real_side.tolist()
    for side in sides:
        (box.left if (side == E.LEFT) == correct else box.right).click()
    assert box.score == (5 if correct else 0)
    assert box.answers == (sides if correct else [1 - s for s in sides])
    assert f"{box.score} of 5" in box.children[0].value
    box.right.click()  # after the last round a press changes nothing
    assert len(box.answers) == 5 and box.score == (5 if correct else 0)


def test_a_new_quiz_takes_the_next_seed_and_starts_over(real, fake):
    box = W.real_or_fake_quiz(real, fake, rounds=2, seed=7)
    box.left.click()
    box.left.click()
    box.new_quiz.click()
    assert box.quiz.seed == 8 and box.answers == [] and box.score is None and not box.left.disabled
    assert torch.equal(box.quiz.pairs, W.quiz_rounds(real, fake, rounds=2, seed=8).pairs)
    np.testing.assert_array_equal(box.pixels, W.render_quiz_round(box.quiz, 0))


def test_the_summary_tiles_every_round_revealed(real, fake):
    quiz = W.quiz_rounds(real, fake, rounds=6, seed=0)
    summary = W.render_quiz_summary(quiz, [E.LEFT] * 6, ncols=4)
    assert summary.shape == (2 * (72 + 16) + 16, 4 * (152 + 16) + 16, 3)
    np.testing.assert_array_equal(summary[16:16 + 72, 16:16 + 152], W.render_quiz_round(quiz, 0, True, E.LEFT))


def test_the_animation_shows_each_round_then_its_answer(real, fake):
    html = W.real_or_fake_quiz_animation(real, fake, rounds=3, seed=0).data
    assert html.count("data:image/png;base64") == 2 * 3


def test_bad_inputs_are_named(real, fake):
    quiz = W.quiz_rounds(real, fake, rounds=2)
    cases = [
        (TypeError, r"^rounds must be an int, got float 2.0$", lambda: W.quiz_rounds(real, fake, rounds=2.0)),
        (ValueError, r"^rounds must be an int >= 1, got 0$", lambda: W.quiz_rounds(real, fake, rounds=0)),
        (ValueError, r"^seed must be an int >= 0, got -1$", lambda: W.quiz_rounds(real, fake, seed=-1)),
        (TypeError, r"^seed must be an int, got str '1'$", lambda: W.quiz_rounds(real, fake, seed="1")),
        (ValueError, re.escape("real_images must have shape (N, 64), got (40, 8, 8)"),
         lambda: W.quiz_rounds(real.reshape(40, 8, 8), fake)),
        (ValueError, r"^fake_images must hold finite numbers, got 64 NaN or infinite values$",
         lambda: W.quiz_rounds(real, torch.cat([fake[:-1], torch.full((1, 64), float("nan"))]))),
        (ValueError, re.escape("fake_images must hold grey levels in [0, 16], got values in [-1, 16]"),
         lambda: W.quiz_rounds(real, torch.cat([fake, -torch.ones(1, 64), torch.full((1, 64), 16.0)]))),
        (ValueError, r"^real_images must hold at least rounds=8 images, got 5$", lambda: W.quiz_rounds(real[:5], fake)),
        (TypeError, r"^fake_images must be a torch.Tensor, a NumPy array or a list of numbers, got str$",
         lambda: W.quiz_rounds(real, "digits")),
        (TypeError, r"^quiz must be a Quiz from quiz_rounds, got dict$", lambda: W.render_quiz_round({}, 0)),
        (ValueError, r"^index must be an int <= 1, got 2$", lambda: W.render_quiz_round(quiz, 2)),
        (ValueError, re.escape("answer must be one of [0, 1], got 'left'"),
         lambda: W.render_quiz_round(quiz, 0, True, "left")),
        (ValueError, re.escape("answers must hold one side per round (2), got 1"),
         lambda: W.render_quiz_summary(quiz, [E.LEFT])),
        (ValueError, r"^rounds must be an int >= 1, got 0$", lambda: W.real_or_fake_quiz(real, fake, rounds=0)),
        (ValueError, r"^real_images must hold at least rounds=50 images, got 40$",
         lambda: W.real_or_fake_quiz_animation(real, fake, rounds=50)),
    ]
    for error, message, call in cases:
        with pytest.raises(error, match=message):
            call()
