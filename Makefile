# newsdigest: build, test and preview the site. `make help` lists the targets.
#
# Variables:
#   BASE_URL     site URL to build for, with trailing slash, passed to
#                build.py as --base-url (empty: build.py uses config.yaml's),
#                e.g. make site BASE_URL=https://user.github.io/repo/
#   PYTEST_ARGS  extra arguments for pytest, e.g. make test PYTEST_ARGS="-k feed -x"
#   BENCH_ARGS   extra arguments for bench/run.py
#   PYTHON       interpreter that creates .venv (default python3)

.DEFAULT_GOAL := site
.PHONY: site test serve check bench clean help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
# Stamps record that a requirements file was installed into .venv; make
# reinstalls only when the requirements file is newer than its stamp.
RUNTIME_STAMP := $(VENV)/.stamp-runtime
TEST_STAMP := $(VENV)/.stamp-test

BASE_URL ?=
BUILD_ARGS := $(if $(BASE_URL),--base-url "$(BASE_URL)")

site: $(RUNTIME_STAMP) ## ingest seeds and build the site into site/ (default)
	$(PY) build.py $(BUILD_ARGS)
	@echo "The site is in site/ (open site/index.html); preview it with: make serve"

test: $(TEST_STAMP) ## run the test suite (PYTEST_ARGS=...)
	@if [ -f tools/install-test-tools.sh ]; then bash tools/install-test-tools.sh; fi
	$(PY) -m pytest -q $(PYTEST_ARGS)

serve: $(RUNTIME_STAMP) ## serve site/ with live reload while you edit
	$(PY) build.py serve

check: $(RUNTIME_STAMP) ## verify the built site/ for GitHub Pages and feed readers (BASE_URL as for site)
	$(PY) build.py check $(BUILD_ARGS)

bench: $(RUNTIME_STAMP) ## run the benchmarks side by side with Hugo (BENCH_ARGS=...)
	@command -v hugo >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "hugo is missing; installing Debian's hugo with apt-get for the side-by-side runs"; \
	    apt-get update -qq && apt-get install -y -qq hugo; \
	  else \
	    echo "note: hugo is not installed (sudo apt-get install hugo); the benchmark runs without it"; \
	  fi; }
	$(PY) bench/run.py $(BENCH_ARGS)

# Removes everything make and the build create. Never content/: that is the
# editors' work, not output.
clean: ## remove site/, .venv and caches (keeps content/)
	rm -rf site site.new site.old .cache $(VENV) .pytest_cache .hypothesis .benchmarks bench/out
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z]+):.*## /  make \1\t/'
	@echo "Variables: BASE_URL, PYTEST_ARGS, BENCH_ARGS, PYTHON (see the top of Makefile)"

# Debian ships python3 without ensurepip, so `python3 -m venv` fails until
# python3-venv is installed. As root with apt-get we install it; otherwise we
# say what to install.
$(PY):
	@$(PYTHON) -m venv $(VENV) || { \
	  rm -rf $(VENV); \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "'$(PYTHON) -m venv' failed; installing python3-venv with apt-get and retrying"; \
	    apt-get update -qq && apt-get install -y -qq python3-venv && $(PYTHON) -m venv $(VENV); \
	  else \
	    echo "error: '$(PYTHON) -m venv' failed; install the venv module (sudo apt-get install python3-venv) and run make again" >&2; \
	    exit 1; \
	  fi; }

# Order-only on $(PY): a newer interpreter must not trigger a reinstall.
$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PIP) install -q -r requirements.txt
	@touch $@

$(TEST_STAMP): requirements-test.txt $(RUNTIME_STAMP)
	$(PIP) install -q -r requirements-test.txt
	@touch $@
