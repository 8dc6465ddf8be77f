"""Reading the columns of derived/patients.csv as analyses need them (booleans, numbers, analysis set)."""
from __future__ import annotations

import pandas as pd


def as_bool(s: pd.Series) -> pd.Series:
    """true/false/1/0/yes/no (str, bool or number) -> pandas ``boolean`` with <NA> for missing."""
    if s.dtype == bool or str(s.dtype) == "boolean":
        return s.astype("boolean")
    mapped = s.astype("string").str.strip().str.lower().map(
        {"true": True, "1": True, "1.0": True, "yes": True,
         "false": False, "0": False, "0.0": False, "no": False})
    return mapped.astype("boolean")


def as_number(s: pd.Series) -> pd.Series:
    """A model column as float: a boolean column (true/false) -> 1/0, else numbers, else NaN."""
    if s.dtype == bool or str(s.dtype) == "boolean" or s.dtype == object:
        b = as_bool(s)
        if s.notna().any() and b.notna().sum() == s.notna().sum():
            return b.astype("Float64").astype(float)
    return pd.to_numeric(s, errors="coerce").astype(float)


def analysis_set(patients: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``derived/patients.csv`` with ``in_analysis_set`` true (missing = excluded)."""
    if "in_analysis_set" not in patients.columns:
        raise ValueError("derived patients table has no 'in_analysis_set' column; "
                         "run the derive rule of this pipeline to produce it")
    return patients[as_bool(patients["in_analysis_set"]).fillna(False).to_numpy(bool)]
