# Two commands set up a fresh machine and do everything:
#   make book   virtual environment + offline web assets + website in _build/html
#   make test   the same set-up, then unit tests, grading tests, notebooks, exercises, book build, browser tests
#               (the built site offline, and the live widgets in JupyterLab)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := web/.assets-installed
# onnxruntime-web's wasm build only: the WebGPU/JSEP files are 26-28 MB each and unneeded.
ORT_FILES := ort.wasm.min.mjs ort-wasm-simd-threaded.mjs ort-wasm-simd-threaded.wasm
# The course machines resolve this pin to a local CPU wheel. Elsewhere, on Linux, PyPI's torch
# brings CUDA packages: use e.g. TORCH_PIN="torch --index-url https://download.pytorch.org/whl/cpu".
TORCH_PIN ?= torch==2.13.0
# One BLAS thread per process: parallel notebooks and tests share 2 cores.
export OMP_NUM_THREADS ?= 1
# --all: re-execute every page, since a change in course_lib is invisible to Sphinx.
JB_FLAGS := --all -W -n --keep-going
PYTEST_WORKERS ?= 2

.PHONY: help venv assets course-js browser book instructor-book test unit web-test notebooks exercises-check \
        student grade nbgrader grading-test site-test lab serve benchmarks clean

help:  ## this list
	@sed -n '1,/^[^#]/p' Makefile | grep '^#'
	@echo
	@awk 'BEGIN { FS = ":.*## " } /^[a-zA-Z][a-zA-Z0-9_-]*:.*## / { printf "  %-16s %s\n", $$1, $$2 }' Makefile

# Install Debian packages, as root or with sudo, refreshing the package lists when needed.
define apt_install
{ SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); export DEBIAN_FRONTEND=noninteractive; \
  $$SUDO apt-get install -y -q $(1) || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q $(1); }; }
endef

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(call apt_install,python3-venv)  # Debian splits venv out
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned (see TORCH_PIN): unpinned it pulls GBs of CUDA packages
	$(BIN)/python -m pip install --quiet $(TORCH_PIN)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

venv: $(STAMP)  ## the virtual environment .venv: torch first, then requirements.txt and the package (editable)

# MathJax, RequireJS and the ipywidgets HTML manager, served by the site itself.
$(ASSETS): web/package.json
	cd web && npm install --no-audit --no-fund --loglevel=error
	rm -rf web/static && mkdir -p web/static/mathjax web/static/widgets
	cp -r web/node_modules/mathjax/es5/. web/static/mathjax/
	cp web/node_modules/requirejs/require.js web/static/widgets/require.js
	cp web/node_modules/@jupyter-widgets/html-manager/dist/*.js web/static/widgets/
	cp web/node_modules/@jupyter-widgets/html-manager/dist/*.woff* web/static/widgets/
	mkdir -p web/static/ort web/static/course
	cp $(addprefix web/node_modules/onnxruntime-web/dist/,$(ORT_FILES)) web/static/ort/
	touch $@

# The course's own widget modules, copied on every build (they are sources, not npm packages).
course-js: $(ASSETS)  ## the course's own widget modules (web/course) into web/static/course
	rm -rf web/static/course && mkdir -p web/static/course
	cp web/course/*.mjs web/course/*.js web/course/*.css web/static/course/

assets: $(ASSETS)  ## MathJax, RequireJS, the widget runtime and onnxruntime-web from npm into web/static

# Headless Chromium for the site test (Debian's package; Playwright's download does not work offline).
browser:  ## headless Chromium for the site tests (Debian package)
	@command -v chromium >/dev/null || $(call apt_install,chromium)

book: $(STAMP) $(ASSETS) course-js  ## execute every chapter and build the website in _build/html
	rm -rf _build/html/_static/course  # Sphinx adds static files but never removes them: no stale model stays
	COURSE_STATIC_WIDGETS=1 COURSE_WEB_MODELS=$(CURDIR)/web/static/course/models TQDM_DISABLE=1 \
		$(BIN)/jupyter-book build . $(JB_FLAGS)

instructor-book: $(STAMP) $(ASSETS) course-js  ## the instructor edition of the site (with solutions) in _build_instructor
	$(BIN)/python -m course_lib.exercises instructor-book --out _build_instructor

unit: $(STAMP)  ## unit tests (no kernels)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "not kernel" tests --ignore=tests/site

# The in-page widgets without a browser: exported models in onnxruntime-web's wasm backend, the page's functions.
web-test: $(STAMP) $(ASSETS)  ## Node tests: exported models in onnxruntime-web against torch, the page's sampling
	rm -rf _build/web-fixtures
	$(BIN)/python web/test/make_fixtures.py _build/web-fixtures
	cd web && COURSE_WEB_FIXTURES=$(CURDIR)/_build/web-fixtures node --test test/

# Grading end to end: real kernels, infinite loops and crashes, time limits (about a minute).
grading-test: $(STAMP)  ## grading end to end with real kernels (about a minute)
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m kernel tests --ignore=tests/site

notebooks: $(STAMP)  ## execute every chapter under nbval
	$(BIN)/pytest -q --nbval-lax -n $(PYTEST_WORKERS) --dist loadfile notebooks

exercises-check: $(STAMP)  ## solutions score full marks, untouched student copies zero
	$(BIN)/python -m course_lib.exercises check

student: $(STAMP)  ## regenerate exercises/student from exercises/source
	$(BIN)/python -m course_lib.exercises student

# make grade SUBMISSIONS=folder [OUT=grades.csv]
grade: $(STAMP)  ## grade a folder of submissions: make grade SUBMISSIONS=folder [OUT=grades.csv]
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [OUT=grades.csv]"; exit 2; }
	$(BIN)/python -m course_lib.exercises grade "$(SUBMISSIONS)" --out "$(or $(OUT),grades.csv)"

# make nbgrader OUT=folder: the exercises with nbgrader's cell metadata, for a JupyterHub course
nbgrader: $(STAMP)  ## export the exercises for nbgrader: make nbgrader OUT=folder
	@test -n "$(OUT)" || { echo "usage: make nbgrader OUT=folder"; exit 2; }
	$(BIN)/python -m course_lib.exercises nbgrader "$(OUT)"

site-test: $(STAMP) browser  ## browser tests: the built site offline, live widgets in JupyterLab
	COURSE_REQUIRE_SITE=1 $(BIN)/pytest -q tests/site

test: $(STAMP) $(ASSETS) browser  ## everything: unit, web-test, grading-test, notebooks, exercises-check, book, site-test
	$(MAKE) unit
	$(MAKE) web-test
	$(MAKE) grading-test
	$(MAKE) notebooks
	$(MAKE) exercises-check
	$(MAKE) book
	$(MAKE) site-test

lab: $(STAMP)  ## JupyterLab on notebooks/
	$(BIN)/jupyter lab notebooks

serve:  ## serve the built site at http://127.0.0.1:8000
	@test -f _build/html/index.html || { echo "no site yet: run 'make book' first"; exit 1; }
	$(BIN)/python -m http.server --directory _build/html --bind 127.0.0.1 8000

benchmarks: $(STAMP)  ## run every script in benchmarks/
	status=0; for script in benchmarks/*.py; do $(BIN)/python $$script || status=1; done; exit $$status

clean:  ## remove the built sites, web/static and test caches
	rm -rf _build _build_instructor web/static .pytest_cache
	rm -f $(ASSETS)
