"""The derived patient table as analyses use it: typed columns (see :mod:`cartcyto.derive.columns`).

Analyses take the table as :func:`cartcyto.derive.patients.read_derived` returns it (flags
``boolean``, days ``Int64``, values ``float64``, text ``string``) and read its columns directly.
:func:`require` stops an analysis that needs a column the table lacks, naming the column.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from cartcyto.derive.dtypes import DerivedColumnError, check_types, require

__all__ = ["DerivedColumnError", "analysis_set", "as_floats", "require"]


def analysis_set(patients: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``derived/patients.csv`` with ``in_analysis_set`` true (missing = excluded).

    Every declared column must hold its declared type (a table whose flags are still the text
    ``"true"``/``"false"`` is refused, never read as all true)."""
    check_types(require(patients, "in_analysis_set"))
    return patients[patients["in_analysis_set"].fillna(False).to_numpy(bool)]


def as_floats(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Model columns as float64 (a flag as 1/0, missing as NaN); a text column is refused."""
    require(df, *columns)
    text = [c for c in columns if not (pd.api.types.is_numeric_dtype(df[c].dtype)
                                       or pd.api.types.is_bool_dtype(df[c].dtype))]
    if text:
        raise DerivedColumnError(f"model column(s) {text} hold text; a model term must be a "
                                 "number or a true/false flag")
    return pd.DataFrame({c: df[c].astype("float64") for c in columns}, index=df.index)
