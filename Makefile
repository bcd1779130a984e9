# The two commands a newcomer needs: `make run` and `make test`.
# Both create .venv and install the project into it when missing or stale.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS := 1
export MKL_NUM_THREADS := 1

.PHONY: run test test-slow test-docker bench lint sample clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "animerec needs Python >= 3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Build the embedded default when missing, then start the bots (tokens in .env) or the terminal chat.
run: $(STAMP)
	$(BIN)/animerec build-default
	$(BIN)/animerec run

## Lint and types, then the whole default test suite (what CI runs): any ruff or mypy error fails it.
test: lint
	$(BIN)/python -m pytest -q

## Long tests: full evaluation across seeds, large files.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

## Build the Dockerfile on a debootstrapped base in a private dockerd and run the image
## (root; installs docker.io and debootstrap when missing). Slow: not part of `make test`.
test-docker: $(STAMP)
	@command -v dockerd >/dev/null && command -v debootstrap >/dev/null || \
		apt-get install -y --no-install-recommends docker.io debootstrap
	$(BIN)/python -m pytest -q -rP -p no:cacheprovider -m 'slow and docker' tests/docker

## Speed and memory figures with same-run baselines.
bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/serve.py

## ruff (lint + format check) and mypy (strict on recommender/).
LINTED := bot recommender tests benchmarks scripts
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check --quiet $(LINTED)
	$(BIN)/mypy bot recommender

## Rebuild the shipped sample from ../shared/data (maintainers only).
sample: $(STAMP)
	$(BIN)/python scripts/make_sample.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
