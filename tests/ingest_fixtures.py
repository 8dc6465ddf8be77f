"""A tiny clean cohort (4 patients, every table) written to a folder, and helpers to mutate it.

The clean cohort is the twin every malformed and odd-but-valid case starts from: labs mix canonical
units, /uL and g/dL rows, an empty unit and a same-day duplicate; markers rely once on a default unit.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

CLEAN_CSV = {
    "patients": """\
patient_id,sex,age_years,response_d28,ld_start_day,ld_end_day,bm_blasts_pct,extramedullary,prior_hsct,hemorrhage,infection,nrm,car_target,cost_total,last_followup_day
P01,M,34,CR,-5,-3,12.5,false,yes,true,0,false,CD19,12000.5,180
P02,F,8,CRi,,,80,true,no,,1,false,CD19,8000,365
P03,M,61,NR,-4,-2,3,false,no,false,,true,CD19/CD22,,90
P04,F,45,,,,,,,,,,CD22,5000,200
""",
    "labs": """\
patient_id,day,test,value,unit
P01,-7,anc,2.1,10^9/L
P01,-7,hb,105,g/L
P01,-7,plt,150,10^9/L
P01,3,anc,300,/uL
P01,3,anc,0.4,10^9/L
P01,3,hb,7.2,g/dL
P02,-6,plt,45000,/uL
P02,5,plt,12,
P02,5,hb,68,
P03,10,anc,1.2,x10^9/L
P04,0,plt,80,G/L
""",
    "crs": """\
patient_id,day,crs_grade,icans_grade
P01,1,1,
P01,2,3,1
P02,3,2,0
P03,1,0,
""",
    "markers": """\
patient_id,day,marker,value,unit
P01,1,il6,35.2,pg/mL
P01,3,il6,120,pg/mL
P01,3,ferritin,850,ng/mL
P02,2,ddimer,4.1,mg/L
P03,7,crp,12,
""",
    "treatments": """\
patient_id,day,treatment,dose
P01,2,tocilizumab,8
P01,5,gcsf,5
P02,6,platelets,
P02,7,prbc,1
""",
}


def clean_frame(table: str) -> pd.DataFrame:
    """The clean table as pandas would type it (used to write the Parquet twin)."""
    return pd.read_csv(io.StringIO(CLEAN_CSV[table]))


def write_clean_cohort(folder, fmt: str = "csv", tables=None) -> Path:
    """Write the clean cohort to ``folder`` (created) as CSV or Parquet; returns the folder."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in tables or CLEAN_CSV:
        if fmt == "csv":
            (folder / f"{table}.csv").write_text(CLEAN_CSV[table], encoding="utf-8", newline="")
        else:
            clean_frame(table).to_parquet(folder / f"{table}.parquet", index=False)
    return folder


# ---------------------------------------------------------------- editing a CSV table in place

def read_rows(folder, table: str) -> list[list[str]]:
    """Header and rows of ``<table>.csv`` (header is rows[0], so file line = index + 1)."""
    with open(Path(folder) / f"{table}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(folder, table: str, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    (Path(folder) / f"{table}.csv").write_text(buffer.getvalue(), encoding="utf-8", newline="")


def set_cell(folder, table: str, line: int, column: str, value: str) -> None:
    """Set one cell, addressed by file line (header = 1) and column name."""
    rows = read_rows(folder, table)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(folder, table, rows)


def add_column(folder, table: str, name: str, values) -> None:
    """Append a column; ``values`` is one value for every row or a list."""
    rows = read_rows(folder, table)
    values = values if isinstance(values, list) else [values] * (len(rows) - 1)
    write_rows(folder, table, [rows[0] + [name]] + [r + [v] for r, v in zip(rows[1:], values)])


def drop_column(folder, table: str, name: str) -> None:
    rows = read_rows(folder, table)
    i = rows[0].index(name)
    write_rows(folder, table, [r[:i] + r[i + 1:] for r in rows])


def map_text(folder, table: str, function) -> None:
    path = Path(folder) / f"{table}.csv"
    path.write_text(function(path.read_text(encoding="utf-8")), encoding="utf-8", newline="")
