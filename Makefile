# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.freqlens-installed

.PHONY: venv demo test test-all bench docs clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/freqlens reproduce fprinciple-1d --quick --out runs/
	@echo "figure: runs/fprinciple-1d/figure.png"

test: $(STAMP)
	$(BIN)/ruff check freqlens tests benchmarks
	$(BIN)/python -m pytest -q

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ""

bench: $(STAMP)
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

docs: $(STAMP)
	$(BIN)/python docs/build_api.py

clean:
	rm -rf $(VENV) runs build *.egg-info
