"""Vectorised per-patient helpers on sorted row arrays, shared by every derivation kernel.

A lab (or event) row is ``(patient code, day, value)``, where the patient code is the row
position of the patient in ``cohort.patients``; rows are sorted by patient then day, so "first /
last row of a patient" is a comparison with the neighbouring row. No helper loops over patients.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def _runs(values: np.ndarray):
    """``(heads, lengths)`` of the runs of equal neighbours of an object array, or ``None`` when
    that does not pay (few repeats) or cannot be computed (values without a truth value)."""
    if values.dtype != object or values.size < 2:
        return None
    try:
        change = np.empty(values.size, dtype=bool)
        change[0] = True
        change[1:] = values[1:] != values[:-1]
    except (TypeError, ValueError):  # e.g. pd.NA
        return None
    heads = np.flatnonzero(change)
    if heads.size > values.size // 2:
        return None
    return heads, np.diff(np.r_[heads, values.size])


def _encode(values: np.ndarray, encode, runs=False) -> np.ndarray:
    """``encode(values)``, hashing only the first value of each run (long tables list a
    patient's or a test's rows together, so far fewer strings are hashed)."""
    runs = _runs(values) if runs is False else runs
    if runs is None:
        return np.asarray(encode(values))
    heads, lengths = runs
    return np.repeat(encode(values[heads]), lengths)


def patient_codes(ids: pd.Index, column: pd.Series) -> np.ndarray:
    """Position of each value of ``column`` in ``ids`` (the patients' ids), -1 when unknown."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        pos = ids.get_indexer(column.cat.categories.astype(str))
        codes = column.cat.codes.to_numpy()
        return np.where(codes >= 0, pos[codes], -1).astype(np.int64)
    if column.dtype != object and not pd.api.types.is_string_dtype(column.dtype):
        column = column.astype(str)
    return _encode(column.to_numpy(dtype=object), ids.get_indexer).astype(np.int64)


def name_codes(column: pd.Series, normalise=lambda x: str(x).strip().lower()):
    """``(codes, names)``: factorised ``column`` with each distinct name normalised once
    (code -1 for missing); ``names[codes]`` is the normalised name of each row."""
    values = column.to_numpy(dtype=object)
    runs = _runs(values)
    uniques = pd.unique(values if runs is None else values[runs[0]])
    uniques = uniques[~pd.isna(uniques)]
    codes = _encode(values, pd.Index(uniques, dtype=object).get_indexer, runs)
    return codes.astype(np.int64), np.array([normalise(u) for u in uniques], dtype=object)


def group_starts(p: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each patient (``p`` sorted)."""
    first = np.ones(p.size, dtype=bool)
    first[1:] = p[1:] != p[:-1]
    return first


def any_by(p: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[p[mask]] = True
    return out


def first_by(p: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per patient: ``values`` at the first row where ``mask`` holds (NaN if none)."""
    idx = np.flatnonzero(mask)
    out = np.full(n, np.nan)
    if idx.size:
        keep = group_starts(p[idx])
        out[p[idx[keep]]] = values[idx[keep]]
    return out


def last_by(p: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per patient: ``values`` at the last row where ``mask`` holds (NaN if none)."""
    idx = np.flatnonzero(mask)
    out = np.full(n, np.nan)
    if idx.size:
        pm = p[idx]
        keep = np.ones(idx.size, dtype=bool)
        keep[:-1] = pm[:-1] != pm[1:]
        out[pm[keep]] = values[idx[keep]]
    return out


def sort_key(p: np.ndarray, d: np.ndarray, pad: int = 0) -> np.ndarray:
    """One int64 key ordering rows by patient then day (``pad`` spare days below each patient)."""
    if p.size == 0:
        return np.zeros(0, dtype=np.int64)
    dmin = int(d.min())
    span = int(d.max()) - dmin + pad + 1
    return p * span + (d - dmin + pad)


def event_within(p: np.ndarray, d: np.ndarray, ev_p: np.ndarray, ev_d: np.ndarray,
                 window: int) -> np.ndarray:
    """For each row (p, d): does the patient have an event on days ``d - window .. d``?"""
    if ev_p.size == 0 or p.size == 0:
        return np.zeros(p.size, dtype=bool)
    dmin = min(int(d.min()), int(ev_d.min()))
    span = max(int(d.max()), int(ev_d.max())) - dmin + window + 1
    ek = np.sort(ev_p * span + (ev_d - dmin + window))
    lk = p * span + (d - dmin + window)
    i = np.searchsorted(ek, lk, side="right") - 1
    ok = i >= 0
    return ok & (ek[np.maximum(i, 0)] >= lk - window)


def numbers(s: pd.Series) -> np.ndarray:
    """A numeric column of a cohort table as float64 (missing NaN); the cohort reader has
    checked that it holds numbers."""
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def nullable_int(x: np.ndarray) -> pd.arrays.IntegerArray:
    miss = np.isnan(x)
    return pd.arrays.IntegerArray(np.where(miss, 0, x).astype(np.int64), miss)


def nullable_bool(x: np.ndarray, missing: np.ndarray | None = None) -> pd.arrays.BooleanArray:
    miss = np.zeros(x.size, dtype=bool) if missing is None else missing
    return pd.arrays.BooleanArray(np.asarray(x, dtype=bool) & ~miss, miss)
