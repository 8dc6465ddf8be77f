"""OMOP CDM 5.4 in a real database (a DuckDB file or any SQLAlchemy URL, PostgreSQL included) -> a cohort.

* Day 0: the first drug_exposure_start_date / procedure_date of the study's ``infusion_concepts``.
* Labs: MEASUREMENT rows whose measurement_concept_id is a standard blood-count concept
  (``cartcyto.vocabulary.OMOP_MEASUREMENT_CONCEPTS``), a concept whose LOINC code the pipeline knows
  (looked up in CONCEPT), or one of the study's ``measurement_concepts``; value_as_number in the unit
  concept's UCUM code (CONCEPT.concept_code), else unit_source_value. Draws within a day by
  measurement_datetime.
* Patients: PERSON gender (8507 M, 8532 F) and age at infusion from the birth date; DEATH.death_date ->
  death_day; the end of the last OBSERVATION_PERIOD -> last_followup_day.
* Markers: MEASUREMENT rows of the LOINC concepts of ``marker_loinc_codes`` (looked up in CONCEPT) and of
  the study's ``marker_concepts``, read like the labs and converted to each marker's unit
  (cartcyto.cohort.importers.markers).
* Treatments: DRUG_EXPOSURE of the ``treatment_ingredients`` (RxNorm ingredients and, through
  CONCEPT_ANCESTOR, the drugs holding them), and drug exposures, procedures and devices of the study's
  ``treatment_concepts`` (cartcyto.cohort.importers.treatments).

Queries use bound parameters only; the database is opened read-only where the driver allows (DuckDB).
OMOP has no CRS grade, so no crs table is written (docs/importing.md).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers.common import (
    LAB_COLUMNS, Imported, check_lab_units, completed_years, contract_frame, days_from, draw_numbers,
    output_ids, source_error,
)
from cartcyto.cohort.importers.markers import code_map, marker_table
from cartcyto.cohort.importers.treatments import omop_treatments
from cartcyto.cohort.test_names import LOINC
from cartcyto.vocabulary import OMOP_GENDER, OMOP_MEASUREMENT_CONCEPTS

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def connect(options: dict):
    """An SQLAlchemy engine for ``options["url"]`` or the DuckDB file ``options["path"]`` (read-only)."""
    from sqlalchemy import create_engine

    if options.get("url"):
        return create_engine(options["url"]), "database"
    path = Path(options["path"])
    if not path.is_file():
        raise CohortError(str(path), None, "the DuckDB database file does not exist",
                          "point source.path at the .duckdb file, or give source.url")
    return create_engine(f"duckdb:///{path}", connect_args={"read_only": True}), path.name


def import_omop(options: dict, study: dict | None = None) -> Imported:
    """Turn an OMOP CDM 5.4 database into contract tables."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    schema = options.get("db_schema")
    if schema is not None and not _IDENTIFIER.match(schema):
        raise CohortError("source options", "db_schema", "db_schema is not a plain SQL identifier",
                          "give the schema's name (letters, digits, underscores)")
    engine, where = connect(options)
    notes: list[str] = []
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names(schema=schema))
            cdm = _Cdm(conn, schema, present, where)
            day0_of = _infusions(cdm, options, notes)
            id_of = pd.Series(output_ids(pd.Series(day0_of.index.astype(str)), options).to_numpy(),
                              index=day0_of.index)
            tables = {"patients": _patients(cdm, day0_of, id_of, notes),
                      "labs": _labs(cdm, day0_of, id_of, options, study, notes),
                      "markers": _markers(cdm, day0_of, id_of, options, notes),
                      "treatments": omop_treatments(cdm, day0_of, id_of, options, notes)}
    except SQLAlchemyError as exc:
        raise CohortError(where, None, f"the OMOP database cannot be queried ({type(exc).__name__})",
                          "check source.url / source.path and source.db_schema (CDM 5.4 table names)") from None
    finally:
        engine.dispose()
    return Imported({name: frame for name, frame in tables.items() if frame is not None}, notes)


class _Cdm:
    """CDM tables of one connection: ``query(sql_with_{table}_names, params)``."""

    def __init__(self, conn, schema: str | None, present: set[str], where: str):
        self.conn, self.schema, self.present, self.where = conn, schema, {t.lower() for t in present}, where

    def has(self, table: str) -> bool:
        return table in self.present

    def name(self, table: str) -> str:
        if not self.has(table):
            raise CohortError(f"{self.where}: {table}", None, f"the CDM table {table} is missing",
                              "load the CDM 5.4 table, or set source.db_schema to the schema holding it")
        return f"{self.schema}.{table}" if self.schema else table

    def columns(self, table: str) -> set[str]:
        """The lower-case column names of a CDM table (CDM 5.3 lacks some 5.4 columns); read from an empty
        result, which every driver gives (duckdb-engine's inspector does not list columns)."""
        return {str(c).lower() for c in self.query(f"SELECT * FROM {self.name(table)} WHERE 1 = 0").columns}

    def query(self, sql: str, **params) -> pd.DataFrame:
        from sqlalchemy import bindparam, text

        statement = text(sql)
        for key, value in params.items():
            if isinstance(value, (list, tuple)):
                statement = statement.bindparams(bindparam(key, expanding=True))
        result = self.conn.execute(statement, params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce")


def _infusions(cdm: _Cdm, options: dict, notes: list) -> pd.Series:
    ids = [int(i) for i in options["infusion_concepts"]]
    parts = []
    if cdm.has("drug_exposure"):
        parts.append(cdm.query(f"SELECT person_id, drug_exposure_start_date AS d FROM {cdm.name('drug_exposure')} "
                               "WHERE drug_concept_id IN :ids", ids=ids))
    if cdm.has("procedure_occurrence"):
        parts.append(cdm.query(f"SELECT person_id, procedure_date AS d FROM {cdm.name('procedure_occurrence')} "
                               "WHERE procedure_concept_id IN :ids", ids=ids))
    if not parts:
        cdm.name("drug_exposure")  # raises: neither table is there
    rows = pd.concat([p for p in parts if len(p)] or parts, ignore_index=True)
    rows["d"] = _dates(rows["d"])
    day0 = rows.dropna().groupby("person_id")["d"].min()
    if day0.empty:
        raise CohortError(f"{cdm.where}: drug_exposure", "drug_concept_id", "no infusion found for the concept "
                          f"id(s) {', '.join(map(str, ids))}", "set source.infusion_concepts to the concept ids "
                          "of the CAR-T product (drug_exposure or procedure_occurrence)")
    notes.append(f"OMOP: day 0 = first exposure to concept(s) {', '.join(map(str, ids))} for {len(day0)} person(s)")
    day0.index = day0.index.astype(np.int64)
    return day0


def _patients(cdm: _Cdm, day0_of: pd.Series, id_of: pd.Series, notes: list) -> pd.DataFrame:
    person = cdm.query(f"SELECT person_id, gender_concept_id, year_of_birth, month_of_birth, day_of_birth, "
                       f"birth_datetime FROM {cdm.name('person')}")
    person["person_id"] = person["person_id"].astype(np.int64)
    person = person[person["person_id"].isin(day0_of.index)].sort_values("person_id").reset_index(drop=True)
    sex = person["gender_concept_id"].map(OMOP_GENDER)
    if sex.isna().any():
        raise source_error(f"{cdm.where}: person", "gender_concept_id", sex.isna(), "gender is neither MALE "
                           "(8507) nor FEMALE (8532)", "the pipeline needs M or F (anaemia thresholds depend on it)",
                           first_line=1)
    day0 = day0_of.reindex(person["person_id"]).reset_index(drop=True)
    born = _dates(person["birth_datetime"]).fillna(pd.to_datetime(pd.DataFrame(
        {"year": person["year_of_birth"], "month": person["month_of_birth"].fillna(7),
         "day": person["day_of_birth"].fillna(1)}), errors="coerce"))
    out = pd.DataFrame({"patient_id": id_of.reindex(person["person_id"]).to_numpy(), "sex": sex.to_numpy(),
                        "age_years": completed_years(born, day0)})
    if cdm.has("death"):
        death = cdm.query(f"SELECT person_id, MIN(death_date) AS d FROM {cdm.name('death')} GROUP BY person_id")
        out["death_day"] = _days_for(person["person_id"], death, day0)
    if cdm.has("observation_period"):
        end = cdm.query(f"SELECT person_id, MAX(observation_period_end_date) AS d "
                        f"FROM {cdm.name('observation_period')} GROUP BY person_id")
        out["last_followup_day"] = _days_for(person["person_id"], end, day0)
    notes.append(f"OMOP: {len(out)} infused person(s) imported")
    return out.sort_values("patient_id", kind="stable").reset_index(drop=True)


def _days_for(person_ids: pd.Series, rows: pd.DataFrame, day0: pd.Series) -> np.ndarray:
    dates = pd.Series(_dates(rows["d"]).to_numpy(), index=rows["person_id"].astype(np.int64))
    return days_from(dates.reindex(person_ids).reset_index(drop=True), day0).array


def _measurement_concepts(cdm: _Cdm, options: dict, notes: list) -> dict[int, str]:
    concepts = dict(OMOP_MEASUREMENT_CONCEPTS)
    if cdm.has("concept"):
        found = cdm.query(f"SELECT concept_id, concept_code FROM {cdm.name('concept')} "
                          "WHERE vocabulary_id = 'LOINC' AND concept_code IN :codes", codes=list(LOINC))
        concepts.update({int(i): LOINC[c] for i, c in zip(found["concept_id"], found["concept_code"])})
    own = {int(k): v for k, v in options["measurement_concepts"].items()}
    concepts.update(own)
    notes.append("OMOP: measurement concepts " + ", ".join(f"{k} {v}" for k, v in sorted(concepts.items()))
                 + (f" (study-added: {', '.join(map(str, sorted(own)))})" if own else ""))
    return concepts


def _measurements(cdm: _Cdm, concepts: dict[int, str], day0_of: pd.Series, id_of: pd.Series, what: str,
                  notes: list) -> tuple[pd.DataFrame, pd.Series]:
    """MEASUREMENT rows of infused persons for ``concepts`` with a value and a date: patient_id, day,
    name (the concept's test or marker), value, unit (the unit concept's UCUM code, else
    unit_source_value); and each row's moment (datetime, else date) for draw numbers."""
    unit_join, unit_code = "", "NULL"
    if cdm.has("concept"):
        unit_join = (f"LEFT JOIN {cdm.name('concept')} u ON u.concept_id = m.unit_concept_id "
                     "AND u.vocabulary_id = 'UCUM'")
        unit_code = "u.concept_code"
    rows = cdm.query(f"SELECT m.person_id, m.measurement_concept_id AS concept, m.measurement_date AS d, "
                     f"m.measurement_datetime AS t, m.value_as_number AS value, m.unit_source_value AS unit_source, "
                     f"{unit_code} AS unit_code FROM {cdm.name('measurement')} m {unit_join} "
                     "WHERE m.measurement_concept_id IN :ids", ids=sorted(concepts) or [-1])
    rows["person_id"] = rows["person_id"].astype(np.int64)
    rows = rows[rows["person_id"].isin(day0_of.index)].reset_index(drop=True)
    value = pd.to_numeric(rows["value"], errors="coerce")
    dates = _dates(rows["d"])
    usable = (value.notna() & dates.notna()).to_numpy(bool)
    notes.append(f"OMOP measurement{what}: {int((~usable).sum())} row(s) without value_as_number or date skipped")
    rows, value, dates = rows[usable].reset_index(drop=True), value[usable].reset_index(drop=True), \
        dates[usable].reset_index(drop=True)
    out = pd.DataFrame({"patient_id": id_of.reindex(rows["person_id"]).to_numpy(),
                        "name": rows["concept"].astype(np.int64).map(concepts).to_numpy(), "value": value.to_numpy(),
                        "unit": rows["unit_code"].where(rows["unit_code"].notna(), rows["unit_source"]).to_numpy()})
    for concept, name in sorted(concepts.items()):
        n = int((rows["concept"] == concept).sum())
        if n:
            notes.append(f"OMOP measurement: concept {concept} imported as {name}, {n} row(s)")
    out["day"] = days_from(dates, day0_of.reindex(rows["person_id"]).reset_index(drop=True)).array
    return out, _dates(rows["t"]).fillna(dates)


def _labs(cdm: _Cdm, day0_of: pd.Series, id_of: pd.Series, options: dict, study, notes: list) -> pd.DataFrame:
    concepts = _measurement_concepts(cdm, options, notes)
    out, moment = _measurements(cdm, concepts, day0_of, id_of, "", notes)
    out = out.rename(columns={"name": "test"})
    check_lab_units(out["test"], out["unit"], f"{cdm.where}: measurement", "unit_concept_id", notes)
    out["draw"] = draw_numbers(out, moment)
    return contract_frame(out, LAB_COLUMNS)


def _marker_concepts(cdm: _Cdm, options: dict, notes: list) -> dict[int, str]:
    """Measurement concept id -> marker: the LOINC concepts of marker_loinc_codes, then marker_concepts."""
    codes, concepts = code_map(options["marker_loinc_codes"], upper=False), {}
    if codes and cdm.has("concept"):
        found = cdm.query(f"SELECT concept_id, concept_code, concept_name FROM {cdm.name('concept')} "
                          "WHERE vocabulary_id = 'LOINC' AND concept_code IN :codes", codes=sorted(codes))
        concepts = {int(i): codes[c] for i, c in zip(found["concept_id"], found["concept_code"])}
        for code, name in sorted(zip(found["concept_code"], found["concept_name"])):  # for a reader to check
            notes.append(f"OMOP: LOINC {code} ({name}) read as {codes[code]}")
        absent = sorted(set(codes) - set(found["concept_code"]))
        if absent:
            notes.append(f"OMOP: marker LOINC code(s) not in CONCEPT: {', '.join(absent)}")
    elif codes:
        notes.append("OMOP: no CONCEPT table: marker_loinc_codes cannot be looked up (give marker_concepts)")
    own = {int(k): v for k, v in options["marker_concepts"].items()}
    concepts.update(own)
    notes.append("OMOP: marker concepts " + (", ".join(f"{k} {v}" for k, v in sorted(concepts.items())) or "none")
                 + (f" (study-added: {', '.join(map(str, sorted(own)))})" if own else ""))
    return concepts


def _markers(cdm: _Cdm, day0_of: pd.Series, id_of: pd.Series, options: dict, notes: list) -> pd.DataFrame | None:
    concepts = _marker_concepts(cdm, options, notes)
    if not concepts:
        return None
    out, _ = _measurements(cdm, concepts, day0_of, id_of, " (markers)", notes)
    return marker_table(out.rename(columns={"name": "marker"}), f"{cdm.where}: measurement", "unit_concept_id", notes)
