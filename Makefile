# Two commands for a newcomer: `make run` then `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= all

.PHONY: run test venv lint report data bench clean

$(STAMP): requirements.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found; install Python 3.11 or run 'make PYTHON=python3 ...'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)

## run: create/reuse .venv and run every bundled study, then the report
run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES)
	$(BIN)/snakemake --cores 1 --report results/report.html
	@$(BIN)/python -m cartcyto.summary results

## test: the whole test suite (unit, R-reference, malformed-input corpus, integration)
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/snakemake --lint

## data: regenerate the synthetic demo cohorts under data/
data: $(STAMP)
	$(BIN)/python -m cartcyto.synth data

bench: $(STAMP)
	$(BIN)/python benchmarks/derive_scale.py --patients 100000

clean:
	rm -rf results/*/ results/report.html .snakemake
