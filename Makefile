# The two commands of the README, and the smaller ones they are made of.
# Every target sets itself up: a virtual environment in .venv, made with pip.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Extra pip arguments, e.g. a CPU-only torch:
#   make test PIP_ARGS="--extra-index-url https://download.pytorch.org/whl/cpu"
PIP_ARGS ?=
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml engine/pyproject.toml | cksum | cut -d' ' -f1)
ADDR ?= 127.0.0.1:8000
# Material prints a banner about MkDocs 2 on every build; it is not about this site.
export NO_MKDOCS_2_WARNING := 1
# mkdocs-jupyter imports nbconvert's command-line app, which then instantiates
# every installed exporter to list the enabled ones (about 1 s per process);
# the site uses only the HTML exporter, which this leaves as it is.
export NBCONVERT_DISABLE_CONFIG_EXPORTERS := 1

.PHONY: serve test build build-zensical update drift lint browser cxx clean

serve: $(STAMP) cxx  ## Serve the site on http://127.0.0.1:8000, rebuilding on edits
	$(BIN)/mkdocs serve --dirty -a $(ADDR)

test: $(STAMP) browser cxx  ## Run every page (its notebook's cells), the engine tests and the browser tests
	$(BIN)/pytest -n auto

build: $(STAMP) cxx  ## Build the static site into site/ (fails on any unverified output)
	$(BIN)/mkdocs build --strict

build-zensical: $(STAMP)  ## Build the site with Zensical too, into site-zensical/, and compare it with the MkDocs build
	$(BIN)/python -m pip install --disable-pip-version-check -q $(PIP_ARGS) -e ".[zensical]"
	$(BIN)/python -m listings prebuild
	$(BIN)/zensical build -f zensical.yml
	$(BIN)/pytest -m zensical tests/site/test_zensical.py

update: $(STAMP)  ## Rewrite committed outputs from a fresh run: make update PAGES="tensors"
	$(BIN)/python -m listings update $(PAGES)

drift: $(STAMP)  ## List the outputs a fresh run would change, write nothing
	$(BIN)/python -m listings update --dry-run $(PAGES)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

cxx:  ## The C++ compiler torch.compile's chapter needs (Debian's g++)
	@scripts/ensure-cxx

browser:  ## Headless Chromium for the browser tests (Debian's package, never a download)
	@scripts/ensure-chromium

# The engine (engine/, its own distribution) is installed beside the site.
# The stamp is named by the two pyproject.toml files' checksum and has no
# prerequisite: a changed file installs again, a file rewritten unchanged (a
# checkout) does not.
$(STAMP):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); run: make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q $(PIP_ARGS) -e ./engine -e ".[site,test,dev]"
	# The wheels the example site's test installs into a fresh venv with no
	# network (the engine's own dependencies, MkDocs, Material, pytest), at
	# the versions installed here.
	$(BIN)/python -m pip freeze --exclude-editable | grep -E '^[A-Za-z0-9._-]+==' > $(VENV)/constraints.txt
	$(BIN)/python -m pip download --disable-pip-version-check -q $(PIP_ARGS) -d $(VENV)/wheelhouse -c $(VENV)/constraints.txt "./engine[mkdocs,pytest]" mkdocs-material "setuptools>=68"
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf site site-zensical .cache .pytest_cache
