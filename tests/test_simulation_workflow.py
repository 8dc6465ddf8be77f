"""The simulation as a workflow, run locally: it runs only when its config is given (the demo's
default target is unchanged), and its results do not depend on how replicates are split into jobs."""
from __future__ import annotations

import re

import pytest

from tests.simulation_workflow import results, sim_workdir, snakemake

pytestmark = pytest.mark.slow
SMALL = dict(name="split", replicates=6, cohort_sizes=[40], effects={"published": 1.0, "zero": 0.0})


def _jobs(dry_run_stdout: str) -> set[str]:
    table = dry_run_stdout.split("Job stats:", 1)[1].split("total", 1)[0]
    return set(re.findall(r"^(\w+)\s+\d+\s*$", table, flags=re.M))


def test_demo_default_target_has_no_simulation(tmp_path):
    work = sim_workdir(tmp_path, **SMALL)
    proc = snakemake(work, "-n", "--cores", "1", sim=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    jobs = _jobs(proc.stdout)
    assert "all" in jobs and not any(j.startswith("simulation") for j in jobs)


def test_results_do_not_depend_on_replicates_per_job(tmp_path):
    outs = []
    for per_job in (2, 6):
        work = sim_workdir(tmp_path / f"per_job_{per_job}", **SMALL, replicates_per_job=per_job)
        proc = snakemake(work, "--cores", "2")          # no target: the simulation is the default
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert not (work / "results" / "wang2021").exists()   # and the demo does not run with it
        n_jobs = len(list((work / "results/simulation/split/replicates").rglob("*.csv")))
        assert n_jobs == 2 * (6 // per_job)
        outs.append(results(work, "split"))
    for rel in outs[0]:
        assert outs[0][rel] == outs[1][rel], f"{rel} differs between 2 and 6 replicates per job"
