# Two commands for a newcomer: `make run` then `make test`.
# Python 3.11 (python3.11 if present, else python3; override with `make PYTHON=...`).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= all

.PHONY: run test venv lint report data bench bench-demo bench-100k bench-derive bench-profile bench-simulation simulation slurm-up slurm-down clean

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 on PATH; install Python 3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' || { echo "error: $(PYTHON) is older than 3.11; run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
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
	@$(BIN)/python -m cartcyto.report.summary results

## test: the whole test suite (unit, R-reference, malformed-input corpus, integration)
test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/snakemake --lint

## data: regenerate the synthetic demo cohorts under data/
data: $(STAMP)
	$(BIN)/python -m cartcyto.synth data

## bench: every benchmark below; each prints its figures (see benchmarks/README.md)
bench: bench-demo bench-100k bench-derive

## bench-demo: the demo DAG cold (--cores 2) against its floor (dry run + importing the stack)
bench-demo: $(STAMP)
	$(BIN)/python benchmarks/demo_dag.py --runs 3 --cores 2

## bench-100k: 100,000 patients through snakemake to derived/patients.csv; dry run with them configured
bench-100k: $(STAMP)
	$(BIN)/python benchmarks/snakemake_100k.py --patients 100000 --runs 3

## bench-derive: ingest + derivation of 100,000 patients in one process; vectorised vs per-patient loop
bench-derive: $(STAMP)
	$(BIN)/python benchmarks/derive_scale.py --patients 100000

## bench-profile: wall, CPU, start-up and memory of every job of the demo DAG
bench-profile: $(STAMP)
	$(BIN)/python benchmarks/job_profile.py

## bench-simulation: seconds per simulation replicate (generate, derive, fit) by cohort size
bench-simulation: $(STAMP)
	$(BIN)/python benchmarks/simulation.py --sizes 40 76 150 300 --replicates 20

## simulation: the Wang 2021 power study (config/simulation_wang2021.yaml) on this machine
simulation: $(STAMP)
	$(BIN)/snakemake --configfile config/simulation_wang2021.yaml --cores $(CORES)

## slurm-up / slurm-down: a single-node Slurm cluster on this machine for the tests (root; apt)
slurm-up:
	.ci/slurm-up

slurm-down:
	.ci/slurm-down

clean:
	rm -rf results/*/ results/report.html .snakemake .cartcyto-cache
