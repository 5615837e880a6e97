// The course's in-page widgets: each placeholder written by course_lib.widgets.page becomes controls and a
// picture computed in the reader's browser by onnxruntime-web's wasm build (single-threaded, no network beyond
// this site). The placeholder's animation stays visible until the widget has rendered once, and for good if it
// cannot. This module maps each placeholder's kind to its widget class and mounts them.
import { VAESampler, VAEInterpolation, VAELatent } from "./vae.mjs";
import { GANSampler, GANWalk } from "./gan.mjs";
import { Names, Completion } from "./autoregressive.mjs";
import { Quiz } from "./evaluation.mjs";
import { RingReplay, PosteriorCollapse } from "./challenges.mjs";
import { Watermark, Membership } from "./ethics.mjs";

const KINDS = { "vae-sampler": VAESampler, "vae-interpolation": VAEInterpolation, "vae-latent": VAELatent,
  "gan-sampler": GANSampler, "gan-walk": GANWalk, "names": Names, "completion": Completion, "quiz": Quiz,
  "ring-replay": RingReplay, "posterior-collapse": PosteriorCollapse, "watermark": Watermark,
  "membership": Membership };

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
