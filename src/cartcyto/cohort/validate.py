"""Checks of the data contract (sections 1 and 5) on a cohort table read as text.

`cartcyto.cohort.table.read_table_text` reads a CSV or Parquet file into a `RawTable`; the checks and
checked parsers below work on each column's distinct values and map the verdict back to rows with
numpy, so a labs table of millions of rows validates in seconds. A violation raises `CohortError`
naming the file, the column, the first five offending rows as (line number, patient_id) and how to
fix it. Nothing here writes anything: inputs are only read.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cartcyto.cohort.errors import CohortError

if TYPE_CHECKING:
    from cartcyto.cohort.table import RawTable

# Cells meaning "no value" (after stripping blanks); everything else is a value.
MISSING_TOKENS = ("", "NA", "na", "N/A", "n/a", "NaN", "nan", "NAN", "null", "NULL", "Null")
NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
TRUE_TOKENS = ("true", "1", "yes")
FALSE_TOKENS = ("false", "0", "no")

_DAY = r"(0?[1-9]|[12]\d|3[01])"
_MONTH = r"(0?[1-9]|1[0-2])"
_YEAR = r"(1[89]|20)\d\d"
_MONTH_NAME = (r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?"
               r"|oct(ober)?|nov(ember)?|dec(ember)?)")
# Calendar dates in any common spelling: 2021-03-04, 2021/03/04, 04/03/2021, 04.03.2021, 4/3/21,
# 04-Mar-2021, 04MAR21, March 4, 2021 (also inside a timestamp such as 2021-03-04T10:00).
DATE_PATTERN = "(?i)(" + "|".join([
    rf"\b{_YEAR}[-/.]{_MONTH}[-/.]{_DAY}(\b|T)",
    rf"\b{_DAY}[-/.]{_DAY}[-/.]{_YEAR}\b",
    rf"\b{_DAY}/{_DAY}/\d\d\b",
    rf"\b{_DAY}[-. /]?{_MONTH_NAME}[-. ,/]*({_YEAR}|\d\d)\b",
    rf"\b{_MONTH_NAME}\.? {_DAY},? {_YEAR}\b",
]) + ")"

# Column names (lower-case, non-alphanumerics removed) that identify a person.
IDENTIFIER_NAMES = {
    "name", "names", "fullname", "patientname", "ptname", "firstname", "lastname", "givenname",
    "familyname", "middlename", "maidenname", "surname", "forename", "forenames", "initials",
    "patientinitials", "mrn", "medicalrecord", "medicalrecordnumber", "medicalrecordno", "recordnumber",
    "recordno", "hospitalnumber", "hospitalno", "nhsnumber", "nhsno", "chinumber", "ssn",
    "socialsecuritynumber", "insurancenumber", "passportnumber", "dob", "dateofbirth", "birthdate",
    "birthday", "address", "streetaddress", "homeaddress", "postcode", "postalcode", "zipcode", "zip",
    "phone", "phonenumber", "telephone", "mobile", "email", "emailaddress",
}
# Name parts (split on '_' and blanks) that identify a person wherever they appear.
IDENTIFIER_PARTS = {"mrn", "ssn", "dob", "surname", "forename", "email", "phone", "telephone", "address",
                    "postcode", "zipcode", "nhs", "passport", "initials"}
PERSON_PARTS = {"patient", "pt", "first", "last", "given", "family", "middle", "full", "maiden", "donor",
                "mother", "father", "contact", "physician", "doctor"}
IDENTIFIER_FIX = "remove it; only study codes (patient_id) and days relative to infusion may enter the pipeline"


def as_numpy_mask(mask) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask.astype(bool, copy=False)
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


# ---------------------------------------------------------------- header and whole-table checks

def looks_like_identifier(name: str) -> bool:
    parts = [p for p in re.split(r"[^a-z0-9]+", name.lower()) if p]
    collapsed = "".join(parts)
    return (collapsed in IDENTIFIER_NAMES or bool(IDENTIFIER_PARTS.intersection(parts))
            or "birth" in collapsed or "medicalrecord" in collapsed
            or ("name" in parts and bool(PERSON_PARTS.intersection(parts))))


def check_header(file: str, names: list[str]) -> None:
    """Delimiter, duplicate and identifier columns, from the (lower-case, stripped) header alone."""
    if len(names) == 1 and (";" in names[0] or "\t" in names[0]):
        sep = "semicolons" if ";" in names[0] else "tabs"
        raise CohortError(file, None, f"the file is separated by {sep}, not commas (one column read: "
                          f"{names[0][:60]!r})", "use commas between the columns (save as 'CSV, comma-separated')")
    seen = set()
    for name in names:
        if name and name in seen:
            raise CohortError(file, name, "the column appears twice in the header (names are compared "
                              "case-insensitively, ignoring surrounding blanks)", "keep one column per name")
        seen.add(name)
    for name in names:
        if looks_like_identifier(name):
            raise CohortError(file, name, "the column looks like a personal identifier", IDENTIFIER_FIX)


def check_no_repeated_header(raw: RawTable) -> None:
    """A data row equal to the header (typical of concatenated exports) is refused."""
    rows = None
    for name in sorted(raw.columns, key=lambda n: n != "patient_id"):
        values, _ = raw.distinct(name)
        same = as_numpy_mask(pc.equal(pc.utf8_lower(values), name))
        if not same.any():
            return
        rows = raw.rows_where(name, same) if rows is None else rows & raw.rows_where(name, same)
    if rows is not None and rows.any():
        raise raw.error(None, rows, "a row repeats the header inside the data",
                        "delete the repeated header row(s); keep only the first line as header")


def check_no_dates(raw: RawTable) -> None:
    """No calendar date may enter, whatever the column is called (checked on distinct values)."""
    for name in raw.columns:
        if raw.numbers(name) is not None:  # all numbers: no date can hide here
            continue
        values, _ = raw.distinct(name)
        hits = as_numpy_mask(pc.match_substring_regex(values, DATE_PATTERN))
        if hits.any():
            rows = raw.rows_where(name, hits)  # e.g. the first offending row's value
            raise raw.error(name, rows, "the column holds calendar dates (e.g. "
                            f"{values[int(raw.distinct(name)[1][np.argmax(rows)])].as_py()!r})",
                            "remove the dates; give days relative to the CAR-T infusion (day 0) as integers")


def check_required_columns(raw: RawTable, required: tuple[str, ...]) -> None:
    missing = [c for c in required if c not in raw.columns]
    if missing:
        raise CohortError(raw.file, missing[0], f"required column '{missing[0]}' is missing "
                          f"(columns found: {', '.join(raw.columns) or 'none'})",
                          f"add the column(s) {', '.join(missing)} to the header (required: {', '.join(required)})")


def check_patient_ids(raw: RawTable, known: pa.Array | None = None, known_file: str = "",
                      unique: bool = False) -> None:
    """patient_id present in every row; unique (patients); listed in the patients table (others)."""
    values, codes = raw.distinct("patient_id")
    if (codes < 0).any():
        raise raw.error("patient_id", codes < 0, "patient_id is empty", "give every row its patient's study code")
    if unique:
        dup = raw.rows_where("patient_id", np.bincount(codes, minlength=len(values)) > 1)
        if dup.any():
            raise raw.error("patient_id", dup, f"patient_id is not unique ({raw.examples('patient_id', dup)} "
                            "appear(s) more than once)", "keep one row per patient (merge or renumber duplicates)")
    if known is not None:
        unknown = raw.rows_where("patient_id", ~as_numpy_mask(pc.is_in(values, value_set=known)))
        if unknown.any():
            raise raw.error("patient_id", unknown, f"patient_id not found in {known_file} "
                            f"({raw.examples('patient_id', unknown)})",
                            f"add the patient to {known_file} or correct the patient_id")


# ---------------------------------------------------------------- checked parsers (text -> values)

def parse_numbers(raw: RawTable, column: str, *, required: bool = False, integer: bool = False,
                  low: float | None = None, high: float | None = None, strict_low: bool = False,
                  rule: str = "a finite number") -> np.ndarray:
    """float64 values of a number column (NaN = missing); raise on text, non-integers, out-of-range.

    ``rule`` is the sentence part naming the allowed range, e.g. "between 0 and 120".
    """
    missing = raw.missing(column)
    values = raw.numbers(column)
    if values is None:
        values, _ = raw.distinct(column)
        bad = raw.rows_where(column, ~as_numpy_mask(pc.match_substring_regex(values, NUMBER_PATTERN)))
        if not bad.any():  # only a number too large for float64 is left
            bad = ~missing & ~np.isfinite(pc.cast(raw.columns[column], pa.float64()).to_numpy(zero_copy_only=False))
        raise raw.error(column, bad, f"text where a number is expected ({raw.examples(column, bad)})",
                        "write plain numbers with a point as decimal separator (e.g. 12.5), or leave the cell empty")
    if required and missing.any():
        raise raw.error(column, missing, f"{column} is empty", f"give a {column} on every row or delete those rows")
    if integer:
        frac = ~np.isnan(values) & (values != np.floor(values))
        if frac.any():
            raise raw.error(column, frac, f"{column} must be a whole number ({raw.examples(column, frac)})",
                            f"give {column} as a whole number" + (" of days relative to the infusion"
                                                                   if column.endswith("day") else " (e.g. 3, not 3.5)"))
    out = np.zeros(len(values), dtype=bool)
    if low is not None:
        out |= (values <= low) if strict_low else (values < low)
    if high is not None:
        out |= values > high
    if out.any():
        raise raw.error(column, out, f"{column} must be {rule} ({raw.examples(column, out)})",
                        f"correct the value(s) so that {column} is {rule}")
    return values


def parse_booleans(raw: RawTable, column: str) -> pd.arrays.BooleanArray:
    """Nullable booleans from true/false, 1/0, yes/no (any case); an empty cell stays <NA>."""
    values, codes = raw.distinct(column)
    lower = pc.utf8_lower(values)
    is_true = as_numpy_mask(pc.is_in(lower, value_set=pa.array(TRUE_TOKENS)))
    is_false = as_numpy_mask(pc.is_in(lower, value_set=pa.array(FALSE_TOKENS)))
    bad = raw.rows_where(column, ~(is_true | is_false))
    if bad.any():
        raise raw.error(column, bad, f"{column} must be a boolean ({raw.examples(column, bad)})",
                        "write true/false, 1/0 or yes/no, or leave the cell empty when unknown")
    return pd.arrays.BooleanArray(raw.rows_where(column, is_true), codes < 0)


def parse_codes(raw: RawTable, column: str, allowed: dict[str, str], *, required: bool = False,
                fix: str = "") -> np.ndarray:
    """Map case-insensitive codes to their canonical spelling (object array, NaN = missing)."""
    values, codes = raw.distinct(column)
    if required and (codes < 0).any():
        raise raw.error(column, codes < 0, f"{column} is empty", fix)
    lower = pc.utf8_lower(values)
    bad = raw.rows_where(column, ~as_numpy_mask(pc.is_in(lower, value_set=pa.array(list(allowed)))))
    if bad.any():
        raise raw.error(column, bad, f"{column} must be one of {', '.join(dict.fromkeys(allowed.values()))} "
                        f"({raw.examples(column, bad)})", fix)
    return raw.text(column, lambda v: [allowed[x] for x in pc.utf8_lower(v).to_pylist()])
