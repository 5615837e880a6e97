// Chapter 9's widgets in the page; neither needs a model: the key's green lists and the scored digits are in the spec.
import { drawTiles, watermarkScore } from "./sampling.mjs";
import { Widget, slider, dropdown, textbox, indexIn } from "./widget.mjs";
import { axes, bars, blank, legend, polyline, text } from "./plots.mjs";

// The chapter 9 detector: each symbol of the typed names green or red by the key's list for the token before it,
// and z = (green - share * total) / sqrt(total * share * (1 - share)), as course_lib.watermark.GreenList.z_score.
export class Watermark extends Widget {
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

// `bins` equal bins over the range of all the sets' values, and each set's count per bin, as matplotlib's hist.
export function histograms(sets, bins) {
  const all = sets.flat();
  const [low, high] = [Math.min(...all), Math.max(...all)];
  const width = (high - low) / bins || 1;
  const edges = Array.from({ length: bins + 1 }, (_, k) => low + k * width);
  const counts = sets.map((values) => {
    const c = new Array(bins).fill(0);
    for (const v of values) c[Math.min(bins - 1, Math.floor((v - low) / width))] += 1;
    return c;
  });
  return { edges, counts };
}

// The chapter 9 membership explorer: one digit, and where its score (the model's ELBO) falls among the scores of
// the model's training digits and of held-out digits, as course_lib.widgets.draw_membership draws it.
export class Membership extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.which = dropdown(this.controls, "digit", [["training digit", "members"], ["held-out digit", "others"]],
      "members");
    this.index = slider(this.controls, "number", { min: 0, max: spec.members.length - 1, step: 1, value: 0 });
    this.which.addEventListener("input", () => { this.index.max = String(this.spec[this.which.value].length - 1); });
    this.listen(this.which, this.index);
  }

  async render() {
    const { vmax, auc, member_scores: members, other_scores: others } = this.spec;
    const images = this.spec[this.which.value];
    const scores = this.which.value === "members" ? members : others;
    const index = indexIn(this.index, images.length);
    const score = scores[index];
    const below = others.filter((s) => s < score).length / others.length;
    const context = blank(this.picture, 640, 270);
    const tile = document.createElement("canvas");
    drawTiles(tile, images[index], 1, 1, vmax, 12, 0);
    context.drawImage(tile, 15, 75);
    text(context, `${this.which.value === "members" ? "training" : "held-out"} digit ${index}`, 15, 65);
    text(context, `membership inference: AUC ${auc.toFixed(2)} over these digits`, 175, 16);
    text(context, `ELBO ${score.toFixed(1)}: above ${Math.round(100 * below)}% of held-out digits`, 175, 32);
    const { edges, counts } = histograms([members, others], 29);
    const width = edges[1] - edges[0];
    const centres = edges.slice(0, -1).map((edge) => edge + width / 2);
    const plot = axes(context, { left: 175, top: 42, width: 440, height: 170 }, [edges[0], edges[edges.length - 1]],
      [0, 1.05 * Math.max(...counts.flat())], { xLabel: "score: ELBO (nats; higher = the model finds it likelier)",
        yLabel: "digits" });
    const colours = ["rgba(31, 119, 180, 0.6)", "rgba(255, 127, 14, 0.6)"]; // C0 and C1 at matplotlib's alpha 0.6
    counts.forEach((c, i) => bars(context, plot, centres, c, { width, colour: colours[i] }));
    polyline(context, plot, [score, score], [0, 1.05 * Math.max(...counts.flat())], { colour: "#000", width: 2 });
    legend(context, plot, [{ label: "training digits (members)", colour: colours[0] },
      { label: "held-out digits", colour: colours[1] }, { label: "this digit", colour: "#000" }], { left: true });
  }
}

