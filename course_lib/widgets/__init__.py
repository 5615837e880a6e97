"""Interactive figures: a plain drawing function, wrapped in ipywidgets.

Each widget in the course is built the same way:

1. a *drawing function* ``draw(fig, **state)`` that renders one state onto a
   Matplotlib figure (testable without any widget library);
2. :func:`live`, which wires ipywidgets controls to that function for a
   running kernel (JupyterLab, Colab, a JupyterHub);
3. :func:`animation`, which renders a sequence of states as a JavaScript
   animation that still plays and scrubs on the static website.

:func:`show` picks between 2 and 3: the website build sets the environment
variable ``COURSE_STATIC_WIDGETS=1`` because no kernel runs behind the pages.
4. a *page* version (:mod:`.page`), for the website: the widget's model
   exported to ONNX, or its data, computed in the reader's page by
   ``web/course/widgets.mjs``, with the animation of 3 inside as the fallback;
   :func:`show` builds it on the website when its third argument is given and
   the build publishes models (``COURSE_WEB_MODELS``).

ipywidgets is imported only inside the functions that need it.

The package is split by concern: :mod:`.core` holds the generic mechanism
(including the Matplotlib-free fast path for pixel arrays), :mod:`.vae` the
chapter 4 VAE widgets, :mod:`.mixture` the chapter 3 EM stepper, :mod:`.gan`
the chapter 5 GAN sampler and latent walk, :mod:`.autoregressive` the
chapter 6 names sampler, :mod:`.completion` its pixel-by-pixel digit completion,
:mod:`.evaluation` the chapter 7 "which one is real?" quiz,
:mod:`.challenges` the chapter 8 GAN training replay, :mod:`.collapse` its
posterior-collapse explorer, and :mod:`.ethics` the chapter 9 watermark detector and membership
explorer. Each chapter's module holds its widgets' page versions too
(``*_page``); :mod:`.page` holds what they share. Every public name is
re-exported here, so ``widgets.X`` works for all of them.
"""
from .autoregressive import (NAMES_FIGSIZE, NO_CONDITION, draw_names, names_animation, names_page, names_widget,
                             render_names)
from .challenges import (REPLAY_FIGSIZE, draw_ring_replay, replay_frames, ring_replay, ring_replay_animation,
                         ring_replay_page)
from .collapse import (COLLAPSE_FIGSIZE, draw_posterior_collapse, posterior_collapse_animation,
                       posterior_collapse_explorer, posterior_collapse_page, sorted_kl)
from .completion import (COMPLETION_REGIONS, completion_animation, completion_page, completion_widget, observed_mask,
                         render_completion)
from .core import (
    STATIC_ENV_VAR,
    add_resample_button,
    animation,
    array_png,
    figure_png,
    image_animation,
    live,
    live_image,
    model_on,
    show,
    static_mode,
)
from .ethics import (MEMBERSHIP_FIGSIZE, draw_membership, membership_animation, membership_explorer, membership_page,
                     render_watermark, watermark_detector, watermark_examples, watermark_page)
from .evaluation import (
    Quiz,
    quiz_rounds,
    quiz_page,
    real_or_fake_quiz,
    real_or_fake_quiz_animation,
    render_quiz_round,
    render_quiz_summary,
)
from .gan import (
    NO_TRUNCATION,
    gan_latent_walk,
    gan_latent_walk_animation,
    gan_sampler,
    gan_sampler_animation,
    gan_sampler_page,
    gan_walk_page,
    render_gan_samples,
    render_gan_walk,
)
from .mixture import EM_FIGSIZE, draw_em_state, em_animation, em_stepper
from .vae import (
    latent_background,
    render_latent_point,
    render_vae_interpolation,
    render_vae_samples,
    vae_interpolation,
    vae_interpolation_animation,
    vae_interpolation_page,
    vae_latent_explorer,
    vae_latent_explorer_animation,
    vae_latent_page,
    vae_sampler,
    vae_sampler_animation,
    vae_sampler_page,
)

__all__ = [
    # core: the generic mechanism
    "STATIC_ENV_VAR", "static_mode", "figure_png", "live", "animation",
    "array_png", "live_image", "image_animation", "show", "model_on", "add_resample_button",
    # vae: chapter 4
    "render_vae_samples", "vae_sampler", "vae_sampler_animation", "vae_sampler_page",
    "render_vae_interpolation", "vae_interpolation", "vae_interpolation_animation", "vae_interpolation_page",
    "latent_background", "render_latent_point", "vae_latent_explorer", "vae_latent_explorer_animation",
    "vae_latent_page",
    # mixture: chapter 3
    "draw_em_state", "EM_FIGSIZE", "em_stepper", "em_animation",
    # gan: chapter 5
    "NO_TRUNCATION", "render_gan_samples", "gan_sampler", "gan_sampler_animation", "gan_sampler_page",
    "render_gan_walk", "gan_latent_walk", "gan_latent_walk_animation", "gan_walk_page",
    # autoregressive: chapter 6
    "NO_CONDITION", "NAMES_FIGSIZE", "render_names", "draw_names", "names_widget", "names_animation", "names_page",
    "COMPLETION_REGIONS", "observed_mask", "render_completion", "completion_widget", "completion_animation",
    "completion_page",
    # evaluation: chapter 7
    "Quiz", "quiz_rounds", "render_quiz_round", "render_quiz_summary", "real_or_fake_quiz",
    "real_or_fake_quiz_animation", "quiz_page",
    # challenges and collapse: chapter 8
    "REPLAY_FIGSIZE", "draw_ring_replay", "ring_replay", "ring_replay_animation", "replay_frames",
    "ring_replay_page", "COLLAPSE_FIGSIZE", "sorted_kl", "draw_posterior_collapse", "posterior_collapse_explorer",
    "posterior_collapse_animation", "posterior_collapse_page",
    # ethics: chapter 9
    "render_watermark", "watermark_detector", "watermark_examples", "MEMBERSHIP_FIGSIZE", "draw_membership",
    "membership_explorer", "membership_animation", "watermark_page", "membership_page",
]
