// Opened from disk (file://), browsers refuse to load the in-page widgets' modules: say once, on each widget,
// that its animation is shown instead. Served over HTTP this does nothing; widgets.mjs takes over.
document.addEventListener("DOMContentLoaded", function () {
  if (window.location.protocol !== "file:") return;
  document.querySelectorAll(".course-page-widget .course-fallback-note").forEach(function (note) {
    note.hidden = false;
  });
});
