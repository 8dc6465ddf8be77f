"""Incidence of severe cytopenia in Wang 2021 (Figure 1B-D), family ``incidence``.

Population: the analysis set (``in_analysis_set`` true) of ``derived/patients.csv``.

* Figure 1B, ``incidence_phase``: patients severe in T1, T2, T3 (``<L>_t1/_t2/_t3`` true) out of
  the whole analysis set (a patient without a value in a phase counts as not severe, as the
  paper's n = 76 denominators do). ``incidence_phase_test``: Pearson chi-square between phases
  (T1 vs T2, T2 vs T3, T1 vs T3), each phase taken as an independent group of n patients (as the
  paper does, although the same patients appear in every phase), Bonferroni-adjusted for k = 3
  when the design says ``bonferroni: true``. The same patients are in every phase, so the paired
  test is McNemar's: rows ``mcnemar_exact`` (binomial test of the discordant pairs, the estimate
  is b = patients severe in the first phase only), ``mcnemar_chi2`` (asymptotic, no continuity
  correction) and ``mcnemar_chi2_cc`` (Edwards' correction) beside the paper's ``chi2`` rows, on
  the same n (no value in a phase counts as not severe) and with the same Bonferroni adjustment.
* Figure 1C, ``incidence_new_onset``: new-onset cases among the lineage's at-risk patients
  (``<L>_at_risk``: not severe in T1/T2 and with T3 values); ``incidence_baseline``: patients
  severe before the infusion (``<L>_baseline``) out of the analysis set.
* Figure 1D, ``cumulative_incidence``: 1 - Kaplan-Meier over ``cumulative_incidence_days``
  (default 0-30) for new-onset SN/SA/ST among at-risk patients (time = ``<L>_onset_day``; others
  censored at ``<L>_last_t3_day``, their last T3 measurement of the lineage's test) and for CRS
  in the whole analysis set (time = CRS onset day; others censored at the window end).
  Estimates are in percent.
* Supplementary Figure 1A-E, ``incidence_daily``: :mod:`cartcyto.analyses.incidence_daily`
  (given the cohort's blood counts).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.analyses.incidence_daily import daily_incidence, format_daily_incidence
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_count_percent, format_number, format_p
from cartcyto.stats import survival, tests
from cartcyto.vocabulary import LINEAGES, LINEAGE_TEST

PHASES = ("T1", "T2", "T3")
PHASE_PAIRS = (("T1", "T2"), ("T2", "T3"), ("T1", "T3"))
LABEL = {"sn": "SN", "sa": "SA", "st": "ST", "crs": "CRS"}

COUNT_METHOD = "n (%) of the analysis set; no value in the phase counts as not severe"
AT_RISK_METHOD = ("n (%) of at-risk patients (not severe in T1/T2, with T3 values); "
                  "new onset = severe in T3")
BASELINE_METHOD = "n (%) of the analysis set severe in T1 or T2 (onset before infusion)"
INDEPENDENT_NOTE = ("phases compared as independent groups of {n} patients each, as in the "
                    "paper (the same patients appear in every phase)")
PAIRED_NOTE = ("paired: the same {n} patients in both phases, b = severe in {a} only, c = severe in "
               "{b} only; no value in the phase counts as not severe")
PAIRED_TESTS = {"mcnemar_exact": "exact", "mcnemar_chi2": "asymptotic",
                "mcnemar_chi2_cc": "asymptotic_corrected"}
"""Row statistic -> :func:`cartcyto.stats.tests.mcnemar` method of the paired phase tests."""


def _pct(count: float, n: float) -> float:
    return 100.0 * count / n if n else np.nan


# --------------------------------------------------------------------------- Figure 1B
def incidence_phase(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Counts and percents severe per phase, and the pairwise phase chi-square tests."""
    convention = study["conventions"]
    adjust = bool(study["bonferroni"])
    df = require(analysis_set(patients), *(f"{lin}_{ph.lower()}" for lin in LINEAGES for ph in PHASES))
    n = len(df)
    rows = []
    for lin in LINEAGES:
        counts = {ph: int(df[f"{lin}_{ph.lower()}"].fillna(False).sum()) for ph in PHASES}
        for ph in PHASES:
            rows.append(stat_row("incidence_phase", "count", counts[ph], outcome=lin, level=ph,
                                 n=n, method=COUNT_METHOD))
            rows.append(stat_row("incidence_phase", "percent", _pct(counts[ph], n), outcome=lin,
                                 level=ph, n=n, method=COUNT_METHOD))
        for a, b in PHASE_PAIRS:
            table = [[counts[a], n - counts[a]], [counts[b], n - counts[b]]]
            res = tests.chi_square(table, convention=convention).iloc[0]
            p, method = res["p_value"], res["method"]
            if not pd.isna(p):
                method += ", two-sided"
                if adjust:
                    p = tests.bonferroni(p, len(PHASE_PAIRS))
                    method += f", Bonferroni-adjusted (k={len(PHASE_PAIRS)})"
                method += "; " + INDEPENDENT_NOTE.format(n=n)
            rows.append(stat_row("incidence_phase_test", "chi2", res["estimate"], outcome=lin,
                                 level=f"{a} vs {b}", p_value=p, n=n, method=method))
        rows += _paired_rows(df, lin, adjust)
    return stat_frame(rows)


def _paired_rows(df: pd.DataFrame, lin: str, adjust: bool) -> list:
    """McNemar rows of one lineage's phase pairs (see the module docstring)."""
    rows, n = [], len(df)
    for a, b in PHASE_PAIRS:
        first, second = (df[f"{lin}_{ph.lower()}"].fillna(False).to_numpy(bool) for ph in (a, b))
        for statistic, how in PAIRED_TESTS.items():
            res = tests.mcnemar(first, second, method=how).iloc[0]
            p, method = res["p_value"], res["method"]
            if adjust and not pd.isna(p):
                p = tests.bonferroni(p, len(PHASE_PAIRS))
                method += f", Bonferroni-adjusted (k={len(PHASE_PAIRS)})"
            rows.append(stat_row("incidence_phase_test", statistic, res["estimate"], outcome=lin,
                                 level=f"{a} vs {b}", p_value=p, n=res["n"],
                                 method=f"{method}; {PAIRED_NOTE.format(n=n, a=a, b=b)}"))
    return rows


def format_incidence_phase(stats: pd.DataFrame) -> pd.DataFrame:
    """Printed Figure 1B numbers: lineage x phase n (%) and, per phase pair, the P of the paper's
    unpaired Pearson test and of the paired McNemar exact test."""
    sub = stats[stats["analysis"].isin(["incidence_phase", "incidence_phase_test"])]
    st = sub.set_index(["analysis", "outcome", "level", "statistic"]).sort_index()
    out = []
    for lin in LINEAGES:
        line = {"Severe cytopenia": LABEL[lin]}
        for ph in PHASES:
            key = ("incidence_phase", lin, ph)
            if key + ("count",) not in st.index:
                continue
            n = int(st.loc[key + ("count",), "n"])
            line[f"{ph} (n={n})"] = format_count_percent(st.loc[key + ("count",), "estimate"],
                                                         st.loc[key + ("percent",), "estimate"], 0)
        for a, b in PHASE_PAIRS:
            for statistic, name in (("chi2", "Pearson"), ("mcnemar_exact", "McNemar exact")):
                key = ("incidence_phase_test", lin, f"{a} vs {b}", statistic)
                if key in st.index:
                    line[f"P {a} vs {b} ({name})"] = format_p(st.loc[key, "p_value"])
        out.append(line)
    return pd.DataFrame(out)


TEST_NAMES = {"chi2": "Pearson chi-square (paper; unpaired)", "mcnemar_exact": "McNemar exact",
              "mcnemar_chi2": "McNemar asymptotic", "mcnemar_chi2_cc": "McNemar asymptotic, corrected"}


def format_phase_tests(stats: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Every Figure 1B phase test, long: the paper's Pearson row then the three McNemar rows of
    each lineage and phase pair, with the conclusion at ``alpha`` and whether the paired test's
    conclusion differs from the paper's."""
    sub = stats[stats["analysis"] == "incidence_phase_test"]
    pearson = sub[sub["statistic"] == "chi2"].set_index(["outcome", "level"])["p_value"]
    out = []
    for r in sub.itertuples(index=False):
        if r.statistic not in TEST_NAMES:
            continue
        sig = None if pd.isna(r.p_value) else bool(r.p_value <= alpha)
        ref = pearson.get((r.outcome, r.level), np.nan)
        ref_sig = None if pd.isna(ref) else bool(ref <= alpha)
        differs = "" if r.statistic == "chi2" or sig is None or ref_sig is None else (
            "yes" if sig != ref_sig else "no")
        out.append({"Severe cytopenia": LABEL.get(r.outcome, r.outcome), "Phases": r.level,
                    "Test": TEST_NAMES[r.statistic],
                    "Statistic": "" if pd.isna(r.estimate) else (
                        ("b = " if r.statistic == "mcnemar_exact" else "X2 = ")
                        + format_number(r.estimate, 0 if r.statistic == "mcnemar_exact" else 2,
                                        strip=False)),
                    "P": format_p(r.p_value),
                    f"Significant at {alpha:g}": "" if sig is None else ("yes" if sig else "no"),
                    "Conclusion differs from the paper's test": differs})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- Figure 1C
def incidence_new_onset(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """New-onset cases per lineage among at-risk patients, and baseline-severe counts."""
    df = require(analysis_set(patients), *(f"{lin}_{f}" for lin in LINEAGES
                                           for f in ("at_risk", "new_onset", "baseline")))
    n = len(df)
    rows = []
    for lin in LINEAGES:
        at_risk = df[f"{lin}_at_risk"].fillna(False).astype(bool)
        new = int((df[f"{lin}_new_onset"].fillna(False) & at_risk).sum())
        n_risk = int(at_risk.sum())
        rows += [
            stat_row("incidence_new_onset", "count", new, outcome=lin, n=n_risk, method=AT_RISK_METHOD),
            stat_row("incidence_new_onset", "n_at_risk", n_risk, outcome=lin, n=n,
                     method="patients not severe in T1/T2 with T3 values, of the analysis set"),
            stat_row("incidence_new_onset", "percent", _pct(new, n_risk), outcome=lin, n=n_risk,
                     method=AT_RISK_METHOD),
        ]
        base = int(df[f"{lin}_baseline"].fillna(False).sum())
        rows += [
            stat_row("incidence_baseline", "count", base, outcome=lin, n=n, method=BASELINE_METHOD),
            stat_row("incidence_baseline", "percent", _pct(base, n), outcome=lin, n=n,
                     method=BASELINE_METHOD),
        ]
    return stat_frame(rows)


def format_new_onset(stats: pd.DataFrame) -> pd.DataFrame:
    """Printed Figure 1C numbers: baseline severe, at risk, new onset n/N (%)."""
    sub = stats[stats["analysis"].isin(["incidence_new_onset", "incidence_baseline"])]
    st = sub.set_index(["analysis", "outcome", "statistic"]).sort_index()
    out = []
    for lin in LINEAGES:
        if ("incidence_new_onset", lin, "count") not in st.index:
            continue
        base = st.loc[("incidence_baseline", lin, "count")]
        new = st.loc[("incidence_new_onset", lin, "count")]
        pct = st.loc[("incidence_new_onset", lin, "percent"), "estimate"]
        out.append({
            "Severe cytopenia": LABEL[lin],
            "Analysis set": int(base["n"]),
            "Onset before infusion, n (%)": format_count_percent(
                base["estimate"], st.loc[("incidence_baseline", lin, "percent"), "estimate"], 0),
            "At risk": int(new["n"]),
            "New onset after infusion, n/N (%)":
                f"{int(new['estimate'])}/{int(new['n'])} ({format_number(pct, 0)}%)",
        })
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- Figure 1D
def _time_event(onset: pd.Series, event: pd.Series, censor: pd.Series, start: int, end: int):
    """Event time within [start, end]; events after ``end`` become censored at ``end``."""
    censor = censor.where(~(onset > end), float(end))  # onset after the window: event-free to its end
    event = event & onset.notna() & (onset <= end)
    time = onset.where(event, censor.clip(upper=end)).clip(lower=max(start, 0))
    keep = time.notna()
    return time[keep].to_numpy(float), event[keep].to_numpy(float)


def _curve(time, event, start: int, end: int) -> pd.DataFrame:
    res = survival.cumulative_incidence(time, event, horizon=end)
    res = res[(res["day"] >= start) & (res["day"] <= end)]
    return res


def cumulative_incidence(patients: pd.DataFrame, study: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Figure 1D: statistics rows (value at the window end, percent) and the per-day curves.

    Returns ``(stats, curve)``; ``curve`` has columns outcome, day, cumulative_incidence (percent),
    n_at_risk, method. Every time rests on a derived column (``<L>_onset_day``,
    ``<L>_last_t3_day``, ``crs_onset_day``).
    """
    start, end = (int(d) for d in study["cumulative_incidence_days"])
    df = require(analysis_set(patients), "crs_onset_day", "crs_max_grade",
                 *(f"{lin}_{f}" for lin in LINEAGES
                   for f in ("at_risk", "new_onset", "onset_day", "last_t3_day")))
    specs = {}
    crs_event = df["crs_max_grade"].astype(float).fillna(0) >= 1
    specs["crs"] = (df, df["crs_onset_day"].astype(float), crs_event,
                    pd.Series(float(end), index=df.index),
                    f"whole analysis set; no CRS censored at day {end}")
    for lin in LINEAGES:
        at_risk = df[f"{lin}_at_risk"].fillna(False).astype(bool)
        sub = df[at_risk]
        censor = sub[f"{lin}_last_t3_day"].astype(float)
        how = (f"at-risk patients; no new onset censored at the last T3 {LINEAGE_TEST[lin]} day "
               f"({lin}_last_t3_day; max day {end})")
        event = sub[f"{lin}_new_onset"].fillna(False).astype(bool)
        specs[lin] = (sub, sub[f"{lin}_onset_day"].astype(float), event, censor, how)
    rows, curves = [], []
    for outcome, (sub, onset, event, censor, how) in specs.items():
        if len(sub) == 0:
            continue
        time, ev = _time_event(onset, event, censor, start, end)
        curve = _curve(time, ev, start, end)
        scale = 100.0
        est = curve["cumulative_incidence"].to_numpy(float) * scale
        method = f"{curve['method'].iloc[0]}; {how}; percent" if len(curve) else how
        curves.append(pd.DataFrame({"outcome": outcome, "day": curve["day"].to_numpy(),
                                    "cumulative_incidence": est,
                                    "n_at_risk": curve["n_at_risk"].to_numpy(),
                                    "method": method}))
        value = est[curve["day"].to_numpy() <= end][-1] if len(curve) else np.nan
        rows.append(stat_row("cumulative_incidence", "cumulative_incidence", value,
                             outcome=outcome, level=f"day{end}", n=len(time), method=method))
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["outcome", "day", "cumulative_incidence", "n_at_risk", "method"])
    return stat_frame(rows), curve


def format_curve(curve: pd.DataFrame) -> pd.DataFrame:
    """Wide per-day table: day, then cumulative incidence (%) and n at risk per outcome."""
    out = None
    for outcome, sub in curve.groupby("outcome", sort=False):
        part = sub.set_index("day")[["cumulative_incidence", "n_at_risk"]].rename(columns={
            "cumulative_incidence": f"{LABEL.get(outcome, outcome)} cumulative incidence, %",
            "n_at_risk": f"{LABEL.get(outcome, outcome)} n at risk"})
        part.iloc[:, 0] = part.iloc[:, 0].round(2)
        out = part if out is None else out.join(part, how="outer")
    return pd.DataFrame() if out is None else out.reset_index()


def incidence_results(patients: pd.DataFrame, study: Mapping,
                      labs: pd.DataFrame | None = None) -> dict:
    """Every statistic of the family plus the printed tables and the curves; with ``labs`` (the
    cohort's blood counts) also Supplementary Figure 1's daily incidence
    (:mod:`cartcyto.analyses.incidence_daily`)."""
    phase = incidence_phase(patients, study)
    onset = incidence_new_onset(patients, study)
    ci_stats, curve = cumulative_incidence(patients, study)
    parts = [phase, onset, ci_stats]
    if labs is not None:
        daily_stats, _ = daily_incidence(patients, labs, study)
        parts.append(daily_stats)
    stats = stat_frame(pd.concat(parts, ignore_index=True))
    tables = {"fig1b_incidence_phase": format_incidence_phase(stats),
              "fig1b_incidence_phase_tests": format_phase_tests(stats),
              "fig1c_new_onset": format_new_onset(stats),
              "fig1d_cumulative_incidence": format_curve(curve)}
    if labs is not None:
        tables["supp_fig1_daily_incidence"] = format_daily_incidence(stats)
    return {"stats": stats, "curve": curve, "tables": tables}
