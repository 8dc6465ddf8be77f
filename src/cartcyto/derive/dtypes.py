"""The derived tables typed as declared in :mod:`cartcyto.derive.columns`, and :func:`require`.

* :func:`typed` casts a frame to the declared dtypes: ``boolean``, ``Int64``, ``float64``,
  ``string`` (missing ``<NA>`` / ``NaN``). It accepts text as ``write_derived`` writes it
  (``true`` / ``false``, numbers, empty = missing) and already typed columns, so a table read
  back and one built by hand agree. ``cartcyto.derive.patients.read_derived`` uses it.
* :func:`require` stops an analysis that needs a column the table lacks, naming the column;
  :func:`check_types` refuses a column of the wrong kind (e.g. flags still as text), which would
  otherwise be read as all true.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cartcyto.derive.columns import DTYPES, KINDS, column_spec


class DerivedColumnError(ValueError):
    """A derived table lacks a column an analysis needs, or holds it in the wrong type."""


_TRUE, _FALSE = "true", "false"


def _bad(table: str, column: str, values, expected: str) -> DerivedColumnError:
    shown = ", ".join(repr(v) for v in list(dict.fromkeys(values))[:5])
    return DerivedColumnError(
        f"derived/{table}.csv, column '{column}': expected {expected}, found {shown}; "
        f"write the table with cartcyto.derive.patients.write_derived (re-run the derive step)")


def _as_boolean(s: pd.Series, table: str, column: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean")
    if pd.api.types.is_numeric_dtype(s.dtype) and s.isna().all():
        return pd.Series(pd.NA, index=s.index, dtype="boolean")
    if pd.api.types.is_numeric_dtype(s.dtype):     # 1/0 is not a flag of a derived table
        raise _bad(table, column, s.dropna(), "true or false")
    flags = {_TRUE: True, _FALSE: False}
    out = s.map(flags).astype(object)         # the text as write_derived writes it (fast)
    other = (s.notna() & out.isna()).to_numpy(bool)
    if other.any():                           # other spellings: " TRUE", a Python True, ""
        text = s[other].astype("string").str.strip().str.lower()
        text = text.mask(text == "")
        fixed = text.map(flags)
        bad = (text.notna() & fixed.isna()).to_numpy(bool)
        if bad.any():
            raise _bad(table, column, s[other][bad], "true or false")
        out[other] = fixed
    return out.astype("boolean")


def _as_number(s: pd.Series, table: str, column: str, dtype: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        raise _bad(table, column, s.dropna(), "a number")
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.astype("float64")
    else:
        text = s.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
        x = pd.to_numeric(text.where(text != "", None), errors="coerce").astype("float64")
        bad = x.isna() & text.notna() & (text != "")
        if bad.any():
            raise _bad(table, column, s[bad], "a number")
    if dtype == "float":
        return x
    whole = x.isna() | (np.isfinite(x) & (x == np.round(x)))
    if not whole.all():
        raise _bad(table, column, s[~whole], "a whole number")
    return x.astype("Int64")


def _infer(s: pd.Series) -> str:
    """dtype of an undeclared column, as the cohort reader types a further column: boolean when
    every value is true/false, float when every value is a number, else string."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "float"
    vals = s.dropna().astype(str).str.strip().str.lower()
    vals = vals[vals != ""]
    if len(vals) and vals.isin([_TRUE, _FALSE]).all():
        return "boolean"
    if len(vals) and pd.to_numeric(vals, errors="coerce").notna().all():
        return "float"
    return "string"


def cast(s: pd.Series, dtype: str, table: str = "patients", column: str = "") -> pd.Series:
    """``s`` as ``dtype`` (boolean, Int64, float, string); text cells as written by write_derived."""
    column = column or str(s.name)
    if dtype == "boolean":
        return _as_boolean(s, table, column)
    if dtype in ("Int64", "float"):
        return _as_number(s, table, column, dtype)
    if dtype == "string":
        text = s.astype("string")
        return text.mask(text == "")       # an empty cell is missing, as in the file
    raise ValueError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")


def typed(df: pd.DataFrame, table: str = "patients") -> pd.DataFrame:
    """``df`` with every column cast to its declared dtype (undeclared columns: :func:`_infer`).

    Accepts text as ``write_derived`` writes it (``true``/``false``, numbers, empty = missing)
    as well as already typed columns, so a hand-built table and a file read back agree.
    """
    out = {}
    for c in df.columns:
        spec = column_spec(c, table)
        out[c] = cast(df[c], spec.dtype if spec else _infer(df[c]), table, c)
    return pd.DataFrame(out, index=df.index)


def read_dtypes(header, table: str = "patients") -> dict[str, type]:
    """``pd.read_csv`` dtypes that keep declared boolean and text columns as text (numbers and
    undeclared columns parse as pandas infers them; :func:`typed` then casts them)."""
    out = {}
    for c in header:
        spec = column_spec(c, table)
        if spec is not None and spec.dtype in ("boolean", "string"):
            out[c] = str
    return out


# ---------------------------------------------------------------- checks used by the analyses
def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "number"
    return "text"


def check_types(df: pd.DataFrame, columns=None, table: str = "patients") -> pd.DataFrame:
    """Raise :class:`DerivedColumnError` when a declared column of ``df`` (or of ``columns``) is
    not of its declared kind (boolean / number / text): e.g. booleans still as the text
    ``"true"``/``"false"``. Returns ``df``."""
    wrong = []
    for c in (df.columns if columns is None else columns):
        spec = column_spec(c, table)
        if spec is not None and _kind(df[c]) != KINDS[spec.dtype]:
            wrong.append(f"'{c}' ({df[c].dtype}, declared {spec.dtype})")
    if wrong:
        raise DerivedColumnError(
            f"derived/{table}.csv column(s) of the wrong type: {', '.join(wrong)}; read the table "
            f"with cartcyto.derive.patients.read_derived, or cast it with "
            f"cartcyto.derive.columns.typed")
    return df


def require(df: pd.DataFrame, *columns: str, table: str = "patients") -> pd.DataFrame:
    """``df`` when it has every one of ``columns`` in its declared type; else
    :class:`DerivedColumnError` naming the missing columns."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise DerivedColumnError(
            f"derived/{table}.csv has no column {names}, which this analysis needs; re-run the "
            f"derive step (snakemake results/<study>/derived/{table}.csv), or give the cohort the "
            f"table or column it is derived from (docs/derived-columns.md says which)")
    return check_types(df, columns, table)
