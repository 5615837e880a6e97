// The exported models run by onnxruntime-web's wasm backend give torch's outputs (fixtures: make_fixtures.py).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-web";

const FOLDER = process.env.COURSE_WEB_FIXTURES;
if (!FOLDER) throw new Error("set COURSE_WEB_FIXTURES to the folder make_fixtures.py wrote (make web-test does)");
const cases = JSON.parse(readFileSync(join(FOLDER, "models.json"), "utf8"));
ort.env.wasm.numThreads = 1;

function tensor(input) {
  const data = input.type === "int64" ? BigInt64Array.from(input.values, (v) => BigInt(v))
    : Float32Array.from(input.values);
  return new ort.Tensor(input.type, data, input.dims);
}

for (const [name, fixture] of Object.entries(cases)) {
  test(`${name} matches torch to 1e-5`, async () => {
    const session = await ort.InferenceSession.create(readFileSync(join(FOLDER, fixture.model)),
      { executionProviders: ["wasm"] });
    const feeds = Object.fromEntries(Object.entries(fixture.inputs).map(([key, input]) => [key, tensor(input)]));
    const outputs = await session.run(feeds);
    assert.deepEqual([...session.outputNames].sort(), Object.keys(fixture.outputs).sort());
    for (const [key, expected] of Object.entries(fixture.outputs)) {
      assert.deepEqual(Array.from(outputs[key].dims), expected.dims, key);
      const worst = expected.values.reduce((m, v, i) => Math.max(m, Math.abs(v - outputs[key].data[i])), 0);
      assert.ok(worst < 1e-5, `${key}: largest difference ${worst}`);
    }
  });
}
