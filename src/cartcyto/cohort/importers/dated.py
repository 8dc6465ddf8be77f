"""Dated exports: tables with dates or date-times, plus each patient's infusion date -> a cohort folder.

The export folder holds (CSV or Parquet; column names case-insensitive):

* ``infusion``: ``patient_id, infusion_date`` (required; day 0);
* ``patients``: the contract's columns, where any ``<name>_date`` column (``death_date``,
  ``last_followup_date``, ``ld_start_date`` ...) becomes ``<name>_day``, and a date of birth
  (``birth_date``, ``date_of_birth`` or ``dob``) gives ``age_years`` at infusion when that is absent;
* ``labs``: ``patient_id, date, test, value, unit`` (``date`` may be a date-time; also ``datetime``);
  test names as in the contract (LOINC, SDTM, English, the study's ``lab_test_names``);
* ``crs``, ``markers``, ``treatments`` (optional): the contract's columns with ``date`` instead of ``day``.

Columns that look like personal identifiers (names, record numbers, addresses) are dropped, by name,
and listed in the log; dates never leave this module.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers.common import (
    LAB_COLUMNS, Imported, check_lab_units, completed_years, contract_frame, days_from, draw_numbers, output_ids,
    parse_dates, select_lab_tests, source_error,
)
from cartcyto.cohort.validate import looks_like_identifier

DATE_COLUMNS = ("datetime", "date", "date_time")
BIRTH_COLUMNS = ("birth_date", "date_of_birth", "dob", "birthdate")
LONG_COLUMNS = {"crs": ["patient_id", "day", "crs_grade", "icans_grade"],
                "markers": ["patient_id", "day", "marker", "value", "unit"],
                "treatments": ["patient_id", "day", "treatment", "dose"]}


def read_export_table(folder: Path, name: str, required: bool) -> tuple[pd.DataFrame | None, str]:
    """A table of the export as text (lower-case column names), and its file name for messages."""
    for suffix in (".csv", ".parquet"):
        path = folder / f"{name}{suffix}"
        if path.is_file():
            try:
                frame = (pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
                         if suffix == ".csv" else pd.read_parquet(path))
            except (UnicodeDecodeError, ValueError, OSError) as exc:
                raise CohortError(str(path), None, f"the file cannot be read ({type(exc).__name__})",
                                  "export it again as UTF-8 CSV (comma-separated) or Parquet") from None
            frame.columns = [str(c).strip().lower() for c in frame.columns]
            return frame, str(path)
    if required:
        raise CohortError(str(folder / f"{name}.csv"), None, f"the export has no {name} table",
                          f"add {name}.csv (see docs/importing.md, dated exports)")
    return None, str(folder / f"{name}.csv")


def import_dated(options: dict, study: dict | None = None) -> Imported:
    """Turn a dated export folder (``options["path"]``) into contract tables."""
    folder, notes = Path(options["path"]), []
    if not folder.is_dir():
        raise CohortError(str(folder), None, "the export folder does not exist", "point source.path at it")
    infusion, infusion_file = read_export_table(folder, "infusion", required=True)
    _require(infusion, infusion_file, ("patient_id", "infusion_date"))
    day0, _ = parse_dates(infusion["infusion_date"], infusion_file, "infusion_date")
    if day0.isna().any():
        raise source_error(infusion_file, "infusion_date", day0.isna(), "infusion_date is empty",
                           "give every patient's infusion date, or remove the patient")
    if infusion["patient_id"].duplicated().any():
        raise source_error(infusion_file, "patient_id", infusion["patient_id"].duplicated(keep=False),
                           "a patient has more than one infusion date", "keep one row per patient (the CAR-T infusion)")
    day0_of = pd.Series(day0.to_numpy(), index=infusion["patient_id"].str.strip())
    ids = output_ids(pd.Series(day0_of.index), options)
    id_of = pd.Series(ids.to_numpy(), index=day0_of.index)
    tables = {"patients": _patients(folder, day0_of, id_of, notes)}
    labs, labs_file = read_export_table(folder, "labs", required=True)
    tables["labs"] = _labs(labs, labs_file, day0_of, id_of, study, notes)
    for name, columns in LONG_COLUMNS.items():
        frame, file = read_export_table(folder, name, required=False)
        if frame is not None:
            frame = _dated_rows(frame, file, day0_of, id_of, notes)
            tables[name] = contract_frame(frame, columns)
    return Imported(tables, notes)


def _require(frame: pd.DataFrame, file: str, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CohortError(file, missing[0], f"required column '{missing[0]}' is missing",
                          f"add the column(s) {', '.join(missing)} (see docs/importing.md, dated exports)")


def _dated_rows(frame: pd.DataFrame, file: str, day0_of: pd.Series, id_of: pd.Series, notes: list) -> pd.DataFrame:
    """Rows of a long table with ``day`` from its date column and the cohort's patient_id; rows of
    patients without an infusion date are dropped (counted in the log)."""
    column = next((c for c in DATE_COLUMNS if c in frame.columns), None)
    _require(frame, file, ("patient_id", column or "date"))
    dates, _ = parse_dates(frame[column], file, column)
    if dates.isna().any():
        raise source_error(file, column, dates.isna(), f"{column} is empty", f"give the {column} on every row")
    source_id = frame["patient_id"].astype("string").str.strip()
    known = source_id.isin(day0_of.index).to_numpy(bool)
    if not known.all():
        notes.append(f"{Path(file).name}: {int((~known).sum())} row(s) of patients without an infusion date "
                     "were not imported")
    out = frame.loc[known].drop(columns=[column]).copy()
    out["day"] = days_from(dates[known], day0_of.reindex(source_id[known]).set_axis(out.index)).array
    out["patient_id"] = id_of.reindex(source_id[known]).to_numpy()
    out["_moment"] = dates[known].to_numpy()
    return out


def _labs(labs: pd.DataFrame, file: str, day0_of, id_of, study, notes) -> pd.DataFrame:
    _require(labs, file, ("patient_id", "test", "value"))
    rows = _dated_rows(labs, file, day0_of, id_of, notes)
    rows["test"] = select_lab_tests(rows["test"], study, Path(file).name, notes)
    rows = rows[rows["test"].notna()].copy()
    value = pd.to_numeric(rows["value"], errors="coerce")
    bad = value.isna().to_numpy(bool)
    if bad.any():
        raise source_error(file, "value", labs.index.isin(rows.index[bad]), "value is empty or not a number",
                           "give each measurement as a plain number (unit in the unit column)")
    rows["value"] = value
    rows["unit"] = rows["unit"] if "unit" in rows.columns else pd.NA
    check_lab_units(rows["test"], rows["unit"], file, "unit", notes, lines=rows.index.to_numpy() + 2)
    rows["draw"] = draw_numbers(rows, rows["_moment"])
    return contract_frame(rows, LAB_COLUMNS)


def _patients(folder: Path, day0_of: pd.Series, id_of: pd.Series, notes: list) -> pd.DataFrame:
    frame, file = read_export_table(folder, "patients", required=True)
    _require(frame, file, ("patient_id", "sex"))
    source_id = frame["patient_id"].astype("string").str.strip()
    if source_id.duplicated().any():
        raise source_error(file, "patient_id", source_id.duplicated(keep=False), "patient_id is not unique",
                           "keep one row per patient")
    known = source_id.isin(day0_of.index).to_numpy(bool)
    if not known.all():
        notes.append(f"{Path(file).name}: {int((~known).sum())} patient(s) without an infusion date were not imported")
    lines = frame.index.to_numpy()[known] + 2
    frame, source_id = frame.loc[known].reset_index(drop=True), source_id[known].reset_index(drop=True)
    infusion = day0_of.reindex(source_id).reset_index(drop=True)
    out = pd.DataFrame({"patient_id": id_of.reindex(source_id).to_numpy()})
    birth = next((c for c in BIRTH_COLUMNS if c in frame.columns), None)
    if birth and "age_years" not in frame.columns:
        born, _ = parse_dates(frame[birth], file, birth, lines=lines)
        out["age_years"] = completed_years(born, infusion)
        notes.append(f"{Path(file).name}: age_years computed at infusion from {birth} (then dropped)")
    dropped = []
    for column in frame.columns:
        if column == "patient_id" or column == birth:
            continue
        if column.endswith("_date"):
            dates, _ = parse_dates(frame[column], file, column, lines=lines)
            out[column[:-5] + "_day"] = days_from(dates, infusion).array
        elif looks_like_identifier(column):
            dropped.append(column)
        else:
            out[column] = frame[column].to_numpy()
    if dropped:
        notes.append(f"{Path(file).name}: identifier columns dropped: {', '.join(dropped)}")
    return out.sort_values("patient_id", kind="stable").reset_index(drop=True)
