"""Recovery with death before recovery as a competing event (family ``competing_risks``).

A sensitivity analysis beside Wang 2021's Figure 5 Cox models, which treat recovery as the event
and censor patients who die before recovering (so they overstate recovery). For each lineage L,
among the analysis-set patients with a new-onset episode of L (the Figure 5 population), with
time ``L_duration_days`` (onset to recovery, death or censoring) and ``L_recovery_status``
(1 recovered, 2 died before recovery, 0 censored; derived by the derivation, required here):

* ``cr_recovery_cif``: Aalen-Johansen cumulative incidence of recovery at each of
  ``study["competing_risks"]["report_days"]``, for all patients (level ``all dayN``) and per value
  of ``group_column`` (CRS group by default; level ``<group> dayN``), Gray's variance, log(-log)
  95% CI.
* ``cr_recovery_gray``: Gray's test across the groups (term = the group column).
* ``cr_recovery_fine_gray``: Fine-Gray subdistribution HRs with the lineage's Figure 5 covariates
  (``study["cox"]["covariates"]``) when ``fine_gray`` is on and the design runs cox.
* ``cr_recovery_cause_specific``: ``count`` of patients whose cause-specific event (status 1)
  differs from the paper's event column ``L_recovered``; when any does, the cause-specific Cox
  model (statistic ``csHR``), which then differs from the paper's censoring.
* ``recovery_km_median``, ``recovery_logrank``: the Kaplan-Meier median time to recovery with its
  95% CI and the log-rank test across the groups, death before recovery censored as the paper
  does (:mod:`cartcyto.analyses.recovery_km`; descriptive, not in the paper).

Every ``method`` says it is a sensitivity (or descriptive) analysis, not the paper's.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses import cox, recovery_km
from cartcyto.analyses.columns import as_floats, require
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.stats import competing, kaplan_meier
from cartcyto.vocabulary import LINEAGES

CIF, GRAY, FINE_GRAY, CAUSE_SPECIFIC = ("cr_recovery_cif", "cr_recovery_gray",
                                        "cr_recovery_fine_gray", "cr_recovery_cause_specific")
DEGENERATE_TOL = 1e-9
SENSITIVITY = ("sensitivity analysis beside the paper's Figure 5 Cox models (death before "
               "recovery competing, not censored); not the paper's analysis")


def _frame(patients: pd.DataFrame, lineage: str, group_column: str) -> pd.DataFrame:
    """The lineage's Figure 5 patients with time, status and group."""
    status, time = f"{lineage}_recovery_status", f"{lineage}_duration_days"
    cohort = cox.new_onset_frame(require(patients, status, time, group_column), lineage)
    out = as_floats(cohort, [time, status])
    out["group"] = cohort[group_column].astype("string")
    return out


def _where(lineage: str) -> str:
    return (f"new-onset {lineage.upper()} patients of the analysis set; time = "
            f"{lineage}_duration_days; status = {lineage}_recovery_status (1 recovered, 2 died "
            "before recovery, 0 censored)")


def _cif_rows(d: pd.DataFrame, lineage: str, days, group_column: str) -> list:
    status, time = f"{lineage}_recovery_status", f"{lineage}_duration_days"
    pooled = competing.cumulative_incidence_cr(d[time], d[status], days, extend=True)
    grouped = competing.cumulative_incidence_cr(d[time], d[status], days,
                                                d["group"].astype(object), extend=True)
    rows = []
    for r in pd.concat([pooled, grouped], ignore_index=True).itertuples():
        by = "" if r.group == "all" else f"; group = {group_column} {r.group}"
        rows.append(stat_row(CIF, "cumulative_incidence", r.cumulative_incidence, outcome=status,
                             level=f"{r.group} day{int(r.day)}", ci_low=r.ci_low,
                             ci_high=r.ci_high, n=r.n,
                             method=f"{r.method}; {_where(lineage)}{by}; {SENSITIVITY}"))
    return rows


def _model_rows(d: pd.DataFrame, patients: pd.DataFrame, lineage: str, study: Mapping) -> list:
    status, time, event = (f"{lineage}_recovery_status", f"{lineage}_duration_days",
                           f"{lineage}_recovered")
    covariates = list(study["cox"]["covariates"][lineage]) if "cox" in study["analyses"] else []
    rows = []
    if covariates and study["competing_risks"]["fine_gray"]:
        data, _ = cox.model_frame(cox.new_onset_frame(patients, lineage), lineage, covariates)
        data[status] = as_floats(patients.loc[data.index], [status])[status]
        data = data.dropna(subset=[status])
        fit = competing.fine_gray(data, time, status, covariates)
        rows += [stat_row(FINE_GRAY, "sHR", r.estimate, outcome=status, term=r.term,
                          ci_low=r.ci_low, ci_high=r.ci_high, p_value=r.p_value, n=r.n,
                          method=f"{r.method}; {int(r.events)} recoveries; Figure 5 covariates, "
                                 f"complete cases; {_where(lineage)}; {SENSITIVITY}")
                 for r in fit.itertuples()]
    paper = as_floats(cox.new_onset_frame(patients, lineage), [event])[event]
    differ = int(((d[status] == 1) != (paper == 1))[d[status].notna() & paper.notna()].sum())
    rows.append(stat_row(CAUSE_SPECIFIC, "count", float(differ), outcome=status,
                         level="event differs from the paper's", n=float(len(d)),
                         method=f"patients whose cause-specific event ({status} = 1) differs from "
                                f"{event}; 0 = the paper's Cox model is the cause-specific model"))
    if differ and covariates:
        data, _ = cox.model_frame(cox.new_onset_frame(patients, lineage), lineage, covariates)
        data[status] = as_floats(patients.loc[data.index], [status])[status]
        fit = competing.cause_specific_cox(data.dropna(subset=[status]), time, status, covariates,
                                           ties=cox.cox_options(study)["ties"])
        rows += [stat_row(CAUSE_SPECIFIC, "csHR", r.estimate, outcome=status, term=r.term,
                          ci_low=r.ci_low, ci_high=r.ci_high, p_value=r.p_value, n=r.n,
                          method=f"{r.method}; {_where(lineage)}; {SENSITIVITY}")
                 for r in fit.itertuples()]
    return rows


def competing_risks(patients: pd.DataFrame, study: Mapping) -> dict:
    """Statistics rows, curves and numbers at risk of the family (see the module docstring).

    Returns {"stats", "curve", "at_risk"}: ``curve`` has panel, lineage, group, day,
    cumulative_incidence, ci_low, ci_high (proportions) for days 0..curve_end_day, per lineage
    ("all" panel: one curve per lineage) and per group within each lineage; ``at_risk`` has
    panel, lineage, group, day, n_at_risk every risk_table_step days."""
    opts = study["competing_risks"]
    group_column, days = opts["group_column"], list(opts["report_days"])
    grid = np.arange(0, int(opts["curve_end_day"]) + 1)
    risk_days = np.arange(0, int(opts["curve_end_day"]) + 1, int(opts["risk_table_step"]))
    rows, curves, risks = [], [], []
    for lineage in LINEAGES:
        d = _frame(patients, lineage, group_column)
        status, time = f"{lineage}_recovery_status", f"{lineage}_duration_days"
        if d[status].notna().sum() == 0:
            continue
        rows += _cif_rows(d, lineage, days, group_column)
        g = competing.gray_test(d[time], d[status], d["group"].astype(object)).iloc[0]
        rows.append(stat_row(GRAY, "chi2", g.estimate, outcome=status, term=group_column,
                             p_value=g.p_value, n=g.n,
                             method=f"{g.method}, {g.dof:g} df; groups = {group_column}; "
                                    f"{_where(lineage)}; {SENSITIVITY}"))
        rows += _model_rows(d, patients, lineage, study)
        rows += recovery_km.km_recovery_rows(d, lineage, group_column, study["conventions"])
        for panel, grp in (("all", pd.Series(lineage, index=d.index)), (lineage, d["group"])):
            c = competing.cumulative_incidence_cr(d[time], d[status], grid, grp.astype(object),
                                                 extend=True)
            curves.append(c.assign(panel=panel, lineage=lineage))
            r = kaplan_meier.numbers_at_risk(d[time], risk_days, grp.astype(object))
            risks.append(r.assign(panel=panel, lineage=lineage))
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["panel", "lineage", "group", "day", "cumulative_incidence", "ci_low", "ci_high"])
    at_risk = pd.concat(risks, ignore_index=True) if risks else pd.DataFrame(
        columns=["panel", "lineage", "group", "day", "n_at_risk"])
    keep = ["panel", "lineage", "group", "day", "cumulative_incidence", "ci_low", "ci_high"]
    return {"stats": stat_frame(rows), "curve": curve[keep],
            "at_risk": at_risk[["panel", "lineage", "group", "day", "n_at_risk"]]}


def _fmt(x: float, digits: int = 3) -> str:
    return "" if x != x else f"{x:.{digits}f}"


def degenerate_ci(r) -> bool:
    """A cumulative-incidence row whose printed CI is degenerate: the estimate is 0 or 1 (within
    1e-9; floating point puts a 100% curve just below 1) and its log(-log) interval is 0-1."""
    return (r.statistic == "cumulative_incidence" and r.ci_low == r.ci_low
            and min(r.estimate, 1 - r.estimate) < DEGENERATE_TOL)


def _estimate(r) -> str:
    if r.statistic == "cumulative_incidence":
        est = "" if r.estimate != r.estimate else f"{100 * r.estimate:.1f}%"
        if r.ci_low == r.ci_low:
            est += f" ({100 * r.ci_low:.1f}-{100 * r.ci_high:.1f}){'*' if degenerate_ci(r) else ''}"
        return est
    if r.statistic in ("sHR", "csHR"):
        return f"{_fmt(r.estimate)} ({_fmt(r.ci_low)}-{_fmt(r.ci_high)})"
    if r.statistic == "median":
        return recovery_km.format_median(r.estimate, r.ci_low, r.ci_high)
    return _fmt(r.estimate, 3 if r.statistic == "chi2" else 0)


def format_competing(stats: pd.DataFrame) -> pd.DataFrame:
    """Report table: Lineage | Analysis | Group / term | Estimate (95% CI) | P value | n.

    A cumulative incidence whose CI is degenerate (:func:`degenerate_ci`) is marked "*"
    (explained by :func:`table_note`); a KM median not reached reads "not reached", a limit "NR"."""
    names = {CIF: "Cumulative incidence of recovery", GRAY: "Gray's test",
             FINE_GRAY: "Fine-Gray sHR (sensitivity)",
             CAUSE_SPECIFIC: "Cause-specific Cox (sensitivity)",
             recovery_km.KM_MEDIAN: "KM median days to recovery, death censored (descriptive)",
             recovery_km.LOGRANK: "Log-rank test, death censored (descriptive)"}
    lines = [{"Lineage": r.outcome.split("_")[0].upper(), "Analysis": names[r.analysis],
              "Group / term": r.level or r.term, "Estimate (95% CI)": _estimate(r),
              "P value": "" if r.p_value != r.p_value else
              ("<0.001" if r.p_value < 0.001 else _fmt(r.p_value)),
              "n": "" if r.n != r.n else str(int(r.n))} for r in stats.itertuples()]
    return pd.DataFrame(lines, columns=["Lineage", "Analysis", "Group / term",
                                        "Estimate (95% CI)", "P value", "n"])


def table_note(stats: pd.DataFrame, group_column: str) -> str:
    """The table's footnote: the methods (the KM CI scale as the rows name it) and, when a
    degenerate CI is printed, what the "*" means."""
    km = stats[stats["analysis"] == recovery_km.KM_MEDIAN]["method"]
    scale = "log(-log S)" if km.str.contains("log(-log S)", regex=False).any() else "log S"
    note = ("Aalen-Johansen cumulative incidence (Gray variance, log(-log) 95% CI); Gray's test "
            f"across {group_column}; Fine-Gray subdistribution HRs with the Figure 5 covariates; "
            "cause-specific Cox only where its event differs from the paper's. Population: "
            "new-onset patients of the analysis set (Figure 5).")
    if len(km):
        note += (" Descriptive, not in the paper: Kaplan-Meier median days to recovery with the "
                 f"Brookmeyer-Crowley 95% CI ({scale} scale, from the conventions) and the "
                 f"log-rank test across {group_column}, death before recovery censored as in the "
                 "paper's Cox models; NR = limit not reached.")
    if any(degenerate_ci(r) for r in stats.itertuples()):
        note += (" * Estimate 0% or 100% (within floating point): the log(-log) CI is degenerate "
                 "there (0-100%) and carries no information; printed as computed (R "
                 "cmprsk::cuminc gives the same).")
    return note
