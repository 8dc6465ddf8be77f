"""Studies with a `source:` run through snakemake: the import job builds the cohort first, then ingest and
derive run on it; nothing written under results/ (cohort, tables, logs) holds a date or a source id."""
from __future__ import annotations

import hashlib
import hmac
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from import_helpers import FIXTURES, INFUSION_CONCEPT, build_duckdb, leaks

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
pytestmark = pytest.mark.slow

CONFIG = f"""
studies:
  dated_demo:
    design: wang2021
    source: {{format: dated, path: {FIXTURES / 'dated_export'}, patient_ids: hash}}
  sdtm_demo:
    design: wang2021
    # the CDISC pilot and Eunomia have no neutrophil count: a design grading SN would be refused
    # (issue 9.6, tests/test_importers.py), so these two run the labs-free Table 1 only
    overrides: {{analyses: [table1]}}
    lab_test_names: {{HCT: hb}}  # wrong on purpose: shows the config mapping reaching the import job
    source:
      format: sdtm
      path: {FIXTURES / 'sdtm_cdiscpilot'}
      infusion_treatments: [XANOMELINE]
      crs_terms: [APPLICATION SITE ERYTHEMA]
      aesev_as_grade: true
      patient_ids: hash
  omop_demo:
    design: wang2021
    overrides: {{analyses: [table1]}}
    source: {{format: omop, path: cdm.duckdb, infusion_concepts: [{INFUSION_CONCEPT}], patient_ids: hash}}
  sdtm_markers_demo:
    design: wang2021   # with the hematotox family: CAR-HEMATOTOX reads CRP and ferritin from markers
    source:
      format: sdtm
      path: {FIXTURES / 'sdtm_markers'}
      infusion_treatments: [AXICABTAGENE CILOLEUCEL]
      treatment_names: {{prbc: [RED BLOOD CELL TRANSFUSION], platelets: [PLATELET TRANSFUSION]}}
      patient_ids: hash
"""
STUDIES = ("dated_demo", "sdtm_demo", "omop_demo", "sdtm_markers_demo")
KEY = "workflow-test-key-0123456789"


def snakemake(workdir: Path, config: str, *targets: str) -> subprocess.CompletedProcess:
    (workdir / "config.yaml").write_text(config, encoding="utf-8")
    env = dict(os.environ, CARTCYTO_ID_KEY=KEY)
    cmd = [str(SNAKEMAKE), *targets, "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(workdir / "config.yaml"), "--cores", "2", "--quiet", "progress"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800, env=env)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    work = tmp_path_factory.mktemp("sources")
    build_duckdb(work / "cdm.duckdb")
    proc = snakemake(work, CONFIG, *(f"results/{s}/derived/patients.csv" for s in STUDIES))
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work


def test_each_source_is_imported_then_derived(run):
    for study in STUDIES:
        cohort = run / "results" / study / "cohort_source"
        assert (cohort / "patients.csv").exists() and (cohort / "labs.csv").exists()
        derived = pd.read_csv(run / "results" / study / "derived" / "patients.csv")
        assert len(derived) == len(pd.read_csv(cohort / "patients.csv")) > 0
        assert derived["patient_id"].str.fullmatch(r"P[0-9a-f]{12}").all()


def test_logs_list_tests_units_and_factors(run):
    log = (run / "results/sdtm_demo/logs/import.log").read_text()
    assert "hb in 'mmol/L' x 16.114 -> g/L" in log
    assert "test 'HCT' imported as hb, 67 row(s)" in log and "hb without a unit, 67 row(s)" in log
    ingest = (run / "results/omop_demo/logs/ingest_derive.log").read_text()
    assert "labs.unit: hb 'g/dL' x 10 -> g/L" in ingest


def test_nothing_under_results_holds_a_date_or_source_id(run):
    ids = ["MRN004711", "MRN000815", "MRN009999", "Jane Roe", "01-701-1028", "01-701-1211", "01-701-1148"]
    ids += pd.read_csv(FIXTURES / "omop_eunomia" / "PERSON.csv")["person_source_value"].tolist()
    dates = ["2021-03-10", "2021-03-13", "1980-03-11", "2013-07-21", "2014-01-02"]
    assert leaks(run / "results", ids, dates) == []


def test_sdtm_markers_and_blood_counts_before_lymphodepletion_give_a_hematotox_score(run):
    """tests/fixtures/sdtm_markers through the pipeline (hand trace in tests/test_import_markers.py): the
    baseline (days -11..-4) of CART02-001 scores 5, of CART02-002 0; CART02-003 has no CRP nor ferritin."""
    pid = {s: "P" + hmac.new(KEY.encode(), s.encode(), hashlib.sha256).hexdigest()[:12]
           for s in ("CART02-001", "CART02-002", "CART02-003")}
    derived = pd.read_csv(run / "results/sdtm_markers_demo/derived/patients.csv").set_index("patient_id")
    assert derived.loc[pid["CART02-001"], "hematotox_score"] == 5 and derived.loc[pid["CART02-001"], "hematotox_high"]
    assert derived.loc[pid["CART02-002"], "hematotox_score"] == 0
    assert not derived.loc[pid["CART02-002"], "hematotox_high"]
    assert pd.isna(derived.loc[pid["CART02-003"], "hematotox_score"])
    assert derived.loc[pid["CART02-001"], "max_crp"] == 125 and derived.loc[pid["CART02-001"], "toci_or_steroid"]
    log = (run / "results/sdtm_markers_demo/logs/import.log").read_text()
    assert "crp in 'mg/dL' x 10 -> mg/L, 3 row(s)" in log and "marker ferritin imported, 3 row(s)" in log
    cohort = run / "results/sdtm_markers_demo/cohort_source"
    assert (cohort / "markers.csv").exists() and (cohort / "treatments.csv").exists()
    fixture = "".join(p.read_text() for p in (FIXTURES / "sdtm_markers").glob("*.csv"))
    dates = sorted(set(re.findall(r"\d{4}-\d{2}-\d{2}", fixture)))
    assert leaks(run / "results/sdtm_markers_demo", list(pid), dates) == []


def test_bad_source_stops_with_one_message_and_leaves_no_cohort(tmp_path):
    source = shutil.copytree(FIXTURES / "dated_export", tmp_path / "export")
    labs = (source / "labs.csv").read_text().replace("75,g/L", "75,mmol/mol")
    (source / "labs.csv").write_text(labs)
    config = f"studies:\n  bad:\n    design: wang2021\n    source: {{format: dated, path: {source}}}\n"
    proc = snakemake(tmp_path, config, "results/bad/derived/patients.csv")
    assert proc.returncode != 0
    log = (tmp_path / "results/bad/logs/import.log").read_text()
    assert "labs.csv, column 'unit': wrong unit for hb: 'mmol/mol'" in log and "line 12" in log
    assert "Traceback" not in proc.stderr + log
    assert not (tmp_path / "results/bad/cohort_source").exists()
    assert not list((tmp_path / "results/bad").glob(".cohort_source*"))


def test_bad_source_options_stop_before_any_job(tmp_path):
    config = "studies:\n  bad:\n    design: wang2021\n    source: {format: sdtm, path: nowhere}\n"
    proc = snakemake(tmp_path, config)
    assert proc.returncode != 0
    assert "infusion_treatments" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()
