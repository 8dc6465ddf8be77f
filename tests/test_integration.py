"""End to end: snakemake on the bundled cohorts, copied to temporary folders.

* the derived table, Table 1 and the scorecard are written; the inputs are never modified;
* two runs from clean give byte-identical results (tables, statistics, scorecard, figures);
* the scorecard verdicts equal tests/expected_scorecard.csv: an item that matched and stops
  matching fails CI, and a change that improves the scorecard must update that file in the same
  commit (`python -m cartcyto.report.summary results --write-expected tests/expected_scorecard.csv`);
* a bad cohort stops the run before any job with one message and no traceback.
"""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from workflow_run import EXPECTED, REPO, STUDIES, bundled_copy, clean_run, run_snakemake  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_a(bundled_run):
    """The bundled studies run from clean (shared with tests/test_refit.py, see conftest.py)."""
    return bundled_run


@pytest.fixture(scope="module")
def run_b(tmp_path_factory):
    return clean_run(tmp_path_factory, "run_b")


def test_derived_table_and_table1_written(run_a):
    derived = pd.read_csv(run_a / "results/wang2021/derived/patients.csv")
    assert len(derived) == 86
    assert derived.columns[0] == "patient_id"
    stats = pd.read_csv(run_a / "results/wang2021/statistics.csv")
    t1 = stats[stats["analysis"] == "table1"]
    age = t1[(t1["term"] == "age_years") & (t1["statistic"] == "median")]
    assert age["estimate"].item() == 31.5 and age["n"].item() == 76
    assert (run_a / "results/wang2021/tables/table1.md").exists()
    assert stats["method"].ne("").all()


def test_inputs_are_not_modified(run_a):
    for f in (REPO / "data").rglob("*"):
        if f.is_file():
            assert (run_a / f.relative_to(REPO)).read_bytes() == f.read_bytes(), f


def test_two_runs_are_byte_identical(run_a, run_b):
    compared = 0
    for study in STUDIES:
        for f in sorted((run_a / "results" / study).rglob("*")):
            rel = f.relative_to(run_a)
            if f.is_dir() or "logs" in rel.parts:
                continue
            other = run_b / rel
            assert other.exists(), rel
            assert f.read_bytes() == other.read_bytes(), f"{rel} differs between two clean runs"
            compared += 1
    assert compared > 50


def test_scorecard_verdicts_equal_the_committed_expectation(run_a):
    got = pd.concat([pd.read_csv(run_a / f"results/{s}/scorecard.csv").assign(study=s) for s in STUDIES])
    got = got[["study", "item", "status"]].sort_values(["study", "item"]).reset_index(drop=True)
    expected = pd.read_csv(EXPECTED)[["study", "item", "status"]].sort_values(["study", "item"])
    merged = expected.merge(got, on=["study", "item"], how="outer", suffixes=("_expected", "_now"))
    regressions = merged[(merged.status_expected == "match") & (merged.status_now != "match")]
    assert regressions.empty, f"items that matched and no longer do:\n{regressions.to_string()}"
    changed = merged[merged.status_expected != merged.status_now]
    assert changed.empty, ("scorecard changed; if it improved, update tests/expected_scorecard.csv "
                           f"in the same commit:\n{changed.to_string()}")


def test_bad_cohort_stops_before_any_job_with_one_message(tmp_path):
    shutil.copytree(REPO / "data" / "wang2021", tmp_path / "data" / "bad")
    labs = tmp_path / "data" / "bad" / "labs.csv"
    lines = labs.read_text(encoding="utf-8").splitlines()
    cols = lines[0].split(",")
    row = lines[5].split(",")
    row[cols.index("value")] = "abc"
    lines[5] = ",".join(row)
    labs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = labs.read_bytes()
    proc = run_snakemake(tmp_path, "studies:\n  bad:\n    cohort: data/bad\n    design: wang2021\n")
    assert proc.returncode != 0
    assert "labs.csv" in proc.stderr and "'value'" in proc.stderr and "line 6" in proc.stderr
    assert "how to fix" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.*"))
    assert labs.read_bytes() == before


def test_own_cohort_via_config_runs_only_that_study(tmp_path):
    shutil.copytree(REPO / "data" / "mullanfiroze2022", tmp_path / "data" / "mine")
    proc = run_snakemake(tmp_path, "studies:\n  mine:\n    cohort: data/mine\n    design: mullanfiroze2022\n",
                         "results/mine/derived/patients.csv")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert (tmp_path / "results/mine/derived/patients.csv").exists()
    assert not (tmp_path / "results/mine/statistics.csv").exists()  # only what the file needs


def test_an_unchanged_cohort_is_read_once_across_snakemake_calls(tmp_path):
    shutil.copytree(REPO / "data" / "mullanfiroze2022", tmp_path / "data" / "mine")
    config = "studies:\n  mine:\n    cohort: data/mine\n    design: mullanfiroze2022\n"
    read = "Study 'mine': cohort read and validated"
    first = run_snakemake(tmp_path, config, "-n")
    assert first.returncode == 0 and read in first.stderr, first.stderr[-2000:]
    again = run_snakemake(tmp_path, config, "-n")  # a dry run, as --report, --lint and cluster jobs parse
    assert again.returncode == 0 and read not in again.stderr
    target = "results/mine/derived/patients.csv"
    job = run_snakemake(tmp_path, config, target)
    assert job.returncode == 0 and read not in job.stderr
    log = (tmp_path / "results/mine/logs/ingest_derive.log").read_text(encoding="utf-8")
    assert "the validated tables of the cache" in log
    labs = tmp_path / "data/mine/labs.csv"
    labs.write_text(labs.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # changed bytes, same data
    changed = run_snakemake(tmp_path, config, target)
    assert changed.returncode == 0 and read in changed.stderr
    assert not (tmp_path / "results/mine/statistics.csv").exists()  # still only what the target needs


def test_cohort_without_labs_runs_a_design_without_lab_families(tmp_path):
    """Issue 9.5: patients.csv + crs.csv + markers.csv run a design whose families use no blood
    counts; a design that uses them stops at parse time, naming labs.csv and the families."""
    folder = tmp_path / "data" / "crs_only"
    folder.mkdir(parents=True)
    for table in ("patients", "crs", "markers"):
        shutil.copy(REPO / "data" / "wang2021" / f"{table}.csv", folder / f"{table}.csv")
    proc = run_snakemake(tmp_path, "studies:\n  crs_only:\n    cohort: data/crs_only\n    design: wang2021\n")
    assert proc.returncode != 0
    assert "labs.csv" in proc.stderr and "families that use blood counts" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.*"))
    proc = run_snakemake(tmp_path, "studies:\n  crs_only:\n    cohort: data/crs_only\n    design: wang2021\n"
                                   "    overrides: {analyses: [table1]}\n")
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = tmp_path / "results" / "crs_only"
    derived = pd.read_csv(out / "derived" / "patients.csv")
    assert len(derived) == 86 and "crs_max_grade" in derived.columns and "lg_max_il6" in derived.columns
    assert not any(c.startswith(("sn_", "sa_", "st_", "pre_ld_")) for c in derived.columns)
    stats = pd.read_csv(out / "statistics.csv")
    assert set(stats["analysis"]) == {"table1", "crs_treatment"}   # Table 1 family rows only
    assert "pht" not in set(stats["term"]) and "age_years" in set(stats["term"])
