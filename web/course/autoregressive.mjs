// Chapter 6's widgets in the page: the sampling loops run here, one model call per symbol or pixel
// (course_lib.widgets.page.next_symbol_onnx, pixel_step_onnx), each draw from the filtered probabilities with the
// page's generator.
import { generator, filterProbs, pick, drawTiles } from "./sampling.mjs";
import { Widget, run, runAll, slider, number, dropdown, textbox, button, nextTask, indexIn } from "./widget.mjs";

export class Names extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.list = this.textOutput("course-names");
    this.model = dropdown(this.controls, "model", spec.models.map((m, i) => [m.label, String(i)]), "0");
    this.temperature = slider(this.controls, "temperature", { min: 0.1, max: 2, step: 0.05, value: 1 });
    this.topP = slider(this.controls, "top-p", { min: 0.05, max: 1, step: 0.05, value: 1 });
    this.prefix = textbox(this.controls, "prefix", "letters every name starts with");
    this.condition = dropdown(this.controls, "condition", [["none", "none"]], "none");
    [this.seed, this.resample] = this.seedControls(spec.seed);
    this.model.addEventListener("input", () => this.offerConditions());
    this.offerConditions();
    this.listen(this.model, this.temperature, this.topP, this.prefix, this.condition, this.seed, this.resample);
  }

  offerConditions() {
    const conditions = this.spec.models[Number(this.model.value)].conditions;
    const kept = conditions.includes(this.condition.value) ? this.condition.value : "none";
    this.condition.replaceChildren(...["none", ...conditions].map((c) => Object.assign(document.createElement("option"),
      { text: c, value: c })));
    this.condition.value = kept;
  }

  async render() {
    const entry = this.spec.models[Number(this.model.value)];
    const { symbols, conditions, max_length: longest, model } = entry;
    const n = this.spec.n;
    const prefix = this.prefix.value.toLowerCase();
    const unknown = [...prefix].filter((c) => symbols.indexOf(c) < 1);
    if (unknown.length) {
      this.list.textContent = `prefix holds characters outside the vocabulary: ${[...new Set(unknown)].join(", ")}`;
      return;
    }
    const rng = generator(Number(this.seed.value));
    const temperature = Number(this.temperature.value);
    const topP = Number(this.topP.value);
    const start = (i) => {
      if (!conditions.length) return 0;
      const c = this.condition.value === "none" ? Math.floor(rng.uniform() * conditions.length)
        : conditions.indexOf(this.condition.value);
      return symbols.length + c;
    };
    const rows = Array.from({ length: n }, (_, i) => [start(i), ...[...prefix].map((c) => symbols.indexOf(c))]);
    const done = new Array(n).fill(false);
    while (rows[0].length <= longest && done.includes(false)) {
      const t = rows[0].length;
      const tokens = new BigInt64Array(n * t);
      rows.forEach((r, i) => r.forEach((v, j) => { tokens[i * t + j] = BigInt(v); }));
      const logits = await run(model, { tokens: ["int64", tokens, [n, t]] });
      const width = symbols.length;
      for (let i = 0; i < n; i += 1) {
        const drawn = done[i] ? 0 : pick(filterProbs(logits.subarray(i * width, (i + 1) * width), temperature, topP),
          rng.uniform());
        if (drawn === 0) done[i] = true;
        rows[i].push(drawn);
      }
    }
    const words = rows.map((r) => {
      const word = [];
      for (const v of r.slice(1)) { if (v === 0) break; word.push(symbols[v]); }
      return word.join("");
    });
    this.list.replaceChildren(...words.map((w) => Object.assign(document.createElement("span"), { textContent: w })));
  }
}


// A test digit with a region erased, completed pixel by pixel as course_lib's PixelTransformer.complete does: each
// missing pixel in raster order drawn from p(x_t | x_<t), the kept pixels in place. The pixels slider (and play)
// reveals the completion step by step, as the notebook's completion_widget; it reuses the completion drawn last.
export class Completion extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.index = number(this.controls, "digit", { value: spec.index, min: 0, max: spec.images.length - 1 });
    this.region = dropdown(this.controls, "erase", Object.keys(spec.regions).map((r) => [r, r]), spec.region);
    [this.seed, this.resample] = this.seedControls(spec.seed);
    this.temperature = slider(this.controls, "temperature", { min: 0.1, max: 2, step: 0.05, value: spec.temperature });
    this.step = slider(this.controls, "pixels", { min: 0, max: 64, step: 1, value: 64 });
    this.play = button(this.controls, "play");
    this.play.addEventListener("click", () => this.playSteps());
    this.listen(this.index, this.region, this.seed, this.temperature, this.step, this.resample);
    this.completed = { key: null, pixels: null };
  }

  // Draw the completion one missing pixel every 80 ms (the notebook's Play interval), from the pixels slider's
  // position, or from the start once it has reached the end; the kept pixels are skipped, as in the animation.
  playSteps() {
    clearInterval(this.timer);
    const missing = this.spec.regions[this.region.value].flatMap((kept, t) => (kept ? [] : [t]));
    let step = Number(this.step.value) > missing[missing.length - 1] ? 0 : Number(this.step.value);
    const next = () => {
      const t = missing.find((m) => m >= step);
      if (t === undefined) { clearInterval(this.timer); return; }
      step = t + 1;
      this.step.value = String(step);
      this.step.dispatchEvent(new Event("input"));
    };
    next();
    this.timer = setInterval(next, 80);
  }

  // Each missing pixel in raster order, drawn on the canvas as soon as it is sampled: the first appears within a
  // frame of the change, and the reader watches the model fill the region. Each call passes back the keys and
  // values the model cached, so it computes only the positions after the last missing pixel, not the whole prefix.
  async complete(image, observed, seed, temperature) {
    const rng = generator(seed);
    const x = image.map((v, t) => (observed[t] ? v : 0));
    const [layers, heads, width] = this.spec.cache;
    let cache = { keys: new Float32Array(0), values: new Float32Array(0), pixels: 0 };
    const start = performance.now();
    let shown = null; // when the canvas was last drawn: once a frame (16 ms) is enough
    for (let t = 0; t < 64; t += 1) {
      if (observed[t]) continue;
      const dims = [layers, 1, heads, cache.pixels, width];
      const prefix = BigInt64Array.from(x.slice(0, t + 1), BigInt);
      const out = await runAll(this.spec.model, { x: ["int64", prefix, [1, t + 1]],
        keys: ["float32", cache.keys, dims], values: ["float32", cache.values, dims] });
      cache = { keys: out.next_keys.data, values: out.next_values.data, pixels: t + 1 };
      x[t] = pick(filterProbs(out.logits.data, temperature, 1), rng.uniform());
      if (shown === null || performance.now() - shown >= 16) {
        this.draw(image, x, observed, t + 1);
        if (shown === null) this.element.dataset.firstPixelMs = (performance.now() - start).toFixed(2); // benchmark
        shown = performance.now();
        await nextTask(); // the browser may paint the canvas before the next pixel
      }
    }
    return x;
  }

  async render() {
    const { images, regions } = this.spec;
    const index = indexIn(this.index, images.length);
    const observed = regions[this.region.value];
    const [seed, temperature] = [Number(this.seed.value), Number(this.temperature.value)];
    const key = [index, this.region.value, seed, temperature].join();
    if (this.completed.key !== key) {
      this.completed = { key, pixels: await this.complete(images[index], observed, seed, temperature) };
    }
    this.draw(images[index], this.completed.pixels, observed, Number(this.step.value));
  }

  // As render_completion: the digit with the region erased (light blue), the completion with the pixels from
  // `step` on not drawn yet (light blue, the next one red), and the digit itself.
  draw(image, completed, observed, step) {
    const { vmax, missing_rgb: missing, cursor_rgb: cursor } = this.spec;
    const tiles = new Float32Array(3 * 64);
    tiles.set(image, 0);
    tiles.set(completed, 64);
    tiles.set(image, 128);
    drawTiles(this.picture, tiles, 3, 3, vmax);
    const context = this.picture.getContext("2d");
    const waiting = [...Array(64).keys()].filter((t) => !observed[t] && t >= step);
    const paint = (tile, t, [r, g, b]) => {
      context.fillStyle = `rgb(${r}, ${g}, ${b})`;
      context.fillRect(1 + tile * 65 + (t % 8) * 8, 1 + Math.floor(t / 8) * 8, 8, 8);
    };
    for (let t = 0; t < 64; t += 1) if (!observed[t]) paint(0, t, missing);
    for (const t of waiting) paint(1, t, missing);
    if (waiting.length) paint(1, waiting[0], cursor);
  }
}
