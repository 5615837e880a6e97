// Chapter 7's "which one is real?" quiz in the page: the rounds drawn here from the page's seeded generator, the
// answers kept until the last round, then every round revealed, as course_lib.widgets.real_or_fake_quiz does.
import { generator, drawTiles } from "./sampling.mjs";
import { Widget, button } from "./widget.mjs";

const [LEFT, RIGHT] = [0, 1];

// quiz_rounds: `rounds` digits without replacement from each set (a partial Fisher-Yates shuffle), and for each
// round the side of the real digit, a fair coin flip.
export function quizRounds(numReal, numFake, rounds, seed) {
  const rng = generator(seed);
  const draw = (count) => {
    const order = [...Array(count).keys()];
    for (let i = 0; i < rounds; i += 1) {
      const j = i + Math.floor(rng.uniform() * (count - i));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order.slice(0, rounds);
  };
  const real = draw(numReal);
  const fake = draw(numFake);
  const side = Array.from({ length: rounds }, () => (rng.uniform() < 0.5 ? LEFT : RIGHT));
  return { real, fake, side };
}

export class Quiz extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.question = Object.assign(document.createElement("p"), { className: "course-question" });
    this.live.insertBefore(this.question, this.picture);
    const left = button(this.controls, "left is real");
    const right = button(this.controls, "right is real");
    const next = button(this.controls, "new quiz");
    this.seed = spec.seed;
    this.newQuiz();
    left.addEventListener("click", () => this.answer(LEFT));
    right.addEventListener("click", () => this.answer(RIGHT));
    next.addEventListener("click", () => { this.seed += 1; this.newQuiz(); });
    this.buttons = [left, right];
    this.listen(left, right, next);
  }

  newQuiz() {
    this.quiz = quizRounds(this.spec.real.length, this.spec.fake.length, this.spec.rounds, this.seed);
    this.answers = [];
  }

  answer(side) {
    if (this.answers.length < this.spec.rounds) this.answers.push(side);
  }

  // Round k's two digits, each in a frame of FRAME pixels: grey before the reveal; revealed, the real one green and
  // the reader's pick red where it was the generated digit. Drawn at (x, y) on the context.
  drawRound(context, k, revealed, x, y) {
    const { real, fake, vmax, frame, neutral_rgb: neutral, real_rgb: green, wrong_rgb: wrong } = this.spec;
    const realSide = this.quiz.side[k];
    const digits = [real[this.quiz.real[k]], fake[this.quiz.fake[k]]];
    const shown = realSide === LEFT ? digits : [digits[1], digits[0]];
    const side = 64 + 2 * frame;
    shown.forEach((digit, s) => {
      let colour = neutral;
      if (revealed && s === realSide) colour = green;
      else if (revealed && s === this.answers[k]) colour = wrong;
      const left = x + s * (side + 2 * frame);
      context.fillStyle = `rgb(${colour.join(", ")})`;
      context.fillRect(left, y, side, side);
      const tile = document.createElement("canvas");
      drawTiles(tile, digit, 1, 1, vmax, 8, 0);
      context.drawImage(tile, left + frame, y + frame);
    });
  }

  async render() {
    const { rounds, frame } = this.spec;
    const [roundWidth, roundHeight] = [2 * (64 + 2 * frame) + 2 * frame, 64 + 2 * frame];
    const done = this.answers.length;
    const canvas = this.picture;
    const context = canvas.getContext("2d");
    this.buttons.forEach((b) => { b.disabled = done === rounds; });
    if (done < rounds) {
      [canvas.width, canvas.height] = [roundWidth, roundHeight];
      this.drawRound(context, done, false, 0, 0);
      this.question.textContent = `Round ${done + 1} of ${rounds}: which digit is real?`;
      return;
    }
    const [cols, gap] = [Math.min(4, rounds), 4 * frame];
    canvas.width = cols * (roundWidth + gap) + gap;
    canvas.height = Math.ceil(rounds / cols) * (roundHeight + gap) + gap;
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (let k = 0; k < rounds; k += 1) {
      const [x, y] = [gap + (k % cols) * (roundWidth + gap), gap + Math.floor(k / cols) * (roundHeight + gap)];
      this.drawRound(context, k, true, x, y);
    }
    const score = this.answers.filter((a, k) => a === this.quiz.side[k]).length;
    this.question.textContent = `You found the real digit in ${score} of ${rounds} rounds (guessing finds ` +
      `${rounds / 2} on average). Green: the real digit; red: your pick where it was generated.`;
  }
}
