# The two commands of the README: `make lab` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab lab-copy lab-reset test unit notebooks browser editions site site-test versions figures bench bench-shifter clean

# Create the virtual environment and install the pinned requirements and hmlib (editable).
# Re-runs only when requirements.txt or pyproject.toml change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# JupyterLab refuses to start as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The lab works on lab/, a git-ignored copy of notebooks/, so that what a student runs and saves
# never changes the committed, tested notebooks. lab/ sits beside notebooks/, so ../benchmarks and
# ../figures resolve from it alike. lab-settings/overrides.json turns off the news prompt and the
# update check (JupyterLab reads overrides.json from its app settings directory).
LAB_DIR := lab
LAB_SETTINGS := lab-settings

# Open JupyterLab on the working copy lab/ (the main job).
lab: $(STAMP) lab-copy
	$(BIN)/jupyter lab --notebook-dir=$(LAB_DIR) --LabApp.app_settings_dir=$(LAB_SETTINGS) $(ROOT_FLAG) $(LAB_ARGS)

# Copy into lab/ every notebook it lacks; a student's own copy is never overwritten, only
# reported when notebooks/ holds a newer version (e.g. after a git pull).
lab-copy:
	@mkdir -p $(LAB_DIR)
	@for notebook in notebooks/*.ipynb; do \
	  copy=$(LAB_DIR)/$${notebook#notebooks/}; \
	  if [ ! -e "$$copy" ]; then cp "$$notebook" "$$copy" && echo "copied $$notebook to $$copy"; \
	  elif [ "$$notebook" -nt "$$copy" ]; then \
	    echo "note: $$notebook is newer than your $$copy; make lab-reset refreshes lab/ and keeps yours"; \
	  fi; \
	done

# Start lab/ afresh from notebooks/; the old lab/ is kept, git-ignored, in lab-backups/<date-time>/.
lab-reset:
	@if [ -d $(LAB_DIR) ]; then \
	  backup=lab-backups/$$(date +%Y-%m-%d_%H-%M-%S); \
	  mkdir -p lab-backups && mv $(LAB_DIR) "$$backup" && echo "your old $(LAB_DIR)/ is now $$backup/"; \
	fi
	@$(MAKE) --no-print-directory lab-copy

# nbval runs every notebook in this environment and compares its outputs with the stored ones; a
# figure's PNG is left out of the comparison, its text alternative is compared (tests/nbval_sanitize.cfg).
NBVAL := --nbval --nbval-current-env --nbval-cell-timeout=120 --nbval-sanitize-with=tests/nbval_sanitize.cfg

# The unit tests and nbval run on every core (pytest-xdist; JOBS=1 for one process): each test
# module, and each notebook with its cells in order, stays in one worker (--dist loadscope, as
# nbval asks). The browser tests run in BROWSER_JOBS processes, each with its own Chromium and
# JupyterLab, a test module to each (the site's tests share the site they build).
JOBS ?= auto
BROWSER_JOBS ?= 2
XDIST := $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadscope)
BROWSER_XDIST := $(if $(filter 1,$(BROWSER_JOBS)),,-n $(BROWSER_JOBS) --dist loadscope)

# Every test: unit tests and nbval over every notebook, then the browser tests.
test: $(STAMP)
	$(BIN)/python -m pytest tests notebooks --ignore=tests/browser $(XDIST) $(NBVAL) $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/browser $(BROWSER_XDIST) $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/browser $(XDIST) $(PYTEST_ARGS)

notebooks: $(STAMP)
	$(BIN)/python -m pytest notebooks $(XDIST) $(NBVAL) $(PYTEST_ARGS)

browser: $(STAMP)
	$(BIN)/python -m pytest tests/browser $(BROWSER_XDIST) $(PYTEST_ARGS)

# Two editions from the committed notebooks, git-ignored: editions/student/, the notebooks without
# their folded solutions (cells tagged `solution`), each "Try it" item keeping its self-check cell,
# ready to hand out; editions/teacher/, the notebooks as committed and solutions.md, every solution
# on one page. Refuses, writing nothing, a notebook whose solutions are not tagged as
# site/editions.py describes.
editions: $(STAMP)
	$(BIN)/python site/editions.py --out editions

# The course as a static site that runs in any browser with nothing installed (JupyterLite and
# Pyodide 0.27.7) in _site/, built from a clean state every time by site/build.py with its own pinned
# tools in .site-venv/ (site/requirements.txt, apart from the course's pins); downloads are cached in
# .site-cache/ and checked by hash. Needs Node.js 18 or newer and npm. Serve it with
# `python3 -m http.server -d _site`. `make site EDITION=student` (or teacher) builds it from
# editions/$(EDITION) instead of notebooks/ (site/build.py reads the folder from HM_SITE_NOTEBOOKS).
ifneq ($(filter-out student teacher,$(EDITION)),)
$(error EDITION is '$(EDITION)'; expected student or teacher, or no EDITION for notebooks/)
endif
site: $(if $(EDITION),editions)
	$(if $(EDITION),HM_SITE_NOTEBOOKS=editions/$(EDITION)) $(PYTHON) site/build.py

# Build the site and run every notebook in it in headless Chromium, offline (part of `make test`).
site-test: $(STAMP)
	$(BIN)/python -m pytest tests/browser/test_site.py $(PYTEST_ARGS)

# Unit tests and nbval under every Python from 3.10 to 3.13 found on the PATH, one venv each (noxfile.py).
versions: $(STAMP)
	$(BIN)/nox $(NOX_ARGS)

# Regenerate every PNG in figures/ from hmlib.
figures: $(STAMP)
	$(BIN)/python -m hmlib.views.figures figures

bench: $(STAMP)
	$(BIN)/python benchmarks/exact.py
	$(BIN)/python benchmarks/widgets.py
	$(BIN)/python benchmarks/bars.py --seeds 10 --json --pilots 6

# Regenerate the shifter results that notebook 07 loads (about half an hour on two cores).
bench-shifter: $(STAMP)
	$(BIN)/python benchmarks/shifter.py --seeds 10 --json --save benchmarks/results/shifter

clean:
	rm -rf $(VENV) .nox .pytest_cache _site .site-venv .site-cache
