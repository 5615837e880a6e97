// What every in-page widget shares: onnxruntime-web's wasm build (loaded once, single-threaded, from this site),
// controls that look like the notebook's ipywidgets, and the Widget base class that renders on every change and
// writes its latency into the page. The chapters' widgets are in vae.mjs, gan.mjs, autoregressive.mjs,
// evaluation.mjs, challenges.mjs and ethics.mjs; widgets.mjs mounts them.
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

// The model's outputs by name, each as onnxruntime's Tensor (data, dims); feeds: name -> [type, data, dims].
export async function runAll(url, feeds) {
  const o = await ort();
  const s = await session(url);
  const tensors = {};
  for (const [name, [type, data, dims]] of Object.entries(feeds)) tensors[name] = new o.Tensor(type, data, dims);
  return s.run(tensors);
}

// The data of the model's first output.
export async function run(url, feeds) {
  const s = await session(url);
  return (await runAll(url, feeds))[s.outputNames[0]].data;
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

// A range input; its readout is the value, or format(value) (a round number for a slider over frame indices).
export function slider(parent, label, { min, max, step, value }, format = null) {
  const input = Object.assign(document.createElement("input"), { type: "range", min, max, step, value });
  const readout = document.createElement("span");
  const decimals = step < 0.1 ? 2 : (step < 1 ? 1 : 0);
  const show = () => {
    readout.textContent = format ? format(Number(input.value)) : Number(input.value).toFixed(decimals);
  };
  input.addEventListener("input", show);
  show();
  input.dataset.control = label;
  return row(parent, label, input, readout);
}

// The whole number a number box holds, within [0, count - 1]: a reader may type anything.
export function indexIn(input, count) {
  return Math.min(count - 1, Math.max(0, Math.round(Number(input.value) || 0)));
}

export function number(parent, label, { value, min, max }) {
  const input = Object.assign(document.createElement("input"), { type: "number", value, step: 1 });
  if (min !== undefined) input.min = min;
  if (max !== undefined) input.max = max;
  input.dataset.control = label;
  return row(parent, label, input);
}

export function dropdown(parent, label, options, value) {
  const select = document.createElement("select");
  for (const [text, v] of options) select.append(Object.assign(document.createElement("option"), { text, value: v }));
  select.value = value;
  select.dataset.control = label;
  return row(parent, label, select);
}

// A checkbox with its description on its right, as ipywidgets draws one.
export function checkbox(parent, label, checked = false) {
  const input = Object.assign(document.createElement("input"), { type: "checkbox", checked });
  input.dataset.control = label;
  return row(parent, "", input, Object.assign(document.createElement("span"), { textContent: label }));
}

export function textbox(parent, label, placeholder) {
  const input = Object.assign(document.createElement("input"), { type: "text", placeholder });
  input.dataset.control = label;
  return row(parent, label, input);
}

export function button(parent, text) {
  const b = Object.assign(document.createElement("button"), { type: "button", textContent: text });
  b.dataset.control = text;
  parent.append(b);
  return b;
}

// ----- one widget: controls, a picture, a status line; render() on every change -----

export class Widget {
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

// A promise that resolves in a new task (a message to itself: no 4 ms timer clamp), so that the browser can paint
// between the steps of a long render.
export function nextTask() {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

export function normals(rng, count, scale = 1) {
  const z = new Float32Array(count);
  for (let i = 0; i < count; i += 1) z[i] = scale * rng.normal();
  return z;
}

