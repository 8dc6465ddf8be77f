"""Wang 2021 logistic model of prolonged hematological toxicity (PHT, severe cytopenia ongoing on
day 28): ``pht ~ crs_onset_day + crs_recovery_day + crs_max_grade`` (covariates from
``study["logistic_pht"]["covariates"]``), in the analysis set.

Patients with a missing covariate are dropped (complete cases): a patient without CRS has no CRS
onset or recovery day, so the model rests on patients with CRS. ``n`` is the number of patients
in the model and ``method`` says how many were dropped.

Rows (analysis ``logistic_pht``): outcome ``pht``, term = covariate, statistic "OR", estimate,
Wald 95% CI, Wald p, method from :func:`cartcyto.stats.regression.logistic` (the intercept is
not reported, as in the paper).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from cartcyto.analyses.columns import analysis_set, as_floats
from cartcyto.vocabulary import LABELS
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.stats import regression

ANALYSIS = "logistic_pht"
OUTCOME = "pht"
INTERCEPT_NAMES = {"const", "intercept", "(intercept)"}


def pht_covariates(study: Mapping) -> list[str]:
    """``study["logistic_pht"]["covariates"]`` (the published set by default, in the design schema)."""
    return list(study["logistic_pht"]["covariates"])


def model_frame(patients: pd.DataFrame, covariates: Sequence[str]) -> tuple[pd.DataFrame, dict]:
    """Numeric (pht, covariates) complete cases of the analysis set, and {column: number of
    dropped patients missing it} (a patient missing two columns counts in both)."""
    df = analysis_set(patients)
    cols = [OUTCOME, *covariates]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"logistic PHT model: derived patients table has no column(s) {missing}; "
                         "check study['logistic_pht']['covariates']")
    data = as_floats(df, cols)
    complete = data.dropna(subset=cols)
    return complete, data[data.isna().any(axis=1)].isna().sum().loc[lambda s: s > 0].to_dict()


def logistic_pht(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Statistics rows of the PHT logistic model (see the module docstring)."""
    covariates = pht_covariates(study)
    data, dropped = model_frame(patients, covariates)
    fit = regression.logistic(data, OUTCOME, covariates)
    fit = fit[~fit["term"].astype(str).str.lower().isin(INTERCEPT_NAMES)]
    n_dropped = len(analysis_set(patients)) - len(data)
    why = ", ".join(f"{col} missing in {k}" for col, k in dropped.items())
    note = (f"; analysis set, complete cases: {n_dropped} patient(s) with a missing value dropped"
            + (f" ({why})" if why else "") + f"; {int(data[OUTCOME].sum())} with PHT")
    rows = [stat_row(ANALYSIS, "OR", r.estimate, outcome=OUTCOME, term=r.term, ci_low=r.ci_low,
                     ci_high=r.ci_high, p_value=r.p_value, n=r.n, method=f"{r.method}{note}")
            for r in fit.itertuples()]
    return stat_frame(rows)


def _fmt(x: float) -> str:
    return "" if x != x else f"{x:.3f}"


def format_logistic(stats: pd.DataFrame) -> pd.DataFrame:
    """Printed table: Factor | Odds ratio (95% CI) | P value | n."""
    sub = stats[stats["analysis"] == ANALYSIS]
    return pd.DataFrame([{
        "Factor": LABELS.get(r.term, r.term),
        "Odds ratio (95% CI)": f"{_fmt(r.estimate)} ({_fmt(r.ci_low)}-{_fmt(r.ci_high)})",
        "P value": "<0.001" if r.p_value < 0.001 else _fmt(r.p_value),
        "n": "" if r.n != r.n else str(int(r.n)),
    } for r in sub.itertuples()], columns=["Factor", "Odds ratio (95% CI)", "P value", "n"])
