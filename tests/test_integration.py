"""End to end: snakemake on small cohorts in a temporary folder (the repository is never written)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")

pytestmark = pytest.mark.slow


def run_snakemake(workdir: Path, config: str, *targets: str) -> subprocess.CompletedProcess:
    (workdir / "config.yaml").write_text(config, encoding="utf-8")
    cmd = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(workdir / "config.yaml"), "--cores", "2", "--quiet", *targets]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def wang_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("wang")
    shutil.copytree(REPO / "data" / "wang2021", work / "data" / "mine")
    proc = run_snakemake(work, "studies:\n  mine:\n    cohort: data/mine\n    design: wang2021\n")
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


def test_derived_table_and_table1_written(wang_run):
    derived = pd.read_csv(wang_run / "results/mine/derived/patients.csv")
    assert len(derived) == 86
    assert derived.columns[0] == "patient_id"
    stats = pd.read_csv(wang_run / "results/mine/statistics.csv")
    t1 = stats[stats["analysis"] == "table1"]
    age = t1[(t1["term"] == "age_years") & (t1["statistic"] == "median")]
    assert age["estimate"].item() == 31.5 and age["n"].item() == 76
    assert (wang_run / "results/mine/tables/table1.md").exists()


def test_inputs_are_not_modified(wang_run):
    for f in (REPO / "data" / "wang2021").iterdir():
        assert (wang_run / "data" / "mine" / f.name).read_bytes() == f.read_bytes()


def test_bad_cohort_stops_before_any_job_with_one_message(tmp_path):
    shutil.copytree(REPO / "data" / "wang2021", tmp_path / "data" / "bad")
    labs = tmp_path / "data" / "bad" / "labs.csv"
    lines = labs.read_text(encoding="utf-8").splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("value")] = "abc"
    lines[5] = ",".join(row)
    labs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_snakemake(tmp_path, "studies:\n  bad:\n    cohort: data/bad\n    design: wang2021\n")
    assert proc.returncode != 0
    assert "labs.csv" in proc.stderr and "'value'" in proc.stderr and "line 6" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.*"))
