# Two commands do all set-up: `make demo` and `make test`. Both create .venv on first use
# and reinstall only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# compat: a plain .pth entry; the default editable finder costs every start-up ~20 ms
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cnnarch summary alexnet --input 227

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check cnnarch tests benchmarks scripts
	$(BIN)/ruff format --check cnnarch tests benchmarks scripts

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
