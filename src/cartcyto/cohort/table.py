"""A cohort table read as stripped text (`read_table_text`), the form every check of
`cartcyto.cohort.validate` reads.

A CSV is read by pyarrow with every column a string; file-level problems (encoding, delimiter,
ragged rows, empty file) raise `CohortError`. A Parquet file's columns are not all turned into text:
numbers stay numbers and text stays coded as its dictionary until a check needs a row's text (see
`TableColumns`); what the checks see is exactly the text of every cell. Nothing here writes anything.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.validate import MISSING_TOKENS, check_header


def parquet_cell_text(column: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """A Parquet column as the stripped text the checks read (MISSING_TOKENS, 'nan' included, = null)."""
    trimmed = pc.utf8_trim_whitespace(column.cast(pa.string()))
    return pc.if_else(pc.is_in(trimmed, value_set=pa.array(MISSING_TOKENS)), pa.scalar(None, pa.string()), trimmed)


def reads_back_as_float64(kind: pa.DataType) -> bool:
    """Parquet number types whose text (shortest round-trip digits) reads back as the same float64:
    integers and float64. Not float32: its text '0.1' is not the float64 of its value."""
    return pa.types.is_integer(kind) or pa.types.is_float64(kind)


@dataclass
class Coded:
    """A text column as its dictionary: ``values`` (stripped text, null = missing; repeats allowed)
    and ``index`` (each row's entry, -1 = null). Checks on distinct values then never touch rows."""

    values: pa.Array
    index: np.ndarray

    def rows(self) -> pa.ChunkedArray:
        return pa.chunked_array([self.values.take(pa.array(self.index, mask=self.index < 0))])

    def used(self) -> np.ndarray:
        """Entries that some row holds."""
        return np.bincount(self.index + 1, minlength=len(self.values) + 1)[1:] > 0


class TableColumns(Mapping):
    """Column name (lower-case, file order) -> stripped text as a string array (null = missing).

    A Parquet file's columns are not all turned into text for the checks: a column of integers or
    float64 is kept as numbers (`number_column`; missing = null or NaN, as 'nan' is once in text) and
    a text column as its dictionary (`coded`). Either is turned into the same text as before only
    when a check asks for the rows' text (cached), e.g. to quote an offending row.
    """

    def __init__(self):
        self._order: list[str] = []
        self._text: dict[str, pa.ChunkedArray] = {}
        self._numbers: dict[str, pa.ChunkedArray] = {}
        self._coded: dict[str, Coded] = {}

    def add(self, name: str, column) -> None:
        """``column``: text (a string array), numbers (int or float64 array) or `Coded`."""
        self._order.append(name)
        if isinstance(column, Coded):
            self._coded[name] = column
        elif reads_back_as_float64(column.type):
            self._numbers[name] = column
        else:
            self._text[name] = column

    def __getitem__(self, name: str) -> pa.ChunkedArray:
        if name not in self._text:
            coded = self._coded.get(name)
            self._text[name] = coded.rows() if coded is not None else parquet_cell_text(self._numbers[name])
        return self._text[name]

    def __contains__(self, name) -> bool:
        return name in self._text or name in self._numbers or name in self._coded

    def __iter__(self):
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def number_column(self, name: str) -> pa.ChunkedArray | None:
        return self._numbers.get(name)

    def coded(self, name: str) -> Coded | None:
        return self._coded.get(name)

    def missing(self, name: str) -> np.ndarray:
        """Row mask of missing cells."""
        coded, numbers = self._coded.get(name), self._numbers.get(name)
        if coded is not None:
            return ~np.append(coded.values.is_valid().to_numpy(zero_copy_only=False), False)[coded.index]
        if numbers is None:
            return self[name].is_null().to_numpy(zero_copy_only=False)
        missing = numbers.is_null().to_numpy(zero_copy_only=False)
        if pa.types.is_floating(numbers.type):
            missing |= pc.fill_null(pc.is_nan(numbers), False).to_numpy(zero_copy_only=False)
        return missing

    def filter(self, rows: np.ndarray) -> TableColumns:
        out, mask = TableColumns(), pa.array(rows)
        for name in self._order:
            coded = self._coded.get(name)
            if coded is not None:
                out.add(name, Coded(coded.values, coded.index[rows]))
            else:
                numbers = self._numbers.get(name)
                out.add(name, (self._text[name] if numbers is None else numbers).filter(mask))
        return out


@dataclass
class RawTable:
    """One cohort table as stripped text: ``columns`` maps lower-case names to string arrays
    (null = missing cell, see `TableColumns`); ``lines[i]`` is the file line of row ``i`` (header = line 1).

    Checks work on the distinct values of a column (``distinct``) and map their verdict back to the
    rows with one numpy take, so a column of millions of rows is hashed once and scanned never again.
    """

    file: str
    columns: TableColumns
    lines: np.ndarray
    _distinct: dict = field(default_factory=dict, repr=False)
    _numbers: dict = field(default_factory=dict, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.lines)

    def distinct(self, name: str) -> tuple[pa.Array, np.ndarray]:
        """(distinct non-missing values, index of each row's value in them; -1 = missing cell)."""
        if name not in self._distinct:
            coded = self.columns.coded(name)
            if coded is not None:  # the dictionary's distinct values, mapped back through its index
                values = pc.drop_null(pc.unique(coded.values.filter(pa.array(coded.used()))))
                entry = pc.fill_null(pc.index_in(coded.values, value_set=values), -1).to_numpy(zero_copy_only=False)
                codes = np.append(entry, -1)[coded.index]
            else:
                values = pc.drop_null(pc.unique(self.columns[name]))
                codes = pc.fill_null(pc.index_in(self.columns[name], value_set=values), -1).to_numpy(zero_copy_only=False)
            self._distinct[name] = (values, codes)
        return self._distinct[name]

    def rows_where(self, name: str, value_mask) -> np.ndarray:
        """Row mask from a mask over ``distinct(name)`` values (missing cells: False)."""
        return np.append(np.asarray(value_mask, dtype=bool), False)[self.distinct(name)[1]]

    def missing(self, name: str) -> np.ndarray:
        return self.columns.missing(name)

    def text(self, name: str, transform=None) -> np.ndarray:
        """Object array of the column (NaN = missing), ``transform`` applied to the distinct values."""
        values, codes = self.distinct(name)
        values = transform(values) if transform is not None else values.to_pylist()
        return np.array(list(values) + [np.nan], dtype=object)[codes]

    def numbers(self, name: str) -> np.ndarray | None:
        """float64 of the column if every cell parses as a finite number or is missing, else None."""
        if name not in self._numbers:
            self._numbers[name] = self._parse_numbers(name)
        return self._numbers[name]

    def _parse_numbers(self, name: str) -> np.ndarray | None:
        native, coded = self.columns.number_column(name), self.columns.coded(name)
        if native is not None:  # null -> NaN; an infinite value reads as the text 'inf': not finite
            values = pc.cast(native, pa.float64(), safe=False).to_numpy()
            return None if np.isinf(values).any() else values
        if coded is not None:  # parse the distinct values, then map them to the rows
            values, codes = self.distinct(name)
            try:
                parsed = pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return None
            return None if not np.isfinite(parsed).all() else np.append(parsed, np.nan)[codes]
        try:
            values = pc.cast(self.columns[name], pa.float64()).to_numpy()  # null -> NaN
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return None if np.isinf(values).any() or np.isnan(values).sum() > self.columns[name].null_count else values

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


# ---------------------------------------------------------------- reading a table as text

UTF8_FIX = "save the file as UTF-8 (e.g. Excel: 'CSV UTF-8'; or iconv -f latin1 -t utf-8)"
_LEADING_BLANKS = re.compile(rb"[ \t\r\n]*")
BINARY_FIX = ("give the table as UTF-8 CSV text (a workbook, a PDF or a Parquet file renamed .csv is "
              "not one): export it as 'CSV UTF-8', or name a Parquet file <table>.parquet")
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
    parquet = path.endswith(".parquet")
    names, columns, lines = (_read_parquet if parquet else _read_csv)(path)
    kept = TableColumns()
    for i, (name, column) in enumerate(zip(names, columns)):
        if isinstance(column, Coded):  # Parquet text, as its dictionary
            column = Coded(parquet_cell_text(column.values), column.index)
        elif parquet and reads_back_as_float64(column.type):
            pass  # kept as numbers: its text (parquet_cell_text) is made only if a check asks for it
        elif parquet:
            column = parquet_cell_text(column)
        else:
            trimmed = pc.utf8_trim_whitespace(column)
            if pc.sum(pc.binary_length(trimmed)) != pc.sum(pc.binary_length(column)):
                # the CSV reader already nulled the exact tokens; blanks around them hid some
                missing = pc.is_in(trimmed, value_set=pa.array(MISSING_TOKENS))
                trimmed = pc.if_else(missing, pa.scalar(None, pa.string()), trimmed)
            column = trimmed
        if not name:
            unnamed = TableColumns()
            unnamed.add(name, column)
            if not unnamed.missing(name).all():
                raise CohortError(path, f"#{i + 1}", "a column with values has no name in the header",
                                  "give the column a name in the header, or delete it")
            continue
        kept.add(name, column)
    filled = np.zeros(len(lines), dtype=bool)
    for name in kept:
        filled |= ~kept.missing(name)
    if not filled.all():
        kept = kept.filter(filled)
        lines = lines[filled]
    if len(lines) == 0 and not allow_empty:
        raise CohortError(path, None, "the table has a header but no data rows",
                          "fill the table, or check that the right file was exported")
    return RawTable(path, kept, lines)


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _read_parquet_table(path: str) -> pa.Table:
    """The file's table, its text columns as dictionaries (as Parquet stores them: no string per row)."""
    try:
        text = [f.name for f in pq.read_schema(path) if _is_text(f.type)]
        return pq.read_table(path, read_dictionary=text)
    except Exception:  # noqa: BLE001 - e.g. repeated column names: read it plainly (and report that)
        return pq.read_table(path)


def _read_parquet(path: str):
    try:
        table = _read_parquet_table(path)
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
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            encoded = column.unify_dictionaries().combine_chunks()
            index = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
            columns.append(Coded(encoded.dictionary.cast(pa.string()), index))
            continue
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_temporal(kind) and not pa.types.is_duration(kind):
            raise CohortError(path, name, "the column holds calendar dates or times",
                              "remove the dates; give days relative to the CAR-T infusion (day 0) as integers")
        if pa.types.is_nested(kind):
            raise CohortError(path, name, f"the column holds {kind}, not single values",
                              "give one number or text per cell")
        if reads_back_as_float64(kind):
            columns.append(column)  # numbers: read_table_text keeps them as numbers
            continue
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
