// The pure functions of web/course/challenges.mjs (and the plots.mjs helpers they lean on) on small inputs whose
// answers can be checked by hand against course_lib.widgets.collapse and .challenges: sorted_kl,
// draw_posterior_collapse's bars, y-limit and title, _draw_collapse_controls' reading of the controls and
// draw_ring_replay's history mask.
import { test } from "node:test";
import assert from "node:assert/strict";
import { historyUpTo, median, collapseSetting, settingRuns, sortedKL, klBars, klLimit, collapseTitle }
  from "../course/challenges.mjs";
import { formatG, ticks, padded } from "../course/plots.mjs";

const run = (beta, freeBits, warmup, kl, active = 1, elbo = -100) => ({ beta, free_bits: freeBits, warmup, kl,
  active, elbo });
const RUNS = [
  run(1, 0, 0, [0.1, 2.0, 0.3], 2, -99.0),
  run(1, 0, 0, [1.5, 0.2, 0.4], 1, -101.0),
  run(1, 0, 0, [0.0, 0.5, 3.0], 3, -100.5),
  run(1, 0.5, 0, [0.6, 0.7, 0.5]),
  run(4, 0, 300, [0.2, 0.1, 0.0], 0, -110.04),
];
const SPEC = { betas: [1, 4], free_bits: [0, 0.5], warmup: 300, runs: RUNS };

test("the median of an odd and of an even count, as numpy.median, leaving the input unsorted", () => {
  const values = [3, 1, 2];
  assert.equal(median(values), 2);
  assert.deepEqual(values, [3, 1, 2]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

test("the history up to a round keeps the entries at or before it, every series alike", () => {
  const history = { step: [25, 50, 75, 100], d_loss: [1, 2, 3, 4], g_loss: [5, 6, 7, 8] };
  assert.deepEqual(historyUpTo(history, 50), { step: [25, 50], d_loss: [1, 2], g_loss: [5, 6] });
  assert.deepEqual(historyUpTo(history, 10).step, []);
  assert.deepEqual(historyUpTo(history, 100), history);
});

test("the controls name a setting; annealing means free bits 0 whatever the free-bits slider says", () => {
  assert.deepEqual(collapseSetting(SPEC, 1, 1, false), { beta: 4, freeBits: 0.5, warmup: 0 });
  assert.deepEqual(collapseSetting(SPEC, 1, 1, true), { beta: 4, freeBits: 0, warmup: 300 });
  assert.deepEqual(collapseSetting(SPEC, 0, 0, true), collapseSetting(SPEC, 0, 1, true));
});

test("a setting's runs are those of its beta, free bits and warm-up together", () => {
  assert.deepEqual(settingRuns(RUNS, { beta: 1, freeBits: 0, warmup: 0 }), RUNS.slice(0, 3));
  assert.deepEqual(settingRuns(RUNS, { beta: 1, freeBits: 0.5, warmup: 0 }), [RUNS[3]]);
  assert.deepEqual(settingRuns(RUNS, { beta: 4, freeBits: 0, warmup: 0 }), []);
});

test("each seed's KL is sorted descending on its own, and the bars are the median, min and max per rank", () => {
  const chosen = RUNS.slice(0, 3);
  assert.deepEqual(sortedKL(chosen), [[2.0, 0.3, 0.1], [1.5, 0.4, 0.2], [3.0, 0.5, 0.0]]);
  assert.deepEqual(chosen[0].kl, [0.1, 2.0, 0.3]);
  assert.deepEqual(klBars(chosen), { median: [2.0, 0.4, 0.1], low: [1.5, 0.3, 0.0], high: [3.0, 0.5, 0.2] });
});

test("the y-limit is the largest KL or free bits over all runs, at least 1e-3", () => {
  assert.equal(klLimit(RUNS), 3.0);
  assert.equal(klLimit([run(1, 0.5, 0, [0.1, 0.2])]), 0.5);
  assert.equal(klLimit([run(1, 0, 0, [0, 0])]), 1e-3);
});

test("the title is draw_posterior_collapse's: beta, the setting, median active units and test ELBO", () => {
  assert.equal(collapseTitle({ beta: 1, freeBits: 0, warmup: 0 }, RUNS.slice(0, 3)),
    "beta 1, free bits 0: 2 active units (median over 3 seeds), test ELBO -100.5 nats");
  assert.equal(collapseTitle({ beta: 1, freeBits: 0, warmup: 0 }, RUNS.slice(0, 2)),
    "beta 1, free bits 0: 1.5 active units (median over 2 seeds), test ELBO -100.0 nats");
  assert.equal(collapseTitle({ beta: 4, freeBits: 0, warmup: 300 }, [RUNS[4]]),
    "beta 4, KL annealed over 300 batches: 0 active units (median over 1 seed), test ELBO -110.0 nats");
  const fractional = collapseTitle({ beta: 0.25, freeBits: 0.5, warmup: 0 }, [RUNS[3]]);
  assert.ok(fractional.startsWith("beta 0.25, free bits 0.5: "), fractional);
});

test("formatG writes numbers as Python's :g; ticks are round; padded widens by 5% each side", () => {
  assert.deepEqual([1, 0.25, 8, 0.1 + 0.2, 1e-3].map(formatG), ["1", "0.25", "8", "0.3", "0.001"]);
  assert.deepEqual(ticks(0, 1, 4), [0, 0.5, 1]);
  assert.deepEqual(ticks(-3, 3), [-2, 0, 2]);
  assert.deepEqual(ticks(0.05, 0.98, 5), [0.2, 0.4, 0.6, 0.8]);
  assert.deepEqual(padded([0, 10]), [-0.5, 10.5]);
});
