"""Normalisation of a clean cohort: units, booleans, defaults, dtypes, unknown names, files."""
from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from cartcyto.cohort.errors import CohortError
from cartcyto.design import schema_defaults
from cartcyto.cohort.read import cohort_files, read_cohort
from cartcyto.cohort.validate import DATE_PATTERN, looks_like_identifier
from ingest_fixtures import add_column, map_text, write_clean_cohort


@pytest.fixture
def folder(tmp_path):
    return write_clean_cohort(tmp_path / "cohort")


@pytest.fixture
def cohort(folder):
    return read_cohort(folder)


def lab(cohort, pid, day, test):
    rows = cohort.labs.query("patient_id == @pid and day == @day and test == @test")
    return sorted(rows["value"])


def test_per_microlitre_counts_are_divided_by_1000(cohort):
    assert lab(cohort, "P01", 3, "anc") == [0.3, 0.4]  # 300 /uL and 0.4 10^9/L, same day: both kept
    assert lab(cohort, "P02", -6, "plt") == [45.0]      # 45000 /uL


def test_hemoglobin_g_per_dl_is_multiplied_by_10(cohort):
    assert lab(cohort, "P01", 3, "hb") == [72.0]        # 7.2 g/dL
    assert lab(cohort, "P01", -7, "hb") == [105.0]      # already g/L


def test_canonical_spellings_and_empty_unit_are_unchanged(cohort):
    assert lab(cohort, "P03", 10, "anc") == [1.2]       # x10^9/L
    assert lab(cohort, "P04", 0, "plt") == [80.0]       # G/L
    assert lab(cohort, "P02", 5, "plt") == [12.0]       # no unit = canonical
    assert "unit" not in cohort.labs.columns


def test_long_tables_have_contract_columns_and_dtypes(cohort):
    assert cohort.labs.dtypes.astype(str).to_dict() == {
        "patient_id": "object", "day": "int64", "test": "object", "value": "float64"}
    assert list(cohort.crs.columns) == ["patient_id", "day", "crs_grade", "icans_grade"]
    assert cohort.crs["icans_grade"].isna().sum() == 2
    assert list(cohort.markers.columns) == ["patient_id", "day", "marker", "value", "unit"]
    assert cohort.markers["unit"].iloc[-1] == "mg/L"    # crp without unit: the default
    assert list(cohort.treatments.columns) == ["patient_id", "day", "treatment", "dose"]
    assert np.isnan(cohort.treatments["dose"].iloc[2])


def test_booleans_are_nullable_and_empty_stays_missing(cohort):
    p = cohort.patients.set_index("patient_id")
    for column in ("hemorrhage", "infection", "nrm", "extramedullary", "prior_hsct"):
        assert str(p[column].dtype) == "boolean"
    assert p.loc["P01", "hemorrhage"] is np.True_ or p.loc["P01", "hemorrhage"] == True  # noqa: E712
    assert p.loc["P02", "hemorrhage"] is pd.NA
    assert p.loc["P03", "infection"] is pd.NA
    assert list(p["infection"].iloc[:2]) == [False, True]         # 0 / 1
    assert list(p["prior_hsct"].iloc[:3]) == [True, False, False]  # yes / no
    assert p["hemorrhage"].isna().sum() == 2  # P02 and P04: missing, never False


def test_patients_columns_types_and_codes(cohort):
    p = cohort.patients
    assert list(p.columns[:6]) == ["patient_id", "sex", "age_years", "response_d28", "ld_start_day", "ld_end_day"]
    assert list(p["sex"]) == ["M", "F", "M", "F"]
    assert p["age_years"].dtype == "float64" and p["cost_total"].dtype == "float64"
    assert p["response_d28"].iloc[3] is np.nan or pd.isna(p["response_d28"].iloc[3])
    assert list(p["car_target"]) == ["CD19", "CD19", "CD19/CD22", "CD22"]


def test_lymphodepletion_defaults_fill_only_missing_days(folder):
    p = read_cohort(folder).patients.set_index("patient_id")
    assert p.loc["P01", ["ld_start_day", "ld_end_day"]].tolist() == [-5.0, -3.0]  # own values kept
    assert p.loc["P02", ["ld_start_day", "ld_end_day"]].tolist() == [-4.0, -2.0]  # contract defaults
    study = {**schema_defaults(), "lymphodepletion": {"start_day": -6, "end_day": -3}}
    p = read_cohort(folder, study).patients.set_index("patient_id")
    assert p.loc["P04", ["ld_start_day", "ld_end_day"]].tolist() == [-6.0, -3.0]
    assert p.loc["P03", ["ld_start_day", "ld_end_day"]].tolist() == [-4.0, -2.0]


def test_ld_columns_absent_are_created_from_defaults(folder):
    map_text(folder, "patients", lambda t: "\n".join(
        ",".join(c for i, c in enumerate(line.split(",")) if i not in (4, 5)) for line in t.splitlines()) + "\n")
    p = read_cohort(folder).patients
    assert (p["ld_start_day"] == -4).all() and (p["ld_end_day"] == -2).all()


def test_unknown_names_are_listed_and_carried(folder):
    add_rows = {"labs": "P01,4,WBC,3.1,10^9/L\nP02,4,crp,5,\n", "markers": "P01,2,IL1b,3,pg/mL\n",
                "treatments": "P03,1,Ruxolitinib,\n"}
    for table, rows in add_rows.items():
        map_text(folder, table, lambda t, rows=rows: t + rows)
    cohort = read_cohort(folder)
    assert cohort.unknown_names == {"labs.test": ["crp", "wbc"], "markers.marker": ["il1b"],
                                    "treatments.treatment": ["ruxolitinib"]}
    assert lab(cohort, "P01", 4, "wbc") == [3.1]
    assert "ruxolitinib" in set(cohort.treatments["treatment"])


def test_clean_cohort_has_no_unknown_names(cohort):
    assert cohort.unknown_names == {}


def test_cohort_files_lists_existing_tables_sorted(folder):
    (folder / "markers.csv").unlink()
    (folder / "notes.txt").write_text("not a table")
    assert cohort_files(folder) == sorted(str(folder / f"{t}.csv") for t in ("patients", "labs", "crs", "treatments"))
    write_clean_cohort(folder, "parquet", tables=["crs"])
    with pytest.raises(CohortError, match="keep one"):
        cohort_files(folder)


def test_auto_typed_extra_patient_columns(folder):
    add_column(folder, "patients", "tp53", ["yes", "NO", "", "no"])
    add_column(folder, "patients", "n_relapses", ["0", "1", "1", ""])       # known number, not boolean
    add_column(folder, "patients", "arm", ["A", "B", "A", ""])
    p = read_cohort(folder).patients
    assert str(p["tp53"].dtype) == "boolean" and p["tp53"].isna().sum() == 1
    assert p["n_relapses"].dtype == "float64"
    assert p["arm"].tolist()[:3] == ["A", "B", "A"] and pd.isna(p["arm"].iloc[3])


@pytest.mark.parametrize("value", ["2021-03-04", "04/03/2021", "2021/03/04", "4/3/21", "04.03.2021",
                                   "04-Mar-2021", "04MAR21", "March 4, 2021", "2021-03-04T10:00:00"])
def test_date_pattern_finds_dates(value):
    assert pa.compute.match_substring_regex(pa.array([value]), DATE_PATTERN)[0].as_py()


@pytest.mark.parametrize("value", ["10^9/L", "12.5", "-7", "CD19/CD22", "UPN-12-03-01", "3/4", "g/dL",
                                   "1e-3", "P2021-0304", "marrow 12"])
def test_date_pattern_leaves_ordinary_values(value):
    assert not pa.compute.match_substring_regex(pa.array([value]), DATE_PATTERN)[0].as_py()


@pytest.mark.parametrize("name,expected", [
    ("patient_name", True), ("Last Name", True), ("MRN", True), ("hospital_mrn", True), ("DOB", True),
    ("birth_date", True), ("e-mail", True), ("email", True), ("nhs_number", True),
    ("patient_id", False), ("car_target", False), ("test_name", False), ("ddimer", False), ("address", True),
])
def test_identifier_column_names(name, expected):
    assert looks_like_identifier(name) is expected


def test_large_labs_table_validates_quickly(folder):
    """Vectorisation guard: 300k lab rows (the real target, 9M rows, is timed in a benchmark script)."""
    n = 300_000
    rng = np.random.default_rng(1)
    labs = pd.DataFrame({"patient_id": rng.choice(["P01", "P02", "P03", "P04"], n),
                         "day": rng.integers(-30, 100, n), "test": rng.choice(["anc", "HB", "plt"], n),
                         "value": rng.gamma(2, 2, n).round(2), "unit": rng.choice(["", "10^9/L"], n)})
    labs.loc[labs["test"] == "HB", "unit"] = "g/L"
    labs.to_csv(folder / "labs.csv", index=False)
    start = time.perf_counter()
    cohort = read_cohort(folder)
    assert len(cohort.labs) == n
    assert time.perf_counter() - start < 10
