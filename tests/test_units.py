"""Lab units and test names: every spelling of the contract derives exactly like its canonical twin.

The expected factors are the definitions, not the library's output: 1 uL = 1e-6 L, so 10^3/uL = 10^9/L
and 1/uL = 10^-3 x 10^9/L; 1 mm3 = 1 uL; 1 dL = 0.1 L; Hb 1 mmol/L = 16.114 g/L (monomer, contract).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartcyto.design import schema_defaults
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.read import read_cohort
from cartcyto.cohort.units import UnitProblem, read_unit
from cartcyto.derive.patients import derive_patients
from design_fixtures import resolve_study
from ingest_fixtures import read_rows, write_clean_cohort, write_rows

# contract spelling -> factor to 10^9/L, from the definitions
COUNT_SPELLINGS = {"10^9/L": 1.0, "10*9/L": 1.0, "G/L": 1.0, "GI/L": 1.0, "10^3/uL": 1.0, "10*3/uL": 1.0,
                   "x10E3/uL": 1.0, "K/uL": 1.0, "THOU/uL": 1.0, "/uL": 1e-3, "cells/uL": 1e-3, "/mm3": 1e-3}
HB_SPELLINGS = {"g/L": 1.0, "g/dL": 10.0, "mmol/L": 16.114}
TEST_SPELLINGS = {"anc": ["751-8", "26499-4", "NEUT", "Neutrophils", "Absolute neutrophil count"],
                  "plt": ["777-3", "26515-7", "PLAT", "Platelets", "platelet count"],
                  "hb": ["718-7", "HGB", "Hemoglobin", "haemoglobin"]}
STUDY = resolve_study("twin", {"cohort": "x", "design": "wang2021"})


@pytest.mark.parametrize("unit, factor", COUNT_SPELLINGS.items())
def test_count_spelling_factor(unit, factor):
    assert read_unit(unit, "count").factor == factor


@pytest.mark.parametrize("unit, factor", HB_SPELLINGS.items())
def test_hemoglobin_spelling_factor(unit, factor):
    assert read_unit(unit, "mass_concentration").factor == factor


@pytest.mark.parametrize("unit, kind, words", [
    ("mmol/L", "count", "amount-of-substance concentration"), ("g/dL", "count", "mass concentration"),
    ("/uL", "mass_concentration", "count per volume"), ("10^9/L", "mass_concentration", "count per volume"),
    ("%", "count", "dimensionless"), ("mg", "mass_concentration", "a mass,"), ("bananas/L", "count", "not a UCUM"),
    # the enzyme unit keeps its case: lower-cased, 'u/l' would be atomic mass units (daltons) per litre
    ("U/L", "mass_concentration", "enzyme activity"), ("U/L", "count", "enzyme activity"),
])
def test_wrong_kind_is_refused_and_says_what_the_unit_is(unit, kind, words):
    with pytest.raises(UnitProblem, match=words):
        read_unit(unit, kind)


def respell(folder, tests=(), units=None, names=None):
    """Rewrite labs rows: value divided by the factor of the new unit; test renamed."""
    rows = read_rows(folder, "labs")
    head = rows[0]
    t, v, u = head.index("test"), head.index("value"), head.index("unit")
    for row in rows[1:]:
        if row[t] not in tests:
            continue
        factor = {"anc": 1e-3, "plt": 1e-3, "hb": 10.0}[row[t]] if row[u] in ("/uL", "g/dL") else 1.0
        canonical = float(row[v]) * factor
        if units is not None:
            row[u] = units
            row[v] = repr(canonical / (COUNT_SPELLINGS.get(units) or HB_SPELLINGS[units]))
        if names is not None:
            row[t] = names[row[t]]
    write_rows(folder, "labs", rows)


def assert_twin(twin, clean):
    for table in ("patients", "crs", "markers", "treatments"):
        pd.testing.assert_frame_equal(getattr(twin, table), getattr(clean, table))
    pd.testing.assert_frame_equal(twin.labs, clean.labs, rtol=1e-12, atol=0, check_exact=False)
    pd.testing.assert_frame_equal(derive_patients(twin, STUDY), derive_patients(clean, STUDY),
                                  rtol=1e-12, atol=0, check_exact=False)


@pytest.fixture
def clean(tmp_path):
    return read_cohort(write_clean_cohort(tmp_path / "clean"))


@pytest.mark.parametrize("unit", COUNT_SPELLINGS)
def test_count_unit_twin_derives_like_the_canonical_cohort(unit, clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "twin")
    respell(folder, tests=("anc", "plt"), units=unit)
    twin = read_cohort(folder)
    assert_twin(twin, clean)
    assert any(f"'{unit}'" in note for note in twin.notes)


@pytest.mark.parametrize("unit", HB_SPELLINGS)
def test_hemoglobin_unit_twin_derives_like_the_canonical_cohort(unit, clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "twin")
    respell(folder, tests=("hb",), units=unit)
    assert_twin(read_cohort(folder), clean)


@pytest.mark.parametrize("position", range(5))
def test_test_name_twin_derives_like_the_canonical_cohort(position, clean, tmp_path):
    names = {test: spellings[position % len(spellings)] for test, spellings in TEST_SPELLINGS.items()}
    folder = write_clean_cohort(tmp_path / "twin")
    respell(folder, tests=("anc", "plt", "hb"), names=names)
    twin = read_cohort(folder)
    assert_twin(twin, clean)
    assert twin.unknown_names == {}
    assert any(f"'{names['anc']}' read as anc" in note for note in twin.notes)


def test_study_mapping_of_local_codes(clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "twin")
    respell(folder, tests=("anc", "plt", "hb"), names={"anc": "LAB0042", "plt": "lab0043", "hb": "Hb-local"})
    study = {**schema_defaults(), "lab_test_names": {"lab0042": "anc", "LAB0043": "plt", "hb-local": "hb"}}
    twin = read_cohort(folder, study)
    assert_twin(twin, clean)
    assert "labs.test: 'LAB0042' read as anc (study mapping lab_test_names), 4 row(s)" in twin.notes
    # without the mapping nothing would be graded: the read stops, listing the names and the fix
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    message = caught.value.message()
    assert "no anc, hb or plt rows at all" in message and "column 'test'" in message
    assert "'lab0042' (4 rows), 'lab0043' (4 rows), 'hb-local' (3 rows)" in message
    assert "lab_test_names" in message


def test_neutrophil_percent_with_wbc_of_the_same_draw_gives_anc(clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "twin")
    rows = read_rows(folder, "labs")
    # P01 day 3 ANC 0.4 10^9/L -> WBC 1.6 x 10^3/uL and 25 % of it; P03 day 10 ANC 1.2 -> WBC 4.8 and 25 %
    rows[5] = ["P01", "3", "WBC", "1.6", "10*3/uL"]
    rows[10] = ["P03", "10", "770-8", "25", "%"]
    rows += [["P01", "3", "NEUTLE", "25", "%"], ["P03", "10", "6690-2", "4800", "/uL"],
             ["P04", "0", "neutrophils %", "40", "%"]]  # no WBC that day: carried, not used
    write_rows(folder, "labs", rows)
    twin = read_cohort(folder)
    got = twin.labs.query("test == 'anc' and day in (3, 10)").sort_values(["patient_id", "day", "value"])
    assert got[["patient_id", "day"]].values.tolist() == [["P01", 3], ["P01", 3], ["P03", 10]]
    assert np.allclose(got["value"], [0.3, 0.4, 1.2], rtol=1e-12)
    assert "labs: ANC computed as WBC x neutrophil % / 100 for 2 draw(s) (those rows now anc)" in twin.notes
    assert any("1 neutrophil % row(s) without a single WBC" in n for n in twin.notes)
    assert twin.unknown_names == {"labs.test": ["neut_pct", "wbc"]}
    pd.testing.assert_frame_equal(derive_patients(twin, STUDY), derive_patients(clean, STUDY),
                                  rtol=1e-12, atol=0, check_exact=False)


def test_two_draws_a_day_pair_by_draw(tmp_path):
    folder = write_clean_cohort(tmp_path / "twin")
    rows = read_rows(folder, "labs")
    rows = [rows[0] + ["draw"]] + [r + ["1"] for r in rows[1:]]
    rows += [["P02", "8", "wbc", "2.0", "10^9/L", "1"], ["P02", "8", "neut_pct", "50", "%", "1"],
             ["P02", "8", "wbc", "4.0", "10^9/L", "2"], ["P02", "8", "neut_pct", "10", "%", "2"]]
    write_rows(folder, "labs", rows)
    labs = read_cohort(folder).labs
    anc = labs.query("patient_id == 'P02' and day == 8 and test == 'anc'")["value"]
    assert sorted(anc) == pytest.approx([0.4, 1.0])  # 2.0 x 50 % and 4.0 x 10 %, paired by draw


def test_log_lists_each_unit_and_factor(tmp_path):
    notes = read_cohort(write_clean_cohort(tmp_path / "c")).notes
    assert "labs.unit: anc '/uL' x 0.001 -> 10^9/L, 1 row(s)" in notes
    assert "labs.unit: hb 'g/dL' x 10 -> g/L, 1 row(s)" in notes
    assert "labs.unit: plt 'G/L' read as UCUM '10*9/l', x 1 -> 10^9/L, 1 row(s)" in notes
    assert "labs.unit: hb no unit: taken as g/L, 1 row(s)" in notes


def test_wrong_kind_in_a_cohort_names_unit_test_and_rows(tmp_path):
    folder = write_clean_cohort(tmp_path / "c")
    rows = read_rows(folder, "labs")
    rows[2][4] = rows[3][4] = "10^9/L"  # hb (line 3) given in a count unit; plt line 4 stays valid
    write_rows(folder, "labs", rows)
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    message = caught.value.message()
    assert "wrong unit for hb: '10^9/L' is a count per volume" in message
    assert "line 3 / patient_id P01" in message and "line 4" not in message
