"""The CAR-HEMATOTOX score per patient, vectorised over patients.

Source: Rejeski K, Perez A, Sesques P, et al. CAR-HEMATOTOX: a model for CAR T-cell-related
hematologic toxicity in relapsed/refractory large B-cell lymphoma. Blood 2021;138(24):2499-2513
(the score table and Figure 3). Five baseline markers taken before lymphodepletion ("e.g. day
-5"); the points in the paper's units, then in the pipeline's canonical units:

==============  ==========================  ====================================
marker          paper                       canonical (default design rules)
==============  ==========================  ====================================
platelets       >175,000/uL 0; 75,000-      PLT < 75 x10^9/L: 2; <= 175: 1; else 0
                175,000/uL 1; <75,000/uL 2
ANC             >1200/uL 0; <1200/uL 1      ANC < 1.2 x10^9/L: 1
hemoglobin      >9.0 g/dL 0; <9.0 g/dL 1    Hb < 90 g/L: 1
CRP             <3.0 mg/dL 0; >3.0 mg/dL 1  CRP > 30 mg/L: 1
ferritin        <650 0; 650-2000 1;         ferritin > 2000 ng/mL: 2; >= 650: 1
                >2000 ng/mL 2
==============  ==========================  ====================================

Score 0-7; low risk 0-1, high risk >= 2 (``high_at_least``). The paper's bands leave the exact
values ANC 1200/uL, Hb 9.0 g/dL and CRP 3.0 mg/dL unassigned; the default rules give them 0
points (the data contract's reading: ANC < 1.2, Hb < 90, CRP > 30 score), and put 75, 175, 650
and 2000 in the middle band, which the paper writes with closed ranges (75,000-175,000;
650-2000). Every cut point and its side is a design key, so another reading is a config change.

Baseline value of a component (design ``hematotox.score``): the last value on a day within
``anchor - window_days .. anchor`` (``anchor`` = the patients.csv column ``ld_start_day``,
window 7 days). Blood counts come from labs (the day's lowest value, data contract section 1);
CRP and ferritin from markers, in the units the design lists (a value in another unit is not
used, and the reason says so); several values of a marker on one day: the day's highest
(conservative for an inflammation marker). Where the design names an undated patients.csv
column for a component (``undated_columns``, e.g. a trial's single pre-lymphodepletion ferritin),
it is used when no dated value exists. The score is empty when any component has no baseline
value; ``hematotox_not_scored`` names the missing ones.
"""
from __future__ import annotations

import operator
from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.arrays import (last_by, name_codes, nullable_bool, nullable_int, patient_codes,
                                    sort_key)

OPERATORS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def points(values: np.ndarray, rules) -> np.ndarray:
    """Points of each value: the first rule ``[op, cut, points]`` that holds, 0 when none; NaN
    stays NaN."""
    out = np.zeros(values.size)
    done = np.zeros(values.size, dtype=bool)
    for op, cut, pts in rules:
        if op not in OPERATORS:
            raise ValueError(f"a HEMATOTOX points rule needs one of {', '.join(OPERATORS)}, got {op!r}")
        with np.errstate(invalid="ignore"):
            hit = ~done & OPERATORS[op](values, float(cut))
        out[hit] = float(pts)
        done |= hit
    return np.where(np.isnan(values), np.nan, out)


def _unit_key(unit: Any) -> str:
    return "" if unit is None or (isinstance(unit, float) and np.isnan(unit)) else \
        str(unit).replace(" ", "").lower().replace("µ", "u").replace("μ", "u")


def marker_baseline(markers: pd.DataFrame, ids: pd.Index, marker: str, units, lo: np.ndarray,
                    hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(value, wrong_unit)`` per patient: the last day's highest value of ``marker`` on days
    ``lo..hi`` in one of ``units``, and whether a value in the window had another unit."""
    n = len(ids)
    if markers is None or len(markers) == 0:
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    code, names = name_codes(markers["marker"])
    k = np.flatnonzero(names == marker)
    sel = np.isin(code, k) & (code >= 0)
    if not sel.any():
        return np.full(n, np.nan), np.zeros(n, dtype=bool)
    mk = markers[sel]
    p = patient_codes(ids, mk["patient_id"])
    d = pd.to_numeric(mk["day"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    v = pd.to_numeric(mk["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    wanted = {_unit_key(u) for u in units}
    if "unit" in mk.columns:                 # normalise each distinct unit once, not each row
        ucode, unames = name_codes(mk["unit"], normalise=_unit_key)
        ok_unit = np.isin(ucode, np.flatnonzero([u in wanted for u in unames])) | ((ucode < 0) & ("" in wanted))
    else:
        ok_unit = np.full(len(mk), "" in wanted)
    with np.errstate(invalid="ignore"):
        win = (p >= 0) & ~np.isnan(v) & (d >= lo[np.maximum(p, 0)]) & (d <= hi[np.maximum(p, 0)])
    wrong = np.zeros(n, dtype=bool)
    wrong[p[win & ~ok_unit]] = True
    keep = win & ok_unit
    p, d, v = p[keep], d[keep].astype(np.int64), v[keep]
    key = sort_key(p, d)
    order = np.lexsort((v, key))            # by patient-day, the day's highest value last
    p, key, v = p[order], key[order], v[order]
    last_of_day = np.r_[key[1:] != key[:-1], True] if key.size else np.zeros(0, dtype=bool)
    return last_by(p[last_of_day], np.ones(int(last_of_day.sum()), dtype=bool), v[last_of_day], n), wrong


def hematotox_score(cohort, series: Mapping[str, tuple], cfg: Mapping[str, Any]) -> pd.DataFrame:
    """``hematotox_score`` (0-7, NaN when a component is missing), ``hematotox_high`` (score >=
    ``high_at_least``; <NA> when unscored) and ``hematotox_not_scored`` (the reason, else None).

    ``series`` is ``{test: (p, day, value)}`` from ``cartcyto.derive.episodes.daily_series``.
    """
    pts = cohort.patients
    n = len(pts)
    ids = pd.Index(pts["patient_id"].astype(str))
    anchor_col = cfg["anchor"]
    anchor = (pd.to_numeric(pts[anchor_col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
              if anchor_col in pts.columns else np.full(n, np.nan))
    lo, hi = anchor - float(cfg["window_days"]), anchor
    total = np.zeros(n)
    code = np.zeros(n, dtype=np.int64)      # bit 2i: component i missing, bit 2i+1: in another unit
    names = list(cfg["components"])
    for i, (name, comp) in enumerate(cfg["components"].items()):
        wrong = np.zeros(n, dtype=bool)
        if comp["source"] == "labs":
            p, d, v = series.get(comp["test"], (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)))
            with np.errstate(invalid="ignore"):
                value = last_by(p, (d >= lo[p]) & (d <= hi[p]), v, n)
        elif comp["source"] == "markers":
            value, wrong = marker_baseline(getattr(cohort, "markers", None), ids, comp["marker"],
                                           comp["units"], lo, hi)
        else:
            raise ValueError(f"hematotox.score.components.{name}.source must be labs or markers, "
                             f"got {comp['source']!r}")
        undated = cfg["undated_columns"][name] if name in cfg["undated_columns"] else None
        if undated in pts.columns:
            fallback = pd.to_numeric(pts[undated], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            value = np.where(np.isnan(value), fallback, value)
        total += points(value, comp["points"])          # NaN wherever a component is missing
        code |= np.where(np.isnan(value), 1 << (2 * i), 0) | np.where(np.isnan(value) & wrong, 2 << (2 * i), 0)
    code = np.where(np.isnan(anchor), -1, code)
    return pd.DataFrame({
        "hematotox_score": nullable_int(total),
        "hematotox_high": nullable_bool(total >= float(cfg["high_at_least"]), np.isnan(total)),
        "hematotox_not_scored": pd.array(pd.Series(code).map(
            {c: _reason(c, names, anchor_col) for c in np.unique(code)}), dtype="string"),
    })


def _reason(code: int, names: list[str], anchor_col: str) -> str | None:
    """The text of a missing-component code (see :func:`hematotox_score`)."""
    if code == -1:
        return f"no {anchor_col}"
    parts = [name + (" (in another unit)" if code & (2 << (2 * i)) else "")
             for i, name in enumerate(names) if code & (1 << (2 * i))]
    return "no baseline value: " + "; ".join(parts) if parts else None
