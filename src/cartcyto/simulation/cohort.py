"""A generated cohort as :class:`cartcyto.cohort.read.Cohort`, in memory.

The simulation derives thousands of generated cohorts; writing each as CSV and reading it back
would cost more than deriving it. :func:`cohort_from_tables` gives the derivation the tables the
reader would have produced: the same columns in the contract's order and the same dtypes
(nullable booleans, float numbers, int64 days), labs in canonical units. A test writes generated
cohorts to CSV, reads them with ``read_cohort`` and checks that both derive byte-identical
``patients.csv`` tables.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.cohort.read import LONG_TABLE_DTYPES, PATIENT_BOOLEANS, PATIENT_ORDER, Cohort

TEXT_COLUMNS = ("patient_id", "sex", "response_d28", "car_target")
CANONICAL_UNIT = {"anc": "10^9/L", "hb": "g/L", "plt": "10^9/L"}


def _patients(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in [c for c in PATIENT_ORDER if c in df.columns] + [c for c in df.columns if c not in PATIENT_ORDER]:
        s = df[col]
        if col in TEXT_COLUMNS:
            out[col] = s.astype(object).to_numpy()
        elif col in PATIENT_BOOLEANS:
            out[col] = pd.array(s.astype("boolean"), dtype="boolean")
        else:
            out[col] = pd.to_numeric(s).astype(float).to_numpy()
    return pd.DataFrame(out)


def _long(df: pd.DataFrame, table: str) -> pd.DataFrame:
    return pd.DataFrame({c: df[c].astype(d).to_numpy() if c in df.columns else np.full(len(df), np.nan)
                         for c, d in LONG_TABLE_DTYPES[table].items()})


def cohort_from_tables(tables: Mapping[str, pd.DataFrame]) -> Cohort:
    """The normalised :class:`Cohort` of a generator's tables (``patients, labs, crs, markers,
    treatments``; labs in canonical units, i.e. generated without unit variants)."""
    labs = tables["labs"]
    if "unit" in labs.columns:
        wrong = labs["unit"].ne(labs["test"].map(CANONICAL_UNIT))
        if wrong.any():
            raise ValueError("cohort_from_tables: labs must be in canonical units (generate the "
                             "cohort with unit_variants=False, or read it with read_cohort)")
    return Cohort(patients=_patients(tables["patients"]), labs=_long(labs, "labs"),
                  crs=_long(tables["crs"], "crs"), markers=_long(tables["markers"], "markers"),
                  treatments=_long(tables["treatments"], "treatments"))
