# Two commands for a fresh machine (see README): `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(abspath $(VENV))/bin
DEBIAN_DATA := /usr/share/datasets/fashion-mnist
CODE := fmnist stages commands benchmarks tests
# dvc runs each stage's `python -m stages.X` through the shell: the venv must come first
export PATH := $(BIN):$(PATH)

.PHONY: run test test-fast lint data venv env-check lock upgrade clean push pull

# The venv holds exactly what uv.lock pins (every package, with hashes), whenever and wherever it
# is made: uv, bootstrapped from PyPI at the version the lock itself pins, syncs it (removing
# anything the lock does not list), on every `make`: under a second when nothing changed.
# `--locked` refuses a lock that no longer matches pyproject.toml; commands/lock_check.py first
# says which package differs, in one line. `make venv EXTRAS="s3 ssh"` adds the plugins of your
# DVC remote (pyproject.toml's extras, locked too); later runs keep them ($(VENV)/.extras).
EXTRAS_FILE := $(VENV)/.extras
EXTRAS ?= $(shell cat $(EXTRAS_FILE) 2>/dev/null)
UV_VERSION = $(shell sed -n '/^name = "uv"$$/{n;s/^version = "\(.*\)"$$/\1/p;q;}' uv.lock)
SYNC = $(BIN)/uv sync --locked --extra dev $(addprefix --extra ,$(EXTRAS))
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS := never
# .pyc files at install, as pip writes them: without them every stage compiles TensorFlow's
# modules again when it imports it (PYTHONDONTWRITEBYTECODE machines): 17 s instead of 7 s
export UV_COMPILE_BYTECODE := 1
# the interpreter PYTHON names, never another one uv might find
export UV_PYTHON := $(PYTHON)

$(BIN)/uv:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check 'uv==$(UV_VERSION)'

venv: | $(BIN)/uv
	@$(PYTHON) -m commands.lock_check
	@$(SYNC) --quiet
	@echo "$(EXTRAS)" > $(EXTRAS_FILE)

# Is the venv exactly what uv.lock pins (no package missing, other or extra)? .ci/run asks.
# It only looks (no `venv` prerequisite, which would re-sync first and hide the drift): exit 2
# with one line naming each package that differs (commands/env_check.py).
env-check:
	@test -x $(BIN)/uv || { echo "env-check: no venv at $(VENV); run: make venv" >&2; exit 2; }
	@$(BIN)/python -m commands.env_check --uv $(BIN)/uv --venv $(VENV) $(addprefix --extra ,$(EXTRAS))

# After editing pyproject.toml's dependencies: refresh uv.lock (every other pin is kept).
# `make upgrade`: every package to its newest release, then install it (the upgrade path:
# docs/ci.md, "Upgrading the environment").
lock: | $(BIN)/uv
	$(BIN)/uv lock

upgrade: | $(BIN)/uv
	$(BIN)/uv lock --upgrade
	$(SYNC)

# The real data without a network: Debian's package, when apt can install it. Otherwise the
# download stage falls back to the official URLs (params.yaml: download.sources).
data:
	@if [ -d $(DEBIAN_DATA) ]; then echo "data: $(DEBIAN_DATA) present"; \
	elif ! command -v apt-get >/dev/null; then echo "data: no apt-get; the download stage will use the URLs"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q dataset-fashion-mnist; \
	else sudo -n apt-get install -y -q dataset-fashion-mnist || echo "data: could not install dataset-fashion-mnist; the download stage will use the URLs"; fi

# ... then a table of each stage's wall seconds and DVC's own share (commands/stage_times.py)
run: venv data
	@echo "$(BIN)/dvc repro"; start=$$(date +%s); \
	$(BIN)/dvc repro && $(BIN)/python -m commands.stage_times --since $$start

# Share and reuse results through the DVC remote (default: the directory in .dvc/config, or the
# one .dvc/config.local names): data, models, every output of dvc.lock, and the run-cache.
# An SSH remote's host key is checked first (DVC's SSH client checks none); a failure ends with
# one line naming the remote and the fix (commands/remote.py).
push: venv
	$(BIN)/python -m commands.remote push

pull: venv
	$(BIN)/python -m commands.remote pull

lint: venv
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

# The whole suite in parallel (pytest-xdist): `-n auto` is one worker more than the CPU cores,
# at most 4 (tests/conftest.py); a worker that runs out of tests takes half of another one's
# queue (worksteal). The unit tests alone are quicker in one process (make test-fast).
# `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= auto

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test-fast: venv
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) dvc_plots .pytest_cache
