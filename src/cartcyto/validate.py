"""Checks of the data contract (sections 1 and 5) on a table read as text.

Every check is vectorised over rows (pyarrow compute kernels on whole columns, numpy masks), so a
labs table of millions of rows validates in seconds. A violation raises `CohortError` naming the
file, the column, the first five offending rows as (line number, patient_id) and how to fix it.
Nothing here writes anything: inputs are only read.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cartcyto.errors import CohortError

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
PERSON_PARTS = {"patient", "pt", "first", "last", "given", "family", "middle", "full", "maiden"}
IDENTIFIER_FIX = "remove it; only study codes (patient_id) and days relative to infusion may enter the pipeline"


@dataclass
class RawTable:
    """One cohort table as stripped text: ``columns`` maps lower-case names to string arrays
    (null = missing cell); ``lines[i]`` is the file line of row ``i`` (header = line 1)."""

    file: str
    columns: dict[str, pa.ChunkedArray]
    lines: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def error(self, column: str | None, mask, problem: str, fix: str) -> CohortError:
        """A CohortError pointing at the rows where ``mask`` is true (first five shown)."""
        where = np.flatnonzero(as_numpy_mask(mask))
        first = where[:5]
        pids = self.columns.get("patient_id")
        pid_list = pids.take(pa.array(first)).to_pylist() if pids is not None else [None] * len(first)
        rows = [(int(self.lines[i]), pid) for i, pid in zip(first, pid_list)]
        return CohortError(self.file, column, problem, fix, rows=rows, n_bad=len(where))

    def examples(self, column: str, mask, k: int = 3) -> str:
        """The first ``k`` distinct offending values, quoted, for a problem sentence."""
        values = pc.unique(pc.filter(self.columns[column], pa.array(as_numpy_mask(mask)))).to_pylist()
        return ", ".join(repr(v) for v in values[:k])


def as_numpy_mask(mask) -> np.ndarray:
    if isinstance(mask, np.ndarray):
        return mask.astype(bool, copy=False)
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def is_missing(column: pa.ChunkedArray) -> np.ndarray:
    return column.is_null().to_numpy(zero_copy_only=False)


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
    if not raw.columns:
        return
    mask = None
    for name, column in raw.columns.items():
        same = pc.match_substring_regex(column, "^" + re.escape(name) + "$", ignore_case=True)
        mask = same if mask is None else pc.and_kleene(mask, same)
    mask = as_numpy_mask(mask)
    if mask.any():
        raise raw.error(None, mask, "a row repeats the header inside the data",
                        "delete the repeated header row(s); keep only the first line as header")


def check_no_dates(raw: RawTable) -> None:
    """No calendar date may enter, whatever the column is called (checked on distinct values)."""
    for name, column in raw.columns.items():
        distinct = pc.unique(column)
        hits = pc.filter(distinct, pc.fill_null(pc.match_substring_regex(distinct, DATE_PATTERN), False))
        if len(hits):
            mask = pc.is_in(column, value_set=hits)
            raise raw.error(name, mask, f"the column holds calendar dates (e.g. {hits[0].as_py()!r})",
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
    ids = raw.columns["patient_id"]
    empty = is_missing(ids)
    if empty.any():
        raise raw.error("patient_id", empty, "patient_id is empty", "give every row its patient's study code")
    if unique:
        dup = pd.Series(ids.to_numpy(zero_copy_only=False)).duplicated(keep=False).to_numpy()
        if dup.any():
            raise raw.error("patient_id", dup, f"patient_id is not unique ({raw.examples('patient_id', dup)} "
                            "appear(s) more than once)", "keep one row per patient (merge or renumber duplicates)")
    if known is not None:
        unknown = ~as_numpy_mask(pc.is_in(ids, value_set=known))
        if unknown.any():
            raise raw.error("patient_id", unknown, f"patient_id not found in {known_file} "
                            f"({raw.examples('patient_id', unknown)})",
                            f"add the patient to {known_file} or correct the patient_id")


# ---------------------------------------------------------------- checked parsers (text -> values)

def parse_numbers(raw: RawTable, column: str, *, required: bool = False, integer: bool = False,
                  low: float | None = None, high: float | None = None, strict_low: bool = False,
                  rule: str = "") -> np.ndarray:
    """float64 values of a number column (NaN = missing); raise on text, non-integers, out-of-range.

    ``rule`` is the sentence part naming the allowed range, e.g. "between 0 and 120".
    """
    text = raw.columns[column]
    missing = is_missing(text)
    valid = as_numpy_mask(pc.match_substring_regex(text, NUMBER_PATTERN))
    bad = ~valid & ~missing
    if bad.any():
        raise raw.error(column, bad, f"text where a number is expected ({raw.examples(column, bad)})",
                        "write plain numbers with a point as decimal separator (e.g. 12.5), or leave the cell empty")
    if required and missing.any():
        raise raw.error(column, missing, f"{column} is empty", f"give a {column} on every row or delete those rows")
    values = pc.cast(text, pa.float64())  # every non-missing cell matched NUMBER_PATTERN
    values = pc.fill_null(values, np.nan).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
    if integer:
        frac = np.isfinite(values) & (values != np.floor(values))
        if frac.any():
            raise raw.error(column, frac, f"{column} must be a whole number ({raw.examples(column, frac)})",
                            f"give {column} as a whole number" + (" of days relative to the infusion"
                                                                   if column.endswith("day") else " (e.g. 3, not 3.5)"))
    out = np.zeros(len(values), dtype=bool)
    if low is not None:
        out |= (values <= low) if strict_low else (values < low)
    if high is not None:
        out |= values > high
    out = (out & ~np.isnan(values)) | np.isinf(values)
    if out.any():
        raise raw.error(column, out, f"{column} must be {rule} ({raw.examples(column, out)})",
                        f"correct the value(s) so that {column} is {rule}")
    return values


def parse_booleans(raw: RawTable, column: str) -> pd.arrays.BooleanArray:
    """Nullable booleans from true/false, 1/0, yes/no (any case); an empty cell stays <NA>."""
    lower = pc.utf8_lower(raw.columns[column])
    is_true = as_numpy_mask(pc.is_in(lower, value_set=pa.array(TRUE_TOKENS)))
    is_false = as_numpy_mask(pc.is_in(lower, value_set=pa.array(FALSE_TOKENS)))
    missing = is_missing(lower)
    bad = ~(is_true | is_false | missing)
    if bad.any():
        raise raw.error(column, bad, f"{column} must be a boolean ({raw.examples(column, bad)})",
                        "write true/false, 1/0 or yes/no, or leave the cell empty when unknown")
    return pd.arrays.BooleanArray(is_true, missing)


def is_boolean_column(raw: RawTable, column: str) -> bool:
    """True when every non-empty cell is a boolean token (and there is at least one)."""
    distinct = pc.drop_null(pc.unique(pc.utf8_lower(raw.columns[column])))
    return len(distinct) > 0 and bool(pc.all(pc.is_in(distinct, value_set=pa.array(TRUE_TOKENS + FALSE_TOKENS))).as_py())


def is_number_column(raw: RawTable, column: str) -> bool:
    distinct = pc.drop_null(pc.unique(raw.columns[column]))
    return bool(pc.all(pc.match_substring_regex(distinct, NUMBER_PATTERN)).as_py()) if len(distinct) else True


def parse_codes(raw: RawTable, column: str, allowed: dict[str, str], *, required: bool = False,
                fix: str = "") -> np.ndarray:
    """Map case-insensitive codes to their canonical spelling (object array, NaN = missing)."""
    text = raw.columns[column]
    lower = pc.utf8_lower(text)
    missing = is_missing(text)
    if required and missing.any():
        raise raw.error(column, missing, f"{column} is empty", fix)
    bad = ~as_numpy_mask(pc.is_in(lower, value_set=pa.array(list(allowed)))) & ~missing
    if bad.any():
        raise raw.error(column, bad, f"{column} must be one of {', '.join(dict.fromkeys(allowed.values()))} "
                        f"({raw.examples(column, bad)})", fix)
    return text_values(pc.utf8_lower(text), mapping=allowed)


def text_values(column: pa.ChunkedArray, mapping: dict[str, str] | None = None) -> np.ndarray:
    """Object array of a string column (NaN = missing), via its dictionary so it is fast for ids."""
    encoded = pc.dictionary_encode(column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column)
    categories = encoded.dictionary.to_pylist()
    if mapping is not None:
        categories = [mapping.get(c, c) for c in categories]
    lookup = np.array(categories + [np.nan], dtype=object)
    codes = pc.fill_null(encoded.indices, len(categories)).to_numpy(zero_copy_only=False)
    return lookup[codes]


# ---------------------------------------------------------------- reading a table as text

UTF8_FIX = "save the file as UTF-8 (e.g. Excel: 'CSV UTF-8'; or iconv -f latin1 -t utf-8)"
_LEADING_BLANKS = re.compile(rb"[ \t\r\n]*")


def read_table_text(path: str, allow_empty: bool = False) -> RawTable:
    """Read a ``.csv`` or ``.parquet`` table as stripped text; file-level problems raise CohortError.

    Column names are stripped and lower-cased; cells are stripped and MISSING_TOKENS become null;
    rows with no value at all are dropped. A header-only file is refused unless ``allow_empty``.
    """
    names, columns, lines = (_read_parquet if path.endswith(".parquet") else _read_csv)(path)
    kept = {}
    for i, (name, column) in enumerate(zip(names, columns)):
        column = pc.utf8_trim_whitespace(column)
        column = pc.if_else(pc.is_in(column, value_set=pa.array(MISSING_TOKENS)), pa.scalar(None, pa.string()), column)
        if not name:
            if column.null_count < len(column):
                raise CohortError(path, f"#{i + 1}", "a column with values has no name in the header",
                                  "give the column a name in the header, or delete it")
            continue
        kept[name] = column
    if kept:
        filled = None
        for column in kept.values():
            has = pc.is_valid(column)
            filled = has if filled is None else pc.or_(filled, has)
        if not pc.all(filled).as_py():
            kept = {n: pc.filter(c, filled) for n, c in kept.items()}
            lines = lines[as_numpy_mask(filled)]
    if len(lines) == 0 and not allow_empty:
        raise CohortError(path, None, "the table has a header but no data rows",
                          "fill the table, or check that the right file was exported")
    return RawTable(path, kept, lines)


def _read_parquet(path: str):
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for a broken file
        raise CohortError(path, None, f"the file cannot be read as Parquet ({type(exc).__name__}: {str(exc)[:120]})",
                          "write it again (pandas.DataFrame.to_parquet), or give the table as CSV") from None
    table = table.drop_columns([n for n in table.column_names if re.fullmatch(r"__index_level_\d+__", n)])
    names = [str(n).strip().lower() for n in table.column_names]
    if table.num_rows == 0 and not names:
        raise CohortError(path, None, "the file holds no table", "write the table again with its columns")
    check_header(path, names)
    columns = []
    for name, column in zip(names, table.columns):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_temporal(kind) and not pa.types.is_duration(kind):
            raise CohortError(path, name, "the column holds calendar dates or times",
                              "remove the dates; give days relative to the CAR-T infusion (day 0) as integers")
        if pa.types.is_nested(kind):
            raise CohortError(path, name, f"the column holds {kind}, not single values",
                              "give one number or text per cell")
        try:
            columns.append(column.cast(pa.string()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            raise CohortError(path, name, f"the column's type {kind} cannot be read as text (or is not UTF-8)",
                              "store numbers, booleans or UTF-8 text in the column") from None
    return names, columns, np.arange(table.num_rows) + 2


def _read_csv(path: str):
    data = Path(path).read_bytes()
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    first = _LEADING_BLANKS.match(data, start).end()
    if first == len(data):
        raise CohortError(path, None, "the file is empty (not even a header)",
                          "export the table again with its header row and data")
    head = data.rfind(b"\n", start, first) + 1 or start
    head_line = data.count(b"\n", 0, head) + 1
    head_end = data.find(b"\n", head)
    head_end = len(data) if head_end < 0 else head_end
    try:
        header = data[head:head_end].decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise CohortError(path, None, f"the file is not UTF-8 (undecodable bytes on line {head_line})",
                          UTF8_FIX) from None
    names = [n.strip().lower() for n in next(csv.reader([header]))]
    check_header(path, names)
    skipped, ragged = [], []

    def on_invalid_row(row):
        (skipped if not row.text.strip() else ragged).append(row)
        return "skip"

    keys = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data)[head:],
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=keys),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(keys, pa.string()),
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _not_utf8(path, data) from None
        raise CohortError(path, None, f"the file cannot be parsed as CSV ({str(exc)[:120]})",
                          "export the table again as CSV (UTF-8, comma-separated, one row per line)") from None
    if ragged:
        rows = [(_line_of(data, head, r), _first_field(r.text)) for r in ragged[:5]]
        counts = sorted({r.actual_columns for r in ragged})
        raise CohortError(path, None, f"rows have {'/'.join(map(str, counts))} fields but the header has "
                          f"{len(names)}", f"give every row exactly {len(names)} comma-separated fields "
                          "(quote cells that contain commas)", rows=rows, n_bad=len(ragged))
    return names, table.columns, _data_lines(data, head, head_line, table.num_rows)


def _not_utf8(path: str, data: bytes) -> CohortError:
    try:
        data.decode("utf-8-sig")
        where, rows = "", []
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        text = data[data.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")
        where, rows = f" (first undecodable byte on line {line})", [(line, _first_field(text))]
    return CohortError(path, None, f"the file is not UTF-8{where}", UTF8_FIX, rows=rows, n_bad=len(rows))


def _first_field(text: str) -> str | None:
    fields = next(csv.reader([text]), [])
    return fields[0].strip() if fields else None


def _line_of(data: bytes, head: int, row) -> int | None:
    if row.number is not None:
        return data.count(b"\n", 0, head) + row.number
    at = data.find(row.text.encode("utf-8", "replace"), head)
    return data.count(b"\n", 0, at) + 1 if at >= 0 else None


def _data_lines(data: bytes, head: int, head_line: int, n_rows: int) -> np.ndarray:
    """File line of each data row: consecutive after the header unless blank lines were skipped."""
    n_lines = data.count(b"\n", head) + (0 if data.endswith(b"\n") else 1)
    if n_lines == n_rows + 1:
        return np.arange(n_rows) + head_line + 1
    buf = np.frombuffer(data, np.uint8)[head:]
    newlines = np.flatnonzero(buf == 10)
    starts = np.r_[0, newlines + 1]
    ends = np.r_[newlines, len(buf)]
    length = ends - starts
    length -= (length > 0) & (buf[np.maximum(ends - 1, 0)] == 13)
    blank = length == 0
    maybe_blank = np.flatnonzero(~blank & np.isin(buf[np.minimum(starts, len(buf) - 1)], (9, 32)))
    for i in maybe_blank:  # only lines starting with a blank are checked one by one
        blank[i] = not data[head + starts[i]:head + ends[i]].strip()
    content = np.flatnonzero(~blank)[1:] + head_line  # [0] is the header
    if len(content) < n_rows:  # cells spanning lines: numbers are approximate from there on
        content = np.r_[content, content[-1:] + 1 + np.arange(n_rows - len(content))] if len(content) else (
            np.arange(n_rows) + head_line + 1)
    return content[:n_rows]
