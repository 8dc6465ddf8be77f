"""Survival analysis: Cox proportional hazards and cumulative incidence.

``cox_ph`` returns one row per covariate with the columns of :data:`COX_COLUMNS`:
``term``, ``statistic`` ("HR"), ``estimate`` exp(b), ``ci_low``/``ci_high`` (Wald 95%:
exp(b -/+ z_0.975 * se)), ``p_value`` (Wald z test), ``n`` (complete cases used), ``events``
(events among them) and ``method``.

``cumulative_incidence`` returns one row per day with the columns of :data:`CI_COLUMNS`.

Checked against R 4.x ``survival`` (tests/reference/stats_survival.R, tests/test_stats_survival.py).
"""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.stats import check_convention
from cartcyto.stats.tests import _float_array

COX_COLUMNS = ["term", "statistic", "estimate", "ci_low", "ci_high", "p_value", "n", "events",
               "method"]
CI_COLUMNS = ["day", "cumulative_incidence", "n_at_risk", "n", "method"]
TIES = ("breslow", "efron")
Z975 = stats.norm.ppf(0.975)  # 1.959963984540054

CI_KM = "Cumulative incidence, 1 - Kaplan-Meier"
CI_AJ = "Cumulative incidence, Aalen-Johansen (competing risks)"


def PHReg(*args, **kwargs):  # noqa: N802 - stands for the class
    """statsmodels' ``PHReg`` model, imported when a model is first fitted (over a second to import)."""
    from statsmodels.duration.hazard_regression import PHReg as model

    return model(*args, **kwargs)


def ties_for(convention: str) -> str:
    """Cox tie handling of a convention: "spss" -> "breslow" (SPSS 20), "r" -> "efron" (coxph)."""
    return {"spss": "breslow", "r": "efron"}[check_convention(convention)]


def cox_method(ties: str) -> str:
    """The ``method`` string of a Cox model fitted with ``ties``."""
    return f"Cox proportional hazards, {ties.capitalize()} ties, Wald 95% CI, Wald p"


def _float_column(df: pd.DataFrame, col: str) -> np.ndarray:
    """Column as a float array (missing -> NaN); numbers, booleans (also as object) only."""
    s = df[col]
    problem = isinstance(s.dtype, pd.CategoricalDtype) or isinstance(s.dtype, pd.StringDtype)
    if not problem:
        try:
            return _float_array(s, col)
        except ValueError:
            problem = True
    raise ValueError(f"column {col!r} must be numeric or boolean, got {s.dtype} values such as "
                     f"{s.dropna().unique()[:3].tolist()!r}; dummy-code categorical covariates "
                     "(0/1 columns) before modelling")


def _event_array(values: np.ndarray, name: str) -> np.ndarray:
    ok = np.isnan(values) | (values == 0) | (values == 1)
    if not ok.all():
        raise ValueError(f"{name} must be True/False or 1/0 (missing allowed), got "
                         f"{sorted(set(values[~ok].tolist()))[:5]!r}; recode e.g. R's 1/2 status as 0/1")
    return values


def _cox_data(df: pd.DataFrame, duration: str, event: str, covariates: Sequence[str]):
    """Complete-case arrays (time, status, X) for a Cox model."""
    missing = [c for c in [duration, event, *covariates] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing!r} not in df; available: {list(df.columns)!r}")
    time = _float_column(df, duration)
    status = _event_array(_float_column(df, event), f"event column {event!r}")
    X = np.column_stack([_float_column(df, c) for c in covariates]) if covariates else \
        np.empty((len(df), 0))
    keep = np.isfinite(time) & np.isfinite(status) & np.all(np.isfinite(X), axis=1)
    if np.any(time[keep] < 0):
        raise ValueError(f"duration column {duration!r} has negative values")
    return time[keep], status[keep], X[keep]


def _complete_mask(df: pd.DataFrame, duration: str, event: str, covariates: Sequence[str]):
    """The rows _cox_data keeps."""
    cols = [_float_column(df, c) for c in [duration, event, *covariates]]
    return np.all(np.isfinite(np.column_stack(cols)), axis=1)


def _nan_rows(covariates: Sequence[str], n: int, events: int, method: str) -> pd.DataFrame:
    return pd.DataFrame([{"term": c, "statistic": "HR", "estimate": np.nan, "ci_low": np.nan,
                          "ci_high": np.nan, "p_value": np.nan, "n": float(n),
                          "events": float(events), "method": method} for c in covariates],
                        columns=COX_COLUMNS)


def _fit_cox(time: np.ndarray, status: np.ndarray, X: np.ndarray, ties: str, strata=None):
    """Fit PHReg; returns (params, bse, llf) or raises RuntimeError with the statistical cause."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = PHReg(time, X, status=status, ties=ties, strata=strata).fit()
        except np.linalg.LinAlgError as exc:
            raise RuntimeError(f"the information matrix is singular ({exc})") from None
    params, bse = np.asarray(res.params, float), np.asarray(res.bse, float)
    notes = [str(w.message) for w in caught if "converge" in str(w.message).lower()]
    # Monotone likelihood (e.g. no events in one group of a binary covariate): the MLE is
    # infinite, the fit stops at a huge coefficient with a huge standard error.
    sd = X.std(axis=0)
    if notes or not np.all(np.isfinite(bse)) or np.any(np.abs(params * sd) > 15):
        raise RuntimeError("monotone likelihood or non-convergence (a coefficient diverges: "
                           "a covariate level has no events, or events only)")
    return params, bse, float(res.llf)


def cox_ph(df: pd.DataFrame, duration: str, event: str, covariates: Sequence[str] | str, *,
           ties: str, strata: str | None = None) -> pd.DataFrame:
    """Cox proportional-hazards regression (statsmodels ``PHReg``), complete cases.

    Parameters
    ----------
    df : one row per patient.
    duration : column of follow-up times (>= 0).
    event : column, True/1 = event, False/0 = censored.
    covariates : numeric or boolean columns (dummy-code categories first); entered together.
    ties : "breslow" (SPSS 20) or "efron" (R ``coxph`` default); see :func:`ties_for`.
    strata : optional column: a separate baseline hazard per value (stratified Cox, R
        ``coxph(... + strata(column))``); rows missing it are dropped, ``method`` names it.

    Returns
    -------
    One row per covariate (see module docstring). Rows with a missing value in any model column
    are dropped; ``n``/``events`` count what was used. Without events, with a constant
    covariate or a diverging fit, the rows are NaN and a ``RuntimeWarning`` explains why.

    Notes
    -----
    HR = exp(b); 95% CI = exp(b -/+ 1.959964 se) (R ``exp(confint(fit))``, SPSS "95.0% CI for
    Exp(B)"); p from the Wald z = b / se (R ``summary(fit)``, SPSS "Sig."). Matches R
    ``coxph(..., ties = ties)`` to ~1e-10.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES!r}, got {ties!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one column")
    groups = None
    if strata is not None:
        if strata not in df.columns:
            raise ValueError(f"strata column {strata!r} not in df")
        ok = df[strata].notna().to_numpy()
        df = df[ok]
        groups = pd.factorize(df[strata].astype(str))[0]
    time, status, X = _cox_data(df, duration, event, covariates)
    if groups is not None:
        groups = groups[_complete_mask(df, duration, event, covariates)]
    n, events = time.size, int(status.sum())
    method = cox_method(ties) + ("" if strata is None else f", stratified by {strata}")
    reason = None
    if events == 0:
        reason = f"no events among the {n} complete cases"
    else:
        constant = [c for c, sd in zip(covariates, X.std(axis=0)) if sd == 0]
        if constant:
            reason = f"covariate(s) {constant!r} constant among the complete cases"
    if reason is None:
        try:
            params, bse, _ = _fit_cox(time, status, X, ties, groups)
        except RuntimeError as exc:
            reason = str(exc)
    if reason is not None:
        warnings.warn(f"cox_ph({covariates!r}): not estimable: {reason}. Check the events per "
                      "covariate level, e.g. pd.crosstab(df[covariate], df[event]), and drop or "
                      "merge the covariate.",
                      RuntimeWarning, stacklevel=2)
        return _nan_rows(covariates, n, events, f"{method}: not estimable: {reason}")
    p = 2.0 * stats.norm.sf(np.abs(params / bse))
    return pd.DataFrame({
        "term": covariates, "statistic": "HR", "estimate": np.exp(params),
        "ci_low": np.exp(params - Z975 * bse), "ci_high": np.exp(params + Z975 * bse),
        "p_value": p, "n": float(n), "events": float(events), "method": method,
    }, columns=COX_COLUMNS)


def cumulative_incidence(time: Any, event: Any, *, competing: Any = None,
                         horizon: int) -> pd.DataFrame:
    """Cumulative incidence of ``event`` at the end of each day 0, 1, ..., ``horizon``.

    Parameters
    ----------
    time : time to event or censoring (days, >= 0; non-integers allowed).
    event : True/1 where the event of interest happened at ``time``.
    competing : optional True/1 where a competing event (e.g. death) happened at ``time``;
        then the Aalen-Johansen estimator is used, otherwise 1 - Kaplan-Meier (any other
        subject is censored at ``time``). A row cannot have both.
    horizon : last day reported.

    Returns
    -------
    DataFrame day, cumulative_incidence (P(T <= day), in [0, 1]), n_at_risk (subjects with
    time >= day), n (subjects used: rows with missing time/event dropped), method. After the
    last follow-up time the last value is carried forward (R ``summary(fit, extend = TRUE)``)
    with n_at_risk 0.
    """
    if isinstance(horizon, (bool, np.bool_)) or not float(horizon).is_integer() or horizon < 0:
        raise ValueError(f"horizon must be a non-negative integer number of days, got {horizon!r}")
    t = _float_array(time, "time")
    e = _event_array(_float_array(event, "event"), "event")
    c = np.zeros_like(t) if competing is None else _event_array(_float_array(competing, "competing"),
                                                                 "competing")
    if not t.size == e.size == c.size:
        raise ValueError(f"time, event and competing must have equal lengths, got "
                         f"{t.size}, {e.size}, {c.size}")
    keep = np.isfinite(t) & np.isfinite(e) & np.isfinite(c)
    t, e, c = t[keep], e[keep], c[keep]
    if np.any(t < 0):
        raise ValueError("time has negative values")
    if np.any((e == 1) & (c == 1)):
        raise ValueError("a row has both event and competing event; each subject has one outcome")
    days = np.arange(int(horizon) + 1, dtype=float)
    n_at_risk = (t[None, :] >= days[:, None]).sum(axis=1)
    # Product-limit / Aalen-Johansen over the distinct times with an event of either kind.
    jumps = np.unique(t[(e == 1) | (c == 1)])
    at_risk = (t[None, :] >= jumps[:, None]).sum(axis=1)
    d1 = ((t[None, :] == jumps[:, None]) & (e == 1)).sum(axis=1)
    d2 = ((t[None, :] == jumps[:, None]) & (c == 1)).sum(axis=1)
    surv_after = np.cumprod(1.0 - (d1 + d2) / at_risk)           # all-cause S(t_j)
    surv_before = np.concatenate([[1.0], surv_after[:-1]])        # S(t_j-)
    cif = np.cumsum(surv_before * d1 / at_risk)
    if competing is None:
        cif = 1.0 - surv_after   # identical to the cumsum when there are no competing events
    idx = np.searchsorted(jumps, days, side="right") - 1          # last jump <= day
    values = np.where(idx >= 0, cif[np.clip(idx, 0, None)] if cif.size else 0.0, 0.0)
    return pd.DataFrame({
        "day": days.astype(int), "cumulative_incidence": values,
        "n_at_risk": n_at_risk.astype(float), "n": float(t.size),
        "method": CI_KM if competing is None else CI_AJ,
    }, columns=CI_COLUMNS)


STEP_COLUMNS = ["step", "action", "term", "statistic", "value", "dof", "p_value", "loglik",
                "model"]


def _score_test(time, status, X_in, x_new, beta_in, ties):
    """Score chi-square for adding ``x_new`` to the model (X_in, beta_in), 1 df."""
    X = np.column_stack([X_in, x_new])
    model = PHReg(time, X, status=status, ties=ties)
    beta = np.concatenate([beta_in, [0.0]])
    u = model.score(beta)
    info = -model.hessian(beta)
    return float(u @ np.linalg.solve(info, u))


def backward_lr_cox(df: pd.DataFrame, duration: str, event: str, candidates: Sequence[str], *,
                    ties: str, p_remove: float = 0.10, p_enter: float = 0.05):
    """Backward stepwise Cox regression with likelihood-ratio removal (SPSS "Backward: LR").

    Starts from all ``candidates`` (single numeric columns), on the cases complete for all of
    them (listwise, as SPSS COXREG). Each step removes the covariate whose likelihood-ratio
    test (2 * (loglik with - loglik without), 1 df) has the largest p, if that p > ``p_remove``;
    when nothing is removed, the removed covariate with the smallest score-test p < ``p_enter``
    is entered again (SPSS checks entry of removed variables the same way). Stops when neither
    applies, or when a model would repeat.

    Returns
    -------
    (model, log): ``model`` are the :func:`cox_ph` rows of the final model (same cases; method
    names the selection); ``log`` has one row per step with columns :data:`STEP_COLUMNS`
    (action "start" | "remove" | "enter" | "stop", the test statistic "LR chi2"/"score chi2",
    its value, dof, p, the log partial likelihood after the step and the terms in the model).
    The LR statistics and the entry score tests equal R ``coxph`` refits and
    ``coxph(init = c(b, 0), iter.max = 0)$score`` (tests/reference/stats_survival.R).

    Raises
    ------
    RuntimeError when a model on the path cannot be estimated (monotone likelihood): selection
    has no defined result then; check the events per covariate level first.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES!r}, got {ties!r}")
    candidates = list(candidates)
    if not candidates:
        raise ValueError("candidates must name at least one column")
    time, status, X = _cox_data(df, duration, event, candidates)
    complete = pd.DataFrame(X, columns=candidates)
    complete[duration], complete[event] = time, status
    col = {c: i for i, c in enumerate(candidates)}

    def fit(terms):
        if not terms:
            return np.empty(0), _null_loglik(time, status, ties)
        params, _, llf = _fit_cox(time, status, X[:, [col[t] for t in terms]], ties)
        return params, llf

    current = list(candidates)
    beta, llf = fit(current)
    log = [dict(step=0, action="start", term="", statistic="", value=np.nan, dof=np.nan,
                p_value=np.nan, loglik=llf, model=" + ".join(current))]
    seen = {frozenset(current)}
    step = 0
    while True:
        step += 1
        best = None  # (p, term, chi2, beta, llf)
        for term in current:
            rest = [t for t in current if t != term]
            b_r, ll_r = fit(rest)
            chi2 = max(2.0 * (llf - ll_r), 0.0)
            p = float(stats.chi2.sf(chi2, 1))
            if best is None or p > best[0]:
                best = (p, term, chi2, b_r, ll_r)
        action = None
        if best is not None and best[0] > p_remove:
            p, term, chi2, b_new, ll_new = best
            new = [t for t in current if t != term]
            action, stat = "remove", "LR chi2"
        else:
            removed = [t for t in candidates if t not in current]
            scores = [(float(stats.chi2.sf(s, 1)), t, s) for t in removed for s in
                      [_score_test(time, status, X[:, [col[c] for c in current]],
                                   X[:, col[t]], beta, ties)]]
            if scores and min(scores)[0] < p_enter:
                p, term, chi2 = min(scores)
                new = [t for t in candidates if t in current or t == term]
                b_new, ll_new = fit(new)
                action, stat = "enter", "score chi2"
        if action is None or frozenset(new) in seen:
            log.append(dict(step=step, action="stop", term="", statistic="", value=np.nan,
                            dof=np.nan, p_value=np.nan, loglik=llf, model=" + ".join(current)))
            break
        current, beta, llf = new, b_new, ll_new
        seen.add(frozenset(current))
        log.append(dict(step=step, action=action, term=term, statistic=stat, value=chi2, dof=1.0,
                        p_value=p, loglik=llf, model=" + ".join(current)))
    selection = (f"; backward stepwise selection from {candidates!r} (likelihood-ratio removal "
                 f"p > {p_remove:g}, score entry p < {p_enter:g})")
    if current:
        model = cox_ph(complete, duration, event, current, ties=ties)
    else:
        model = pd.DataFrame(columns=COX_COLUMNS)
    model["method"] = model["method"] + selection
    return model, pd.DataFrame(log, columns=STEP_COLUMNS)


def _null_loglik(time: np.ndarray, status: np.ndarray, ties: str) -> float:
    """Log partial likelihood of the model without covariates (beta = 0)."""
    model = PHReg(time, np.zeros((time.size, 1)), status=status, ties=ties)
    return float(model.loglike(np.zeros(1)))
