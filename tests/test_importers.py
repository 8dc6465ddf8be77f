"""Dated exports and CDISC SDTM -> cohort: hand-traced twins, the real PHUSE/CDISC pilot XPT, errors, leaks.

tests/fixtures/dated_expected and sdtm_expected are the same cohorts traced by hand (days counted on a
calendar, units converted with the contract's factors); the imported cohort must read and derive like them.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartcyto.cli import main as cli_main
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers import import_cohort
from cartcyto.cohort.read import read_cohort
from cartcyto.derive.patients import derive_patients
from design_fixtures import resolve_study
from import_helpers import FIXTURES, leaks

REPO = Path(__file__).resolve().parents[1]
STUDY = resolve_study("import", {"cohort": "x", "design": "wang2021"})
TABLE1_ONLY = resolve_study("import", {"cohort": "x", "design": "wang2021",
                                       "overrides": {"analyses": ["table1"]}})
SDTM_PILOT = {"format": "sdtm", "path": str(FIXTURES / "sdtm_cdiscpilot"), "infusion_treatments": ["XANOMELINE"],
              "crs_terms": ["APPLICATION SITE ERYTHEMA", "DYSPEPSIA"], "aesev_as_grade": True}
SDTM_HANDMADE = {"format": "sdtm", "path": str(FIXTURES / "sdtm_handmade"),
                 "infusion_treatments": ["Tisagenlecleucel"]}
DATED = {"format": "dated", "path": str(FIXTURES / "dated_export")}


def contract_labs(cohort) -> pd.DataFrame:
    return (cohort.labs[["patient_id", "day", "test", "value"]].sort_values(["patient_id", "day", "test", "value"])
            .reset_index(drop=True))


def assert_like_expected(imported_folder, expected_folder, patient_columns):
    got, expected = read_cohort(imported_folder, STUDY), read_cohort(expected_folder, STUDY)
    pd.testing.assert_frame_equal(got.patients[patient_columns], expected.patients[patient_columns])
    pd.testing.assert_frame_equal(contract_labs(got), contract_labs(expected), rtol=1e-12, atol=0, check_exact=False)
    for table in ("crs", "treatments"):
        pd.testing.assert_frame_equal(getattr(got, table)[list(getattr(expected, table).columns)],
                                      getattr(expected, table))
    derived = derive_patients(got, STUDY)
    pd.testing.assert_frame_equal(derived, derive_patients(expected, STUDY), rtol=1e-12, atol=0, check_exact=False)
    return derived.set_index("patient_id")


def test_dated_export_reads_and_derives_like_its_hand_traced_twin(tmp_path):
    imported = import_cohort(DATED, tmp_path / "cohort")
    derived = assert_like_expected(tmp_path / "cohort", FIXTURES / "dated_expected",
                                   ["patient_id", "sex", "age_years", "response_d28", "ld_start_day", "ld_end_day",
                                    "death_day", "last_followup_day", "car_target"])
    # hand trace, MRN004711: ANC 0.4 (WBC 1.6 x 25 %, 07:30 draw) and 0.3 (19:00) on day 3 -> nadir 0.3;
    # PLT 15 on day 3 (< 20), 25 on day 10, 30 on day 22 -> recovery needs 3 values > 20: not reached
    assert derived.loc["MRN004711", "sn_nadir_value"] == pytest.approx(0.3)
    assert derived.loc["MRN004711", "st_onset_day"] == 3 and derived.loc["MRN004711", "st_nadir_value"] == 15
    assert derived.loc["MRN000815", "sa_onset_day"] == 5  # Hb 5.5 g/dL = 55 g/L on 2021-06-06
    notes = "\n".join(imported.notes)
    assert "identifier columns dropped: mrn, patient_name" in notes
    assert "tests not imported" in notes and "CRP" in notes
    assert "1 patient(s) without an infusion date were not imported" in notes


def test_sdtm_csv_reads_and_derives_like_its_hand_traced_twin(tmp_path):
    import_cohort(SDTM_HANDMADE, tmp_path / "cohort")
    derived = assert_like_expected(tmp_path / "cohort", FIXTURES / "sdtm_expected",
                                   ["patient_id", "sex", "age_years", "death_day", "last_followup_day"])
    p1 = derived.loc["CART01-001"]
    # day 0 = 2022-02-07 (EXSTDTC of the product, not the fludarabine); LBDY 4 on 2022-02-10 is day 3
    assert (p1["sn_onset_day"], p1["sn_nadir_value"], p1["sn_recovery_day"]) == (3, 0.1, 7)
    assert (p1["st_onset_day"], p1["st_recovery_day"]) == (3, 9)
    assert p1["sa_onset_day"] == 3 and p1["sa_nadir_value"] == pytest.approx(3.5 * 16.114)
    assert (p1["crs_max_grade"], p1["crs_onset_day"], p1["crs_recovery_day"]) == (2, 1, 4)
    assert derived.loc["CART01-002", "crs_max_grade"] == 3


def test_sdtm_pilot_xpt_days_skip_no_day_and_hb_is_converted(tmp_path):
    imported = import_cohort(SDTM_PILOT, tmp_path / "cohort")
    # the pilot's LB domain has HGB, PLAT and WBC but no neutrophil count: a design that grades
    # severe neutropenia is refused (issue 9.6) with the tests found, not run on no ANC at all
    with pytest.raises(CohortError) as caught:
        read_cohort(tmp_path / "cohort", STUDY)
    assert "no rows of the test(s) anc, which the design grades (sn from anc)" in caught.value.message()
    assert "'hb' (" in caught.value.message() and "lab_test_names" in caught.value.message()
    cohort = read_cohort(tmp_path / "cohort", TABLE1_ONLY)
    lb = pd.read_sas(FIXTURES / "sdtm_cdiscpilot" / "lbhe.xpt", format="xport", encoding="utf-8")
    lb = lb[lb["LBTESTCD"].isin(["HGB", "PLAT"]) & lb["LBSTRESN"].notna()]
    # the pilot's reference start is the first xanomeline dose, so its study day (no day 0) gives ours:
    # LBDY 1 -> day 0, LBDY -7 -> day -7 (an independent check of the date arithmetic)
    lb = lb[lb["USUBJID"].isin(cohort.patients["patient_id"])]
    expected_days = np.where(lb["LBDY"] > 0, lb["LBDY"] - 1, lb["LBDY"]).astype(int)
    got = cohort.labs[cohort.labs["test"].isin(["hb", "plt"])]
    assert sorted(got["day"]) == sorted(expected_days)
    hb_source = lb.loc[lb["LBTESTCD"] == "HGB", "LBSTRESN"]
    assert sorted(got.loc[got["test"] == "hb", "value"]) == pytest.approx(sorted(hb_source * 16.114), rel=1e-12)
    ids = set(cohort.patients["patient_id"])
    assert len(ids) == 168  # every subject with a xanomeline EX record (dm.xpt and ex.xpt are whole)
    assert {"01-701-1028", "01-701-1148", "01-701-1211"} <= ids
    assert not {"01-701-1015", "01-701-1057"} & ids  # placebo and screen failure: no infusion, not imported
    assert cohort.patients.set_index("patient_id").loc["01-701-1211", "death_day"] >= 0
    notes = "\n".join(imported.notes)
    assert "hb in 'mmol/L' x 16.114 -> g/L" in notes
    assert "168 subject(s) with an infusion imported, 138 without one not imported" in notes
    assert "1 with a partial start date skipped" in notes  # 01-701-1148's AESTDTC 2012-02
    assert not cohort.crs.empty and cohort.crs["crs_grade"].between(1, 3).all()


def test_sdtm_without_aesev_as_grade_imports_no_ungraded_crs(tmp_path):
    imported = import_cohort(dict(SDTM_PILOT, aesev_as_grade=False), tmp_path / "cohort")
    assert imported.tables["crs"].empty
    assert any("without a toxicity grade" in n for n in imported.notes)


def test_bad_date_names_file_column_and_line_but_no_value(tmp_path):
    source = shutil.copytree(FIXTURES / "dated_export", tmp_path / "export")
    labs = (source / "labs.csv").read_text().replace("2021-03-20,ANC", "20/03/2021,ANC")
    (source / "labs.csv").write_text(labs)
    with pytest.raises(CohortError) as caught:
        import_cohort(dict(DATED, path=str(source)), tmp_path / "cohort")
    message = caught.value.message()
    assert "labs.csv" in message and "'datetime'" in message and "line 10" in message
    assert "20/03/2021" not in message and "MRN004711" not in message
    assert not (tmp_path / "cohort").exists()


def test_wrong_unit_in_sdtm_names_domain_variable_and_record(tmp_path):
    source = shutil.copytree(FIXTURES / "sdtm_handmade", tmp_path / "sdtm")
    lines = (source / "lb.csv").read_text().splitlines()
    lines[5] = lines[5].replace(",12,10^9/L,2022", ",12,mg/dL,2022")  # PLAT record 5 in mg/dL
    (source / "lb.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(CohortError) as caught:
        import_cohort(dict(SDTM_HANDMADE, path=str(source)), tmp_path / "cohort")
    message = caught.value.message()
    assert "lb.csv, column 'LBSTRESU'" in message and "wrong unit for plt: 'mg/dL' is a mass concentration" in message
    assert "line 6" in message and "CART01" not in message  # CSV: header = line 1
    assert not (tmp_path / "cohort").exists()


def test_keyed_hash_ids_and_nothing_written_holds_a_date_or_source_id(tmp_path, monkeypatch):
    monkeypatch.setenv("CARTCYTO_ID_KEY", "a-test-key-that-is-long-enough")
    for name, options in (("dated", DATED), ("sdtm", SDTM_HANDMADE), ("pilot", SDTM_PILOT)):
        import_cohort(dict(options, patient_ids="hash"), tmp_path / name)
    ids = ["MRN004711", "MRN000815", "MRN009999", "MRN001234", "4711", "CART01-001", "CART01-002",
           "Jane Roe", "John Doe", "01-701-1028", "01-701-1211", "1028", "1211"]
    dates = ["2021-03-10", "2021-03-13", "1980-03-11", "2022-02-07", "2013-07-21"]
    assert leaks(tmp_path, ids, dates) == []
    first = pd.read_csv(tmp_path / "dated" / "patients.csv")["patient_id"]
    assert first.str.fullmatch(r"P[0-9a-f]{12}").all()
    import_cohort(dict(DATED, patient_ids="hash"), tmp_path / "again")
    assert pd.read_csv(tmp_path / "again" / "patients.csv")["patient_id"].tolist() == first.tolist()  # stable


def test_hash_without_key_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("CARTCYTO_ID_KEY", raising=False)
    with pytest.raises(CohortError, match="CARTCYTO_ID_KEY"):
        import_cohort(dict(DATED, patient_ids="hash"), tmp_path / "cohort")


def test_options_are_validated_against_the_schema(tmp_path):
    with pytest.raises(CohortError, match="infusion_treatments"):
        import_cohort({"format": "sdtm", "path": str(FIXTURES / "sdtm_handmade")}, tmp_path / "c")
    with pytest.raises(CohortError, match="invalid source option"):
        import_cohort(dict(DATED, colour="blue"), tmp_path / "c")


def test_existing_output_folder_is_not_overwritten(tmp_path):
    (tmp_path / "cohort").mkdir()
    (tmp_path / "cohort" / "keep.txt").write_text("mine")
    with pytest.raises(CohortError, match="exists and is not empty"):
        import_cohort(DATED, tmp_path / "cohort")
    assert (tmp_path / "cohort" / "keep.txt").read_text() == "mine"


def test_console_script_is_declared_and_runs(tmp_path, capsys):
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"cartcyto": "cartcyto.cli:main"}
    options = tmp_path / "options.yaml"
    options.write_text("crs_terms: [CYTOKINE RELEASE SYNDROME]\nlab_test_names: {ALT: anc}\n")
    args = ["import", "sdtm", str(FIXTURES / "sdtm_handmade"), str(tmp_path / "out"),
            "--infusion-treatment", "TISAGENLECLEUCEL", "--log", str(tmp_path / "import.log")]
    # the mapping file is used: ALT read as anc, whose unit U/L is then refused, before anything is written
    assert cli_main(args + ["--options", str(options)]) == 2
    assert "wrong unit for anc: 'U/L'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert cli_main(args) == 0
    log = (tmp_path / "import.log").read_text()
    assert "lb.csv: test 'NEUT' imported as anc, 7 row(s)" in log
    assert "cohort written to" in log and (tmp_path / "out" / "labs.csv").exists()


def test_command_line_bad_input_is_one_message_without_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "cartcyto.cli", "import", "sdtm", str(tmp_path / "missing"),
                           str(tmp_path / "out"), "--infusion-treatment", "X"],
                          capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin"})
    assert proc.returncode == 2
    assert "Invalid cohort input" in proc.stderr and "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr
