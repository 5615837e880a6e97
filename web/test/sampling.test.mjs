// The pure functions of web/course/sampling.mjs against references computed by the Python they mirror.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { generator, truncatedNormal, filterProbs, pick, latentPath, tilePixels, watermarkScore }
  from "../course/sampling.mjs";

const FOLDER = process.env.COURSE_WEB_FIXTURES;
if (!FOLDER) throw new Error("set COURSE_WEB_FIXTURES to the folder make_fixtures.py wrote (make web-test does)");
const reference = JSON.parse(readFileSync(join(FOLDER, "functions.json"), "utf8"));
const close = (a, b, tolerance, what) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tolerance,
  `${what}[${i}]: ${v} vs ${b[i]}`));

test("a seed repeats its draws and different seeds differ", () => {
  const draws = (seed) => { const rng = generator(seed); return Array.from({ length: 5 }, () => rng.normal()); };
  assert.deepEqual(draws(3), draws(3));
  assert.notDeepEqual(draws(3), draws(4));
});

test("the normals have mean 0 and variance 1, the uniforms lie in [0, 1)", () => {
  const rng = generator(0);
  const z = Array.from({ length: 40000 }, () => rng.normal());
  const mean = z.reduce((a, b) => a + b, 0) / z.length;
  const variance = z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  const u = Array.from({ length: 10000 }, () => rng.uniform());
  assert.ok(Math.min(...u) >= 0 && Math.max(...u) < 1);
});

test("truncated normals stay within the truncation", () => {
  const rng = generator(1);
  const z = Array.from({ length: 5000 }, () => truncatedNormal(rng, 0.5));
  assert.ok(Math.max(...z.map(Math.abs)) <= 0.5 && Math.max(...z) > 0.45);
});

test("filtering equals course_lib.autoregressive.filter_logits", () => {
  for (const { logits, temperature, top_p: topP, probs } of reference.filter) {
    close(filterProbs(logits, temperature, topP), probs, 1e-9, `temperature ${temperature}, top-p ${topP}`);
  }
});

test("pick inverts the cumulative distribution and never picks a filtered symbol", () => {
  const probs = [0, 0.25, 0, 0.75];
  assert.equal(pick(probs, 0), 1);
  assert.equal(pick(probs, 0.2499), 1);
  assert.equal(pick(probs, 0.25), 3);
  assert.equal(pick(probs, 0.999999999), 3);
});

test("the latent path equals course_lib.latent.latent_path", () => {
  for (const { a, b, t, method, z } of reference.paths) close(latentPath(a, b, t, method), z, 1e-12, `${method} ${t}`);
});

test("the tiles equal course_lib.plotting.digit_tiles", () => {
  const { images, n, ncols, vmax, width, height, pixels } = reference.tiles;
  const tiles = tilePixels(Float64Array.from(images), n, ncols, vmax);
  assert.equal(tiles.width, width);
  assert.equal(tiles.height, height);
  close(Array.from(tiles.pixels), pixels, 0, "pixel");
});

test("the watermark score equals course_lib.watermark.GreenList.detect", () => {
  const { green, share, symbols, words, z, greens, total } = reference.watermark;
  const score = watermarkScore(green, share, symbols, words);
  assert.equal(score.greens, greens);
  assert.equal(score.total, total);
  assert.ok(Math.abs(score.z - z) < 1e-12, `${score.z} vs ${z}`);
  assert.deepEqual(score.scored.map((row) => row.map(([symbol]) => symbol).join("")), words.map((w) => `${w}.`));
});
