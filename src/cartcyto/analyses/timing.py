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
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from cartcyto.analyses.columns import analysis_set, as_bool
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


def _flag(df: pd.DataFrame, column: str) -> pd.Series:
    if column not in df.columns:
        return pd.Series(False, index=df.index)
    return as_bool(df[column]).fillna(False).astype(bool)


def groups(df: pd.DataFrame, lin: str) -> dict[str, pd.Series]:
    """Masks of the three populations of ``lin`` within ``df`` (analysis set)."""
    base, new = _flag(df, f"{lin}_baseline"), _flag(df, f"{lin}_new_onset") & ~_flag(df, f"{lin}_baseline")
    return {"timing_all": base | new, "timing_new_onset": new, "timing_baseline": base}


def _values(df: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(df[column], errors="coerce") if column in df.columns else pd.Series(dtype=float)


def timing_describe(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """median/min/max rows of every measure x lineage x population."""
    df = analysis_set(patients)
    rows = []
    for lin in LINEAGES:
        masks = groups(df, lin)
        for analysis, mask in masks.items():
            for measure in MEASURES:
                col = f"{lin}_{measure}"
                if col not in df.columns:
                    continue
                res = describe.median_range(_values(df[mask], col))
                for r in res.itertuples(index=False):
                    rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=col, n=r.n,
                                         method=f"{r.method}; {GROUPS[analysis]}"))
    return stat_frame(rows)


def timing_baseline_vs_new(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Supp. Figure 2: Mann-Whitney U, baseline-severe (x) vs new-onset (y), per measure."""
    convention = study["conventions"]
    df = analysis_set(patients)
    rows = []
    for lin in LINEAGES:
        masks = groups(df, lin)
        for measure in MEASURES:
            col = f"{lin}_{measure}"
            if col not in df.columns:
                continue
            res = tests.mann_whitney(_values(df[masks["timing_baseline"]], col),
                                     _values(df[masks["timing_new_onset"]], col),
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
    """Every statistic of the family plus the printed tables."""
    stats = stat_frame(pd.concat([timing_describe(patients, study),
                                  timing_baseline_vs_new(patients, study)], ignore_index=True))
    return {"stats": stats,
            "tables": {"supp_table1_timing_all": format_timing(stats, "timing_all"),
                       "supp_table2_timing_new_onset": format_timing(stats, "timing_new_onset"),
                       "supp_fig2_timing_baseline_vs_new": format_baseline_vs_new(stats)}}
