"""Read a cohort folder (contract section 1) into normalised DataFrames, refusing bad input (section 5).

Each table is read as text first (`cartcyto.cohort.table.read_table_text`), so that an offending cell can
be reported by file line and patient_id, then checked and converted column by column with vectorised
kernels. Input files are only ever read.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.test_names import anc_from_percent, lab_test_names
from cartcyto.cohort.units import lab_unit_factors
from cartcyto.cohort.table import RawTable, read_table_text
from cartcyto.cohort.validate import (
    FALSE_TOKENS,
    NUMBER_PATTERN,
    TRUE_TOKENS,
    check_no_dates,
    check_no_repeated_header,
    check_patient_ids,
    check_required_columns,
    parse_booleans,
    parse_codes,
    parse_numbers,
)
from cartcyto.design import families_needing_labs, schema_defaults
from cartcyto.vocabulary import MARKER_UNITS, MARKERS, TREATMENTS

COHORT_TABLES = ("patients", "labs", "crs", "markers", "treatments")
REQUIRED_TABLES = ("patients", "labs")
FORMATS = ("csv", "parquet")

REQUIRED_COLUMNS = {
    "patients": ("patient_id", "sex", "age_years"),
    "labs": ("patient_id", "day", "test", "value"),
    "crs": ("patient_id", "day", "crs_grade"),
    "markers": ("patient_id", "day", "marker", "value"),
    "treatments": ("patient_id", "day", "treatment"),
}
# Output columns and dtypes of the long tables (also the empty frame of an absent optional file).
LONG_TABLE_DTYPES = {
    "labs": {"patient_id": object, "day": "int64", "test": object, "value": "float64"},
    "crs": {"patient_id": object, "day": "int64", "crs_grade": "int64", "icans_grade": "float64"},
    "markers": {"patient_id": object, "day": "int64", "marker": object, "value": "float64", "unit": object},
    "treatments": {"patient_id": object, "day": "int64", "treatment": object, "dose": "float64"},
}
KNOWN_NAMES = {
    "labs.test": ("anc", "hb", "plt"),
    "markers.marker": MARKERS,
    "treatments.treatment": TREATMENTS,
}
MARKER_DEFAULT_UNITS = MARKER_UNITS  # the contract's default unit of each marker
# Lab units are read through UCUM (cartcyto.cohort.units) and test names mapped by cartcyto.cohort.test_names.

SEX_CODES = {"m": "M", "f": "F", "male": "M", "female": "F"}
RESPONSE_CODES = {"cr": "CR", "cri": "CRi", "nr": "NR", "withdrawn": "withdrawn", "ne": "NE"}
PATIENT_BOOLEANS = ("hemorrhage", "infection", "nrm", "extramedullary", "prior_hsct")
PATIENT_TEXT = ("car_target",)
PATIENT_DAYS = ("ld_start_day", "ld_end_day", "last_followup_day", "death_day", "relapse_day",
                "next_therapy_day", "scb_day", "crs_onset_day", "crs_peak_day", "crs_recovery_day")
NON_NEGATIVE = ("bmi", "prior_chemo_cycles", "months_hsct_to_cart", "n_relapses", "ldh", "ferritin", "alt",
                "ast", "gfr", "creatinine", "urea", "uric_acid", "los_days", "cost_total", "cost_drug",
                "cost_lab", "cost_gcsf", "cost_oxygen", "cost_prbc", "cost_platelets", "scb_cd34_per_kg",
                "scb_cd3_per_kg")
# name -> (low, high, integer, rule) for patients' number columns
PATIENT_NUMBERS = {
    **{c: (0, None, False, ">= 0") for c in NON_NEGATIVE},
    **{c: (None, None, True, "an integer") for c in PATIENT_DAYS},
    "ld_start_day": (None, -1, True, "a negative integer (before the infusion)"),
    "ld_end_day": (None, -1, True, "a negative integer (before the infusion)"),
    "age_years": (0, 120, False, "between 0 and 120"),
    "bm_blasts_pct": (0, 100, False, "between 0 and 100"),
    "crs_max_grade": (0, 4, True, "an integer grade between 0 and 4"),
}
PATIENT_ORDER = ("patient_id", "sex", "age_years", "response_d28", "ld_start_day", "ld_end_day", "bmi",
                 "extramedullary", "prior_chemo_cycles", "prior_hsct", "months_hsct_to_cart", "n_relapses",
                 "bm_blasts_pct", "car_target", "ldh", "ferritin", "alt", "ast", "gfr", "creatinine", "urea",
                 "uric_acid", "hemorrhage", "infection", "nrm", "los_days", "cost_total", "cost_drug",
                 "cost_lab", "cost_gcsf", "cost_oxygen", "cost_prbc", "cost_platelets", "last_followup_day",
                 "death_day", "relapse_day", "next_therapy_day", "scb_day", "scb_cd34_per_kg", "scb_cd3_per_kg",
                 "crs_max_grade", "crs_onset_day", "crs_peak_day", "crs_recovery_day")


@dataclass
class Cohort:
    """The normalised tables of one cohort (see docs/architecture.md for every column)."""

    patients: pd.DataFrame
    labs: pd.DataFrame
    crs: pd.DataFrame
    markers: pd.DataFrame
    treatments: pd.DataFrame
    unknown_names: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # for the run's log: test names read, units and factors


def table_paths(folder) -> dict[str, str]:
    """``{table: path}`` of the table files present; both formats of one table is an error."""
    found = {}
    for table in COHORT_TABLES:
        present = [os.path.join(str(folder), f"{table}.{fmt}") for fmt in FORMATS]
        present = [p for p in present if os.path.isfile(p)]
        if len(present) > 1:
            raise CohortError(present[0], None, f"the table '{table}' is given twice ({' and '.join(present)})",
                              f"keep one of {table}.csv and {table}.parquet and remove the other")
        if present:
            found[table] = present[0]
    return found


def cohort_files(folder) -> list[str]:
    """Sorted paths of the existing ``<table>.csv`` / ``<table>.parquet`` files of a cohort folder."""
    return sorted(table_paths(folder).values())


def read_cohort(folder, study: dict | None = None) -> Cohort:
    """Read, check and normalise a cohort folder; raise `CohortError` on any contract violation.

    ``study`` is the resolved study; ``study["lymphodepletion"]`` gives the ``start_day`` and
    ``end_day`` used where patients have no ld_start_day / ld_end_day (without a study, the design
    schema's defaults, -4 and -2). ``labs`` is required without a study, and with a study that runs
    a family using blood counts (:func:`cartcyto.design.families_needing_labs`); otherwise an
    absent labs table reads as an empty one.
    """
    if not os.path.isdir(str(folder)):
        raise CohortError(str(folder), None, "the cohort folder does not exist",
                          "create the folder with patients.csv and labs.csv, or point the study's cohort at it")
    paths = table_paths(folder)
    for table in REQUIRED_TABLES:
        if table not in paths and (table != "labs" or study is None):
            raise CohortError(os.path.join(str(folder), f"{table}.csv"), None, f"the required table '{table}' "
                              "is missing", f"add {table}.csv (or {table}.parquet) with at least the columns "
                              f"{', '.join(REQUIRED_COLUMNS[table])}")
    if "labs" not in paths and study is not None and families_needing_labs(study):
        raise CohortError(os.path.join(str(folder), "labs.csv"), None,
                          "the table 'labs' is missing, and the design runs families that use blood "
                          f"counts ({', '.join(families_needing_labs(study))})",
                          f"add labs.csv (or labs.parquet) with at least the columns "
                          f"{', '.join(REQUIRED_COLUMNS['labs'])}; or, for a cohort with only CRS grades "
                          "and markers, run a design whose analyses include none of "
                          f"{', '.join(families_needing_labs())} (e.g. overrides: {{analyses: [table1]}})")
    ld = (schema_defaults() if study is None else study)["lymphodepletion"]
    ld_start, ld_end = ld["start_day"], ld["end_day"]
    patients = normalise_patients(_read(paths["patients"], "patients"), ld_start, ld_end)
    known_ids = pa.array(patients["patient_id"].tolist(), pa.string())
    frames, unknown, notes = {"patients": patients}, {}, []
    for table in COHORT_TABLES[1:]:
        if table not in paths:
            frames[table] = empty_long_table(table)
            continue
        raw = _read(paths[table], table)
        check_patient_ids(raw, known=known_ids, known_file=os.path.basename(paths["patients"]))
        extra = {"study": study, "notes": notes} if table == "labs" else {}
        frames[table], names = LONG_TABLE_NORMALISERS[table](raw, **extra)
        unknown.update(names)
    if "labs" in paths:
        check_lab_tests(frames["labs"], paths["labs"], study)
    return Cohort(**frames, unknown_names=unknown, notes=notes)


GRADED_TESTS = ("anc", "hb", "plt")


def check_lab_tests(labs: pd.DataFrame, path: str, study: dict | None) -> None:
    """Nothing is graded silently from nothing: a labs table with rows but none of ``anc``,
    ``hb``, ``plt``, or (for a study running a family that uses blood counts) without rows of a
    lineage's test, is refused with the test names found and how to map them."""
    if study is not None and not families_needing_labs(study):
        needed = {}                                   # labs carried, not graded: rows of any test
        if len(labs) == 0:
            return
    elif study is not None:
        needed = {lin: cfg["test"] for lin, cfg in study["criteria"]["lineages"].items()}
    else:
        needed = {}
    counts = labs["test"].value_counts()
    missing = sorted({t for t in needed.values() if counts.get(t, 0) == 0})
    if not missing and counts.reindex(list(GRADED_TESTS)).fillna(0).sum() > 0:
        return
    found = ", ".join(f"'{t}' ({n} rows)" for t, n in counts.head(12).items()) or "none (no rows)"
    if len(counts) > 12:
        found += f" and {len(counts) - 12} more"
    if missing:
        lins = ", ".join(f"{lin} from {t}" for lin, t in needed.items() if t in missing)
        problem = (f"no rows of the test(s) {', '.join(missing)}, which the design grades ({lins}); "
                   f"the tests found: {found}")
    else:
        problem = f"no anc, hb or plt rows at all: nothing to grade; the tests found: {found}"
    unknown = [t for t in counts.index if t not in GRADED_TESTS][:3]
    example = ", ".join(f"'{t}': {m}" for t, m in zip(unknown, missing or GRADED_TESTS)) or "'LAB0042': anc"
    raise CohortError(path, "test", problem,
                      "name the tests anc, hb and plt, or map your names to them in the study's config "
                      f"(studies.<study>.lab_test_names, e.g. {{{example}}}; names compare "
                      "case-insensitively; LOINC, SDTM and usual English names are recognised as they "
                      "are, see cartcyto.cohort.test_names)")


def _read(path: str, table: str) -> RawTable:
    raw = read_table_text(path, allow_empty=table not in REQUIRED_TABLES)
    check_no_repeated_header(raw)
    check_no_dates(raw)
    check_required_columns(raw, REQUIRED_COLUMNS[table])
    if table == "patients":
        check_patient_ids(raw, unique=True)
    return raw


def empty_long_table(table: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in LONG_TABLE_DTYPES[table].items()})


# ---------------------------------------------------------------- patients

def normalise_patients(raw: RawTable, ld_start_default: int, ld_end_default: int) -> pd.DataFrame:
    """One row per patient: typed columns in contract order, then further columns as given."""
    sex_fix = "write M or F for every patient"
    out = {"patient_id": raw.text("patient_id"),
           "sex": parse_codes(raw, "sex", SEX_CODES, required=True, fix=sex_fix)}
    for name in raw.columns:
        if name in out:
            continue
        if name == "response_d28":
            out[name] = parse_codes(raw, name, RESPONSE_CODES, fix="use CR, CRi, NR, withdrawn or NE, "
                                    "or leave the cell empty when unknown")
        elif name in PATIENT_NUMBERS:
            low, high, integer, rule = PATIENT_NUMBERS[name]
            out[name] = parse_numbers(raw, name, low=low, high=high, integer=integer, rule=rule)
        elif name in PATIENT_BOOLEANS or _further_column_kind(raw, name) == "boolean":
            out[name] = parse_booleans(raw, name)
        elif _further_column_kind(raw, name) == "number":
            out[name] = parse_numbers(raw, name)
        else:
            out[name] = raw.text(name)
    for name, default in (("ld_start_day", ld_start_default), ("ld_end_day", ld_end_default)):
        values = out.get(name, np.full(raw.n_rows, np.nan))
        out[name] = np.where(np.isnan(values), float(default), values)
    after = out["ld_start_day"] > out["ld_end_day"]
    if after.any():
        raise raw.error("ld_start_day", after, "lymphodepletion starts after it ends (ld_start_day > ld_end_day, "
                        "after filling the study defaults where missing)",
                        "correct ld_start_day / ld_end_day so that the start is not after the end")
    order = [c for c in PATIENT_ORDER if c in out] + [c for c in out if c not in PATIENT_ORDER]
    return pd.DataFrame({c: out[c] for c in order})


def _further_column_kind(raw: RawTable, name: str) -> str:
    """Type of a column the contract does not type: boolean when every non-empty cell is a boolean
    token (true/false, 1/0, yes/no), number when every one is a number, else text."""
    if name in PATIENT_TEXT:
        return "text"
    values = raw.distinct(name)[0]
    if len(values) and pc.all(pc.is_in(pc.utf8_lower(values), value_set=pa.array(TRUE_TOKENS + FALSE_TOKENS))).as_py():
        return "boolean"
    return "number" if pc.all(pc.match_substring_regex(values, NUMBER_PATTERN)).as_py() is not False else "text"


# ---------------------------------------------------------------- long tables

def _ids_and_days(raw: RawTable) -> dict:
    return {"patient_id": raw.text("patient_id"),
            "day": parse_numbers(raw, "day", required=True, integer=True).astype("int64")}


def _names(raw: RawTable, column: str, key: str) -> tuple[np.ndarray, dict[str, list[str]]]:
    """Lower-case names of a name column (none may be empty) and those outside the known list."""
    values, codes = raw.distinct(column)
    if (codes < 0).any():
        raise raw.error(column, codes < 0, f"{column} is empty", f"give the {column} name on every row")
    lower = pc.utf8_lower(values).to_pylist()
    unknown = sorted(set(lower) - set(KNOWN_NAMES[key]))
    return raw.text(column, lambda v: lower), ({key: unknown} if unknown else {})


def _frame(raw: RawTable, out: dict, table: str) -> pd.DataFrame:
    """The frame of ``out`` followed by the file's further columns, carried as text (labs' unit dropped)."""
    done = set(LONG_TABLE_DTYPES[table]) | ({"unit"} if table == "labs" else set())
    extra = {c: raw.text(c) for c in raw.columns if c not in done}
    return pd.DataFrame({**{c: out[c] for c in LONG_TABLE_DTYPES[table]}, **extra}, copy=False)


def normalise_labs(raw: RawTable, study: dict | None = None, notes: list | None = None) -> tuple[pd.DataFrame, dict]:
    """labs: test names mapped (LOINC, SDTM, English, the study's own), values converted to canonical units
    (anc/plt/wbc 10^9/L, hb g/L) through UCUM, neutrophil % with a WBC of the same draw turned into ANC;
    the unit column dropped. What was read how is appended to ``notes`` (for the run's log)."""
    notes = [] if notes is None else notes
    out = _ids_and_days(raw)
    out["test"], test_of_value = lab_test_names(raw, study, notes)
    out["value"] = parse_numbers(raw, "value", required=True, low=0, rule=">= 0 (counts cannot be negative)")
    if "unit" in raw.columns:
        out["value"] = out["value"] * lab_unit_factors(raw, test_of_value, notes)
    if "neut_pct" in test_of_value:
        out["test"], out["value"], n_anc, n_left = anc_from_percent(
            out["test"], out["value"], out["patient_id"], out["day"],
            raw.text("draw") if "draw" in raw.columns else None)
        notes.append(f"labs: ANC computed as WBC x neutrophil % / 100 for {n_anc} draw(s) (those rows now anc)")
        if n_left:
            notes.append(f"labs: {n_left} neutrophil % row(s) without a single WBC of the same draw: "
                         "carried as neut_pct, not used")
    unknown = sorted(set(pd.unique(out["test"])) - set(KNOWN_NAMES["labs.test"]))
    return _frame(raw, out, "labs"), ({"labs.test": unknown} if unknown else {})


def normalise_crs(raw: RawTable) -> tuple[pd.DataFrame, dict]:
    out = _ids_and_days(raw)
    rule = "an integer grade between 0 and 4"
    out["crs_grade"] = parse_numbers(raw, "crs_grade", required=True, integer=True, low=0, high=4,
                                     rule=rule).astype("int64")
    out["icans_grade"] = (parse_numbers(raw, "icans_grade", integer=True, low=0, high=4, rule=rule)
                          if "icans_grade" in raw.columns else np.full(raw.n_rows, np.nan))
    return _frame(raw, out, "crs"), {}


def normalise_markers(raw: RawTable) -> tuple[pd.DataFrame, dict]:
    """markers: values > 0 (they are log10-transformed); one unit per marker, recorded not converted."""
    out = _ids_and_days(raw)
    out["marker"], unknown = _names(raw, "marker", "markers.marker")
    out["value"] = parse_numbers(raw, "value", required=True, low=0, strict_low=True,
                                 rule="> 0 (markers are log10-transformed)")
    out["unit"], mixed_units = _marker_units(raw)
    if not mixed_units:
        return _frame(raw, out, "markers"), unknown
    pairs = pd.DataFrame({"marker": out["marker"], "key": pd.Series(out["unit"], dtype=object)})
    pairs["key"] = pairs["key"].str.replace(r"\s+", "", regex=True).str.lower()
    per_marker = pairs.dropna().drop_duplicates().groupby("marker")["key"].nunique()
    mixed = per_marker.index[per_marker > 1]
    if len(mixed):
        rows = pairs[pairs["marker"] == mixed[0]]
        usual = rows["key"].value_counts(sort=False).idxmax()  # most rows; ties: first seen
        bad = ((pairs["marker"] == mixed[0]) & pairs["key"].notna() & (pairs["key"] != usual)).to_numpy()
        raise raw.error("unit", bad, f"the marker '{mixed[0]}' is given in more than one unit "
                        f"({', '.join(pd.unique(out['unit'][(pairs['marker'] == mixed[0]).to_numpy()]))})",
                        f"convert every {mixed[0]} value to one unit (rows in the less common unit shown)")
    return _frame(raw, out, "markers"), unknown


def _marker_units(raw: RawTable) -> tuple[np.ndarray, bool]:
    """Each row's unit (given, else the marker's default; NaN if neither) and whether some marker
    comes in more than one unit (compared lower-case without blanks), worked out on distinct values."""
    values, codes = raw.distinct("marker")
    lower = pc.utf8_lower(values).to_pylist()
    index = {n: i for i, n in enumerate(dict.fromkeys(lower))}
    names = list(index)
    name_of_row = np.array([index[n] for n in lower] + [0], dtype=np.int64)[codes]
    defaults = [MARKER_DEFAULT_UNITS.get(n, np.nan) for n in names]
    if "unit" in raw.columns:
        units, unit_codes = raw.distinct("unit")
        given, units = raw.text("unit"), units.to_pylist()
    else:
        units, unit_codes, given = [], np.full(raw.n_rows, -1), np.full(raw.n_rows, np.nan, object)
    unit = np.where(unit_codes < 0, np.array(defaults, dtype=object)[name_of_row], given)
    key_ids: dict[str, int] = {}

    def key_id(u) -> int:  # -1: no unit
        return -1 if not isinstance(u, str) else key_ids.setdefault(re.sub(r"\s+", "", u).lower(), len(key_ids))
    given_key = np.array([key_id(u) for u in units] + [-1], dtype=np.int64)[unit_codes]
    default_key = np.array([key_id(u) for u in defaults], dtype=np.int64)[name_of_row]
    key = np.where(unit_codes < 0, default_key, given_key)
    has = key >= 0
    if not has.any():
        return unit, False
    seen = np.bincount(name_of_row[has] * max(len(key_ids), 1) + key[has],
                       minlength=len(names) * max(len(key_ids), 1)).reshape(len(names), -1) > 0
    return unit, bool((seen.sum(axis=1) > 1).any())


def normalise_treatments(raw: RawTable) -> tuple[pd.DataFrame, dict]:
    out = _ids_and_days(raw)
    out["treatment"], unknown = _names(raw, "treatment", "treatments.treatment")
    out["dose"] = (parse_numbers(raw, "dose", low=0, rule=">= 0") if "dose" in raw.columns
                   else np.full(raw.n_rows, np.nan))
    return _frame(raw, out, "treatments"), unknown


LONG_TABLE_NORMALISERS = {"labs": normalise_labs, "crs": normalise_crs, "markers": normalise_markers,
                          "treatments": normalise_treatments}
