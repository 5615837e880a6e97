// The membership explorer's histograms in the page (web/course/ethics.mjs), against numpy.histogram's rule: equal
// bins over the range of all values, each half-open but the last, which holds the largest value.
import { test } from "node:test";
import assert from "node:assert/strict";
import { histograms } from "../course/ethics.mjs";

test("bins span all the sets, and each value falls in its half-open bin", () => {
  const { edges, counts } = histograms([[-90, -85, -80.5, -70], [-100, -80, -75]], 3);
  assert.deepEqual(edges, [-100, -90, -80, -70]);
  assert.deepEqual(counts, [[0, 3, 1], [1, 0, 2]]); // -90 opens the second bin, -80 the third; -70 closes the last
});

test("every value is counted once, whatever the number of bins", () => {
  const values = Array.from({ length: 200 }, (_, i) => Math.sin(i) * 40 - 90);
  for (const bins of [1, 7, 29]) {
    const { edges, counts } = histograms([values.slice(0, 120), values.slice(120)], bins);
    assert.equal(edges.length, bins + 1);
    assert.deepEqual(counts.map((c) => c.reduce((a, b) => a + b, 0)), [120, 80]);
  }
});
