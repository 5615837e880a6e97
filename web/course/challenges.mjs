// Chapter 8's widgets in the page: the GAN training replay on the ring and the posterior-collapse explorer. Neither
// needs a model: course_lib.widgets.challenges and .collapse put the precomputed snapshots, histories and KLs in the
// spec, and these draw them as draw_ring_replay and draw_posterior_collapse do.
import { Widget, slider, dropdown, checkbox } from "./widget.mjs";
import { COLOURS, axes, bars, blank, crosses, formatG, legend, padded, points, polyline, text, ticks }
  from "./plots.mjs";

// ----- pure functions (tested by web/test/challenges.test.mjs) -----

// The history's entries up to and including `round` (its steps ascend), as the replay colours them.
export function historyUpTo(history, round) {
  const count = history.step.filter((step) => step <= round).length;
  return Object.fromEntries(Object.entries(history).map(([name, values]) => [name, values.slice(0, count)]));
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// The setting the explorer's controls name, as _draw_collapse_controls reads them: annealing means free bits 0.
export function collapseSetting(spec, betaIndex, freeBitsIndex, annealed) {
  return { beta: spec.betas[betaIndex], freeBits: annealed ? 0 : spec.free_bits[freeBitsIndex],
    warmup: annealed ? spec.warmup : 0 };
}

export function settingRuns(runs, { beta, freeBits, warmup }) {
  return runs.filter((r) => r.beta === beta && r.free_bits === freeBits && r.warmup === warmup);
}

// Each run's KL per latent dimension sorted descending, as course_lib.widgets.collapse.sorted_kl: ranks, not
// dimension indices, compare seeds (which dimension a VAE keeps active is arbitrary).
export function sortedKL(runs) {
  return runs.map((r) => [...r.kl].sort((a, b) => b - a));
}

// Per rank: the median over seeds (the bar), and the seeds' min and max (the error bar).
export function klBars(runs) {
  const kl = sortedKL(runs);
  const ranks = kl[0].map((_, k) => kl.map((seed) => seed[k]));
  return { median: ranks.map(median), low: ranks.map((r) => Math.min(...r)), high: ranks.map((r) => Math.max(...r)) };
}

// The y-axis' top, the same for every setting so that bars shrink visibly: the largest KL or free bits of all runs.
export function klLimit(runs) {
  return Math.max(...runs.flatMap((r) => r.kl), ...runs.map((r) => r.free_bits), 1e-3);
}

export function collapseTitle({ beta, freeBits, warmup }, chosen) {
  const setting = warmup ? `KL annealed over ${warmup} batches` : `free bits ${formatG(freeBits)}`;
  const seeds = `${chosen.length} seed${chosen.length === 1 ? "" : "s"}`;
  return `beta ${formatG(beta)}, ${setting}: ${formatG(median(chosen.map((r) => r.active)))} active units ` +
    `(median over ${seeds}), test ELBO ${median(chosen.map((r) => r.elbo)).toFixed(1)} nats`;
}

// ----- the widgets -----

// The replay: a learning-rate choice and a round; the round's samples on the ring beside the losses and D's mean
// outputs, the whole run in grey (fixed axes) and the part up to the round in colour.
export class RingReplay extends Widget {
  constructor(element, spec) {
    super(element, spec);
    this.choice = dropdown(this.controls, "learning rates", spec.choices.map(({ label }, i) => [label, String(i)]),
      "0");
    const { steps } = spec.choices[0]; // every choice shares them (ring_replay_page checks)
    this.frame = slider(this.controls, "round", { min: 0, max: steps.length - 1, step: 1, value: 0 },
      (i) => String(steps[i]));
    this.listen(this.choice, this.frame);
  }

  async render() {
    const { choices, centres, limit } = this.spec;
    const choice = choices[Number(this.choice.value)];
    const frame = Number(this.frame.value);
    const round = choice.steps[frame];
    const context = blank(this.picture, 780, 365);
    text(context, `learning rates: ${choice.label}`, 390, 20, { align: "center", font: "bold 14px sans-serif" });
    const square = [-limit, limit];
    const ring = axes(context, { left: 50, top: 58, width: 260, height: 260 }, square, square,
      { xTicks: ticks(...square, 6), yTicks: ticks(...square, 6) });
    points(context, ring, choice.snapshots[frame]);
    crosses(context, ring, centres);
    text(context, `round ${round}: ${choice.modes[frame]} of ${centres.length} modes covered`, 180, 50,
      { align: "center" });
    const { history } = choice;
    const shown = historyUpTo(history, round);
    const rounds = padded(history.step);
    const panels = [
      { names: ["d_loss", "g_loss"], label: "loss", top: 58, range: padded([...history.d_loss, ...history.g_loss]) },
      { names: ["d_real", "d_fake"], label: "D's mean output", top: 194, range: [0, 1] },
    ];
    for (const { names, label, top, range } of panels) {
      const last = names[0] === "d_real";
      const plot = axes(context, { left: 420, top, width: 345, height: 124 }, rounds, range,
        { yLabel: label, yTicks: ticks(...range, 4), xTickLabels: last, xLabel: last ? "training round" : "" });
      if (last) polyline(context, plot, rounds, [0.5, 0.5], { colour: COLOURS.mid, width: 1, dash: [5, 3] });
      const colours = [COLOURS.C0, COLOURS.C1];
      for (const name of names) polyline(context, plot, history.step, history[name], { colour: COLOURS.light,
        width: 1 });
      names.forEach((name, i) => polyline(context, plot, shown.step, shown[name], { colour: colours[i] }));
      polyline(context, plot, [round, round], range, { colour: COLOURS.dark, width: 1, dash: [1, 3] });
      legend(context, plot, names.map((name, i) => ({ label: name.replace("_", " "), colour: colours[i] })));
    }
  }
}

// The explorer: beta and free bits (indices into the offered values), and KL annealing if the runs hold it, which
// disables the free-bits slider (annealed runs have none); bars of the sorted KL of the setting's runs.
export class PosteriorCollapse extends Widget {
  constructor(element, spec) {
    super(element, spec);
    const index = (label, values) => slider(this.controls, label,
      { min: 0, max: values.length - 1, step: 1, value: 0 }, (i) => formatG(values[i]));
    this.beta = index("beta", spec.betas);
    this.freeBits = index("free bits", spec.free_bits);
    this.annealed = null;
    if (spec.warmup) {
      this.annealed = checkbox(this.controls, `KL annealed (${spec.warmup} batches)`);
      this.annealed.addEventListener("input", () => { this.freeBits.disabled = this.annealed.checked; });
      this.listen(this.annealed);
    }
    this.listen(this.beta, this.freeBits);
  }

  async render() {
    const { runs } = this.spec;
    const setting = collapseSetting(this.spec, Number(this.beta.value), Number(this.freeBits.value),
      Boolean(this.annealed?.checked));
    const chosen = settingRuns(runs, setting);
    const context = blank(this.picture, 760, 340);
    if (!chosen.length) { // the Python refuses such a setting; the page says so in the picture
      text(context, "no runs were trained with this setting", 380, 170, { align: "center" });
      return;
    }
    const { median: heights, low, high } = klBars(chosen);
    const ranks = heights.map((_, k) => k + 1);
    const top = 1.05 * klLimit(runs);
    text(context, collapseTitle(setting, chosen), 405, 22, { align: "center" });
    const plot = axes(context, { left: 70, top: 36, width: 670, height: 250 }, padded([0.6, ranks.length + 0.4]),
      [0, top], { xTicks: ranks, xLabel: "latent dimension (sorted by KL)", yLabel: "KL (nats)" });
    bars(context, plot, ranks, heights, { low, high });
    if (setting.freeBits) {
      polyline(context, plot, [0, ranks.length + 1], [setting.freeBits, setting.freeBits],
        { colour: COLOURS.C3, width: 1, dash: [5, 3] });
      legend(context, plot, [{ label: `free bits ${formatG(setting.freeBits)} nats`, colour: COLOURS.C3,
        dash: [5, 3] }]);
    }
  }
}
