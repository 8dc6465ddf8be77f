"""Parquet cohorts are read without turning every cell into text: numbers stay numbers and text
columns stay dictionary-coded until a check needs a row's text. The result must be exactly what
reading the same file with every column cast to text gives (how Parquet was read before): the same
tables, and for bad input the same message, byte for byte."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ingest_fixtures import clean_frame

from design_fixtures import resolved
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.read import COHORT_TABLES, read_cohort

STUDY = resolved("wang2021")


def as_text(table: pa.Table) -> pa.Table:
    """Every column cast to text, as the reader did before (dictionaries via their values)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        columns.append(column.cast(pa.string()))
    return pa.Table.from_arrays(columns, names=table.column_names)


def write(folder, tables: dict[str, pa.Table], text: bool, **kwargs) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        pq.write_table(as_text(table) if text else table, folder / f"{name}.parquet", **kwargs)


def outcome(folder):
    try:
        return read_cohort(folder, STUDY)
    except CohortError as err:
        return err.message()


def assert_same_as_text(tmp_path, tables, **kwargs):
    write(tmp_path / "typed", tables, text=False, **kwargs)
    write(tmp_path / "text", tables, text=True, **kwargs)
    typed, text = outcome(tmp_path / "typed"), outcome(tmp_path / "text")
    if isinstance(text, str) or isinstance(typed, str):
        assert typed == text.replace("/text/", "/typed/")
        return typed
    for table in COHORT_TABLES:
        pd.testing.assert_frame_equal(getattr(typed, table), getattr(text, table), check_exact=True, obj=table)
    assert typed.unknown_names == text.unknown_names
    return typed


def clean_tables() -> dict[str, pa.Table]:
    """The fixture cohort with typed columns (numbers as numbers), as pandas writes it."""
    return {t: pa.Table.from_pandas(clean_frame(t), preserve_index=False) for t in ("patients", "labs", "crs")}


def test_clean_typed_cohort(tmp_path):
    cohort = assert_same_as_text(tmp_path, clean_tables())
    assert not isinstance(cohort, str) and len(cohort.labs) == 11


def test_numbers_with_nan_null_negative_zero_and_large_integers(tmp_path):
    tables = clean_tables()
    labs = tables["labs"].to_pandas()
    labs["value"] = labs["value"].astype(float)
    labs.loc[0, "value"] = -0.0
    labs["extra_float"] = [np.nan, 1.5, None, 2 ** 60 + 0.0, -np.nan, 1e-300, 0.1, 3.0, 7.25, np.nan, 1.0]
    labs["extra_int"] = pd.array([1, None, 2 ** 62, -5, 0, 1, 2, 3, 4, 5, 6], dtype="Int64")
    tables["labs"] = pa.Table.from_pandas(labs, preserve_index=False)
    assert_same_as_text(tmp_path, tables)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_value_gives_the_same_message(tmp_path, bad):
    tables = clean_tables()
    labs = tables["labs"].to_pandas()
    labs["value"] = labs["value"].astype(float)
    labs.loc[4, "value"] = bad
    tables["labs"] = pa.Table.from_pandas(labs, preserve_index=False)
    message = assert_same_as_text(tmp_path, tables)
    assert "text where a number" in message


def test_float32_and_dictionary_and_large_string_columns(tmp_path):
    tables = clean_tables()
    labs = tables["labs"]
    value = labs.column("value").cast(pa.float32())
    test = labs.column("test").cast(pa.large_string())
    unit = labs.column("unit").dictionary_encode()
    tables["labs"] = pa.table({"patient_id": labs.column("patient_id").dictionary_encode(), "day": labs.column("day"),
                               "test": test, "value": value, "unit": unit})
    assert_same_as_text(tmp_path, tables)


def test_numeric_patient_ids_and_boolean_like_integer_columns(tmp_path):
    patients = pd.DataFrame({"patient_id": [101, 102, 103], "sex": ["M", "f", " F "], "age_years": [30, 40.5, 50],
                             "flag": [0, 1, None], "score": [1.5, None, 2.0], "note": ["a", " NA ", None]})
    labs = pd.DataFrame({"patient_id": [101, 101, 103], "day": [-5, 3, 10], "test": ["anc", " HB", "plt"],
                         "value": [1.0, 90, 20]})
    assert_same_as_text(tmp_path, {"patients": pa.Table.from_pandas(patients, preserve_index=False),
                                   "labs": pa.Table.from_pandas(labs, preserve_index=False)})


def test_empty_rows_are_dropped_and_lines_kept(tmp_path):
    tables = clean_tables()
    labs = tables["labs"].to_pandas().astype({"value": float, "day": float})
    empty = pd.DataFrame({c: [None] for c in labs.columns}).astype(labs.dtypes.to_dict())
    labs = pd.concat([labs.iloc[:3], empty, labs.iloc[3:]], ignore_index=True)
    labs.loc[6, "value"] = -1.0  # reported on its file line, after the empty row
    tables["labs"] = pa.Table.from_pandas(labs, preserve_index=False)
    message = assert_same_as_text(tmp_path, tables)
    assert "line 8" in message


@pytest.mark.parametrize("column", ["visit", "patient_id"])
def test_dates_in_text_give_the_same_message(tmp_path, column):
    tables = clean_tables()
    labs = tables["labs"].to_pandas()
    values = labs[column].astype(object) if column in labs else pd.Series([None] * len(labs), dtype=object)
    values[5], values[2] = "2021-03-04", "04/03/2021"
    labs[column] = values
    tables["labs"] = pa.Table.from_pandas(labs, preserve_index=False)
    message = assert_same_as_text(tmp_path, tables, row_group_size=4)  # several dictionaries to unify
    assert "calendar dates (e.g. '04/03/2021')" in message


def test_unnamed_column_with_values(tmp_path):
    tables = clean_tables()
    labs = tables["labs"]
    tables["labs"] = labs.append_column("", pa.array([None] * 10 + [3.5]))
    assert "has no name" in assert_same_as_text(tmp_path, tables)
    tables["labs"] = labs.append_column(" ", pa.array([None] * 10 + [np.nan]))  # only missing cells: ignored
    assert_same_as_text(tmp_path, tables)


def test_repeated_column_names(tmp_path):
    tables = clean_tables()
    labs = tables["labs"]
    tables["labs"] = pa.Table.from_arrays(labs.columns + [labs.column("test")], names=labs.column_names + ["Test"])
    assert "appears twice" in assert_same_as_text(tmp_path, tables)


@pytest.mark.parametrize("case", ["text in numbers", "mixed marker units", "unknown names", "bad unit"])
def test_value_problems_give_the_same_message(tmp_path, case):
    tables = clean_tables()
    tables["markers"] = pa.Table.from_pandas(clean_frame("markers"), preserve_index=False)
    frame = tables["labs"].to_pandas()
    if case == "text in numbers":
        frame["value"] = frame["value"].astype(str)
        frame.loc[3, "value"] = "low"
    elif case == "bad unit":
        frame.loc[9, "unit"] = "mmol/L"
    elif case == "unknown names":
        frame.loc[2, "test"] = "WBC"
    else:
        markers = clean_frame("markers")
        markers.loc[2, "unit"] = " PG/ML"
        markers.loc[1, "unit"] = "ng/L"
        tables["markers"] = pa.Table.from_pandas(markers, preserve_index=False)
    tables["labs"] = pa.Table.from_pandas(frame, preserve_index=False)
    result = assert_same_as_text(tmp_path, tables)
    if case == "unknown names":
        assert result.unknown_names == {"labs.test": ["wbc"]}
    else:
        assert isinstance(result, str)
