"""Supportive care, outcomes and costs of Wang 2021 (Figure 6, Supplementary Table 8).

* :func:`any_use` -- patients of the analysis set who received G-CSF, PRBC, platelets, and
  tocilizumab or corticosteroids after the infusion (derived ``gcsf_any``, ``prbc_any``,
  ``platelets_any``, ``toci_or_steroid``): rows ``supportive`` / ``count`` + ``percent``,
  n = analysis set (the paper: 66, 38, 35 of 76).
* :func:`daily_use` -- Figure 6A-D: patients treated on each day 0..30 (number, % of the analysis
  set, and by CRS group), from the normalised treatments table; :func:`peak_days` gives the
  day(s) of highest use as rows ``supportive_daily`` / ``peak_day``.
* :func:`cost_correlations` -- Figure 6E-I: Spearman rho of ``L_duration_days`` with
  ``los_days`` and each ``cost_*`` among the analysis-set patients with a severe episode of L
  (rows ``spearman_costs``).
* :func:`pht_outcomes` -- Supplementary Table 8: hemorrhage, infection and non-relapse mortality
  by PHT (count and percent per group, level "pht"/"no_pht") and a Pearson chi-square per
  outcome on the 2x2 table (SPSS: no Yates; R: ``chisq.test`` default), rows ``pht_outcomes``.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.analyses.spearman import spearman_pairs
from cartcyto.vocabulary import LINEAGES
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_count_percent, format_p
from cartcyto.stats import tests

ANALYSIS = "supportive"
DAILY_ANALYSIS = "supportive_daily"
COST_ANALYSIS = "spearman_costs"
PHT_ANALYSIS = "pht_outcomes"
TREATMENTS = {  # figure panel -> (derived any-use column, treatments.treatment names)
    "gcsf": ("gcsf_any", ("gcsf",)),
    "prbc": ("prbc_any", ("prbc",)),
    "platelets": ("platelets_any", ("platelets",)),
    "toci_or_steroid": ("toci_or_steroid", ("tocilizumab", "corticosteroid")),
}
TREATMENT_LABELS = {"gcsf": "G-CSF", "prbc": "PRBC transfusion",
                    "platelets": "Platelet transfusion",
                    "toci_or_steroid": "Tocilizumab/corticosteroids"}
COST_TERMS = ("los_days", "cost_total", "cost_drug", "cost_lab", "cost_gcsf", "cost_oxygen",
              "cost_prbc", "cost_platelets")
HIGHLIGHTED_COSTS = (("sn", "cost_gcsf"), ("sa", "cost_oxygen"), ("sa", "cost_prbc"),
                     ("st", "cost_platelets"))
"""Pairs Figure 6F-I shows as scatter plots."""
PHT_OUTCOMES = ("hemorrhage", "infection", "nrm")
OUTCOME_LABELS = {"hemorrhage": "Hemorrhage", "infection": "Infection",
                  "nrm": "Non-relapse mortality"}
COUNT_METHOD = "n (%) of the analysis set"


def any_use(patients: pd.DataFrame) -> pd.DataFrame:
    """Count and percent of analysis-set patients with each supportive treatment after infusion.

    n is the number of analysis-set patients with a known (non-missing) value.
    """
    df = require(analysis_set(patients), *(column for column, _ in TREATMENTS.values()))
    rows = []
    for column, _ in TREATMENTS.values():
        b = df[column]
        n, count = int(b.notna().sum()), int(b.fillna(False).sum())
        pct = 100.0 * count / n if n else np.nan
        for statistic, value in (("count", count), ("percent", pct)):
            rows.append(stat_row(ANALYSIS, statistic, value, term=column, n=n,
                                 method=f"{COUNT_METHOD}; any administration from the infusion on"))
    return stat_frame(rows)


def daily_use(treatments: pd.DataFrame, patients: pd.DataFrame,
              days: Sequence[int] = (0, 30)) -> pd.DataFrame:
    """Figure 6A-D table: one row per treatment x day in ``days`` (inclusive).

    Columns: ``treatment`` (gcsf, prbc, platelets, toci_or_steroid), ``day``, ``count`` (distinct
    analysis-set patients treated that day), ``percent`` (of ``n``), ``n`` (analysis set), and
    ``count_<group>`` per CRS group (none/mild/severe).
    """
    df = require(analysis_set(patients), "crs_group")
    ids = df["patient_id"].astype(str)
    groups = df.set_index(ids)["crs_group"]
    tr = treatments.assign(patient_id=treatments["patient_id"].astype(str),
                           treatment=treatments["treatment"].astype(str).str.strip().str.lower(),
                           day=pd.to_numeric(treatments["day"], errors="coerce"))
    tr = tr[tr["patient_id"].isin(set(ids)) & tr["day"].between(days[0], days[1])]
    day_index = pd.Index(range(int(days[0]), int(days[1]) + 1), name="day")
    n = len(df)
    parts = []
    for panel, (_, names) in TREATMENTS.items():
        given = tr.loc[tr["treatment"].isin(names), ["patient_id", "day"]].drop_duplicates()
        count = given.groupby("day").size().reindex(day_index, fill_value=0)
        part = pd.DataFrame({"treatment": panel, "day": day_index, "count": count.to_numpy(),
                             "percent": 100.0 * count.to_numpy() / n if n else np.nan, "n": n})
        g = given.assign(group=given["patient_id"].map(groups))
        for level in ("none", "mild", "severe"):
            c = g[g["group"] == level].groupby("day").size().reindex(day_index, fill_value=0)
            part[f"count_{level}"] = c.to_numpy()
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def peak_days(daily: pd.DataFrame) -> pd.DataFrame:
    """Rows ``supportive_daily`` / ``peak_day``: first day with the most patients treated."""
    rows = []
    for panel, part in daily.groupby("treatment", sort=False):
        if part["count"].max() <= 0:
            continue
        best = part.loc[part["count"].idxmax()]
        rows.append(stat_row(DAILY_ANALYSIS, "peak_day", best["day"], term=panel,
                             n=best["n"], method=(f"day {int(part['day'].min())}.."
                                                  f"{int(part['day'].max())} with the most "
                                                  f"analysis-set patients treated "
                                                  f"({int(best['count'])}); first such day")))
    return stat_frame(rows)


def cost_correlations(patients: pd.DataFrame, *, convention: str) -> pd.DataFrame:
    """Figure 6E-I: duration of SN, SA, ST vs length of stay and costs (Spearman).

    Each lineage's rows rest on the analysis-set patients with a severe episode of that lineage
    (``L_duration_days`` present: new-onset or baseline, recovered or censored).
    """
    df = analysis_set(patients)
    outcomes = [f"{lin}_duration_days" for lin in LINEAGES]
    note = {o: f"analysis-set patients with a severe {o[:2].upper()} episode, pairwise complete"
            for o in outcomes}
    return spearman_pairs(df, outcomes, [c for c in COST_TERMS if c in df.columns],
                          analysis=COST_ANALYSIS, convention=convention, note=note)


def pht_outcomes(patients: pd.DataFrame, *, convention: str,
                 outcomes: Sequence[str] = PHT_OUTCOMES) -> pd.DataFrame:
    """Supplementary Table 8 rows (see the module docstring).

    Per outcome, patients with both PHT and the outcome known; the chi-square table is
    [[pht & outcome, pht & no outcome], [no pht & outcome, no pht & no outcome]].
    """
    df = require(analysis_set(patients), "pht")
    pht = df["pht"]
    rows = []
    for outcome in outcomes:
        if outcome not in df.columns:  # an outcome the cohort does not record
            continue
        y = require(df, outcome)[outcome]
        ok = (pht.notna() & y.notna()).to_numpy(bool)
        p, yy = pht[ok].astype(bool).to_numpy(), y[ok].astype(bool).to_numpy()
        table = np.array([[np.sum(p & yy), np.sum(p & ~yy)], [np.sum(~p & yy), np.sum(~p & ~yy)]])
        for level, r in (("pht", 0), ("no_pht", 1)):
            n = int(table[r].sum())
            count = int(table[r, 0])
            method = f"n (%) of analysis-set patients {'with' if r == 0 else 'without'} PHT"
            rows.append(stat_row(PHT_ANALYSIS, "count", count, term=outcome, level=level, n=n,
                                 method=method))
            rows.append(stat_row(PHT_ANALYSIS, "percent", 100.0 * count / n if n else np.nan,
                                 term=outcome, level=level, n=n, method=method))
        res = tests.chi_square(table, convention=convention).iloc[0]
        rows.append(stat_row(PHT_ANALYSIS, "chi2", res["estimate"], term=outcome,
                             p_value=res["p_value"], n=res["n"],
                             method=f"{res['method']}; 2x2 PHT x {outcome}, df = "
                                    f"{res['dof']:g}"))
    return stat_frame(rows)


def format_pht_outcomes(stats: pd.DataFrame) -> pd.DataFrame:
    """Supplementary Table 8 layout: Outcome | PHT (n=..) | No PHT (n=..) | P value.

    The header gives each group's n for the first outcome; a cell whose outcome rests on another
    n (a missing outcome value) prints ``count/n (pct%)``.
    """
    sub = stats[stats["analysis"] == PHT_ANALYSIS].set_index(["term", "level", "statistic"])
    terms = list(dict.fromkeys(sub.index.get_level_values(0)))
    if not terms:
        return pd.DataFrame(columns=["Outcome", "PHT", "No PHT", "P value"])
    head = {lv: int(sub.loc[(terms[0], lv, "count"), "n"]) for lv in ("pht", "no_pht")}

    def cell(t: str, lv: str) -> str:
        count, n = sub.loc[(t, lv, "count"), "estimate"], int(sub.loc[(t, lv, "count"), "n"])
        text = format_count_percent(count, sub.loc[(t, lv, "percent"), "estimate"])
        return text if n == head[lv] else text.replace(" (", f"/{n} (", 1)

    return pd.DataFrame([{
        "Outcome": OUTCOME_LABELS.get(t, t),
        f"PHT (n={head['pht']})": cell(t, "pht"),
        f"No PHT (n={head['no_pht']})": cell(t, "no_pht"),
        "P value": format_p(sub.loc[(t, "", "chi2"), "p_value"]),
    } for t in terms])


def format_any_use(stats: pd.DataFrame) -> pd.DataFrame:
    """Treatment | Patients, n (%) from the ``supportive`` count/percent rows."""
    sub = stats[stats["analysis"] == ANALYSIS].set_index(["term", "statistic"])
    labels = {col: TREATMENT_LABELS[k] for k, (col, _) in TREATMENTS.items()}
    terms = list(dict.fromkeys(sub.index.get_level_values(0)))
    n = int(sub["n"].max()) if len(sub) else 0
    return pd.DataFrame([{
        "Treatment after infusion": labels.get(t, t),
        f"Patients, n (%) (N={n})": format_count_percent(sub.loc[(t, "count"), "estimate"],
                                                         sub.loc[(t, "percent"), "estimate"]),
    } for t in terms])
