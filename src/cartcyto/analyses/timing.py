"""Temporal characteristics of severe cytopenia in Wang 2021, family ``timing``.

Population: the analysis set (``in_analysis_set`` true).

* Supplementary Table 1, ``timing_all``: start, nadir and recovery day and duration of every
  severe episode after the infusion, whether it began before it (patients severe before the
  infusion, ``<L>_baseline``) or after it (``<L>_new_onset``), as median [min-max]. It reads the
  episode columns (:data:`EPISODE_MEASURES`): ``<L>_episode_start_day`` (negative when the
  episode runs across the infusion) and ``<L>_episode_duration_days`` (from that start). A
  baseline-severe patient enters with the episode that holds their first severe T3 day
  (``<L>_onset_day``): an episode that recovered before the infusion is not merged with a later
  one, and a patient never severe after the infusion has no episode to describe.
* Supplementary Table 2, ``timing_new_onset``: onset, nadir, recovery day and duration
  (:data:`MEASURES`) of new-onset cases; the episode columns too (for a new-onset episode they
  equal onset and duration), as the new-onset arm of Supplementary Figure 2.
* ``timing_baseline``: the episode columns of baseline-severe patients (the other arm of Supp.
  Figure 2).
* Supplementary Figure 2, ``timing_baseline_vs_new``: baseline-severe vs new-onset patients,
  Mann-Whitney U (statistic ``U`` of the baseline group), one row per ``<L>_<measure>`` of
  :data:`EPISODE_MEASURES`.

``recovery_day`` exists for recovered episodes only; a duration of an unrecovered episode runs
to its censoring day (last measurement or death), so medians of duration include censored
episodes, as a descriptive table does.

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
EPISODE_MEASURES = ("episode_start_day", "nadir_day", "recovery_day", "episode_duration_days")
MEASURE_LABEL = {"onset_day": "Onset day", "nadir_day": "Nadir day",
                 "recovery_day": "Recovery day", "duration_days": "Duration, days",
                 "episode_start_day": "Episode start day",
                 "episode_duration_days": "Episode duration, days"}
LABEL = {"sn": "SN", "sa": "SA", "st": "ST"}
_EPISODE = ("episode columns: start = <L>_episode_start_day (negative when the episode runs "
            "across the infusion), duration = <L>_episode_duration_days from that start; the "
            "episode holding the first severe T3 day, an episode that recovered before the "
            "infusion not merged with it")
GROUPS = {
    "timing_all": "patients with a severe episode after infusion, begun before it (baseline) or "
                  f"after it (new onset); {_EPISODE}",
    "timing_new_onset": "patients with new-onset severe cytopenia",
    "timing_baseline": "patients severe before infusion (baseline) with a severe episode after "
                       f"it; {_EPISODE}",
}
GROUP_MEASURES = {"timing_all": EPISODE_MEASURES,
                  "timing_new_onset": MEASURES + ("episode_start_day", "episode_duration_days"),
                  "timing_baseline": EPISODE_MEASURES}


POINT_COLUMNS = ["patient_id", "sample", "column", "value"]


def groups(df: pd.DataFrame, lin: str) -> dict[str, pd.Series]:
    """Masks of the three populations of ``lin`` within ``df`` (analysis set). A baseline-severe
    patient counts when severe after the infusion (``<L>_onset_day`` present)."""
    require(df, f"{lin}_baseline", f"{lin}_new_onset", f"{lin}_onset_day")
    base = df[f"{lin}_baseline"].fillna(False).astype(bool) & df[f"{lin}_onset_day"].notna()
    new = df[f"{lin}_new_onset"].fillna(False).astype(bool) & ~df[f"{lin}_baseline"].fillna(False)
    return {"timing_all": base | new, "timing_new_onset": new, "timing_baseline": base}


def timing_points(patients: pd.DataFrame) -> pd.DataFrame:
    """The values of every timing row: one row per analysis-set patient, population (``sample``:
    ``timing_all``, ``timing_new_onset``, ``timing_baseline``) and column ``<L>_<measure>``
    (:data:`GROUP_MEASURES`) with a value (missing values are left out), in patient order."""
    measures = dict.fromkeys(m for ms in GROUP_MEASURES.values() for m in ms)
    df = require(analysis_set(patients), *(f"{lin}_{m}" for lin in LINEAGES for m in measures))
    ids = df["patient_id"].astype(str).to_numpy()
    parts = []
    for lin in LINEAGES:
        for sample, mask in groups(df, lin).items():
            for measure in GROUP_MEASURES[sample]:
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
            for measure in GROUP_MEASURES[analysis]:
                col = f"{lin}_{measure}"
                res = describe.median_range(_values(pts, analysis, col))
                for r in res.itertuples(index=False):
                    rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=col, n=r.n,
                                         method=f"{r.method}; {GROUPS[analysis]}"))
    return stat_frame(rows)


def timing_baseline_vs_new(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Supp. Figure 2: Mann-Whitney U, baseline-severe (x) vs new-onset (y), per episode measure."""
    convention = study["conventions"]
    pts = timing_points(patients)
    rows = []
    for lin in LINEAGES:
        for measure in EPISODE_MEASURES:
            col = f"{lin}_{measure}"
            res = tests.mann_whitney(_values(pts, "timing_baseline", col),
                                     _values(pts, "timing_new_onset", col),
                                     convention=convention).iloc[0]
            rows.append(stat_row("timing_baseline_vs_new", "U", res["estimate"], outcome=col,
                                 p_value=res["p_value"], n=res["n"],
                                 method=f"{res['method']}; U of baseline-severe vs new-onset "
                                        f"patients (independent groups); {_EPISODE}"))
    return stat_frame(rows)


def _cell(st: pd.DataFrame, analysis: str, col: str, decimals: int = 1) -> str:
    try:
        med, lo, hi = (st.loc[(analysis, col, s), "estimate"] for s in ("median", "min", "max"))
    except KeyError:
        return ""
    return format_median_range(med, lo, hi, decimals)


def format_timing(stats: pd.DataFrame, analysis: str) -> pd.DataFrame:
    """Supp. Table 1 (``timing_all``, episode measures) or 2 (``timing_new_onset``, onset and
    duration): measure x lineage median [range]."""
    st = stats.set_index(["analysis", "outcome", "statistic"])
    out = []
    for measure in (EPISODE_MEASURES if analysis == "timing_all" else MEASURES):
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
        for measure in EPISODE_MEASURES:
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
