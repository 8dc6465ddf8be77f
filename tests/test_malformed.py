"""A corpus of malformed cohorts: each is one mutation of the clean cohort and must be refused.

Every case names the file, the column (None for file-level problems), a key phrase of the problem and,
where the problem sits in a row, the (line, patient_id) the message must show (line 1 = header).
The message must also say how to fix it, and the failed read must leave every input byte unchanged.
"""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.read import read_cohort
from ingest_fixtures import (
    CLEAN_CSV, add_column, clean_frame, drop_column, map_text, read_rows, set_cell, write_clean_cohort,
    write_rows,
)


@dataclass
class Case:
    name: str
    mutate: Callable[[Path], None]
    file: str
    column: str | None
    phrase: str
    row: tuple[int, str | None] | None = None


def unlink(table, ext="csv"):
    return lambda d: (d / f"{table}.{ext}").unlink()


def cell(table, line, column, value):
    return lambda d: set_cell(d, table, line, column, value)


def write_bytes(table, data: bytes, ext="csv"):
    return lambda d: (d / f"{table}.{ext}").write_bytes(data)


def insert_header_copy(table, before_line):
    def mutate(d):
        rows = read_rows(d, table)
        write_rows(d, table, rows[:before_line - 1] + [rows[0]] + rows[before_line - 1:])
    return mutate


def latin1_cell(d):
    rows = read_rows(d, "patients")
    rows[2][rows[0].index("car_target")] = "CD19 Müller"
    text = "".join(",".join(r) + "\n" for r in rows)
    (d / "patients.csv").write_bytes(text.encode("latin-1"))


def rename_tests(names):
    """labs.test values renamed (anc -> NEUTRO ...): names the project does not know."""
    def mutate(d):
        rows = read_rows(d, "labs")
        t = rows[0].index("test")
        for row in rows[1:]:
            row[t] = names.get(row[t], row[t])
        write_rows(d, "labs", rows)
    return mutate


# a zip container (an .xlsx workbook is one) and a header followed by binary bytes: pyarrow's CSV
# reader printed an "Exception ignored in ... UnicodeDecodeError" traceback on such rows
ZIP_BYTES = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 8
HEADER_THEN_BINARY = b"patient_id,day,test,value\nP01,1,anc,0.5\n" + bytes(range(128, 256)) * 16 + b"\n"
HEADER_THEN_HIGH_BYTES = (b"patient_id,day,test,value\nP01,1,anc,0.5\n"
                          + b"P02,3,anc,\xc3\x28\xa0\xa1\xff,x,y\n")


def labs_as_parquet(change):
    def mutate(d):
        (d / "labs.csv").unlink()
        frame = clean_frame("labs")
        change(frame)
        frame.to_parquet(d / "labs.parquet", index=False)
    return mutate


def identifier(table, name):
    return Case(f"identifier_{table}_{name.replace(' ', '_')}", lambda d: add_column(d, table, name, "x"),
                f"{table}.csv", name.lower(), "personal identifier")


CASES = [
    # missing files and columns
    Case("missing_patients_file", unlink("patients"), "patients.csv", None, "is missing"),
    Case("missing_labs_file", unlink("labs"), "labs.csv", None, "is missing"),
    Case("missing_column_sex", lambda d: drop_column(d, "patients", "sex"), "patients.csv", "sex", "is missing"),
    Case("missing_column_age", lambda d: drop_column(d, "patients", "age_years"), "patients.csv", "age_years",
         "is missing"),
    Case("missing_column_labs_value", lambda d: drop_column(d, "labs", "value"), "labs.csv", "value", "is missing"),
    Case("missing_column_crs_grade", lambda d: drop_column(d, "crs", "crs_grade"), "crs.csv", "crs_grade",
         "is missing"),
    Case("missing_column_marker", lambda d: drop_column(d, "markers", "marker"), "markers.csv", "marker",
         "is missing"),
    # identity of patients
    Case("duplicate_patient_id", cell("patients", 4, "patient_id", "P02"), "patients.csv", "patient_id",
         "not unique", (4, "P02")),
    Case("unknown_patient_labs", cell("labs", 9, "patient_id", "P99"), "labs.csv", "patient_id",
         "not found in patients.csv", (9, "P99")),
    Case("unknown_patient_crs", cell("crs", 4, "patient_id", "P99"), "crs.csv", "patient_id", "not found",
         (4, "P99")),
    Case("unknown_patient_markers", cell("markers", 5, "patient_id", "P98"), "markers.csv", "patient_id",
         "not found", (5, "P98")),
    Case("unknown_patient_treatments", cell("treatments", 3, "patient_id", "P97"), "treatments.csv",
         "patient_id", "not found", (3, "P97")),
    Case("empty_patient_id_labs", cell("labs", 3, "patient_id", ""), "labs.csv", "patient_id",
         "patient_id is empty", (3, None)),
    # numbers
    Case("text_in_lab_value", cell("labs", 6, "value", "low"), "labs.csv", "value", "text where a number",
         (6, "P01")),
    Case("decimal_comma_lab_value", cell("labs", 11, "value", "1,2"), "labs.csv", "value",
         "text where a number", (11, "P03")),
    Case("text_in_age", cell("patients", 3, "age_years", "eight"), "patients.csv", "age_years",
         "text where a number", (3, "P02")),
    Case("empty_lab_value", cell("labs", 4, "value", ""), "labs.csv", "value", "value is empty", (4, "P01")),
    Case("negative_lab_value", cell("labs", 9, "value", "-12"), "labs.csv", "value", ">= 0", (9, "P02")),
    Case("marker_value_zero", cell("markers", 5, "value", "0"), "markers.csv", "value", "> 0", (5, "P02")),
    Case("marker_value_negative", cell("markers", 2, "value", "-3.5"), "markers.csv", "value", "> 0",
         (2, "P01")),
    Case("dose_text", cell("treatments", 2, "dose", "8mg/kg"), "treatments.csv", "dose",
         "text where a number", (2, "P01")),
    # units
    Case("unknown_lab_unit", cell("labs", 10, "unit", "furlong/L"), "labs.csv", "unit",
         "wrong unit for hb: 'furlong/L' is not a UCUM unit", (10, "P02")),
    Case("count_unit_for_hb", cell("labs", 7, "unit", "/uL"), "labs.csv", "unit",
         "wrong unit for hb: '/uL' is a count per volume", (7, "P01")),
    Case("substance_unit_for_anc", cell("labs", 6, "unit", "mmol/L"), "labs.csv", "unit",
         "wrong unit for anc: 'mmol/L' is an amount-of-substance concentration", (6, "P01")),
    Case("mass_unit_for_plt", cell("labs", 9, "unit", "g/dL"), "labs.csv", "unit",
         "wrong unit for plt: 'g/dL' is a mass concentration", (9, "P02")),
    Case("marker_in_two_units", cell("markers", 3, "unit", "ng/L"), "markers.csv", "unit",
         "more than one unit", (3, "P01")),
    # grades, codes, ranges
    Case("crs_grade_above_4", cell("crs", 3, "crs_grade", "5"), "crs.csv", "crs_grade", "between 0 and 4",
         (3, "P01")),
    Case("icans_grade_negative", cell("crs", 4, "icans_grade", "-1"), "crs.csv", "icans_grade",
         "between 0 and 4", (4, "P02")),
    Case("crs_grade_fraction", cell("crs", 2, "crs_grade", "1.5"), "crs.csv", "crs_grade", "whole number",
         (2, "P01")),
    Case("sex_not_m_f", cell("patients", 4, "sex", "X"), "patients.csv", "sex", "one of M, F", (4, "P03")),
    Case("sex_empty", cell("patients", 5, "sex", ""), "patients.csv", "sex", "sex is empty", (5, "P04")),
    Case("age_above_120", cell("patients", 2, "age_years", "134"), "patients.csv", "age_years",
         "between 0 and 120", (2, "P01")),
    Case("age_negative", cell("patients", 5, "age_years", "-1"), "patients.csv", "age_years",
         "between 0 and 120", (5, "P04")),
    Case("blasts_above_100", cell("patients", 3, "bm_blasts_pct", "180"), "patients.csv", "bm_blasts_pct",
         "between 0 and 100", (3, "P02")),
    Case("response_unknown", cell("patients", 4, "response_d28", "PR"), "patients.csv", "response_d28",
         "one of CR, CRi, NR, withdrawn, NE", (4, "P03")),
    Case("boolean_unreadable", cell("patients", 3, "extramedullary", "maybe"), "patients.csv",
         "extramedullary", "boolean", (3, "P02")),
    # days
    Case("day_not_integer_labs", cell("labs", 8, "day", "-6.5"), "labs.csv", "day", "whole number", (8, "P02")),
    Case("day_text_treatments", cell("treatments", 4, "day", "d6"), "treatments.csv", "day",
         "text where a number", (4, "P02")),
    Case("day_not_integer_markers", cell("markers", 6, "day", "7.25"), "markers.csv", "day", "whole number",
         (6, "P03")),
    Case("ld_start_not_negative", cell("patients", 2, "ld_start_day", "2"), "patients.csv", "ld_start_day",
         "negative integer", (2, "P01")),
    Case("ld_end_zero", cell("patients", 4, "ld_end_day", "0"), "patients.csv", "ld_end_day",
         "negative integer", (4, "P03")),
    Case("ld_start_after_end", cell("patients", 2, "ld_start_day", "-1"), "patients.csv", "ld_start_day",
         "starts after it ends", (2, "P01")),
    # identifiers and dates
    identifier("patients", "patient_name"),
    identifier("patients", "First Name"),
    identifier("patients", "surname"),
    identifier("labs", "MRN"),
    identifier("patients", "medical_record"),
    identifier("patients", "record_number"),
    identifier("patients", "nhs_number"),
    identifier("patients", "ssn"),
    identifier("patients", "date_of_birth"),
    identifier("patients", "DOB"),
    identifier("markers", "email"),
    identifier("patients", "phone"),
    identifier("patients", "address"),
    identifier("treatments", "name"),
    Case("dates_iso_innocent_name", lambda d: add_column(d, "labs", "visit", [""] * 2 + ["2021-03-04"] + [""] * 8),
         "labs.csv", "visit", "calendar dates", (4, "P01")),
    Case("dates_dmy_patients", lambda d: add_column(d, "patients", "baseline", "04/03/2021"), "patients.csv",
         "baseline", "calendar dates", (2, "P01")),
    Case("dates_slashed_iso_treatments", lambda d: add_column(d, "treatments", "given", "2021/03/04"),
         "treatments.csv", "given", "calendar dates", (2, "P01")),
    Case("date_in_day_column", cell("labs", 12, "day", "2021-03-04"), "labs.csv", "day", "calendar dates",
         (12, "P04")),
    Case("dates_parquet_timestamp", labs_as_parquet(lambda f: f.insert(2, "drawn", pd.Timestamp("2021-03-04"))),
         "labs.parquet", "drawn", "calendar dates"),
    # file-level problems
    Case("header_only_patients", lambda d: map_text(d, "patients", lambda t: t.splitlines()[0] + "\n"),
         "patients.csv", None, "no data rows"),
    Case("zero_bytes_labs", write_bytes("labs", b""), "labs.csv", None, "empty"),
    Case("zero_bytes_crs", write_bytes("crs", b""), "crs.csv", None, "empty"),
    Case("semicolon_delimiter", lambda d: map_text(d, "patients", lambda t: t.replace(",", ";")),
         "patients.csv", None, "use commas"),
    Case("tab_delimiter", lambda d: map_text(d, "labs", lambda t: t.replace(",", "\t")), "labs.csv", None,
         "use commas"),
    Case("repeated_header_row", insert_header_copy("labs", 7), "labs.csv", None, "repeats the header",
         (7, "patient_id")),
    Case("latin1_bytes", latin1_cell, "patients.csv", None, "not UTF-8", (3, "P02")),
    Case("unreadable_parquet", lambda d: (unlink("labs")(d), write_bytes("labs", b"PAR1 not really", "parquet")(d)),
         "labs.parquet", None, "cannot be read as Parquet"),
    Case("both_csv_and_parquet", lambda d: write_clean_cohort(d, "parquet", tables=["labs"]), "labs.csv", None,
         "keep one"),
    Case("ragged_row", lambda d: map_text(d, "labs", lambda t: t.replace("P01,3,anc,300,/uL", "P01,3,anc,300,/uL,x")),
         "labs.csv", None, "fields", (5, "P01")),
    Case("empty_test_name", cell("labs", 2, "test", ""), "labs.csv", "test", "test is empty", (2, "P01")),
    Case("duplicate_column", lambda d: add_column(d, "patients", "Age_Years", "3"), "patients.csv", "age_years",
         "appears twice"),
    # input that would otherwise be silently ignored (issue 9.6)
    Case("labs_tests_all_unrecognised", rename_tests({"anc": "NEUTRO", "hb": "HEMO", "plt": "PLAQ"}), "labs.csv",
         "test", "no anc, hb or plt rows at all"),
    Case("binary_labs_zip", write_bytes("labs", ZIP_BYTES), "labs.csv", None, "not UTF-8 text: it holds binary"),
    Case("binary_labs_after_header", write_bytes("labs", HEADER_THEN_BINARY), "labs.csv", None,
         "not UTF-8 text"),
    Case("ragged_undecodable_row", write_bytes("labs", HEADER_THEN_HIGH_BYTES), "labs.csv", None,
         "not UTF-8 text (undecodable bytes on line 3)", (3, "P02")),
    Case("parquet_unknown_patient", labs_as_parquet(lambda f: f.loc.__setitem__((3, "patient_id"), "P99")),
         "labs.parquet", "patient_id", "not found", (5, "P99")),
]


def test_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_malformed_cohort_is_refused_with_a_useful_message(case, tmp_path):
    folder = write_clean_cohort(tmp_path / "cohort")
    case.mutate(folder)
    before = snapshot(folder)
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    error, message = caught.value, caught.value.message()
    assert error.file == str(folder / case.file)
    assert str(folder / case.file) in message
    if case.column is not None:
        assert error.column == case.column
        assert f"column '{case.column}'" in message
    assert case.phrase in message
    assert "how to fix: " in message and len(error.fix) > 10
    if case.row is not None:
        line, pid = case.row
        assert (line, pid) in error.rows
        assert f"line {line}" in message
        if pid is not None:
            assert f"patient_id {pid}" in message
    assert "Traceback" not in message
    assert snapshot(folder) == before, "validation must never modify the input files"


def test_rows_are_capped_at_five_with_the_total_count(tmp_path):
    folder = write_clean_cohort(tmp_path / "cohort")
    rows = read_rows(folder, "labs")
    for row in rows[1:]:
        row[rows[0].index("value")] = "n.d."
    write_rows(folder, "labs", rows)
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    assert len(caught.value.rows) == 5 and caught.value.n_bad == len(rows) - 1
    assert [line for line, _ in caught.value.rows] == [2, 3, 4, 5, 6]
    assert "(and 6 more)" in caught.value.message()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_numbers_count_skipped_blank_lines(newline, tmp_path):
    folder = write_clean_cohort(tmp_path / "cohort")
    # line 6 (P01,3,anc,0.4) moves to line 8 behind an empty and a whitespace-only line
    map_text(folder, "labs", lambda t: t.replace("P01,3,anc,0.4", "\n  \t\nP01,3,anc,-0.4").replace("\n", newline))
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    assert caught.value.rows == [(8, "P01")]
    map_text(folder, "labs", lambda t: "\n\n" + t.replace("-0.4", "0.4").replace("P02,5,plt,12,", "P02,5,plt,12,,"))
    with pytest.raises(CohortError) as caught:
        read_cohort(folder)
    assert caught.value.rows == [(13, "P02")] and "fields" in caught.value.problem


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(CohortError, match="does not exist"):
        read_cohort(tmp_path / "nowhere")


def test_clean_cohort_itself_is_accepted(tmp_path):
    cohort = read_cohort(write_clean_cohort(tmp_path / "cohort"))
    assert len(cohort.patients) == 4 and len(cohort.labs) == len(CLEAN_CSV["labs"].splitlines()) - 1


@pytest.mark.parametrize("data", [ZIP_BYTES, HEADER_THEN_BINARY, HEADER_THEN_HIGH_BYTES],
                         ids=["zip", "header_then_binary", "ragged_undecodable_row"])
def test_binary_labs_print_no_traceback(data, tmp_path):
    """On a real console (a fresh interpreter: pytest would turn pyarrow's 'Exception ignored'
    print into a warning) the read prints nothing but the message, which says not UTF-8 text."""
    folder = write_clean_cohort(tmp_path / "cohort")
    (folder / "labs.csv").write_bytes(data)
    code = ("import sys; from cartcyto.cohort.read import read_cohort; "
            "from cartcyto.cohort.errors import CohortError\n"
            f"try:\n    read_cohort({str(folder)!r})\nexcept CohortError as e:\n    print(e.message())")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert "not UTF-8 text" in proc.stdout and "CSV parse error" not in proc.stdout


def test_a_lineage_the_design_grades_without_rows_is_refused(tmp_path):
    from design_fixtures import resolved
    folder = write_clean_cohort(tmp_path / "cohort")
    rows = read_rows(folder, "labs")
    write_rows(folder, "labs", [r for r in rows if r[rows[0].index("test")] != "plt"])
    with pytest.raises(CohortError) as caught:
        read_cohort(folder, resolved("wang2021"))
    message = caught.value.message()
    assert caught.value.file == str(folder / "labs.csv") and caught.value.column == "test"
    assert "no rows of the test(s) plt, which the design grades (st from plt)" in message
    assert "the tests found: 'anc' (4 rows), 'hb' (3 rows)" in message
    assert "lab_test_names" in message
    # a design that grades nothing reads the same labs (they are carried)
    assert len(read_cohort(folder, resolved("wang2021", overrides={"analyses": ["table1"]})).labs) == 7
