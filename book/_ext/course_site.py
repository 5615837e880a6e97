"""Small fixes to the generated website, as a local Sphinx extension.

- sphinx-thebe 0.3 registers its inline configuration script once per source
  read, so pages can carry it twice; the second copy raises "Identifier
  'THEBE_JS_URL' has already been declared" in the browser. Keep one copy of
  each script.
- The ipywidgets HTML manager finds its icon fonts relative to the AMD module
  id ``@jupyter-widgets/html-manager/dist``, which RequireJS resolves against
  the page's folder. Map that id onto the folder the site serves it from
  (``_static/widgets``), so widgets render offline on every page.
- The theme reads its light/dark mode from the page and logs a console error
  ("Got invalid theme mode") when a reader has none saved, as on a first
  visit; sphinx-book-theme has no option for a default, so a one-line script
  sets "auto".
- Every page loads the in-page widgets (``_static/course``, from ``web/course``):
  ``widgets.mjs`` as a module, which turns the placeholders of
  ``course_lib.widgets.page`` into live widgets; ``fallback.js``, which says on a
  page opened from disk, where modules do not load, that the animation is shown;
  and their stylesheet.
"""
from sphinx.builders.html._assets import _JavaScript

WIDGETS_LOADER = "widgets/require.js"
MAP_WIDGET_PATHS = (
    "(function () {"
    " var loader = document.querySelector('script[src*=\"" + WIDGETS_LOADER + "\"]');"
    " var folder = loader.src.slice(0, loader.src.lastIndexOf('/'));"
    " require.config({paths: {'@jupyter-widgets/html-manager/dist': folder}});"
    "})();"
)


def _key(script):
    return (getattr(script, "filename", None) or "", tuple(sorted(getattr(script, "attributes", {}).items())))


def _fix_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        if _key(script) not in seen:
            seen.add(_key(script))
            unique.append(script)
    loaders = [i for i, s in enumerate(unique) if (getattr(s, "filename", None) or "").endswith(WIDGETS_LOADER)]
    if loaders:
        unique.insert(loaders[0] + 1, _JavaScript(None, body=MAP_WIDGET_PATHS, priority=unique[loaders[0]].priority))
    scripts[:] = unique  # in place: Sphinx renders the list it handed to the handlers


# Runs after the theme's own head script, which sets the mode from localStorage or "" when none was saved.
DEFAULT_MODE = 'if (!document.documentElement.dataset.mode) { document.documentElement.dataset.mode = "auto"; }'


def setup(app):
    app.add_js_file(None, body=DEFAULT_MODE)
    app.add_js_file("course/fallback.js")
    app.add_js_file("course/widgets.mjs", type="module")
    app.add_css_file("course/widgets.css")
    app.connect("html-page-context", _fix_scripts, priority=999)  # after every handler that adds scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
