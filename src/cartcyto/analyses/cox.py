"""Figure 5 of Wang 2021: multivariable Cox models of recovery from new-onset severe cytopenia.

For each lineage L (sn, sa, st): time ``L_duration_days``, event ``L_recovered``, among the
analysis-set patients with a new-onset episode (``L_new_onset`` true) and every covariate present
(complete cases; the number dropped is stated in ``method``). Covariates come from
``study["cox"]["covariates"][L]`` (the published sets by default, in the design schema); ties from
``study["cox"]["ties"]`` or, when null, the convention (spss: Breslow, r: Efron).

Rows (analysis ``cox_recovery``): outcome ``L_duration_days``, term = covariate, statistic "HR",
estimate, Wald 95% CI, Wald p, n = patients in the model; ``method`` is the one of
:func:`cartcyto.stats.survival.cox_ph` plus the event column, the number of events and dropped
patients.

Optional (``study["cox"]["stepwise"]``, off by default): SPSS "Backward: LR" selection. Every
candidate (``study["cox"]["stepwise_candidates"][L]``, or :data:`CANDIDATES` when null) is first fitted
alone (rows ``cox_recovery_univariate``); those with p < ``stepwise_screen_p`` (default 0.05)
form the block of :func:`cartcyto.stats.survival.backward_lr_cox` (listwise complete cases,
likelihood-ratio removal p > ``stepwise_p_remove``, SPSS default 0.10; score-test re-entry
p < ``stepwise_p_enter``, default 0.05), whose final model is reported as ``cox_recovery``.
"""
from __future__ import annotations

import warnings
from typing import Mapping, Sequence

import pandas as pd

from cartcyto.analyses.columns import analysis_set, as_floats
from cartcyto.analyses.spearman import marker_terms, new_onset_mask
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.stats import survival
from cartcyto.vocabulary import CRS_TIMES, LABELS, LINEAGES

ANALYSIS = "cox_recovery"
UNIVARIATE_ANALYSIS = "cox_recovery_univariate"
CANDIDATES = (*CRS_TIMES, "crs_max_grade", "toci_or_steroid", "bm_blasts_pct", "lg_ldh")
"""Default stepwise candidates (plus every ``lg_max_<marker>`` present)."""
ITEM = {"sn": "Recovery of severe neutropenia", "sa": "Recovery of severe anemia",
        "st": "Recovery of severe thrombocytopenia"}


def cox_options(study: Mapping) -> dict:
    """The study's Cox settings (defaults come from the design schema); ``ties`` resolved from
    the convention when null; the selection thresholds only when ``stepwise`` is on."""
    cox = study["cox"]
    opts = {"ties": cox["ties"] or survival.ties_for(study["conventions"]),
            "covariates": cox["covariates"], "stepwise": bool(cox["stepwise"])}
    if opts["stepwise"]:
        opts.update(p_remove=float(cox["stepwise_p_remove"]), p_enter=float(cox["stepwise_p_enter"]),
                    p_screen=float(cox["stepwise_screen_p"]), candidates=cox["stepwise_candidates"])
    return opts


def new_onset_frame(patients: pd.DataFrame, lineage: str) -> pd.DataFrame:
    """Analysis-set patients with a new-onset severe episode of ``lineage``."""
    df = analysis_set(patients)
    return df[new_onset_mask(df, lineage).to_numpy(bool)]


def model_frame(cohort: pd.DataFrame, lineage: str, covariates: Sequence[str]
                ) -> tuple[pd.DataFrame, int]:
    """Numeric (duration, event, covariates) complete cases; returns (frame, number dropped)."""
    duration, event = f"{lineage}_duration_days", f"{lineage}_recovered"
    missing = [c for c in [duration, event, *covariates] if c not in cohort.columns]
    if missing:
        raise ValueError(f"Cox model of {lineage}: derived patients table has no column(s) "
                         f"{missing}; check study['cox']['covariates']['{lineage}']")
    cols = [duration, event, *covariates]
    data = as_floats(cohort, cols)
    data.insert(0, "patient_id", cohort["patient_id"] if "patient_id" in cohort else cohort.index)
    complete = data.dropna(subset=cols)
    return complete, len(data) - len(complete)


def _rows(fit: pd.DataFrame, analysis: str, lineage: str, dropped: int, note: str = "") -> list:
    event = f"{lineage}_recovered"
    rows = []
    for r in fit.itertuples():
        method = f"{r.method}; event = {event}"
        if "events" in fit.columns and r.events == r.events:
            method += f" ({int(r.events)} events)"
        method += f"; new-onset {lineage.upper()} patients of the analysis set"
        if dropped:
            method += f", {dropped} with missing covariates dropped"
        rows.append(stat_row(analysis, "HR", r.estimate, outcome=f"{lineage}_duration_days",
                             term=r.term, ci_low=r.ci_low, ci_high=r.ci_high,
                             p_value=r.p_value, n=r.n, method=method + note))
    return rows


def fit_lineage(patients: pd.DataFrame, lineage: str, covariates: Sequence[str], *, ties: str,
                analysis: str = ANALYSIS, note: str = "") -> pd.DataFrame:
    """One multivariable Cox model of recovery for ``lineage`` as statistics rows."""
    data, dropped = model_frame(new_onset_frame(patients, lineage), lineage, covariates)
    fit = survival.cox_ph(data, f"{lineage}_duration_days", f"{lineage}_recovered",
                          list(covariates), ties=ties)
    return stat_frame(_rows(fit, analysis, lineage, dropped, note))


def stepwise_lineage(patients: pd.DataFrame, lineage: str, opts: Mapping) -> pd.DataFrame:
    """Univariate screen + SPSS "Backward: LR" selection for one lineage (rows of both)."""
    cohort = new_onset_frame(patients, lineage)
    given = opts["candidates"]
    pool = given[lineage] if given[lineage] is not None else [*CANDIDATES, *marker_terms(cohort)]
    pool = [c for c in pool if c in cohort.columns]
    if cohort.empty or not pool:
        return stat_frame([])
    uni = pd.concat([fit_lineage(patients, lineage, [c], ties=opts["ties"],
                                 analysis=UNIVARIATE_ANALYSIS) for c in pool], ignore_index=True)
    entered = uni.loc[uni["p_value"] < opts["p_screen"], "term"].tolist()
    if not entered:
        return uni
    data, dropped = model_frame(cohort, lineage, entered)
    try:
        model, _ = survival.backward_lr_cox(
            data, f"{lineage}_duration_days", f"{lineage}_recovered", entered, ties=opts["ties"],
            p_remove=opts["p_remove"], p_enter=opts["p_enter"])
    except RuntimeError as exc:
        warnings.warn(f"Cox stepwise selection for {lineage}: {exc}; only the univariate rows "
                      "are reported", RuntimeWarning, stacklevel=2)
        return uni
    note = f"; candidates = univariate factors with p < {opts['p_screen']:g}"
    return pd.concat([uni, stat_frame(_rows(model, ANALYSIS, lineage, dropped, note))],
                     ignore_index=True)


def cox_recovery(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Figure 5 statistics rows for every lineage (see the module docstring)."""
    opts = cox_options(study)
    parts = []
    for lineage in LINEAGES:
        if opts["stepwise"]:
            parts.append(stepwise_lineage(patients, lineage, opts))
        elif opts["covariates"][lineage]:
            parts.append(fit_lineage(patients, lineage, opts["covariates"][lineage],
                                     ties=opts["ties"]))
    return stat_frame(pd.concat(parts, ignore_index=True)) if parts else stat_frame([])


def _fmt(x: float, digits: int = 3) -> str:
    return "" if x != x else f"{x:.{digits}f}"


def format_cox(stats: pd.DataFrame, analysis: str = ANALYSIS) -> pd.DataFrame:
    """Figure 5 table: Items | Factors | Hazard ratio (95% CI) | P value | n."""
    sub = stats[stats["analysis"] == analysis]
    lines = []
    for lineage in LINEAGES:
        rows = sub[sub["outcome"] == f"{lineage}_duration_days"]
        for i, r in enumerate(rows.itertuples()):
            lines.append({
                "Items": ITEM[lineage] if i == 0 else "",
                "Factors": LABELS.get(r.term, r.term),
                "Hazard ratio (95% CI)": f"{_fmt(r.estimate)} ({_fmt(r.ci_low)}-{_fmt(r.ci_high)})",
                "P value": "<0.001" if r.p_value < 0.001 else _fmt(r.p_value),
                "n": "" if r.n != r.n else str(int(r.n)),
            })
    return pd.DataFrame(lines, columns=["Items", "Factors", "Hazard ratio (95% CI)", "P value",
                                        "n"])
