// Pure functions of the in-page widgets, shared by widgets.mjs and the Node tests (web/test/): the seeded noise,
// the filtering of next-symbol logits, the latent path and the digit tiles, each as course_lib defines it.

// A seeded generator: mulberry32 for uniforms in [0, 1), Box-Muller for standard normals.
export function generator(seed) {
  let state = (Number(seed) >>> 0) ^ 0x9e3779b9;
  let spare = null;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== null) { const z = spare; spare = null; return z; }
    const u = 1 - uniform(); // (0, 1]: the logarithm stays finite
    const r = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * uniform();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
  return { uniform, normal };
}

// A standard normal conditioned on |z| <= t (the truncation trick), by rejection.
export function truncatedNormal(rng, t) {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= t) return z;
  }
}

// course_lib.autoregressive.filter_logits without top-k: softmax(logits / temperature), then the smallest set of
// most probable symbols whose mass reaches topP (the most probable one always kept), renormalised.
export function filterProbs(logits, temperature = 1, topP = 1) {
  const scaled = Array.from(logits, (v) => v / temperature);
  const top = Math.max(...scaled);
  const weights = scaled.map((v) => Math.exp(v - top));
  const total = weights.reduce((a, b) => a + b, 0);
  let probs = weights.map((w) => w / total);
  if (topP < 1) {
    const order = probs.map((p, i) => [p, i]).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
    let before = 0;
    const kept = new Array(probs.length).fill(false);
    for (const [p, i] of order) {
      if (before >= topP) break;
      kept[i] = true;
      before += p;
    }
    probs = probs.map((p, i) => (kept[i] ? p : 0));
    const mass = probs.reduce((a, b) => a + b, 0);
    probs = probs.map((p) => p / mass);
  }
  return probs;
}

// The index drawn from probabilities with the uniform u (inverse CDF); the last kept index if rounding leaves u above.
export function pick(probs, u) {
  let cumulative = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i += 1) {
    if (probs[i] > 0) last = i;
    cumulative += probs[i];
    if (u < cumulative) return i;
  }
  return last;
}

// course_lib.latent.latent_path at one position t: the straight line, or the great circle (slerp), which falls back
// to the line for (nearly) parallel vectors.
export function latentPath(a, b, t, method = "linear") {
  if (method === "slerp") {
    const dot = a.reduce((s, v, i) => s + v * b[i], 0);
    const norms = Math.hypot(...a) * Math.hypot(...b);
    const omega = Math.acos(Math.min(1, Math.max(-1, dot / Math.max(norms, 1e-12))));
    if (Math.abs(omega) >= 1e-4) {
      const [wa, wb] = [Math.sin((1 - t) * omega), Math.sin(t * omega)].map((w) => w / Math.sin(omega));
      return a.map((v, i) => wa * v + wb * b[i]);
    }
  }
  return a.map((v, i) => (1 - t) * v + t * b[i]);
}

// course_lib.plotting.digit_tiles: 8x8 digits (n x 64 grey levels) as one grey picture, white paper and dark ink,
// scale screen pixels per digit pixel, pad pixels of grey 200 between and around the tiles.
export function tilePixels(images, n, ncols, vmax, scale = 8, pad = 1) {
  const cols = Math.min(ncols, n);
  const rows = Math.ceil(n / cols);
  const side = 8 * scale;
  const width = cols * (side + pad) + pad;
  const height = rows * (side + pad) + pad;
  const pixels = new Uint8ClampedArray(width * height).fill(200);
  for (let k = 0; k < n; k += 1) {
    const top = pad + Math.floor(k / cols) * (side + pad);
    const left = pad + (k % cols) * (side + pad);
    for (let y = 0; y < side; y += 1) {
      for (let x = 0; x < side; x += 1) {
        const level = images[k * 64 + Math.floor(y / scale) * 8 + Math.floor(x / scale)];
        pixels[(top + y) * width + left + x] = Math.trunc(255 - Math.min(1, Math.max(0, level / vmax)) * 255);
      }
    }
  }
  return { width, height, pixels };
}

export function drawTiles(canvas, images, n, ncols, vmax, scale = 8, pad = 1) {
  const { width, height, pixels } = tilePixels(images, n, ncols, vmax, scale, pad);
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  const rgba = context.createImageData(width, height);
  for (let i = 0; i < pixels.length; i += 1) {
    rgba.data.set([pixels[i], pixels[i], pixels[i], 255], 4 * i);
  }
  context.putImageData(rgba, 0, 0);
}

// course_lib.watermark.GreenList.detect on typed words: each symbol (every character and each word's end) scored
// against the token before it (the start token first); z = (G - share T) / sqrt(T share (1 - share)).
export function watermarkScore(green, share, symbols, words) {
  const scored = [];
  let greens = 0;
  for (const word of words) {
    const ids = [0, ...[...word].map((c) => symbols.indexOf(c)), 0];
    const row = [];
    for (let i = 1; i < ids.length; i += 1) {
      const isGreen = green[ids[i - 1]][ids[i]] === 1;
      greens += isGreen ? 1 : 0;
      row.push([symbols[ids[i]], isGreen]);
    }
    scored.push(row);
  }
  const total = scored.reduce((n, row) => n + row.length, 0);
  return { scored, greens, total, z: (greens - share * total) / Math.sqrt(total * share * (1 - share)) };
}
