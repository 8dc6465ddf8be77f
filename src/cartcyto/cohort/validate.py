"""Checks of the data contract (sections 1 and 5) on a cohort table read as text.

`read_table_text` reads a CSV (pyarrow, every column a string) or Parquet file (cast to strings) into
a `RawTable`, refusing file-level problems (encoding, delimiter, ragged rows, empty file). The checks
and checked parsers below work on each column's distinct values and map the verdict back to rows with
numpy, so a labs table of millions of rows validates in seconds. A violation raises `CohortError`
naming the file, the column, the first five offending rows as (line number, patient_id) and how to
fix it. Nothing here writes anything: inputs are only read.
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cartcyto.cohort.errors import CohortError

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


@dataclass
class RawTable:
    """One cohort table as stripped text: ``columns`` maps lower-case names to string arrays
    (null = missing cell); ``lines[i]`` is the file line of row ``i`` (header = line 1).

    Checks work on the distinct values of a column (``distinct``) and map their verdict back to the
    rows with one numpy take, so a column of millions of rows is hashed once and scanned never again.
    """

    file: str
    columns: dict[str, pa.ChunkedArray]
    lines: np.ndarray
    _distinct: dict = field(default_factory=dict, repr=False)
    _numbers: dict = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def distinct(self, name: str) -> tuple[pa.Array, np.ndarray]:
        """(distinct non-missing values, index of each row's value in them; -1 = missing cell)."""
        if name not in self._distinct:
            values = pc.drop_null(pc.unique(self.columns[name]))
            codes = pc.index_in(self.columns[name], value_set=values)
            self._distinct[name] = (values, pc.fill_null(codes, -1).to_numpy(zero_copy_only=False))
        return self._distinct[name]

    def rows_where(self, name: str, value_mask) -> np.ndarray:
        """Row mask from a mask over ``distinct(name)`` values (missing cells: False)."""
        return np.append(np.asarray(value_mask, dtype=bool), False)[self.distinct(name)[1]]

    def missing(self, name: str) -> np.ndarray:
        return self.columns[name].is_null().to_numpy(zero_copy_only=False)

    def text(self, name: str, transform=None) -> np.ndarray:
        """Object array of the column (NaN = missing), ``transform`` applied to the distinct values."""
        values, codes = self.distinct(name)
        values = transform(values) if transform is not None else values.to_pylist()
        return np.array(list(values) + [np.nan], dtype=object)[codes]

    def numbers(self, name: str) -> np.ndarray | None:
        """float64 of the column if every cell parses as a finite number or is missing, else None."""
        if name not in self._numbers:
            try:
                values = pc.cast(self.columns[name], pa.float64()).to_numpy()  # null -> NaN
                ok = not (np.isinf(values).any() or np.isnan(values).sum() > self.columns[name].null_count)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                values, ok = None, False
            self._numbers[name] = values if ok else None
        return self._numbers[name]

    def error(self, column: str | None, mask, problem: str, fix: str) -> CohortError:
        """A CohortError pointing at the rows where ``mask`` is true (first five shown)."""
        where = np.flatnonzero(mask)
        first = where[:5]
        pids = self.columns.get("patient_id")
        pid_list = pids.take(pa.array(first)).to_pylist() if pids is not None else [None] * len(first)
        rows = [(int(self.lines[i]), pid) for i, pid in zip(first, pid_list)]
        return CohortError(self.file, column, problem, fix, rows=rows, n_bad=len(where))

    def examples(self, column: str, mask, k: int = 3) -> str:
        """The first ``k`` distinct offending values, quoted, for a problem sentence."""
        first = np.flatnonzero(mask)[:1000]
        values = pd.unique(np.asarray(self.columns[column].take(pa.array(first)).to_pylist(), dtype=object))
        return ", ".join(repr(v) for v in values[:k])


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
            raise raw.error(name, raw.rows_where(name, hits), "the column holds calendar dates (e.g. "
                            f"{values.filter(pa.array(hits))[0].as_py()!r})",
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


# ---------------------------------------------------------------- reading a table as text

UTF8_FIX = "save the file as UTF-8 (e.g. Excel: 'CSV UTF-8'; or iconv -f latin1 -t utf-8)"
BINARY_FIX = ("give the table as UTF-8 CSV text (a workbook, a PDF or a Parquet file renamed .csv is "
              "not one): export it as 'CSV UTF-8', or name a Parquet file <table>.parquet")
_LEADING_BLANKS = re.compile(rb"[ \t\r\n]*")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_UTF8_CHUNK = 1 << 24


def check_utf8_text(path: str, data: bytes, start: int = 0) -> None:
    """Refuse bytes that are not UTF-8 text, before any CSV parser sees them (pyarrow's row
    handler cannot decode such a row and prints an 'Exception ignored' traceback). A file with NUL
    or many control bytes is named as binary; otherwise the first undecodable line is shown."""
    head = data[start:start + 8192]
    if b"\x00" in head or len(_CONTROL.findall(head)) > max(8, len(head) // 100):
        raise CohortError(path, None, "the file is not UTF-8 text: it holds binary data (NUL or "
                          "control bytes), not a comma-separated table", BINARY_FIX)
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for at in range(start, max(len(data), start + 1), _UTF8_CHUNK):
        pending = len(decoder.getstate()[0])   # bytes of a character cut by the previous chunk
        try:
            decoder.decode(view[at:at + _UTF8_CHUNK], final=at + _UTF8_CHUNK >= len(data))
        except UnicodeDecodeError as bad:
            pos = at - pending + bad.start
            line = data.count(b"\n", 0, pos) + 1
            line_start = data.rfind(b"\n", 0, pos) + 1
            first = _first_field(data[line_start:pos].decode("utf-8", "replace"))
            rows = [] if line_start <= start else [(line, first)]   # no row for the header line
            raise CohortError(path, None, f"the file is not UTF-8 text (undecodable bytes on line {line})",
                              UTF8_FIX, rows=rows, n_bad=len(rows)) from None


def read_table_text(path: str, allow_empty: bool = False) -> RawTable:
    """Read a ``.csv`` or ``.parquet`` table as stripped text; file-level problems raise CohortError.

    Column names are stripped and lower-cased; cells are stripped and MISSING_TOKENS become null;
    rows with no value at all are dropped. A header-only file is refused unless ``allow_empty``.
    """
    names, columns, lines = (_read_parquet if path.endswith(".parquet") else _read_csv)(path)
    kept = {}
    for i, (name, column) in enumerate(zip(names, columns)):
        trimmed = pc.utf8_trim_whitespace(column)
        if path.endswith(".parquet") or pc.sum(pc.binary_length(trimmed)) != pc.sum(pc.binary_length(column)):
            # the CSV reader already nulled the exact tokens; blanks around them hid some
            missing = pc.is_in(trimmed, value_set=pa.array(MISSING_TOKENS))
            trimmed = pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)
        column = trimmed
        if not name:
            if column.null_count < len(column):
                raise CohortError(path, f"#{i + 1}", "a column with values has no name in the header",
                                  "give the column a name in the header, or delete it")
            continue
        kept[name] = column
    filled = np.zeros(len(lines), dtype=bool)
    for column in kept.values():
        filled |= column.is_valid().to_numpy(zero_copy_only=False)
    if not filled.all():
        kept = {n: c.filter(pa.array(filled)) for n, c in kept.items()}
        lines = lines[filled]
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
    check_utf8_text(path, data, head)
    header = data[head:head_end].decode("utf-8").rstrip("\r")
    names = [n.strip().lower() for n in next(csv.reader([header]))]
    check_header(path, names)
    ragged = []

    def on_invalid_row(row):  # whitespace-only lines are skipped like empty ones
        if row.text.strip():
            ragged.append(row.text)
        return "skip"

    keys = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data)[head:], read_options=pacsv.ReadOptions(skip_rows=1, column_names=keys),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid_row),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(keys, pa.string()),
                                                 null_values=list(MISSING_TOKENS), strings_can_be_null=True))
    except pa.ArrowInvalid as exc:   # the bytes are UTF-8 (checked above): a malformed table
        raise CohortError(path, None, f"the file cannot be parsed as CSV ({str(exc)[:120]})",
                          "export the table again as CSV (UTF-8, comma-separated, one row per line)") from None
    if ragged:
        rows, at = [], head
        for text in ragged[:5]:  # find each row's line, in file order
            at = data.find(text.encode(), at)
            rows.append((data.count(b"\n", 0, at) + 1 if at >= 0 else None, _first_field(text)))
        raise CohortError(path, None, f"rows have a different number of fields than the header ({len(names)})",
                          f"give every row exactly {len(names)} comma-separated fields (quote cells that "
                          "contain commas)", rows=rows, n_bad=len(ragged))
    return names, table.columns, _data_lines(data, head, head_line, table.num_rows)


def _first_field(text: str) -> str | None:
    fields = next(csv.reader([text]), [])
    return fields[0].strip() if fields else None


def _data_lines(data: bytes, head: int, head_line: int, n_rows: int) -> np.ndarray:
    """File line of each data row: consecutive after the header unless blank lines were skipped."""
    end = len(data.rstrip())
    if data.count(b"\n", head, end) == n_rows:  # no blank line before the last row
        return np.arange(n_rows) + head_line + 1
    filled = [i for i, line in enumerate(data[head:end].split(b"\n")) if line.strip()]
    lines = np.asarray(filled[1:], dtype=np.int64) + head_line
    if len(lines) != n_rows:  # cells spanning lines: count rows instead
        lines = np.arange(n_rows) + head_line + 1
    return lines
