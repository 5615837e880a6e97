// The course's in-page widgets: each placeholder written by course_lib.widgets.page becomes controls and a
// picture computed in the reader's browser by onnxruntime-web's wasm build (single-threaded, no network beyond
// this site). The placeholder's animation stays visible until the model has run once, and for good if it cannot.
import { generator, filterProbs, latentPath, drawTiles, truncatedNormal, pick, watermarkScore } from "./sampling.mjs";

const HERE = new URL(".", import.meta.url);
let runtime = null;

async function ort() {
  if (runtime === null) {
    runtime = import(new URL("../ort/ort.wasm.min.mjs", HERE).href).then((module) => {
      module.env.wasm.numThreads = 1; // threads need cross-origin isolation; slower for these sizes anyway
      module.env.wasm.wasmPaths = new URL("../ort/", HERE).href;
      return module;
    });
  }
  return runtime;
}

const sessions = new Map();

async function session(url) {
  if (!sessions.has(url)) {
    sessions.set(url, ort().then((o) => o.InferenceSession.create(new URL(url, HERE).href,
      { executionProviders: ["wasm"] })));
  }
  return sessions.get(url);
}

async function run(url, feeds) {
  const o = await ort();
  const s = await session(url);
  const tensors = {};
  for (const [name, [type, data, dims]] of Object.entries(feeds)) tensors[name] = new o.Tensor(type, data, dims);
  const out = await s.run(tensors);
  return out[s.outputNames[0]].data;
}

// ----- controls that look like the notebook's ipywidgets: a description, the control, its readout -----

function row(parent, label, control, readout) {
  const line = document.createElement("div");
  line.className = "course-control";
  const name = document.createElement("label");
  name.textContent = label;
  line.append(name, control);
  if (readout) line.append(readout);
  parent.append(line);
  return control;
}

function slider(parent, label, { min, max, step, value }) {
  const input = Object.assign(document.createElement("input"), { type: "range", min, max, step, value });
  const readout = document.createElement("span");
  const show = () => { readout.textContent = Number(input.value).toFixed(step < 0.1 ? 2 : (step < 1 ? 1 : 0)); };
  input.addEventListener("input", show);
  show();
  input.dataset.control = label;
  return row(parent, label, input, readout);
}

function number(parent, label, { value, min, max }) {
  const input = Object.assign(document.createElement("input"), { type: "number", value, step: 1 });
  if (min !== undefined) input.min = min;
  if (max !== undefined) input.max = max;
  input.dataset.control = label;
  return row(parent, label, input);
}

function dropdown(parent, label, options, value) {
  const select = document.createElement("select");
  for (const [text, v] of options) select.append(Object.assign(document.createElement("option"), { text, value: v }));
  select.value = value;
  select.dataset.control = label;
  return row(parent, label, select);
}

function textbox(parent, label, placeholder) {
  const input = Object.assign(document.createElement("input"), { type: "text", placeholder });
  input.dataset.control = label;
  return row(parent, label, input);
}

function button(parent, text) {
  const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
  b.dataset.control = text;
  parent.append(b);
  return b;
}

// ----- one widget: controls, a picture, a status line; render() on every change -----

class Widget {
  constructor(element, spec) {
    this.element = element;
    this.spec = spec;
    this.live = element.querySelector(".course-live");
    this.fallback = element.querySelector(".course-fallback");
    this.controls = document.createElement("div");
    this.picture = document.createElement("canvas");
    this.status = Object.assign(document.createElement("p"), { className: "course-status" });
    this.live.append(this.controls, this.picture, this.status);
    this.renders = 0;
    this.pending = null;
  }

  // A seed box and a resample button that moves to the next seed, as the notebook's samplers have.
  seedControls(value) {
    const seed = number(this.controls, "seed", { value });
    const resample = button(this.controls, "resample");
    resample.addEventListener("click", () => { seed.value = String(Number(seed.value) + 1); });
    return [seed, resample];
  }

  // Text instead of a picture (names, the watermark's colours): a block where the canvas was.
  textOutput(className) {
    this.picture.remove();
    const block = Object.assign(document.createElement("div"), { className });
    this.live.insertBefore(block, this.status);
    return block;
  }

  listen(...inputs) {
    for (const input of inputs) {
      input.addEventListener(input.tagName === "BUTTON" ? "click" : "input", () => this.update());
    }
  }

  // Coalesce changes that arrive while a render runs: the last state wins.
  update() {
    if (this.pending) { this.again = true; return this.pending; }
    this.pending = (async () => {
      try {
        do {
          this.again = false;
          const start = performance.now();
          await this.render();
          const ms = performance.now() - start;
          this.renders += 1;
          this.element.dataset.latencyMs = ms.toFixed(2);
          this.element.dataset.renders = String(this.renders);
          this.status.textContent = `computed in this page in ${ms.toFixed(1)} ms`;
        } while (this.again);
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }

  async start() {
    await this.update();
    this.live.hidden = false;
    this.fallback.hidden = true;
  }
}

function normals(rng, count, scale = 1) {
  const z = new Float32Array(count);
  for (let i = 0; i < count; i += 1) z[i] = scale * rng.normal();
  return z;
}

class VAESampler extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.temperature = slider(this.controls, "temperature", { min: 0, max: 2.5, step: 0.1, value: 1 });
    [this.seed, this.resample] = this.seedControls(spec.seed);
    this.listen(this.temperature, this.seed, this.resample);
  }

  async render() {
    const { n, latent_dim: d, ncols, vmax, model } = this.spec;
    const z = normals(generator(Number(this.seed.value)), n * d, Number(this.temperature.value));
    drawTiles(this.picture, await run(model, { z: ["float32", z, [n, d]] }), n, ncols, vmax);
  }
}

class VAEInterpolation extends Widget {
  constructor(element, spec) {
    super(element, spec);
    const last = spec.latents.length - 1;
    this.a = number(this.controls, "digit A", { value: spec.index_a, min: 0, max: last });
    this.b = number(this.controls, "digit B", { value: spec.index_b, min: 0, max: last });
    this.t = slider(this.controls, "A → B", { min: 0, max: 1, step: 0.05, value: 0.5 });
    this.method = dropdown(this.controls, "path", [["linear", "linear"], ["slerp", "slerp"]], "linear");
    this.listen(this.a, this.b, this.t, this.method);
  }

  index(input) {
    const last = this.spec.latents.length - 1;
    return Math.min(last, Math.max(0, Math.round(Number(input.value) || 0)));
  }

  async render() {
    const { latents, images, vmax, model } = this.spec;
    const [a, b] = [this.index(this.a), this.index(this.b)];
    const z = latentPath(latents[a], latents[b], Number(this.t.value), this.method.value);
    const middle = await run(model, { z: ["float32", Float32Array.from(z), [1, z.length]] });
    const tiles = new Float32Array(3 * 64);
    tiles.set(images[a], 0);
    tiles.set(middle, 64);
    tiles.set(images[b], 128);
    drawTiles(this.picture, tiles, 3, 3, vmax);
  }
}

class VAELatent extends Widget {
  constructor(element, spec) {
    super(element, spec);
    const range = { min: -spec.limit, max: spec.limit, step: 0.1, value: 0 };
    this.z1 = slider(this.controls, "z1", range);
    this.z2 = slider(this.controls, "z2", range);
    this.listen(this.z1, this.z2);
    this.background = new Image();
    this.loaded = new Promise((resolve) => { this.background.onload = resolve; });
    this.background.src = spec.background;
  }

  async render() {
    const { size, limit, vmax, model } = this.spec;
    const z1 = Number(this.z1.value);
    const z2 = Number(this.z2.value);
    const digit = await run(model, { z: ["float32", Float32Array.of(z1, z2), [1, 2]] });
    await this.loaded;
    const scale = Math.floor(size / 8);
    const canvas = this.picture;
    canvas.width = size + 8 + 8 * scale;
    canvas.height = size;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(this.background, 0, 0);
    const col = Math.round((z1 + limit) / (2 * limit) * (size - 1));
    const rowIndex = Math.round((limit - z2) / (2 * limit) * (size - 1));
    context.fillStyle = "#000";
    context.fillRect(col - 1, rowIndex - 6, 3, 13); // the cross of the notebook's widget
    context.fillRect(col - 6, rowIndex - 1, 13, 3);
    const tile = document.createElement("canvas");
    drawTiles(tile, digit, 1, 1, vmax, scale, 0);
    context.drawImage(tile, size + 8, 0);
  }
}

class GANSampler extends Widget {
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

class GANWalk extends Widget {
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

// The chapter 9 detector: each symbol of the typed names green or red by the key's list for the token before it,
// and z = (green - share * total) / sqrt(total * share * (1 - share)), as course_lib.watermark.GreenList.z_score.
class Watermark extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.result = this.textOutput("course-watermark");
    this.text = textbox(this.controls, "names", "e.g. smith jones");
    this.text.value = spec.text;
    this.listen(this.text);
  }

  async render() {
    const { green, share, symbols, alphabet } = this.spec;
    const words = this.text.value.toLowerCase().split(/\s+/).filter(Boolean);
    const unknown = [...new Set(words.join(""))].filter((c) => !alphabet.includes(c));
    if (!words.length || unknown.length) {
      this.result.textContent = words.length ? `text holds characters outside the vocabulary: ${unknown.join(", ")}`
        : "Type one or more names, separated by spaces.";
      return;
    }
    const { scored, greens, total, z } = watermarkScore(green, share, symbols, words);
    const line = document.createElement("p");
    line.className = "course-watermark-text";
    for (const row of scored) {
      for (const [symbol, isGreen] of row) {
        line.append(Object.assign(document.createElement("span"),
          { textContent: symbol, className: isGreen ? "course-green" : "course-red" }));
      }
      line.append(" ");
    }
    const verdict = z > 4 ? "watermarked (z > 4)" : "no evidence of the watermark (z <= 4)";
    const summary = document.createElement("p");
    summary.textContent = `${greens} of ${total} symbols green (chance: ${Math.round(100 * share)}%); ` +
      `z = ${z.toFixed(2)}: ${verdict}`;
    this.result.replaceChildren(line, summary);
  }
}

// The chapter 9 membership explorer: one digit, and where its score (the model's ELBO) falls among the scores of
// the model's training digits and of held-out digits, as course_lib.widgets.draw_membership draws it.
class Membership extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.which = dropdown(this.controls, "digit", [["training digit", "members"], ["held-out digit", "others"]],
      "members");
    this.index = slider(this.controls, "number", { min: 0, max: spec.members.length - 1, step: 1, value: 0 });
    this.which.addEventListener("input", () => { this.index.max = String(this.spec[this.which.value].length - 1); });
    this.listen(this.which, this.index);
  }

  async render() {
    const { vmax, auc } = this.spec;
    const images = this.spec[this.which.value];
    const scores = this.spec[this.which.value === "members" ? "member_scores" : "other_scores"];
    const index = Math.min(images.length - 1, Number(this.index.value));
    const score = scores[index];
    const below = this.spec.other_scores.filter((s) => s < score).length / this.spec.other_scores.length;
    const [width, height, left, top, plotWidth, plotHeight] = [620, 250, 150, 40, 440, 160];
    const canvas = this.picture;
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    const tile = document.createElement("canvas");
    drawTiles(tile, images[index], 1, 1, vmax, 12, 0);
    context.drawImage(tile, 15, top + 30);
    context.fillStyle = "#000";
    context.font = "13px sans-serif";
    context.fillText(`${this.which.value === "members" ? "training" : "held-out"} digit ${index}`, 15, top + 20);
    context.fillText(`membership inference: AUC ${auc.toFixed(2)} over these digits`, left, 18);
    context.fillText(`ELBO ${score.toFixed(1)}: above ${Math.round(100 * below)}% of held-out digits`, left, 34);
    const all = [...this.spec.member_scores, ...this.spec.other_scores];
    const [low, high] = [Math.min(...all), Math.max(...all)];
    const bins = 29;
    const x = (v) => left + (v - low) / (high - low || 1) * plotWidth;
    const counts = (values) => {
      const c = new Array(bins).fill(0);
      for (const v of values) c[Math.min(bins - 1, Math.floor((v - low) / (high - low || 1) * bins))] += 1;
      return c;
    };
    const sets = [[counts(this.spec.member_scores), "rgba(31, 119, 180, 0.6)"],
      [counts(this.spec.other_scores), "rgba(255, 127, 14, 0.6)"]];
    const tallest = Math.max(...sets.flatMap(([c]) => c));
    for (const [c, colour] of sets) {
      context.fillStyle = colour;
      c.forEach((n, b) => {
        const h = n / tallest * plotHeight;
        context.fillRect(left + b * plotWidth / bins, top + plotHeight - h, plotWidth / bins - 1, h);
      });
    }
    context.fillStyle = "#000";
    context.fillRect(x(score) - 1, top, 2, plotHeight);
    context.strokeRect(left, top, plotWidth, plotHeight);
    context.fillText("score: ELBO (nats; higher = the model finds it likelier)", left, top + plotHeight + 18);
    context.fillText(low.toFixed(0), left, top + plotHeight + 34);
    context.fillText(high.toFixed(0), left + plotWidth - 30, top + plotHeight + 34);
    context.save();
    context.translate(left - 8, top + plotHeight / 2 + 15);
    context.rotate(-Math.PI / 2);
    context.fillText("digits", 0, 0);
    context.restore();
    context.fillStyle = sets[0][1];
    context.fillRect(left + plotWidth - 175, top + 8, 12, 12);
    context.fillStyle = sets[1][1];
    context.fillRect(left + plotWidth - 175, top + 26, 12, 12);
    context.fillStyle = "#000";
    context.fillText("training digits (members)", left + plotWidth - 158, top + 18);
    context.fillText("held-out digits", left + plotWidth - 158, top + 36);
  }
}

class Names extends Widget {
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

const KINDS = { "vae-sampler": VAESampler, "vae-interpolation": VAEInterpolation, "vae-latent": VAELatent,
  "gan-sampler": GANSampler, "gan-walk": GANWalk, "names": Names, "watermark": Watermark, "membership": Membership };

export async function mount(element) {
  const Kind = KINDS[element.dataset.kind];
  if (!Kind || element.dataset.mounted) return;
  element.dataset.mounted = "1";
  const widget = new Kind(element, JSON.parse(element.dataset.spec));
  await widget.start();
  element.dataset.ready = "1";
}

function mountAll() {
  for (const element of document.querySelectorAll(".course-page-widget")) {
    mount(element).catch((error) => {
      element.dataset.failed = String(error);
      const note = element.querySelector(".course-fallback-note");
      if (note) {
        note.textContent = `This widget could not run here (${error}); it shows the animation.`;
        note.hidden = false;
      }
    });
  }
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
}
