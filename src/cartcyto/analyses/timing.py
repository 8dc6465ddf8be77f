"""Temporal characteristics of severe cytopenia in Wang 2021, family ``timing``.

Population: the analysis set (``in_analysis_set`` true).

* Supplementary Table 1, ``timing_all``: onset, nadir and recovery day and duration of every
  severe episode (patients severe before the infusion, ``<L>_baseline``, plus new-onset cases,
  ``<L>_new_onset``) as median [min-max].
* Supplementary Table 2, ``timing_new_onset``: the same for new-onset cases only.
* ``timing_baseline``: the same for baseline-severe patients (the other arm of Supp. Figure 2).
* Supplementary Figure 2, ``timing_baseline_vs_new``: baseline-severe vs new-onset patients,
  Mann-Whitney U (statistic ``U`` of the baseline group), one row per ``<L>_<measure>``.

Values are the derived columns as they are: ``onset_day`` of a baseline episode is its first
severe day before the infusion (negative); ``recovery_day`` exists for recovered episodes only;
``duration_days`` of an unrecovered episode runs to its censoring day (last measurement or
death), so medians of duration include censored episodes, as a descriptive table does.

The values every row rests on are one tidy frame, :func:`timing_points` (one row per patient,
population and column); Supplementary Figure 2 draws those points.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_median_range, format_p
from cartcyto.stats import describe, tests
from cartcyto.vocabulary import LINEAGES

MEASURES = ("onset_day", "nadir_day", "recovery_day", "duration_days")
MEASURE_LABEL = {"onset_day": "Onset day", "nadir_day": "Nadir day",
                 "recovery_day": "Recovery day", "duration_days": "Duration, days"}
LABEL = {"sn": "SN", "sa": "SA", "st": "ST"}
GROUPS = {
    "timing_all": "patients with severe cytopenia before or after infusion (baseline + new onset)",
    "timing_new_onset": "patients with new-onset severe cytopenia",
    "timing_baseline": "patients with severe cytopenia before infusion (baseline)",
}


POINT_COLUMNS = ["patient_id", "sample", "column", "value"]


def groups(df: pd.DataFrame, lin: str) -> dict[str, pd.Series]:
    """Masks of the three populations of ``lin`` within ``df`` (analysis set)."""
    require(df, f"{lin}_baseline", f"{lin}_new_onset")
    base = df[f"{lin}_baseline"].fillna(False).astype(bool)
    new = df[f"{lin}_new_onset"].fillna(False).astype(bool) & ~base
    return {"timing_all": base | new, "timing_new_onset": new, "timing_baseline": base}


def timing_points(patients: pd.DataFrame) -> pd.DataFrame:
    """The values of every timing row: one row per analysis-set patient, population (``sample``:
    ``timing_all``, ``timing_new_onset``, ``timing_baseline``) and column ``<L>_<measure>`` with
    a value (missing values are left out), in patient order."""
    df = require(analysis_set(patients), *(f"{lin}_{m}" for lin in LINEAGES for m in MEASURES))
    ids = df["patient_id"].astype(str).to_numpy()
    parts = []
    for lin in LINEAGES:
        for sample, mask in groups(df, lin).items():
            for measure in MEASURES:
                col = f"{lin}_{measure}"
                v = df[col].astype(float).to_numpy()
                keep = mask.to_numpy(bool) & ~np.isnan(v)
                parts.append(pd.DataFrame({"patient_id": ids[keep], "sample": sample,
                                           "column": col, "value": v[keep]}, columns=POINT_COLUMNS))
    return pd.concat(parts, ignore_index=True)


def _values(points: pd.DataFrame, sample: str, column: str) -> np.ndarray:
    sel = (points["sample"] == sample).to_numpy(bool) & (points["column"] == column).to_numpy(bool)
    return points["value"].to_numpy(float)[sel]


def timing_describe(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """median/min/max rows of every measure x lineage x population."""
    pts = timing_points(patients)
    rows = []
    for lin in LINEAGES:
        for analysis in GROUPS:
            for measure in MEASURES:
                col = f"{lin}_{measure}"
                res = describe.median_range(_values(pts, analysis, col))
                for r in res.itertuples(index=False):
                    rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=col, n=r.n,
                                         method=f"{r.method}; {GROUPS[analysis]}"))
    return stat_frame(rows)


def timing_baseline_vs_new(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Supp. Figure 2: Mann-Whitney U, baseline-severe (x) vs new-onset (y), per measure."""
    convention = study["conventions"]
    pts = timing_points(patients)
    rows = []
    for lin in LINEAGES:
        for measure in MEASURES:
            col = f"{lin}_{measure}"
            res = tests.mann_whitney(_values(pts, "timing_baseline", col),
                                     _values(pts, "timing_new_onset", col),
                                     convention=convention).iloc[0]
            rows.append(stat_row("timing_baseline_vs_new", "U", res["estimate"], outcome=col,
                                 p_value=res["p_value"], n=res["n"],
                                 method=f"{res['method']}; U of baseline-severe vs new-onset "
                                        "patients (independent groups)"))
    return stat_frame(rows)


def _cell(st: pd.DataFrame, analysis: str, col: str, decimals: int = 1) -> str:
    try:
        med, lo, hi = (st.loc[(analysis, col, s), "estimate"] for s in ("median", "min", "max"))
    except KeyError:
        return ""
    return format_median_range(med, lo, hi, decimals)


def format_timing(stats: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """Supp. Table 1 (``timing_all``) or 2 (``timing_new_onset``): measure x lineage median [range]."""
    st = stats.set_index(["analysis", "outcome", "statistic"])
    out = []
    for measure in MEASURES:
        line = {"Characteristic": MEASURE_LABEL[measure]}
        for lin in LINEAGES:
            col = f"{lin}_{measure}"
            n = st.loc[(analysis, col, "median"), "n"] if (analysis, col, "median") in st.index else 0
            line[LABEL[lin]] = _cell(st, analysis, col)
            line[f"{LABEL[lin]} n"] = int(n)
        out.append(line)
    return pd.DataFrame(out)


def format_baseline_vs_new(stats: pd.DataFrame) -> pd.DataFrame:
    """Supp. Figure 2 numbers: baseline vs new-onset median [range], n, U and P."""
    st = stats.set_index(["analysis", "outcome", "statistic"])
    out = []
    for lin in LINEAGES:
        for measure in MEASURES:
            col = f"{lin}_{measure}"
            key = ("timing_baseline_vs_new", col, "U")
            if key not in st.index:
                continue
            test = st.loc[key]
            out.append({
                "Severe cytopenia": LABEL[lin], "Characteristic": MEASURE_LABEL[measure],
                "Baseline severe": _cell(st, "timing_baseline", col),
                "Baseline n": int(st.loc[("timing_baseline", col, "median"), "n"]),
                "New onset": _cell(st, "timing_new_onset", col),
                "New onset n": int(st.loc[("timing_new_onset", col, "median"), "n"]),
                "U": "" if pd.isna(test["estimate"]) else f"{test['estimate']:.1f}",
                "P": format_p(test["p_value"]),
            })
    return pd.DataFrame(out)


def timing_results(patients: pd.DataFrame, study: Mapping) -> dict:
    """Every statistic of the family, the printed tables and the points (:func:`timing_points`)."""
    stats = stat_frame(pd.concat([timing_describe(patients, study),
                                  timing_baseline_vs_new(patients, study)], ignore_index=True))
    return {"stats": stats, "points": timing_points(patients),
            "tables": {"supp_table1_timing_all": format_timing(stats, "timing_all"),
                       "supp_table2_timing_new_onset": format_timing(stats, "timing_new_onset"),
                       "supp_fig2_timing_baseline_vs_new": format_baseline_vs_new(stats)}}
