"""Evaluation widgets (chapter 7): the "which one is real?" quiz, a human judgement of generated digits.

Each round shows one real and one generated 8x8 digit side by side; the
reader picks the real one. Answers are revealed only after the last round, so
that earlier answers do not train the reader on later rounds. A reader who
cannot tell the two apart scores half the rounds on average. Generated digits
reach these functions as plain images (any model's ``sample``); nothing here
imports a model family.
"""
from dataclasses import dataclass

import numpy as np
import torch

from .._checks import check_choice, check_int, check_seed
from ..data import as_digit_images
from ..plotting import digit_tiles, tile
from .core import array_png, image_animation
from .page import VMAX, levels, page_widget, rounded

LEFT, RIGHT = 0, 1  # the sides, as in ``Quiz.real_side`` and the reader's answers
FRAME = 4  # pixels of frame around each digit: the colour that marks the real one
NEUTRAL_RGB = (200, 200, 200)  # before the reveal: the same grey on both sides
REAL_RGB = (40, 170, 70)  # revealed: the real digit
WRONG_RGB = (230, 60, 60)  # revealed: the reader's pick, where it was the generated digit


@dataclass(frozen=True)
class Quiz:
    """The draws of one quiz, from :func:`quiz_rounds`; round k shows ``pairs[k]``."""

    pairs: torch.Tensor  # (rounds, 2, 64) float32 on the CPU: the left and the right digit of each round
    real_side: torch.Tensor  # (rounds,) int64: LEFT (0) or RIGHT (1), the side of the real digit
    real_index: torch.Tensor  # (rounds,) int64: the real digit's row in real_images, no row twice
    fake_index: torch.Tensor  # (rounds,) int64: the generated digit's row in fake_images, no row twice
    seed: int

    def __len__(self):
        return len(self.real_side)


def _check_digits(argument, images, rounds):
    """``images`` as a float32 CPU tensor (N, 64) of grey levels in [0, 16], with N >= ``rounds``."""
    images = as_digit_images(argument, images, dtype=torch.float32, device="cpu").detach()
    if len(images) < rounds:
        raise ValueError(f"{argument} must hold at least rounds={rounds} images, got {len(images)}")
    return images


def quiz_rounds(real_images, fake_images, rounds=8, seed=0):
    """Draw a quiz: for each round one real and one generated digit, and the side the real one is on.

    The draws come from a CPU ``torch.Generator`` seeded with ``seed``: digits
    without replacement from each set, and each side a fair coin flip (so
    the real digit is not always on the same side, nor exactly half the time).

    Parameters
    ----------
    real_images, fake_images : array or tensor (any device), shape (N, 64)
        Grey levels in [0, 16], at least ``rounds`` digits each.
    rounds : int >= 1
    seed : int >= 0

    Returns
    -------
    Quiz

    Raises
    ------
    TypeError, ValueError
        Naming the argument: a wrong type, shape or range, or too few images.
    """
    check_int("rounds", rounds, 1)
    seed = check_seed("seed", seed)
    real_images = _check_digits("real_images", real_images, rounds)
    fake_images = _check_digits("fake_images", fake_images, rounds)
    generator = torch.Generator().manual_seed(seed)
    real_index = torch.randperm(len(real_images), generator=generator)[:rounds]
    fake_index = torch.randperm(len(fake_images), generator=generator)[:rounds]
    real_side = torch.randint(2, (rounds,), generator=generator)
    real, fake = real_images[real_index], fake_images[fake_index]  # (rounds, 64) each
    left_is_real = (real_side == LEFT)[:, None]  # (rounds, 1)
    pairs = torch.stack([torch.where(left_is_real, real, fake), torch.where(left_is_real, fake, real)], dim=1)
    return Quiz(pairs, real_side, real_index, fake_index, seed)


def _check_quiz(quiz):
    if not isinstance(quiz, Quiz):
        raise TypeError(f"quiz must be a Quiz from quiz_rounds, got {type(quiz).__name__}")


def _framed(image, colour):
    """One digit (64,) drawn as a (72, 72, 3) uint8 picture inside a frame of ``colour``."""
    digit = digit_tiles(image[None], pad=0)  # (64, 64): 8 screen pixels per image pixel
    picture = np.full((digit.shape[0] + 2 * FRAME, digit.shape[1] + 2 * FRAME, 3), colour, dtype=np.uint8)
    picture[FRAME:-FRAME, FRAME:-FRAME] = digit[..., None]
    return picture


def render_quiz_round(quiz, index, revealed=False, answer=None):
    """Round ``index`` of ``quiz``: the two digits side by side, each in a frame.

    Before the reveal both frames are grey. Revealed, the real digit's frame
    is green, and where ``answer`` (the side the reader picked) is the
    generated digit, its frame is red.

    Parameters
    ----------
    quiz : Quiz
    index : int in [0, len(quiz))
    revealed : bool
    answer : {0, 1} or None
        ``LEFT`` or ``RIGHT``; shown only when ``revealed``.

    Returns
    -------
    numpy.ndarray, shape (72, 152, 3), uint8
    """
    _check_quiz(quiz)
    check_int("index", index, 0, maximum=len(quiz) - 1)
    if answer is not None:
        check_choice("answer", answer, (LEFT, RIGHT))
    colours = [NEUTRAL_RGB, NEUTRAL_RGB]
    if revealed:
        real_side = int(quiz.real_side[index])
        if answer is not None and answer != real_side:
            colours[answer] = WRONG_RGB
        colours[real_side] = REAL_RGB
    left, right = (_framed(image, colour) for image, colour in zip(quiz.pairs[index], colours))
    gap = np.full((len(left), 2 * FRAME, 3), 255, dtype=np.uint8)
    return np.concatenate([left, gap, right], axis=1)


def render_quiz_summary(quiz, answers, ncols=4):
    """Every round of ``quiz`` revealed with the reader's ``answers`` (a side per round), ``ncols`` rounds a row.

    Returns
    -------
    numpy.ndarray, uint8, shape (rows * (72 + 16) + 16, cols * (152 + 16) + 16, 3)
    """
    _check_quiz(quiz)
    check_int("ncols", ncols, 1)
    if not isinstance(answers, (list, tuple)) or len(answers) != len(quiz):
        raise ValueError(f"answers must hold one side per round ({len(quiz)}), got {len(answers)}")
    rounds = np.stack([render_quiz_round(quiz, k, True, answer) for k, answer in enumerate(answers)])
    channels = [tile(rounds[..., c], ncols=min(ncols, len(quiz)), pad=4 * FRAME, fill=255) for c in range(3)]
    return np.stack(channels, axis=-1).astype(np.uint8)


def real_or_fake_quiz(real_images, fake_images, rounds=8, seed=0):
    """Live quiz: "left is real" / "right is real" for each round, the score and every answer at the end.

    Returns
    -------
    ipywidgets.VBox
        ``box.quiz`` (the :class:`Quiz`), ``box.answers`` (the sides picked so
        far), ``box.score`` (None until the last answer, then the number right),
        ``box.image`` and ``box.pixels`` (the picture shown), and the buttons
        ``box.left``, ``box.right`` and ``box.new_quiz`` (the next seed), which
        ``.click()`` presses.
    """
    import ipywidgets

    quiz = quiz_rounds(real_images, fake_images, rounds, seed)  # checks the arguments before any widget exists
    real_images = _check_digits("real_images", real_images, rounds)  # once: each new quiz reuses the CPU copies
    fake_images = _check_digits("fake_images", fake_images, rounds)
    status, image = ipywidgets.HTML(), ipywidgets.Image(format="png")
    left, right = ipywidgets.Button(description="left is real"), ipywidgets.Button(description="right is real")
    new_quiz = ipywidgets.Button(description="new quiz")
    box = ipywidgets.VBox([status, image, ipywidgets.HBox([left, right, new_quiz])])

    def show_picture(pixels, text):
        box.pixels, image.value, status.value = pixels, array_png(pixels), text

    def start(drawn):
        box.quiz, box.answers, box.score = drawn, [], None
        left.disabled = right.disabled = False
        show_picture(render_quiz_round(drawn, 0), f"Round 1 of {rounds}: which digit is real?")

    def answer(side):
        if box.score is not None:  # the quiz is over: a press of a disabled button changes nothing
            return
        box.answers.append(side)
        done = len(box.answers)
        if done < rounds:
            show_picture(render_quiz_round(box.quiz, done), f"Round {done + 1} of {rounds}: which digit is real?")
            return
        box.score = sum(a == s for a, s in zip(box.answers, box.quiz.real_side.tolist()))
        left.disabled = right.disabled = True
        show_picture(render_quiz_summary(box.quiz, box.answers),
                     f"You found the real digit in <b>{box.score} of {rounds}</b> rounds (guessing finds "
                     f"{rounds / 2:g} on average). Green: the real digit; red: your pick where it was generated.")

    left.on_click(lambda _button: answer(LEFT))
    right.on_click(lambda _button: answer(RIGHT))
    new_quiz.on_click(lambda _button: start(quiz_rounds(real_images, fake_images, rounds, box.quiz.seed + 1)))
    start(quiz)
    box.image, box.left, box.right, box.new_quiz = image, left, right, new_quiz
    return box


def real_or_fake_quiz_animation(real_images, fake_images, rounds=8, seed=0):
    """Static version of :func:`real_or_fake_quiz`: each round, then the same round revealed (2 * rounds frames).

    A reader guesses, then steps one frame on to see the answer.
    """
    quiz = quiz_rounds(real_images, fake_images, rounds, seed)
    states, titles = [], []
    for k, side in enumerate(quiz.real_side.tolist()):
        states += [{"index": k, "revealed": False}, {"index": k, "revealed": True}]
        titles += [f"round {k + 1} of {rounds}: which digit is real?",
                   f"round {k + 1}: the real digit is on the {('left', 'right')[side]} (green)"]
    return image_animation(lambda **state: render_quiz_round(quiz, **state), states, titles, figsize=(4, 2.4),
                           interval=2000)


# --- the website's version, computed in the reader's page (see .page) ---


def quiz_page(real_images, fake_images, fallback, rounds=8, seed=0, pool=200):
    """The page version of :func:`real_or_fake_quiz`: the same buttons, rounds, reveal and summary, the draws made
    in the page from its seeded generator, out of the first ``pool`` digits of each set (the real ones as their
    whole grey levels, the generated ones to 3 significant digits, as a reader would see them)."""
    check_int("rounds", rounds, 1)
    check_int("pool", pool, 1)
    real_images = _check_digits("real_images", real_images, rounds)[:pool]
    fake_images = _check_digits("fake_images", fake_images, rounds)[:pool]
    if len(real_images) < rounds or len(fake_images) < rounds:
        raise ValueError(f"pool must be at least rounds={rounds}, got {pool}")
    spec = {"real": levels(real_images), "fake": rounded(fake_images, 3), "rounds": rounds,
            "seed": check_seed("seed", seed), "vmax": VMAX, "frame": FRAME, "neutral_rgb": NEUTRAL_RGB,
            "real_rgb": REAL_RGB, "wrong_rgb": WRONG_RGB}
    return page_widget("quiz", spec, fallback)
