"""Per-patient summaries of CRS/ICANS, serum markers and supportive treatments (vectorised).

Each function returns one row per patient in ``cohort.patients`` order (no ``patient_id`` column;
the caller aligns by position).

CRS (``derive_crs``), from ``cohort.crs`` (one row per patient-day with a grade; days not listed
are grade 0; several rows of one day: the highest grade counts):

* ``crs_max_grade``: highest grade, 0 for a patient without rows;
* ``crs_onset_day``: first day with grade >= 1;
* ``crs_peak_day``: first day of the highest grade;
* ``crs_recovery_day``: first day after the peak that is back at grade 0. A day counts as grade 0
  when it is listed with grade 0 or not listed at all (the contract's "days not listed are
  grade 0"), so the recovery day is the day after the last day of the uninterrupted run of
  graded days that starts at the peak (a listed grade-0 day or a gap in the days ends the run;
  a run reaching the last listed day recovers on the next day);
* ``crs_duration_days`` = recovery - onset; ``crs_group`` from ``study["crs_groups"]``;
* ``icans_max_grade`` (0 without rows) and ``neurotoxicity`` = icans_max_grade >= 1.

When the crs table has no rows, the per-patient summaries of ``cohort.patients``
(``crs_max_grade, crs_onset_day, crs_peak_day, crs_recovery_day``) are used; without either,
every CRS column is missing (<NA>): an absent table is "not recorded", not "grade 0".
"""
from __future__ import annotations

import re
from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.arrays import (
    any_by,
    first_by,
    group_starts,
    last_by,
    name_codes,
    nullable_bool,
    nullable_int,
    numbers,
    patient_codes,
    sort_key,
)
from cartcyto.vocabulary import MARKERS, TREATMENTS

CRS_SUMMARY = ("crs_max_grade", "crs_onset_day", "crs_peak_day", "crs_recovery_day")
KNOWN_MARKERS = MARKERS


def _ids(cohort) -> pd.Index:
    return pd.Index(cohort.patients["patient_id"].astype(str))


def _table(cohort, name: str) -> pd.DataFrame | None:
    t = getattr(cohort, name, None)
    return t if t is not None and len(t) else None


def crs_group(max_grade: np.ndarray, groups: Mapping[str, Any]) -> pd.Series:
    """Group label of each maximum grade (``groups``: ``{label: [low, high]}``, inclusive)."""
    out = np.full(max_grade.size, None, dtype=object)
    for label, (low, high) in groups.items():
        with np.errstate(invalid="ignore"):
            out[(max_grade >= low) & (max_grade <= high)] = label
    return pd.Series(out, dtype="string")


def _daily_max(p, d, g):
    """Rows sorted by (patient, day) with the day's highest grade (NaN grades dropped)."""
    ok = (p >= 0) & ~np.isnan(g) & ~np.isnan(d)
    p, d, g = p[ok], d[ok].astype(np.int64), g[ok]
    key = sort_key(p, d)
    order = np.argsort(key, kind="stable")
    p, d, g, key = p[order], d[order], g[order], key[order]
    if key.size:
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
        g = np.maximum.reduceat(g, starts)
        p, d = p[starts], d[starts]
    return p, d, g


def _max_by(p, g, n, fill):
    out = np.full(n, float(fill))
    if p.size:
        starts = np.flatnonzero(group_starts(p))
        out[p[starts]] = np.maximum.reduceat(g, starts)
    return out


def crs_from_table(crs: pd.DataFrame, ids: pd.Index) -> dict[str, np.ndarray]:
    n = len(ids)
    p0 = patient_codes(ids, crs["patient_id"])
    d0 = numbers(crs["day"])
    p, d, g = _daily_max(p0, d0, numbers(crs["crs_grade"]))
    df = d.astype(float)
    max_grade = _max_by(p, g, n, 0)
    onset = first_by(p, g >= 1, df, n)
    peak = first_by(p, (g == max_grade[p]) & (g >= 1), df, n)
    # recovery: rows from the peak on; the run of graded, gap-free days ends at the first
    # row that is grade 0 or not the day after its predecessor -> recovery = predecessor + 1
    with np.errstate(invalid="ignore"):
        tail = d >= peak[p]
    pt, dt, gt = p[tail], df[tail], g[tail]
    prev_plus1 = np.r_[np.nan, dt[:-1] + 1]
    brk = ~group_starts(pt) & ((gt == 0) | (dt != prev_plus1))
    recovery = np.where(any_by(pt, brk, n), first_by(pt, brk, prev_plus1, n),
                        last_by(pt, np.ones(pt.size, dtype=bool), dt, n) + 1)
    out = {"crs_max_grade": max_grade, "crs_onset_day": onset, "crs_peak_day": peak,
           "crs_recovery_day": recovery}
    if "icans_grade" in crs.columns:
        pi, _, gi = _daily_max(p0, d0, numbers(crs["icans_grade"]))
        out["icans_max_grade"] = _max_by(pi, gi, n, 0)
    return out


def derive_crs(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """CRS/ICANS summary per patient: ``crs_max_grade, crs_group, crs_onset_day, crs_peak_day,
    crs_recovery_day, crs_duration_days`` (+ ``icans_max_grade, neurotoxicity`` when the crs
    table has an ``icans_grade`` column). Days and grades Int64, group string."""
    pts = cohort.patients
    n = len(pts)
    crs = _table(cohort, "crs")
    if crs is not None:
        arr = crs_from_table(crs, _ids(cohort))
    else:
        arr = {c: (numbers(pts[c]) if c in pts.columns else np.full(n, np.nan)) for c in CRS_SUMMARY}
    cols: dict[str, Any] = {
        "crs_max_grade": nullable_int(arr["crs_max_grade"]),
        "crs_group": crs_group(arr["crs_max_grade"], study["crs_groups"]).array,
        "crs_onset_day": nullable_int(arr["crs_onset_day"]),
        "crs_peak_day": nullable_int(arr["crs_peak_day"]),
        "crs_recovery_day": nullable_int(arr["crs_recovery_day"]),
        "crs_duration_days": nullable_int(arr["crs_recovery_day"] - arr["crs_onset_day"]),
    }
    if "icans_max_grade" in arr:
        ic = arr["icans_max_grade"]
        cols["icans_max_grade"] = nullable_int(ic)
        cols["neurotoxicity"] = nullable_bool(ic >= 1, np.isnan(ic))
    return pd.DataFrame(cols)


def marker_column(marker: str) -> str:
    return re.sub(r"[^0-9a-z_]+", "_", str(marker).strip().lower())


def derive_markers(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """Peak marker per patient over ``study["marker_window"]`` (inclusive): ``max_<marker>`` and
    ``lg_max_<marker>`` = log10 (NaN for a non-positive peak) for each marker present in the table
    (known markers first, in the contract's order, then the others alphabetically), plus
    ``lg_ldh`` = log10 of the baseline ``ldh`` covariate when patients has one."""
    pts = cohort.patients
    n = len(pts)
    cols: dict[str, Any] = {}
    mk = _table(cohort, "markers")
    if mk is not None:
        lo, hi = study["marker_window"]
        p = patient_codes(_ids(cohort), mk["patient_id"])
        d, v = numbers(mk["day"]), numbers(mk["value"])
        code, uniq = name_codes(mk["marker"], marker_column)
        present = sorted(set(uniq), key=lambda m: (KNOWN_MARKERS.index(m)
                                                    if m in KNOWN_MARKERS else len(KNOWN_MARKERS), m))
        mcode = pd.Index(present).get_indexer(uniq)[code] if uniq.size else code
        inwin = (p >= 0) & (code >= 0) & (d >= lo) & (d <= hi) & ~np.isnan(v)
        peak = np.full(len(present) * n, np.nan)   # row m * n + p: peak of marker m, patient p
        key = mcode[inwin] * n + p[inwin]
        order = np.argsort(key, kind="stable")
        key, vals = key[order], v[inwin][order]
        if key.size:
            starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
            peak[key[starts]] = np.maximum.reduceat(vals, starts)
        for i, m in enumerate(present):
            x = peak[i * n:(i + 1) * n]
            cols[f"max_{m}"] = x
            with np.errstate(divide="ignore", invalid="ignore"):
                cols[f"lg_max_{m}"] = np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)
    if "ldh" in pts.columns:
        x = numbers(pts["ldh"])
        cols["lg_ldh"] = np.where(x > 0, np.log10(np.where(x > 0, x, 1.0)), np.nan)
    return pd.DataFrame(cols, index=pd.RangeIndex(n))


def derive_treatments(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """Supportive treatment from the infusion on (day >= ``phases.t3_start``):
    ``toci_or_steroid`` (any tocilizumab or corticosteroid), ``<t>_any`` and ``<t>_days``
    (number of distinct days) for t in gcsf, prbc, platelets, tocilizumab, corticosteroid.
    Without a treatments table the columns are missing (<NA>), unless patients already carries
    ``toci_or_steroid``, which is then kept by the caller."""
    n = len(cohort.patients)
    tr = _table(cohort, "treatments")
    cols: dict[str, Any] = {}
    if tr is None:
        miss = np.ones(n, dtype=bool)
        cols["toci_or_steroid"] = nullable_bool(np.zeros(n, bool), miss)
        for t in TREATMENTS:
            cols[f"{t}_any"] = nullable_bool(np.zeros(n, bool), miss)
            cols[f"{t}_days"] = nullable_int(np.full(n, np.nan))
        return pd.DataFrame(cols)
    t3_start = study["phases"]["t3_start"]
    p = patient_codes(_ids(cohort), tr["patient_id"])
    d = numbers(tr["day"])
    code, raw = name_codes(tr["treatment"])
    names, merged = np.unique(raw.astype(str), return_inverse=True)  # "GCSF" and "gcsf" are one
    code = np.where(code >= 0, merged[np.maximum(code, 0)], -1)
    ok = (p >= 0) & (code >= 0) & (d >= t3_start)
    # distinct (treatment, patient, day) triples, counted per (treatment, patient)
    k = len(names)
    di = d[ok].astype(np.int64)
    span = int(di.max() - di.min()) + 1 if di.size else 1
    triple = np.unique((code[ok] * n + p[ok]) * span + (di - (di.min() if di.size else 0)))
    per_tp = np.bincount(triple // span, minlength=k * n).reshape(k, n) if k else np.zeros((0, n))
    counts = {}
    for t in TREATMENTS:
        rows = np.flatnonzero(names == t)
        counts[t] = per_tp[rows].sum(axis=0).astype(float) if rows.size else np.zeros(n)
    cols["toci_or_steroid"] = nullable_bool((counts["tocilizumab"] + counts["corticosteroid"]) > 0)
    for t in TREATMENTS:
        cols[f"{t}_any"] = nullable_bool(counts[t] > 0)
        cols[f"{t}_days"] = nullable_int(counts[t])
    return pd.DataFrame(cols)
