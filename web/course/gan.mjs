// Chapter 5's GAN widgets in the page: the generator (course_lib.widgets.page.gan_generator_onnx) on noise drawn
// here, truncated or not, for any class or a chosen one, and on the path between two seeds' noise.
import { generator, latentPath, drawTiles, truncatedNormal } from "./sampling.mjs";
import { Widget, run, slider, number, dropdown, normals } from "./widget.mjs";

export class GANSampler extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.truncation = slider(this.controls, "truncation",
      { min: 0.25, max: spec.max_truncation, step: 0.25, value: spec.max_truncation });
    if (spec.num_classes) {
      const classes = [["any", "any"], ...Array.from({ length: spec.num_classes }, (_, c) => [String(c), String(c)])];
      this.label = dropdown(this.controls, "class", classes, "any");
    }
    [this.seed, this.resample] = this.seedControls(spec.seed);
    this.listen(this.truncation, this.seed, this.resample, ...(this.label ? [this.label] : []));
  }

  async render() {
    const { n, noise_dim: d, ncols, vmax, model, num_classes: classes, max_truncation: widest } = this.spec;
    const rng = generator(Number(this.seed.value));
    const t = Number(this.truncation.value);
    const z = new Float32Array(n * d);
    for (let i = 0; i < z.length; i += 1) z[i] = t >= widest ? rng.normal() : truncatedNormal(rng, t);
    const feeds = { z: ["float32", z, [n, d]] };
    if (classes) {
      const labels = new BigInt64Array(n);
      for (let i = 0; i < n; i += 1) {
        labels[i] = BigInt(this.label.value === "any" ? Math.floor(rng.uniform() * classes) : Number(this.label.value));
      }
      feeds.labels = ["int64", labels, [n]];
    }
    drawTiles(this.picture, await run(model, feeds), n, ncols, vmax);
  }
}

export class GANWalk extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.seedA = number(this.controls, "seed A", { value: spec.seed_a });
    this.seedB = number(this.controls, "seed B", { value: spec.seed_b });
    this.t = slider(this.controls, "A → B", { min: 0, max: 1, step: 0.01, value: 0.5 });
    this.method = dropdown(this.controls, "path", [["slerp", "slerp"], ["linear", "linear"]], "slerp");
    if (spec.num_classes) {
      this.label = dropdown(this.controls, "class",
        Array.from({ length: spec.num_classes }, (_, c) => [String(c), String(c)]), "0");
    }
    this.listen(this.seedA, this.seedB, this.t, this.method, ...(this.label ? [this.label] : []));
  }

  async render() {
    const { noise_dim: d, vmax, model } = this.spec;
    const ends = [this.seedA, this.seedB].map((seed) => Array.from(normals(generator(Number(seed.value)), d)));
    const middle = latentPath(ends[0], ends[1], Number(this.t.value), this.method.value);
    const z = Float32Array.from([...ends[0], ...middle, ...ends[1]]);
    const feeds = { z: ["float32", z, [3, d]] };
    if (this.label) feeds.labels = ["int64", new BigInt64Array(3).fill(BigInt(this.label.value)), [3]];
    drawTiles(this.picture, await run(model, feeds), 3, 3, vmax);
  }
}

