"""CTCAE v5.0 grades of the blood counts (neutrophil count, platelet count, anemia).

``ctcae_grade(test, value, sex=None, bounds=...)`` grades every value at once (no loop):
grade g (1-4) applies when ``value < bounds[test][g - 1]``; grade 0 otherwise. The comparison is
strict, so a value exactly on a bound takes the lower grade (ANC 1.0 is grade 2, 0.99 grade 3).

Bounds come from the criteria set (``study["criteria"]["grades"]``, canonical units: anc and plt
x10^9/L, hb g/L); the CTCAE v5.0 values are kept here as :data:`CTCAE5_GRADES` for callers without
a study:

========  ====================  ======  ======  ======
test      grade 1 (< LLN)       2       3       4
========  ====================  ======  ======  ======
anc       2.0 (LLN assumed)     1.5     1.0     0.5
plt       150 (LLN assumed)     75      50      25
hb        120 (LLN assumed)     100     80      --
========  ====================  ======  ======  ======

CTCAE grades anemia 4 on clinical grounds only ("life-threatening consequences"), so a lab value
never gives hb grade 4. ``sex`` is accepted for a sex-specific LLN: when ``bounds[test]`` is a
mapping ``{"M": [...], "F": [...]}`` each value uses its patient's list; with a plain list ``sex``
is ignored. Missing values (NaN) give grade <NA>.

Grade 3-4 ("severe" in Mullanfiroze 2022) is therefore ANC < 1.0, PLT < 50, Hb < 80 g/L, the
``severe_below`` thresholds of the ``ctcae5`` criteria set.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

CTCAE5_GRADES: dict[str, list[float]] = {
    "anc": [2.0, 1.5, 1.0, 0.5],
    "plt": [150.0, 75.0, 50.0, 25.0],
    "hb": [120.0, 100.0, 80.0],
}
SEVERE_GRADE = 3


def _grade_one_list(values: np.ndarray, bounds: Sequence[float]) -> np.ndarray:
    b = np.asarray(bounds, dtype=float)
    if b.ndim != 1 or b.size == 0 or b.size > 4 or np.any(np.diff(b) >= 0):
        raise ValueError(f"CTCAE bounds must be 1-4 strictly decreasing numbers, got {list(bounds)!r}")
    # number of bounds the value lies strictly below = the grade (bounds are decreasing)
    return (values[:, None] < b[None, :]).sum(axis=1).astype(float)


def ctcae_grade(test: Any, value: Any, sex: Any = None,
                bounds: Mapping[str, Any] | None = None) -> np.ndarray:
    """CTCAE v5.0 grade (0-4) of each lab value.

    Parameters
    ----------
    test : a test name (``"anc"``, ``"plt"``, ``"hb"``) for all values, or an array of names
        (one per value, case-insensitive). Tests without bounds give <NA>.
    value : array-like of values in canonical units (anc/plt x10^9/L, hb g/L).
    sex : optional array of ``"M"``/``"F"`` (or one value), used only where ``bounds[test]`` is
        a ``{"M": [...], "F": [...]}`` mapping.
    bounds : ``{test: [grade-1 bound, grade-2 bound, ...]}`` decreasing; default
        :data:`CTCAE5_GRADES` (pass ``study["criteria"]["grades"]``).

    Returns
    -------
    ``pandas.array`` of dtype ``Int64`` with the grades (0 = within normal limits), <NA> for a
    missing value or a test without bounds.
    """
    bounds = CTCAE5_GRADES if bounds is None else bounds
    vals = pd.to_numeric(pd.Series(np.asarray(value, dtype=object).ravel()), errors="coerce")
    v = vals.to_numpy(dtype=float, na_value=np.nan)
    n = v.size
    tests = (np.full(n, str(test).lower(), dtype=object) if np.ndim(test) == 0
             else pd.Series(np.asarray(test, dtype=object).ravel()).astype(str).str.lower().to_numpy())
    if tests.size != n:
        raise ValueError(f"test has {tests.size} entries but value has {n}")
    if sex is None or np.ndim(sex) == 0:
        sexes = np.full(n, None if sex is None else str(sex).upper(), dtype=object)
    else:
        sexes = pd.Series(np.asarray(sex, dtype=object).ravel()).astype("string").str.upper().to_numpy(
            dtype=object, na_value=None)
        if sexes.size != n:
            raise ValueError(f"sex has {sexes.size} entries but value has {n}")
    out = np.full(n, np.nan)
    for name, spec in bounds.items():
        is_test = tests == str(name).lower()
        if not is_test.any():
            continue
        if isinstance(spec, Mapping):
            for s, lst in spec.items():
                m = is_test & (sexes == str(s).upper())
                out[m] = _grade_one_list(v[m], lst)
            unknown = is_test & ~np.isin(sexes, [str(s).upper() for s in spec])
            if unknown.any():
                raise ValueError(f"{name}: sex-specific bounds need sex in {sorted(spec)} for every value")
        else:
            out[is_test] = _grade_one_list(v[is_test], spec)
    out[np.isnan(v)] = np.nan
    return pd.array(np.where(np.isnan(out), None, out), dtype="Int64")


def is_grade3_4(test: Any, value: Any, sex: Any = None,
                bounds: Mapping[str, Any] | None = None) -> np.ndarray:
    """Boolean array: grade >= 3 (False where the grade is missing)."""
    g = ctcae_grade(test, value, sex=sex, bounds=bounds)
    return (g >= SEVERE_GRADE).fillna(False).to_numpy(dtype=bool)


def grade_labs(labs: pd.DataFrame, study: Mapping[str, Any] | None = None,
               patients: pd.DataFrame | None = None) -> pd.DataFrame:
    """``labs`` (patient_id, day, test, value) with a ``ctcae_grade`` column added.

    Bounds are ``study["criteria"]["grades"]`` (CTCAE v5.0 without a study). ``patients`` (with ``sex``)
    is only needed for sex-specific bounds.
    """
    bounds = CTCAE5_GRADES if study is None else study["criteria"]["grades"]
    sex = None
    if patients is not None and "sex" in patients.columns:
        sex = labs["patient_id"].astype(str).map(
            dict(zip(patients["patient_id"].astype(str), patients["sex"]))).to_numpy(dtype=object)
    out = labs.copy()
    out["ctcae_grade"] = ctcae_grade(labs["test"].to_numpy(dtype=object), labs["value"], sex=sex,
                                     bounds=bounds)
    return out
