"""Small hand-made cohorts for the ICAHT / T-ICAHT / CAR-HEMATOTOX / phenotype tests."""
from __future__ import annotations

import types

import numpy as np
import pandas as pd

from cartcyto.derive.hematotoxicity import hematotoxicity_columns
from design_fixtures import resolved

PATIENT_DAY_COLUMNS = ("death_day", "relapse_day", "next_therapy_day", "last_followup_day")


def study(**hematotox):
    """The wang2021 design, with ``hematotox`` keys overridden (nested dicts merge; the rest of the
    block is the schema's published defaults)."""
    return resolved("wang2021", {"hematotox": hematotox}, name="t")


def daily(values: dict, base: float = 2.0, first: int = -6, last: int = 100, tests=("anc",)) -> dict:
    """A measurement every day ``first..last`` at ``base``, overwritten by ``values`` (day -> value)."""
    out = {d: base for d in range(first, last + 1)}
    out.update(values)
    return {t: dict(out) for t in tests}


def cohort(patients: list[dict], markers: list[tuple] = ()) -> types.SimpleNamespace:
    """``patients``: dicts with ``labs`` = {test: {day: value or [values]}} and optional day columns."""
    rows, labs = [], []
    for i, p in enumerate(patients):
        pid = p.get("patient_id", f"p{i + 1}")
        row = {"patient_id": pid, "sex": "M", "age_years": 50.0, "ld_start_day": float(p.get("ld_start_day", -4)),
               "ld_end_day": -2.0}
        for col in PATIENT_DAY_COLUMNS:
            row[col] = float(p[col]) if p.get(col) is not None else np.nan
        for col, value in p.get("columns", {}).items():
            row[col] = value
        rows.append(row)
        for test, series in p.get("labs", {}).items():
            for day, value in series.items():
                for v in (value if isinstance(value, (list, tuple)) else [value]):
                    labs.append((pid, int(day), test, float(v)))
    pts = pd.DataFrame(rows)
    lab = pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"])
    mk = pd.DataFrame(list(markers), columns=["patient_id", "day", "marker", "value", "unit"])
    empty = pd.DataFrame(columns=["patient_id", "day", "treatment", "dose"])
    return types.SimpleNamespace(patients=pts, labs=lab, markers=mk, treatments=empty,
                                 crs=pd.DataFrame(columns=["patient_id", "day", "crs_grade", "icans_grade"]),
                                 unknown_names={})


def grade(patients: list[dict], st=None, markers=()) -> pd.DataFrame:
    """The hematotoxicity columns of a hand-made cohort (one row per patient, indexed p1, p2...)."""
    c = cohort(patients, markers)
    out = hematotoxicity_columns(c, st if st is not None else study())
    out.index = c.patients["patient_id"]
    return out


def low_run(start: int, length: int, value: float = 0.3) -> dict:
    return {d: value for d in range(start, start + length)}
