// The quiz's draws in the page (web/course/evaluation.mjs), checked for the properties quiz_rounds promises.
import { test } from "node:test";
import assert from "node:assert/strict";
import { quizRounds } from "../course/evaluation.mjs";

test("each set's digits are drawn without replacement and within range", () => {
  for (const [real, fake, rounds] of [[447, 200, 8], [8, 8, 8], [10, 3, 3]]) {
    const quiz = quizRounds(real, fake, rounds, 5);
    assert.equal(new Set(quiz.real).size, rounds);
    assert.equal(new Set(quiz.fake).size, rounds);
    assert.ok(quiz.real.every((i) => Number.isInteger(i) && i >= 0 && i < real));
    assert.ok(quiz.fake.every((i) => Number.isInteger(i) && i >= 0 && i < fake));
  }
});

test("a seed repeats its quiz, and the real digit's side is a fair coin", () => {
  assert.deepEqual(quizRounds(100, 100, 8, 3), quizRounds(100, 100, 8, 3));
  assert.notDeepEqual(quizRounds(100, 100, 8, 3), quizRounds(100, 100, 8, 4));
  const sides = quizRounds(5000, 5000, 4000, 0).side;
  assert.ok(sides.every((s) => s === 0 || s === 1));
  const left = sides.filter((s) => s === 0).length / sides.length;
  assert.ok(Math.abs(left - 0.5) < 0.03, `share of rounds with the real digit on the left: ${left}`);
});

test("every digit of a small set is drawn equally often", () => {
  const counts = new Array(4).fill(0);
  for (let seed = 0; seed < 4000; seed += 1) counts[quizRounds(4, 4, 1, seed).real[0]] += 1;
  assert.ok(counts.every((c) => Math.abs(c / 4000 - 0.25) < 0.03), `draws per digit: ${counts}`);
});
