"""OMOP CDM 5.4 -> cohort, against real databases built from the Eunomia/Synthea CSV subset:

* a DuckDB file (source.path), read-only;
* the same file through an SQLAlchemy URL (duckdb-engine);
* PostgreSQL: a throwaway server started from the machine's binaries (Unix socket only), the tables in a
  `cdm` schema. Where the binaries are missing the test fails under CI (CI=true) and is skipped, with the
  reason, on a developer's machine.

Expected values are computed independently, with DuckDB SQL on the same tables (date_diff), not with
the importer's pandas arithmetic.
"""
from __future__ import annotations


import duckdb
import pandas as pd
import pytest

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers import import_cohort
from cartcyto.cohort.read import read_cohort
from import_helpers import INFUSION_CONCEPT, LOCAL_CONCEPT, build_duckdb, leaks, load_sqlalchemy

OPTIONS = {"format": "omop", "infusion_concepts": [INFUSION_CONCEPT],
           "measurement_concepts": {str(LOCAL_CONCEPT): "anc"}}


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return build_duckdb(tmp_path_factory.mktemp("omop") / "cdm.duckdb")


@pytest.fixture(scope="module")
def expected(database):
    """Per lab row: person, day (DuckDB date_diff from the first infusion) and canonical value."""
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute(f"""
        WITH day0 AS (SELECT person_id, MIN(drug_exposure_start_date) AS d FROM drug_exposure
                      WHERE drug_concept_id = {INFUSION_CONCEPT} GROUP BY person_id)
        SELECT CAST(m.person_id AS VARCHAR) AS patient_id, date_diff('day', day0.d, m.measurement_date) AS day,
               CASE m.measurement_concept_id WHEN 3000963 THEN 'hb' WHEN 3024929 THEN 'plt'
                    WHEN 3000905 THEN 'wbc' WHEN {LOCAL_CONCEPT} THEN 'anc' END AS test,
               m.value_as_number * CASE m.measurement_concept_id WHEN 3000963 THEN 10 ELSE 1 END AS value
        FROM measurement m JOIN day0 USING (person_id)
        WHERE m.measurement_concept_id IN (3000963, 3024929, 3000905, {LOCAL_CONCEPT})""").df()
    deaths = con.execute(f"""
        SELECT CAST(person_id AS VARCHAR) AS patient_id, date_diff('day', MIN(x.start), MIN(death_date)) AS death_day
        FROM death JOIN (SELECT person_id, drug_exposure_start_date AS start FROM drug_exposure
                         WHERE drug_concept_id = {INFUSION_CONCEPT}) x USING (person_id) GROUP BY person_id""").df()
    con.close()
    return rows.sort_values(["patient_id", "day", "test", "value"]).reset_index(drop=True), deaths


def assert_cohort_matches(folder, expected):
    rows, deaths = expected
    cohort = read_cohort(folder)
    got = cohort.labs[["patient_id", "day", "test", "value"]].sort_values(["patient_id", "day", "test", "value"])
    got = got.reset_index(drop=True)
    pd.testing.assert_frame_equal(got, rows, check_dtype=False, rtol=1e-12, atol=0, check_exact=False)
    patients = cohort.patients.set_index("patient_id")
    assert len(patients) == 15 and set(patients["sex"]) <= {"M", "F"}
    for pid, day in zip(deaths["patient_id"], deaths["death_day"]):
        assert patients.loc[pid, "death_day"] == day
    return cohort


def test_duckdb_file(database, expected, tmp_path):
    imported = import_cohort(dict(OPTIONS, path=str(database)), tmp_path / "cohort")
    cohort = assert_cohort_matches(tmp_path / "cohort", expected)
    assert (cohort.labs["test"] == "anc").sum() == 1  # the study-added concept
    notes = "\n".join(imported.notes)
    assert f"concept {LOCAL_CONCEPT} imported as anc, 1 row(s)" in notes
    assert "hb in 'g/dL' x 10 -> g/L" in notes and "plt in '10*3/uL' x 1 -> 10^9/L" in notes


def test_sqlalchemy_url_to_duckdb(database, expected, tmp_path):
    import_cohort(dict(OPTIONS, url=f"duckdb:///{database}"), tmp_path / "cohort")
    assert_cohort_matches(tmp_path / "cohort", expected)


def test_postgresql_url_and_schema(postgres, expected, tmp_path):
    load_sqlalchemy(postgres.url, schema="cdm")
    import_cohort(dict(OPTIONS, url=postgres.url, db_schema="cdm"), tmp_path / "cohort")
    assert_cohort_matches(tmp_path / "cohort", expected)
    with pytest.raises(CohortError, match="the CDM table drug_exposure is missing"):
        import_cohort(dict(OPTIONS, url=postgres.url, db_schema="public"), tmp_path / "other")


def test_hashed_person_ids_leave_no_source_id_or_date(database, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDY_KEY", "another-key-of-sufficient-length")
    import_cohort(dict(OPTIONS, path=str(database), patient_ids="hash", id_key_env="STUDY_KEY"), tmp_path / "c")
    con = duckdb.connect(str(database), read_only=True)
    ids = [str(i) for i in con.execute("SELECT person_id FROM person").fetchall() for i in i]
    sources = [s for (s,) in con.execute("SELECT person_source_value FROM person").fetchall()]
    dates = [str(d) for (d,) in con.execute("SELECT DISTINCT measurement_date FROM measurement").fetchall()]
    con.close()
    patient_ids = pd.read_csv(tmp_path / "c" / "patients.csv")["patient_id"].astype(str)
    assert not set(patient_ids) & set(ids)
    assert leaks(tmp_path / "c", sources, dates) == []


def test_missing_infusion_concept_is_one_clear_message(database, tmp_path):
    with pytest.raises(CohortError, match="no infusion found for the concept id"):
        import_cohort(dict(OPTIONS, path=str(database), infusion_concepts=[1]), tmp_path / "c")
    with pytest.raises(CohortError, match="infusion_concepts"):
        import_cohort({"format": "omop", "path": str(database)}, tmp_path / "c")
