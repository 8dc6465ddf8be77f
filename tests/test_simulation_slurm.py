"""The simulation through the Slurm profile, on a real (single-node) Slurm cluster.

Brought up by `.ci/slurm-up` (`make slurm-up`): Debian's slurm-wlm and munge, slurm.conf for
this host, no accounting database (the plugin's squeue status, MinJobAge one day). `.ci/run`
brings it up, exports CARTCYTO_REQUIRE_SLURM=1 (then this module fails instead of skipping when
no cluster answers) and stops it when the tests end.

Checks: the jobs ran as Slurm jobs (ids in snakemake's output and in each job's log, shown by
squeue); the results equal the same simulation run locally with another split into jobs, byte for
byte; a job killed with scancel is reported as failed and its output is not kept.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.simulation_workflow import REPO, SNAKEMAKE, results, sim_workdir, snakemake

pytestmark = pytest.mark.slow
SIM = dict(name="slurm", seed=12, replicates=40, cohort_sizes=[40], effects={"published": 1.0, "zero": 0.0})
PROFILE = str(REPO / "workflow" / "profiles" / "slurm")
# the cluster of .ci/slurm-up has no accounting database: job states come from squeue
CLUSTER_ARGS = ("--profile", PROFILE, "--slurm-status-command", "squeue",
                "--slurm-init-seconds-before-status-checks", "5")
HOW = ("no Slurm cluster answers (no slurm.conf, or squeue failed). Bring the single-node cluster up with "
       "`make slurm-up` (as root: installs slurm-wlm and munge with apt, writes everything else "
       "under .slurm/), run the tests, then `make slurm-down`.")


def _cluster_env() -> dict[str, str]:
    state = Path(os.environ.get("CARTCYTO_SLURM_DIR", REPO / ".slurm"))
    env = {}
    conf = os.environ.get("SLURM_CONF") or (str(state / "etc" / "slurm.conf")
                                            if (state / "etc" / "slurm.conf").exists() else None)
    if conf:
        env["SLURM_CONF"] = conf
    if (state / "bin" / "srun").exists():
        env["PATH"] = f"{state / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def cluster() -> dict[str, str]:
    env = _cluster_env()
    conf = Path(env.get("SLURM_CONF", "/etc/slurm/slurm.conf"))
    ok = shutil.which("squeue") is not None and conf.is_file()
    if ok:
        try:
            proc = subprocess.run(["squeue", "-h"], capture_output=True, text=True, timeout=20,
                                  env=dict(os.environ, **env))
            ok = proc.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
    if not ok:
        if os.environ.get("CARTCYTO_REQUIRE_SLURM") == "1":
            pytest.fail("CARTCYTO_REQUIRE_SLURM=1 but " + HOW)
        pytest.skip(HOW)
    return env


def _squeue_states(env: dict, ids: list[str]) -> dict[str, str]:
    proc = subprocess.run(["squeue", "--states=all", "-h", "-o", "%i|%T", "-j", ",".join(ids)],
                          capture_output=True, text=True, timeout=30, env=dict(os.environ, **env))
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("|") for line in proc.stdout.split())


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    work = sim_workdir(tmp_path_factory.mktemp("slurm_run"), **SIM, replicates_per_job=20)
    proc = snakemake(work, *CLUSTER_ARGS, env=cluster)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return work, proc


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    work = sim_workdir(tmp_path_factory.mktemp("local_run"), **SIM, replicates_per_job=40)
    proc = snakemake(work, "--cores", "2")
    assert proc.returncode == 0, proc.stderr[-5000:]
    return work


def test_jobs_ran_as_slurm_jobs(cluster, slurm_run):
    work, proc = slurm_run
    ids = re.findall(r"has been submitted with SLURM jobid (\d+)", proc.stderr)
    assert len(ids) == 5, proc.stderr[-3000:]          # 2 scenarios x 2 blocks of 20, and the gather
    logs = sorted((work / "results/simulation/slurm/logs/replicates").rglob("*.log"))
    assert len(logs) == 4
    in_logs = [re.search(r"Slurm job (\d+)", p.read_text()).group(1) for p in logs]
    assert set(in_logs) < set(ids)
    states = _squeue_states(cluster, ids)
    assert states == {i: "COMPLETED" for i in ids}


def test_slurm_results_equal_a_local_run_byte_for_byte(slurm_run, local_run):
    on_slurm, local = results(slurm_run[0], "slurm"), results(local_run, "slurm")
    assert len(list((local_run / "results/simulation/slurm/replicates").rglob("*.csv"))) == 2
    for rel in on_slurm:
        assert on_slurm[rel] == local[rel], f"{rel}: Slurm (4 jobs) and local (2 jobs) results differ"


def test_a_cancelled_job_is_reported_as_failed(cluster, tmp_path):
    work = sim_workdir(tmp_path, name="cancel", seed=3, replicates=30, replicates_per_job=30,
                       cohort_sizes=[150], effects={"published": 1.0})
    env = dict(os.environ, **cluster)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(work),
           "--configfile", "config.yaml", "sim.yaml", *CLUSTER_ARGS]
    log = (tmp_path / "snakemake.err").open("w+")
    sm = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    job = None
    try:
        deadline = time.monotonic() + 300
        while job is None and time.monotonic() < deadline and sm.poll() is None:
            time.sleep(1)
            log.seek(0)
            found = re.search(r"has been submitted with SLURM jobid (\d+)", log.read())
            if found and _squeue_states(cluster, [found.group(1)]).get(found.group(1)) == "RUNNING":
                job = found.group(1)
        assert job is not None, "the job never ran"
        subprocess.run(["scancel", job], check=True, timeout=30, env=env)
        sm.wait(timeout=600)
    finally:
        if sm.poll() is None:
            sm.terminate()
            sm.wait(timeout=60)
    log.seek(0)
    err = log.read()
    assert sm.returncode != 0, err[-3000:]
    assert f"SLURM-job '{job}' failed, SLURM status is: 'CANCELLED'" in err, err[-3000:]
    assert "Error in rule simulation_replicates" in err
    assert not (work / "results/simulation/cancel/replicates/n150_published/r00000-00029.csv").exists()
    assert not (work / "results/simulation/cancel/statistics.csv").exists()
    assert _squeue_states(cluster, [job])[job] == "CANCELLED"
