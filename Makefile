# Two commands for a fresh machine (see README): `make run` and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
DEBIAN_DATA := /usr/share/datasets/fashion-mnist
CODE := fmnist stages commands benchmarks tests
# dvc runs each stage's `python -m stages.X` through the shell: the venv must come first
export PATH := $(BIN):$(PATH)

.PHONY: run test test-fast lint data venv clean push pull

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The real data without a network: Debian's package, when apt can install it. Otherwise the
# download stage falls back to the official URLs (params.yaml: download.sources).
data:
	@if [ -d $(DEBIAN_DATA) ]; then echo "data: $(DEBIAN_DATA) present"; \
	elif ! command -v apt-get >/dev/null; then echo "data: no apt-get; the download stage will use the URLs"; \
	elif [ "$$(id -u)" = 0 ]; then apt-get update -q && apt-get install -y -q dataset-fashion-mnist; \
	else sudo -n apt-get install -y -q dataset-fashion-mnist || echo "data: could not install dataset-fashion-mnist; the download stage will use the URLs"; fi

run: $(STAMP) data
	$(BIN)/dvc repro

# Share and reuse results through the DVC remote (default: the directory in .dvc/config, or the
# one .dvc/config.local names): data, models, every output of dvc.lock, and the run-cache.
push: $(STAMP)
	$(BIN)/dvc push --run-cache

pull: $(STAMP)
	$(BIN)/dvc pull --run-cache
	$(BIN)/dvc status

lint: $(STAMP)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

# The whole suite in parallel (pytest-xdist): `-n auto` is one worker more than the CPU cores,
# at most 4 (tests/conftest.py); a worker that runs out of tests takes half of another one's
# queue (worksteal). The unit tests alone are quicker in one process (make test-fast).
# `make test TEST_WORKERS=0` runs everything in one process.
TEST_WORKERS ?= auto

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) dvc_plots .pytest_cache
