// Chapter 9's widgets in the page; neither needs a model: the key's green lists and the scored digits are in the spec.
import { drawTiles, watermarkScore } from "./sampling.mjs";
import { Widget, slider, dropdown, textbox } from "./widget.mjs";

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

