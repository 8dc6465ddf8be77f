"""Odd but unambiguous input is accepted: each twin of the clean cohort must read to equal frames."""
from __future__ import annotations

import csv
import io

import pandas as pd

from design_fixtures import resolve_study
from cartcyto.derive.patients import derive_patients
import pytest

from cartcyto.cohort.read import COHORT_TABLES, empty_long_table, read_cohort
from ingest_fixtures import (
    CLEAN_CSV, add_column, clean_frame, map_text, read_rows, write_clean_cohort, write_rows,
)


def each_table(function):
    """Apply ``function(folder, table)`` to every CSV table of the cohort."""
    return lambda d: [function(d, t) for t in CLEAN_CSV]


def text_edit(edit):
    return each_table(lambda d, t: map_text(d, t, edit))


def rows_edit(edit):
    return each_table(lambda d, t: write_rows(d, t, edit(t, read_rows(d, t))))


def quote_all(d, table):
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(read_rows(d, table))
    (d / f"{table}.csv").write_text(buffer.getvalue(), encoding="utf-8")


def upper_names(table, rows):
    column = {"labs": "test", "markers": "marker", "treatments": "treatment"}.get(table)
    if column:
        i = rows[0].index(column)
        for row in rows[1:]:
            row[i] = row[i].upper()
    return rows


def replace_cells(mapping):
    """Rewrite whole cells (not substrings) by a {old: new} mapping."""
    return rows_edit(lambda t, rows: [rows[0]] + [[mapping.get(c, c) for c in r] for r in rows[1:]])


def parquet_tables(tables):
    def mutate(d):
        for table in tables:
            (d / f"{table}.csv").unlink()
        write_clean_cohort(d, "parquet", tables=tables)
    return mutate


def blank_lines(d, table):
    width = len(read_rows(d, table)[0])
    map_text(d, table, lambda t: t.replace("\n", "\n\n", 2) + "   \n" + "," * (width - 1) + "\n\n")


TWINS = {
    "utf8_bom": text_edit(lambda t: "\ufeff" + t),
    "crlf_line_ends": text_edit(lambda t: t.replace("\n", "\r\n")),
    "bom_and_crlf": text_edit(lambda t: "\ufeff" + t.replace("\n", "\r\n")),
    "surrounding_blanks": rows_edit(lambda t, rows: [[f"  {c} " for c in r] for r in rows]),
    "quoted_cells": each_table(quote_all),
    "upper_case_names": rows_edit(upper_names),
    "upper_case_headers": rows_edit(lambda t, rows: [[c.upper() for c in rows[0]]] + rows[1:]),
    "shuffled_columns": rows_edit(lambda t, rows: [r[::-1] for r in rows]),
    "blank_lines_and_empty_rows": each_table(blank_lines),
    "na_for_empty_cells": rows_edit(lambda t, rows: [rows[0]] + [[c or "NA" for c in r] for r in rows[1:]]),
    "codes_in_other_case": replace_cells({"M": "m", "F": "f", "CR": "cr", "CRi": "CRI", "true": "TRUE",
                                          "no": "No", "G/L": "g/l"}),
    "unit_spellings": replace_cells({"/uL": "/µL", "10^9/L": "10*9/L", "g/dL": "G/DL", "x10^9/L": "x 10^9/L"}),
    "days_as_whole_decimals": replace_cells({"-7": "-7.0", "3": "3.0"}),
    "all_parquet": parquet_tables(list(CLEAN_CSV)),
    "patients_and_markers_parquet": parquet_tables(["patients", "markers"]),
}


def assert_cohorts_equal(got, expected):
    for table in COHORT_TABLES:
        pd.testing.assert_frame_equal(getattr(got, table), getattr(expected, table), obj=table)
    assert got.unknown_names == expected.unknown_names
    # ... and the twin derives the same contract table as the clean cohort
    study = resolve_study("twin", {"cohort": "x", "design": "wang2021"})
    pd.testing.assert_frame_equal(derive_patients(got, study), derive_patients(expected, study),
                                  obj="derived/patients")


@pytest.fixture
def clean(tmp_path):
    return read_cohort(write_clean_cohort(tmp_path / "clean"))


@pytest.mark.parametrize("name", TWINS)
def test_odd_but_valid_twin_reads_like_the_clean_cohort(name, clean, tmp_path):
    folder = write_clean_cohort(tmp_path / name)
    TWINS[name](folder)
    assert_cohorts_equal(read_cohort(folder), clean)


def test_extra_columns_are_carried_and_leave_the_rest_unchanged(clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "extra")
    for table in CLEAN_CSV:
        add_column(folder, table, "Site Note", "kept")
    add_column(folder, "patients", "cd19_negative_relapse", ["yes", "", "No", "1"])
    add_column(folder, "patients", "prior_lines", ["2", "3", "", "1.5"])
    got = read_cohort(folder)
    for table in COHORT_TABLES:
        frame = getattr(got, table)
        assert (frame["site note"] == "kept").all()
        assert list(frame.columns)[-1] != "unit"
        pd.testing.assert_frame_equal(frame.drop(columns=["site note", "cd19_negative_relapse", "prior_lines"],
                                                 errors="ignore"), getattr(clean, table), obj=table)
    assert list(got.patients["cd19_negative_relapse"]) == [True, pd.NA, False, True]
    assert str(got.patients["cd19_negative_relapse"].dtype) == "boolean"
    assert got.patients["prior_lines"].dtype == "float64"


@pytest.mark.parametrize("absent", [("crs",), ("markers",), ("treatments",), ("crs", "markers", "treatments")])
def test_missing_optional_files_give_empty_typed_tables(absent, clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "partial", tables=[t for t in CLEAN_CSV if t not in absent])
    got = read_cohort(folder)
    for table in COHORT_TABLES:
        expected = empty_long_table(table) if table in absent else getattr(clean, table)
        pd.testing.assert_frame_equal(getattr(got, table), expected, obj=table)


def test_header_only_optional_table_is_an_empty_table(tmp_path):
    folder = write_clean_cohort(tmp_path / "no_crs")
    map_text(folder, "crs", lambda t: t.splitlines()[0] + "\n")
    pd.testing.assert_frame_equal(read_cohort(folder).crs, empty_long_table("crs"))


def test_parquet_with_typed_columns_matches_csv(clean, tmp_path):
    folder = write_clean_cohort(tmp_path / "typed")
    (folder / "patients.csv").unlink()
    frame = clean_frame("patients")
    for column in ("extramedullary", "hemorrhage", "nrm"):
        frame[column] = frame[column].astype("boolean")
    frame["sex"] = frame["sex"].astype("category")
    frame.to_parquet(folder / "patients.parquet", index=False)
    pd.testing.assert_frame_equal(read_cohort(folder).patients, clean.patients)
