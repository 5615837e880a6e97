// Chapter 4's VAE widgets in the page: the decoder (course_lib.widgets.page.vae_decoder_onnx) runs on noise drawn
// here, on a point of the path between two test digits' latent means, or on a point of the 2-D latent plane.
import { generator, latentPath, drawTiles } from "./sampling.mjs";
import { Widget, run, slider, number, dropdown, normals, indexIn } from "./widget.mjs";

export class VAESampler extends Widget {
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

export class VAEInterpolation extends Widget {
  constructor(element, spec) {
    super(element, spec);
    const last = spec.latents.length - 1;
    this.a = number(this.controls, "digit A", { value: spec.index_a, min: 0, max: last });
    this.b = number(this.controls, "digit B", { value: spec.index_b, min: 0, max: last });
    this.t = slider(this.controls, "A → B", { min: 0, max: 1, step: 0.05, value: 0.5 });
    this.method = dropdown(this.controls, "path", [["linear", "linear"], ["slerp", "slerp"]], "linear");
    this.listen(this.a, this.b, this.t, this.method);
  }

  async render() {
    const { latents, images, vmax, model } = this.spec;
    const [a, b] = [indexIn(this.a, latents.length), indexIn(this.b, latents.length)];
    const z = latentPath(latents[a], latents[b], Number(this.t.value), this.method.value);
    const middle = await run(model, { z: ["float32", Float32Array.from(z), [1, z.length]] });
    const tiles = new Float32Array(3 * 64);
    tiles.set(images[a], 0);
    tiles.set(middle, 64);
    tiles.set(images[b], 128);
    drawTiles(this.picture, tiles, 3, 3, vmax);
  }
}

export class VAELatent extends Widget {
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

