"""What every importer shares: options, dates -> days, patient ids, errors that leak nothing, writing.

Disclosure control (contract section 1): calendar dates and source identifiers are used here only to
compute days and ids. A message about a bad source names the table, the column, the rows by record
(line) number and the fix, never a value that could be a date or an identifier. The cohort is written
to a temporary folder, checked by :func:`cartcyto.cohort.read.read_cohort` (which refuses any date),
then moved into place, so nothing half-written is ever left.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.test_names import LAB_TESTS, canonical_test_names, study_test_names
from cartcyto.cohort.units import TEST_KIND, UnitProblem, read_unit

SCHEMA_FILE = "source.schema.yaml"   # package data: cartcyto/schemas/source.schema.yaml
LAB_COLUMNS = ["patient_id", "day", "test", "value", "unit", "draw"]
ISO_FULL = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
ISO_PARTIAL = r"^\d{4}(-\d{2})?$"


@dataclass
class Imported:
    """The contract tables an importer built (days, not dates) and the lines for the run's log."""

    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)


def source_options(options: dict) -> dict:
    """``options`` validated against source.schema.yaml, with every default filled in."""
    import jsonschema

    schema = yaml.safe_load((resources.files("cartcyto") / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8"))
    filled = {k: v["default"] for k, v in schema["properties"].items() if "default" in v}
    for key, value in options.items():
        if value is not None:
            filled[key] = merged(filled[key], value) if isinstance(filled.get(key), dict) else value
    try:
        jsonschema.validate(filled, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "source"
        raise CohortError("source options", where, f"invalid source option: {exc.message}",
                          "correct the study's source: in config (see docs/importing.md)") from None
    return filled


def merged(default: dict, given) -> dict:
    """A mapping option: the study's keys added to the schema's default ones, a key given again (compared
    case-insensitively, so CRP = crp, 3020460 = '3020460') replacing the default; a key set to null stays
    null, which the importers read as 'not mapped' (so merging twice gives the same). Anything but a
    mapping is returned as given, for the schema to refuse."""
    if not isinstance(given, dict):
        return given
    key_of = lambda k: str(k).strip().upper()  # noqa: E731
    given_keys = {key_of(k) for k in given}
    return {**{k: v for k, v in default.items() if key_of(k) not in given_keys}, **given}


# ---------------------------------------------------------------- errors that name rows, never values

def source_error(table: str, column: str | None, mask, problem: str, fix: str, first_line: int = 2) -> CohortError:
    """A CohortError pointing at rows by line (CSV: header = line 1) or record number, without values."""
    where = np.flatnonzero(np.asarray(mask, dtype=bool))
    rows = [(int(i) + first_line, None) for i in where[:5]]
    return CohortError(table, column, problem, fix, rows=rows, n_bad=len(where))


# ---------------------------------------------------------------- dates -> days

def parse_dates(values: pd.Series, table: str, column: str, *, allow_partial: bool = False,
                first_line: int = 2, lines=None) -> tuple[pd.Series, np.ndarray]:
    """Dates or date-times (ISO 8601, 'T' or blank between date and time) as datetime64; and a mask of
    partial dates (YYYY or YYYY-MM, as SDTM allows) which cannot give a day. Anything else is an error
    (unless empty, which gives NaT). Rows are reported by ``lines`` (their line or record numbers) or
    else by index label + ``first_line``."""
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")
    full = text.str.match(ISO_FULL).fillna(False).to_numpy(bool)
    partial = text.str.match(ISO_PARTIAL).fillna(False).to_numpy(bool)
    bad = ~(empty.to_numpy(bool) | full | (partial & allow_partial))
    parsed = pd.to_datetime(text.where(full), format="ISO8601", errors="coerce")
    bad |= full & parsed.isna().to_numpy(bool)
    if bad.any():
        allowed = "YYYY-MM-DD, optionally with a time (YYYY-MM-DDThh:mm)"
        where = np.asarray(lines)[bad] if lines is not None else values.index.to_numpy()[bad] + first_line
        raise CohortError(table, column, f"{column} is not an ISO 8601 date ({allowed})",
                          f"write {column} as {allowed}; partial dates cannot give a day",
                          rows=[(int(w), None) for w in where[:5]], n_bad=int(bad.sum()))
    return parsed, partial


def days_from(dates: pd.Series, infusion: pd.Series) -> pd.Series:
    """Whole calendar days from the infusion date (day 0) to each date (times of day ignored)."""
    delta = dates.dt.normalize() - infusion.dt.normalize()
    return (delta / pd.Timedelta(days=1)).astype("Int64")


def completed_years(born: pd.Series, at: pd.Series) -> np.ndarray:
    """Age in completed years on the date ``at`` (a birthday not yet reached that year does not count)."""
    before = (at.dt.month < born.dt.month) | ((at.dt.month == born.dt.month) & (at.dt.day < born.dt.day))
    return (at.dt.year - born.dt.year - before.astype(int)).astype("float64").to_numpy()


# ---------------------------------------------------------------- patient ids

def output_ids(source_ids: pd.Series, options: dict) -> pd.Series:
    """The cohort's patient_id for each source id: kept, or a keyed hash (HMAC-SHA256, 12 hex digits)."""
    ids = source_ids.astype("string").str.strip()
    if options["patient_ids"] == "keep":
        return ids
    key = os.environ.get(options["id_key_env"], "")
    if len(key) < 16:
        raise CohortError("source options", "patient_ids", f"patient_ids is hash but the environment variable "
                          f"{options['id_key_env']} does not hold a key of at least 16 characters",
                          f"export {options['id_key_env']}=<a long random secret kept outside the project>, "
                          "the same for every run of the study")
    digest = {s: "P" + hmac.new(key.encode(), s.encode(), hashlib.sha256).hexdigest()[:12] for s in ids.unique()
              if s is not pd.NA}
    return ids.map(digest)


# ---------------------------------------------------------------- lab tests and units

def select_lab_tests(names: pd.Series, study: dict | None, table: str, notes: list,
                     read_elsewhere=frozenset()) -> pd.Series:
    """The pipeline test of each source test name (NaN = not imported); names not imported are listed,
    except those in ``read_elsewhere`` (upper-case; e.g. the LB codes read as markers)."""
    distinct = sorted(names.dropna().astype(str).unique())
    canonical, _ = canonical_test_names(distinct, study_test_names(study))
    chosen = {n: c for n, c in zip(distinct, canonical) if c in LAB_TESTS}
    counts = names.value_counts()
    for name, test in chosen.items():
        notes.append(f"{table}: test '{name}' imported as {test}, {counts[name]} row(s)")
    skipped = [n for n in distinct if n not in chosen and n.strip().upper() not in read_elsewhere]
    if skipped:
        notes.append(f"{table}: tests not imported (not anc, hb, plt, wbc or neutrophil %; map local codes with "
                     f"lab_test_names): {', '.join(skipped)}")
    return names.map(chosen)


def check_lab_units(tests: pd.Series, units: pd.Series, table: str, column: str, notes: list,
                    lines: np.ndarray | None = None) -> None:
    """Every (test, unit) pair readable through UCUM, checked and listed before anything is written.
    ``lines`` are the source line (record) numbers of the rows, for the message (None: a database)."""
    pairs = pd.DataFrame({"test": np.asarray(tests, dtype=object),
                          "unit": pd.Series(np.asarray(units, dtype=object)).astype("string").str.strip()
                          .replace("", pd.NA)})
    for (test, unit), rows in pairs.dropna(subset=["test"]).groupby(["test", "unit"], dropna=False).groups.items():
        if pd.isna(unit):
            notes.append(f"{Path(table).name}: {test} without a unit, {len(rows)} row(s): taken as the canonical unit")
            continue
        try:
            reading = read_unit(unit, TEST_KIND[test])
        except UnitProblem as problem:
            bad = np.asarray(lines)[np.asarray(rows)] if lines is not None else []
            raise CohortError(table, column, f"wrong unit for {test}: {problem} ({len(rows)} row(s))",
                              "correct the unit, or map the test to the right pipeline test",
                              rows=[(int(b), None) for b in bad[:5]], n_bad=len(bad)) from None
        notes.append(f"{Path(table).name}: {test} in {reading.describe()}, {len(rows)} row(s)")


def draw_numbers(frame: pd.DataFrame, moment: pd.Series) -> pd.Series:
    """Draw within a patient-day (1, 2, ...) from the time of the measurement: same moment, same draw."""
    key = pd.DataFrame({"patient_id": frame["patient_id"], "day": frame["day"], "moment": moment})
    return key.groupby(["patient_id", "day"])["moment"].rank(method="dense").fillna(1).astype("Int64")


# ---------------------------------------------------------------- writing the cohort

def write_cohort(imported: Imported, out, study: dict | None = None, overwrite: bool = False) -> Path:
    """Write the tables as a contract cohort folder; checked by read_cohort first, moved into place last."""
    from cartcyto.cohort.read import read_cohort

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise CohortError(str(out), None, "the output folder exists and is not empty",
                          "choose a new folder, or pass --overwrite to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, frame in imported.tables.items():
            frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        try:
            read_cohort(tmp, study)
        except CohortError as err:  # an importer bug or a value out of the contract's range
            err.file = err.file.replace(str(tmp), str(out))
            raise CohortError(err.file, err.column, err.problem, err.fix, err.rows, err.n_bad) from None
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return out


def contract_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns present, rows sorted by patient and day, days as integers."""
    keep = [c for c in columns if c in frame.columns]
    frame = frame[keep].sort_values([c for c in ("patient_id", "day", "test", "draw") if c in keep], kind="stable")
    return frame.reset_index(drop=True)


def source_input_files(options: dict) -> list[str]:
    """The files a source is read from (so that a changed export triggers a new import)."""
    if options.get("url"):
        return []
    path = Path(options["path"])
    if path.is_file():
        return [str(path)]
    return sorted(str(p) for p in path.iterdir() if p.is_file() and not p.name.startswith("."))


def check_source(options: dict) -> dict:
    """A study's source options validated (defaults filled) and its path present; raises CohortError."""
    options = source_options(options)
    if options.get("url"):
        from sqlalchemy.engine import make_url

        if make_url(options["url"]).password is not None:
            raise CohortError("config", "source.url", "the database URL holds a password, which would be "
                              "copied into results/<study>/provenance.json", "remove the password from the URL "
                              "and give it through ~/.pgpass or the PGPASSWORD environment variable")
    elif not Path(options["path"]).exists():
        raise CohortError(options["path"], None, f"the {options['format']} source does not exist",
                          "point the study's source.path at the export folder (or the DuckDB file)")
    return options
