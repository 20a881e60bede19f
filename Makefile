# The two set-up commands: `make run` (the skill on SQLite) and `make test` (everything CI runs).
# Both work from a fresh clone: they create .venv, install the Python packages, and install
# espeak-ng when run as root (otherwise they print the apt-get line to run).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system-deps lint typecheck validate bench model bundle clean

run: setup
	$(BIN)/gentle-back serve

test: setup
	$(BIN)/gentle-back validate
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

setup: system-deps $(STAMP)

system-deps:
	@script/system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

validate: setup
	$(BIN)/gentle-back validate

model: setup
	$(BIN)/gentle-back build-model

bench: setup
	$(BIN)/python -m bench

bundle: setup
	$(BIN)/gentle-back bundle

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis build dist *.egg-info
