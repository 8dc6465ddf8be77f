"""The declaration of the derived tables (cartcyto.derive.columns) against what the pipeline
writes for both bundled cohorts, the typed reader (cartcyto.derive.dtypes), require() and the
generated data dictionary."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses.prior_sct import prior_sct_patients
from cartcyto.analyses.scb import scb_patients
from cartcyto.cohort import read as cohort_read
from cartcyto.cohort.read import read_cohort
from cartcyto.derive import columns as dc
from cartcyto.derive import dtypes
from cartcyto.derive.patients import derive_episodes, derive_patients, read_derived, write_derived
from design_fixtures import resolve_study
from hematotox_fixtures import cohort, daily, study
from cartcyto.vocabulary import MARKERS

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ("wang2021", "mullanfiroze2022")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, dict[str, tuple[pd.DataFrame, Path]]]:
    """{study: {table: (frame as computed, path written by write_derived)}} for both cohorts."""
    out = {}
    folder = tmp_path_factory.mktemp("derived")
    for name in STUDIES:
        study = resolve_study(name, {"cohort": f"data/{name}", "design": name})
        cohort = read_cohort(ROOT / "data" / name, study)
        frames = {"patients": derive_patients(cohort, study),
                  "episodes": derive_episodes(cohort, study)}
        if name == "mullanfiroze2022":
            patients = dtypes.typed(frames["patients"])
            frames["prior_sct_patients"] = prior_sct_patients(patients, study)
            frames["scb_patients"] = scb_patients(patients, cohort.labs, cohort.treatments,
                                                  cohort.crs, study)
        out[name] = {t: (df, write_derived(df, folder / name / f"{t}.csv"))
                     for t, df in frames.items()}
    return out


def _tables(written):
    return [(s, t) for s in STUDIES for t in written[s]]


def test_every_written_column_is_declared_with_its_kind(written):
    for study, table in _tables(written):
        df = written[study][table][0]
        undeclared = [c for c in df.columns if dc.column_spec(c, table) is None]
        assert not undeclared, (study, table, undeclared)
        dtypes.check_types(df, table=table)          # boolean / number / text as declared


def test_derived_columns_come_out_of_derive_with_the_declared_dtype(written):
    for study in STUDIES:
        df = written[study]["patients"][0]
        for c in df.columns[1:]:
            spec = dc.column_spec(c)
            if spec.source == "derived":
                assert str(df[c].dtype) == dc.DTYPES[spec.dtype], (study, c, df[c].dtype)


NOT_IN_BUNDLED = {("patients", "next_therapy_day"): "neither synthetic cohort records a subsequent line "
                                                   "of therapy (tests/test_derive_icaht.py derives it)"}
"""Declared columns no bundled cohort has, each with the reason (and a test that writes it)."""


def test_every_declared_column_is_written_by_a_bundled_cohort(written):
    for table in dc.TABLES:
        seen = set().union(*(written[s][table][0].columns for s in STUDIES if table in written[s]))
        missing = [c for c in dc.declared_names(table, MARKERS) if c not in seen]
        assert missing == [c for t, c in NOT_IN_BUNDLED if t == table], (table, missing)


def test_a_carried_censoring_column_keeps_its_declared_type(tmp_path):
    """next_therapy_day (NOT_IN_BUNDLED) read by the cohort reader, carried, written and read back."""
    c = cohort([{"labs": daily({}), "next_therapy_day": 45}, {"labs": daily({})}])
    df = derive_patients(c, study())
    back = read_derived(write_derived(df, tmp_path / "patients.csv"))
    assert str(back["next_therapy_day"].dtype) == "Int64"
    assert back["next_therapy_day"].tolist()[0] == 45 and pd.isna(back["next_therapy_day"][1])


def test_episodes_and_per_patient_tables_have_exactly_the_declared_columns(written):
    for study, table in _tables(written):
        if table != "patients":
            assert list(written[study][table][0].columns) == dc.declared_names(table), (study, table)


def test_read_derived_gives_declared_dtypes_and_the_values_written(written):
    for study, table in _tables(written):
        df, path = written[study][table]
        back = read_derived(path)
        for c in back.columns:
            assert str(back[c].dtype) == dc.DTYPES[dc.column_spec(c, table).dtype], (study, c)
        # flags, whole numbers and text exactly; floats as pandas' C parser reads them (last digits)
        pd.testing.assert_frame_equal(back, dtypes.typed(df, table), rtol=1e-15, atol=1e-15)


def test_flags_and_numbers_read_back_typed(written):
    back = read_derived(written["wang2021"]["patients"][1])
    assert back["sn_recovered"].isna().any() and set(back["sn_recovered"].dropna()) == {True, False}
    assert back["sn_onset_day"].dtype == "Int64" and back["sn_nadir_value"].dtype == np.float64
    assert back["crs_group"].dtype == "string" and back["patient_id"].dtype == "string"


def test_declaration_agrees_with_the_cohort_reader():
    """A patients column the reader types keeps that type in the derived table."""
    for name in cohort_read.PATIENT_BOOLEANS:
        assert dc.column_spec(name).dtype == "boolean", name
    for name in cohort_read.PATIENT_DAYS:
        assert dc.column_spec(name).dtype == "Int64", name
    for name in cohort_read.NON_NEGATIVE:
        assert dc.column_spec(name).dtype == "float", name
    for name in cohort_read.PATIENT_TEXT:
        assert dc.column_spec(name).dtype == "string", name


def test_patterns_and_undeclared_columns():
    assert dc.column_spec("max_il6").dtype == "float"
    assert dc.column_spec("lg_max_my_marker").dtype == "float"
    assert dc.column_spec("sa_recovered").name == "<L>_recovered"
    assert dc.column_spec("gcsf_days").dtype == "Int64"
    assert dc.column_spec("xx_recovered") is None and dc.column_spec("covariate_x") is None
    out = dtypes.typed(pd.DataFrame({"flag_x": ["true", "", "false"], "num_x": ["1.5", "", "2"],
                                 "text_x": ["a", "1", ""]}))
    assert [str(out[c].dtype) for c in out] == ["boolean", "float64", "string"]
    raw = pd.DataFrame({"num_x": [1.5, np.nan], "flag_x": [True, False]})
    assert [str(t) for t in dtypes.typed(raw).dtypes] == ["float64", "boolean"]


def test_bad_cells_are_named():
    with pytest.raises(dtypes.DerivedColumnError, match=r"'sn_onset_day'.*whole number.*2\.5"):
        dtypes.typed(pd.DataFrame({"sn_onset_day": [1, 2.5]}))
    with pytest.raises(dtypes.DerivedColumnError, match=r"'sn_nadir_value'.*a number.*'low'"):
        dtypes.typed(pd.DataFrame({"sn_nadir_value": ["0.2", "low"]}))
    with pytest.raises(dtypes.DerivedColumnError, match=r"'pht'.*true or false.*'1'"):
        dtypes.typed(pd.DataFrame({"pht": ["true", "1"]}))


def test_require_names_every_absent_column():
    df = dtypes.typed(pd.DataFrame({"pht": ["true"], "sn_t1": ["false"]}))
    assert dtypes.require(df, "pht", "sn_t1") is df
    with pytest.raises(dtypes.DerivedColumnError, match="'sn_t2', 'sn_t3'"):
        dtypes.require(df, "pht", "sn_t2", "sn_t3")
    with pytest.raises(dtypes.DerivedColumnError, match="'pht' .object, declared boolean"):
        dtypes.require(pd.DataFrame({"pht": ["true"]}), "pht")


def test_data_dictionary_is_generated_and_up_to_date(tmp_path):
    committed = ROOT / dc.DOC_PATH
    assert committed.read_text(encoding="utf-8") == dc.data_dictionary(), (
        "docs/derived-columns.md is out of date: run python -m cartcyto.derive.columns")
    assert dc.main(["--check", str(committed)]) == 0
    stale = tmp_path / "derived-columns.md"
    stale.write_text(dc.data_dictionary().replace("| `pht` | boolean", "| `pht` | string"))
    assert dc.main(["--check", str(stale)]) == 1
    for table, cols in dc.TABLES.items():
        assert dc.TITLES[table] in dc.data_dictionary()
        for col in cols:
            assert f"| `{col.name}` | {col.dtype} |" in committed.read_text(encoding="utf-8")
