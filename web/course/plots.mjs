// Small canvas plotting helpers for the in-page widgets that draw charts (challenges.mjs): an axes frame with round
// ticks and labels for a data range, and lines, points, crosses, bars and legends in its data coordinates. They
// draw in matplotlib's default colours and sizes, so a chart reads like the notebook's figure it stands for.
export const COLOURS = { C0: "#1f77b4", C1: "#ff7f0e", C3: "#d62728", light: "#d9d9d9", dark: "#4d4d4d",
  mid: "#999999" }; // matplotlib's C0, C1, C3 and the greys "0.85", "0.3", "0.6"
export const FONT = "12px sans-serif";

// A number as Python's f"{value:g}" writes it (6 significant digits, no trailing zeros) for these ranges.
export function formatG(value) {
  return String(Number(value.toPrecision(6)));
}

// Round tick values within [low, high]: about `count` of them, spaced 1, 2 or 5 times a power of ten.
export function ticks(low, high, count = 5) {
  const raw = (high - low) / count;
  if (!(raw > 0)) return [low];
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = power * ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10);
  const values = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) {
    values.push(Number(v.toPrecision(12))); // drop the float error of the sum: 0.30000000000000004 -> 0.3
  }
  return values;
}

// The range of `values` widened by `margin` of its span on each side, as matplotlib autoscales (5%).
export function padded(values, margin = 0.05) {
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const span = high - low || Math.abs(low) || 1;
  return [low - margin * span, high + margin * span];
}

export function text(context, string, x, y, { align = "left", baseline = "alphabetic", font = FONT,
  colour = "#000", rotate = 0 } = {}) {
  context.save();
  Object.assign(context, { font, fillStyle: colour, textAlign: align, textBaseline: baseline });
  context.translate(x, y);
  context.rotate(rotate);
  context.fillText(string, 0, 0);
  context.restore();
}

// Tick labels with the decimals their spacing needs, alike for all: 0.0, 0.5, 1.0 rather than 0, 0.5, 1.
function tickFormat(values) {
  const step = values.length > 1 ? values[1] - values[0] : 1;
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return (v) => v.toFixed(decimals);
}

// An axes frame: box {left, top, width, height} in pixels showing xRange by yRange, with ticks (labelled unless
// xTickLabels is false, as for a panel sharing the x-axis of the one below) and axis labels, the y-label rotated.
// Returns the plot the other helpers draw in: the box and the maps x(value), y(value) to pixels.
export function axes(context, box, xRange, yRange, { xLabel = "", yLabel = "", xTicks = ticks(...xRange),
  yTicks = ticks(...yRange), xTickLabels = true } = {}) {
  const { left, top, width, height } = box;
  const x = (v) => left + (v - xRange[0]) / (xRange[1] - xRange[0]) * width;
  const y = (v) => top + height - (v - yRange[0]) / (yRange[1] - yRange[0]) * height;
  context.save();
  Object.assign(context, { strokeStyle: "#000", lineWidth: 1 });
  context.strokeRect(left + 0.5, top + 0.5, width, height);
  const [xFormat, yFormat] = [tickFormat(xTicks), tickFormat(yTicks)];
  for (const v of xTicks) {
    const px = Math.round(x(v)) + 0.5;
    context.beginPath();
    context.moveTo(px, top + height);
    context.lineTo(px, top + height + 4);
    context.stroke();
    if (xTickLabels) text(context, xFormat(v), px, top + height + 6, { align: "center", baseline: "top" });
  }
  let widest = 0;
  for (const v of yTicks) {
    const py = Math.round(y(v)) + 0.5;
    context.beginPath();
    context.moveTo(left - 4, py);
    context.lineTo(left, py);
    context.stroke();
    context.font = FONT;
    widest = Math.max(widest, context.measureText(yFormat(v)).width);
    text(context, yFormat(v), left - 6, py, { align: "right", baseline: "middle" });
  }
  context.restore();
  if (xLabel) text(context, xLabel, left + width / 2, top + height + (xTickLabels ? 24 : 8), { align: "center",
    baseline: "top" });
  if (yLabel) text(context, yLabel, left - widest - 12, top + height / 2, { align: "center", rotate: -Math.PI / 2 });
  return { box, x, y };
}

// Draw inside the plot's box only, as matplotlib clips to its axes.
function clipped(context, { box }, draw) {
  context.save();
  context.beginPath();
  context.rect(box.left, box.top, box.width + 1, box.height + 1);
  context.clip();
  draw();
  context.restore();
}

export function polyline(context, plot, xs, ys, { colour = COLOURS.C0, width = 1.5, dash = [] } = {}) {
  if (!xs.length) return;
  clipped(context, plot, () => {
    Object.assign(context, { strokeStyle: colour, lineWidth: width, lineJoin: "round" });
    context.setLineDash(dash);
    context.beginPath();
    xs.forEach((v, i) => context[i ? "lineTo" : "moveTo"](plot.x(v), plot.y(ys[i])));
    context.stroke();
  });
}

// Filled dots of `radius` pixels at the points [[x, y], ...].
export function points(context, plot, xy, { colour = COLOURS.C0, radius = 1.5, alpha = 0.6 } = {}) {
  clipped(context, plot, () => {
    Object.assign(context, { fillStyle: colour, globalAlpha: alpha });
    for (const [u, v] of xy) {
      context.beginPath();
      context.arc(plot.x(u), plot.y(v), radius, 0, 2 * Math.PI);
      context.fill();
    }
  });
}

// "x" markers, half-size `size` pixels, at the points [[x, y], ...].
export function crosses(context, plot, xy, { colour = COLOURS.C3, size = 4, width = 1.5 } = {}) {
  clipped(context, plot, () => {
    Object.assign(context, { strokeStyle: colour, lineWidth: width });
    context.beginPath();
    for (const [u, v] of xy) {
      const [px, py] = [plot.x(u), plot.y(v)];
      context.moveTo(px - size, py - size);
      context.lineTo(px + size, py + size);
      context.moveTo(px - size, py + size);
      context.lineTo(px + size, py - size);
    }
    context.stroke();
  });
}

// Bars of `heights` centred on `xs`, `width` wide in data units; error bars from low[i] to high[i] if given.
export function bars(context, plot, xs, heights, { width = 0.8, colour = COLOURS.C0, low = null, high = null,
  errorColour = COLOURS.dark } = {}) {
  clipped(context, plot, () => {
    context.fillStyle = colour;
    xs.forEach((v, i) => {
      const [x0, x1, top, bottom] = [plot.x(v - width / 2), plot.x(v + width / 2), plot.y(heights[i]), plot.y(0)];
      context.fillRect(x0, top, x1 - x0, bottom - top);
    });
    if (!low) return;
    Object.assign(context, { strokeStyle: errorColour, lineWidth: 1 });
    context.beginPath();
    xs.forEach((v, i) => {
      const px = Math.round(plot.x(v)) + 0.5;
      context.moveTo(px, plot.y(low[i]));
      context.lineTo(px, plot.y(high[i]));
      for (const end of [low[i], high[i]]) { // caps, as matplotlib's capsize
        context.moveTo(px - 3, Math.round(plot.y(end)) + 0.5);
        context.lineTo(px + 3, Math.round(plot.y(end)) + 0.5);
      }
    });
    context.stroke();
  });
}

// A legend in the plot's upper right corner (or upper left, `left`): entries [{label, colour, dash}], each a short
// line and its label, on a white box so lines beneath do not cross the text.
export function legend(context, plot, entries, { left: onLeft = false } = {}) {
  const { left, top, width } = plot.box;
  context.font = FONT;
  const textWidth = Math.max(...entries.map(({ label }) => context.measureText(label).width));
  const [boxWidth, boxHeight] = [textWidth + 38, entries.length * 16 + 6];
  const [x0, y0] = [onLeft ? left + 5 : left + width - boxWidth - 5, top + 5];
  context.save();
  Object.assign(context, { fillStyle: "rgba(255, 255, 255, 0.85)", strokeStyle: "#ccc", lineWidth: 1 });
  context.fillRect(x0, y0, boxWidth, boxHeight);
  context.strokeRect(x0 + 0.5, y0 + 0.5, boxWidth, boxHeight);
  entries.forEach(({ label, colour, dash = [] }, i) => {
    const row = y0 + 11 + 16 * i;
    Object.assign(context, { strokeStyle: colour, lineWidth: 1.5 });
    context.setLineDash(dash);
    context.beginPath();
    context.moveTo(x0 + 6, row);
    context.lineTo(x0 + 26, row);
    context.stroke();
    text(context, label, x0 + 32, row, { baseline: "middle" });
  });
  context.restore();
}

// A fresh white canvas of width by height pixels; returns its 2-D context.
export function blank(canvas, width, height) {
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);
  return context;
}
