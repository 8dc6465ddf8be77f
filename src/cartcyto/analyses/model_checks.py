"""Checks of the project's models, as a statistical reviewer asks (family ``model_checks``).

For every Cox model of the cox family (Figure 5, one per lineage) and the logistic model of the
logistic family (PHT), on exactly the patients each model uses:

* ``cox_recovery_checks`` (outcome ``<L>_duration_days``): ``events``, ``EPV`` (events per
  covariate); the proportional-hazards test per term and ``GLOBAL`` (statistic ``chi2``, R
  ``cox.zph``, transform from ``study["model_checks"]["ph_transform"]``, ties as the model).
* ``logistic_pht_checks`` (outcome ``pht``): ``events`` (patients with PHT), ``non_events``,
  ``EPV`` (the less frequent class per covariate), ``separation`` (0 none, 1 quasi-complete,
  2 complete; level names it, term the separating covariates).
* ``logistic_pht_firth`` (sensitivity analysis, beside the paper's ``logistic_pht`` rows, never
  replacing them): Firth's penalised-likelihood ORs with profile CIs, when
  ``study["model_checks"]["firth"]`` is ``always``, or ``auto`` and separation or EPV below the
  threshold is found.

A check that fails adds a row with statistic ``warning`` (estimate 1, level = the check, method =
the message): EPV < ``epv_threshold``, a PH test p < ``ph_alpha``, separation. The report's
model-checks table lists them, and ``python -m cartcyto.report.summary`` prints them.

``cox_residuals`` returns the scaled Schoenfeld residuals (with a LOWESS smooth) that the
residual figure draws.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from cartcyto.analyses import cox, logistic
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.stats import diagnostics, firth
from cartcyto.vocabulary import LABELS, LINEAGES

COX_CHECKS = "cox_recovery_checks"
LOGISTIC_CHECKS = "logistic_pht_checks"
FIRTH = "logistic_pht_firth"
SENSITIVITY = "sensitivity analysis beside the paper's logistic_pht rows (not the paper's model)"


def _options(study: Mapping) -> dict:
    mc = study["model_checks"]
    return {"transform": mc["ph_transform"], "alpha": float(mc["ph_alpha"]),
            "epv": float(mc["epv_threshold"]), "firth": mc["firth"]}


def _warning(analysis: str, outcome: str, check: str, message: str, n: float) -> dict:
    return stat_row(analysis, "warning", 1.0, outcome=outcome, level=check, n=n,
                    method=f"WARNING: {message}")


def _cox_lineage(patients: pd.DataFrame, lineage: str, covariates, ties: str, opts: dict):
    data, _ = cox.model_frame(cox.new_onset_frame(patients, lineage), lineage, covariates)
    duration, event = f"{lineage}_duration_days", f"{lineage}_recovered"
    tests, resid = diagnostics.cox_zph(data, duration, event, list(covariates), ties=ties,
                                       transform=opts["transform"])
    n, events = float(len(data)), float(data[event].sum()) if len(data) else 0.0
    epv = diagnostics.events_per_variable(events, None, len(covariates))
    rows = [stat_row(COX_CHECKS, "events", events, outcome=duration, n=n,
                     method=f"events ({event}) in the Figure 5 model of {lineage.upper()}"),
            stat_row(COX_CHECKS, "EPV", epv, outcome=duration, n=n,
                     method=f"events per variable: {int(events)} events / {len(covariates)} "
                            f"covariate(s); threshold {opts['epv']:g}")]
    if epv < opts["epv"]:
        rows.append(_warning(COX_CHECKS, duration, f"EPV < {opts['epv']:g}",
                             f"{lineage.upper()} Cox model rests on {epv:.1f} events per "
                             "variable; estimates may be biased and CIs too narrow", n))
    for r in tests.itertuples():
        rows.append(stat_row(COX_CHECKS, "chi2", r.estimate, outcome=duration, term=r.term,
                             p_value=r.p_value, n=r.n, method=f"{r.method}, {int(r.dof) if r.dof == r.dof else 'NA'} df"))
        if r.p_value < opts["alpha"]:
            rows.append(_warning(COX_CHECKS, duration, f"PH {r.term}",
                                 f"proportional hazards rejected for {r.term} in the "
                                 f"{lineage.upper()} model (p = {r.p_value:.3g} < "
                                 f"{opts['alpha']:g})", n))
    resid = resid.assign(outcome=duration, lineage=lineage)
    return rows, resid


def cox_checks(patients: pd.DataFrame, study: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statistics rows of the Cox checks, and the scaled Schoenfeld residuals with smooths."""
    opts, copts = _options(study), cox.cox_options(study)
    rows, resid = [], []
    for lineage in LINEAGES:
        covariates = copts["covariates"][lineage]
        if not covariates:
            continue
        r, s = _cox_lineage(patients, lineage, covariates, copts["ties"], opts)
        rows += r
        resid.append(s)
    residuals = pd.concat(resid, ignore_index=True) if resid else pd.DataFrame()
    return stat_frame(rows), _smooth(residuals)


def _smooth(resid: pd.DataFrame) -> pd.DataFrame:
    """Add a LOWESS smooth (statsmodels, frac 2/3, 3 robustifying iterations) per model term."""
    if resid.empty:
        return resid.assign(smooth=pd.Series(dtype=float))
    from statsmodels.nonparametric.smoothers_lowess import lowess

    parts = []
    for _, sub in resid.groupby(["outcome", "term"], sort=False):
        sub = sub.sort_values("transformed_time", kind="stable")
        x, y = sub["transformed_time"].to_numpy(float), sub["scaled_residual"].to_numpy(float)
        fit = lowess(y, x, frac=2 / 3, it=3, return_sorted=False) if len(sub) > 3 else y
        parts.append(sub.assign(smooth=fit))
    return pd.concat(parts, ignore_index=True)


def logistic_checks(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Events, EPV and separation of the PHT model, and the Firth sensitivity rows when due."""
    opts = _options(study)
    covariates = logistic.pht_covariates(study)
    data, _ = logistic.model_frame(patients, covariates)
    y = data[logistic.OUTCOME]
    n, events = float(len(data)), float(y.sum())
    non_events = n - events
    epv = diagnostics.events_per_variable(events, non_events, len(covariates))
    sep = diagnostics.separation(data, logistic.OUTCOME, covariates).iloc[0]
    out = logistic.OUTCOME
    rows = [stat_row(LOGISTIC_CHECKS, "events", events, outcome=out, n=n,
                     method="patients with PHT in the model (complete cases)"),
            stat_row(LOGISTIC_CHECKS, "non_events", non_events, outcome=out, n=n,
                     method="patients without PHT in the model (complete cases)"),
            stat_row(LOGISTIC_CHECKS, "EPV", epv, outcome=out, n=n,
                     method=f"events per variable: min({int(events)} with, {int(non_events)} "
                            f"without PHT) / {len(covariates)} covariates; threshold "
                            f"{opts['epv']:g}"),
            stat_row(LOGISTIC_CHECKS, "separation", sep.estimate, outcome=out, term=sep.term,
                     level=sep.level, n=sep.n, method=sep.method)]
    low_epv, separated = epv < opts["epv"], sep.level != "none"
    if low_epv:
        rows.append(_warning(LOGISTIC_CHECKS, out, f"EPV < {opts['epv']:g}",
                             f"the PHT model rests on {epv:.1f} events per variable", n))
    if separated:
        rows.append(_warning(LOGISTIC_CHECKS, out, "separation",
                             f"{sep.level} separation by {sep.term}: the maximum-likelihood "
                             "OR of that term is infinite; see the Firth sensitivity rows", n))
    run_firth = opts["firth"] == "always" or (opts["firth"] == "auto" and (low_epv or separated))
    if run_firth and len(data) and y.nunique() == 2:
        why = "requested" if opts["firth"] == "always" else \
            " and ".join(w for w, on in (("separation", separated), ("low EPV", low_epv)) if on)
        fit = firth.firth_logistic(data, out, covariates)
        rows += [stat_row(FIRTH, "OR", r.estimate, outcome=out, term=r.term, ci_low=r.ci_low,
                          ci_high=r.ci_high, p_value=r.p_value, n=r.n,
                          method=f"{r.method}; {SENSITIVITY}, run for {why}")
                 for r in fit.itertuples()]
    return stat_frame(rows)


def model_checks(patients: pd.DataFrame, study: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every check of the models the design runs: (statistics rows, Schoenfeld residuals)."""
    parts, resid = [], pd.DataFrame()
    if "cox" in study["analyses"]:
        rows, resid = cox_checks(patients, study)
        parts.append(rows)
    if "logistic" in study["analyses"]:
        parts.append(logistic_checks(patients, study))
    return (stat_frame(pd.concat(parts, ignore_index=True)) if parts else stat_frame([])), resid


def _fmt(x: float, digits: int = 3) -> str:
    return "" if x != x else f"{x:.{digits}g}"


def format_checks(stats: pd.DataFrame) -> pd.DataFrame:
    """Report table: Model | Check | Result | Flag (every warning row as 'WARNING: ...')."""
    lines = []
    model_name = {COX_CHECKS: "Cox, recovery of {}", LOGISTIC_CHECKS: "Logistic, PHT",
                  FIRTH: "Firth logistic, PHT (sensitivity)"}
    for r in stats.itertuples():
        lineage = r.outcome.split("_")[0] if r.analysis == COX_CHECKS else ""
        model = model_name[r.analysis].format(lineage.upper())
        if r.statistic == "warning":
            lines.append({"Model": model, "Check": r.level, "Result": "", "Flag": r.method})
            continue
        if r.statistic == "chi2":
            check, result = f"PH test {LABELS.get(r.term, r.term)}", \
                f"chi2 {_fmt(r.estimate)}, p {_fmt(r.p_value)}"
        elif r.statistic == "separation":
            check, result = "Separation", r.level + (f" ({r.term})" if r.term else "")
        elif r.statistic == "OR":
            check = f"OR {LABELS.get(r.term, r.term)}"
            result = f"{_fmt(r.estimate)} ({_fmt(r.ci_low)}-{_fmt(r.ci_high)}), p {_fmt(r.p_value)}"
        else:
            check, result = r.statistic, _fmt(r.estimate)
        lines.append({"Model": model, "Check": check, "Result": result, "Flag": ""})
    return pd.DataFrame(lines, columns=["Model", "Check", "Result", "Flag"])


def warnings_of(stats: pd.DataFrame) -> list[str]:
    """The warning messages among statistics rows (any family), as 'analysis outcome: message'."""
    w = stats[stats["statistic"] == "warning"]
    return [f"{r.analysis} {r.outcome}: {r.method}" for r in w.itertuples()]


