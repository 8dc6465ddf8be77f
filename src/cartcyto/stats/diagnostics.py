"""Model checks: proportional hazards (cox.zph), events per variable, separation in logistic models.

* :func:`cox_zph`: the Grambsch-Therneau score test of proportional hazards for each term and
  globally, and the scaled Schoenfeld residuals it rests on, as R ``survival::cox.zph`` (3.x):
  time transformed by ``transform`` ("km" = 1 - KM(t-), R's default; "identity", "rank", "log"),
  centred at its mean over the events.
* :func:`events_per_variable`: events (Cox) or the less frequent outcome class (logistic;
  Peduzzi et al. 1996) per model term.
* :func:`separation`: complete / quasi-complete separation in a binary regression, by the linear
  program of Konis (2007; R ``detectseparation``): a direction b != 0 with (2y - 1) x_i'b >= 0
  for every patient exists iff the maximum-likelihood estimate is infinite.

Checked against R survival (tests/reference/stats_diagnostics.R) and the endometrial data of
Heinze & Schemper (2002), whose neovasculation term NV is quasi-completely separated.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cartcyto.stats.survival import TIES, _cox_data, _fit_cox, _float_column

TRANSFORMS = ("km", "identity", "rank", "log")
ZPH_COLUMNS = ["term", "statistic", "estimate", "p_value", "dof", "n", "events", "method"]
RESID_COLUMNS = ["term", "time", "transformed_time", "scaled_residual", "coefficient"]
SEPARATION = ("Separation check: linear program of Konis (2007) (R detectseparation); "
              "complete = some direction classifies every patient, quasi-complete = every "
              "patient on the right side or on the boundary")


def zph_method(transform: str, ties: str) -> str:
    return (f"Grambsch-Therneau score test of proportional hazards (R survival::cox.zph), "
            f"time transform '{transform}', {ties.capitalize()} ties, chi-square")


def _transformed_times(time: np.ndarray, status: np.ndarray, transform: str) -> np.ndarray:
    if transform == "identity":
        return time.copy()
    if transform == "log":
        return np.log(time)
    if transform == "rank":
        return stats.rankdata(time, method="average")
    times = np.unique(time)                       # 1 - KM(t-), left-continuous
    n_risk = (time[None, :] >= times[:, None]).sum(1)
    d = ((time[None, :] == times[:, None]) & (status == 1)).sum(1)
    surv = np.concatenate([[1.0], np.cumprod(1 - d / n_risk)])
    return 1.0 - surv[np.searchsorted(times, time, side="left")]


def _zph_sums(time, status, X, beta, g, ties):
    """Score for beta * g(t), the 2p x 2p information and the Schoenfeld residuals (by time)."""
    n, p = X.shape
    Xc = X - X.mean(0)
    risk = np.exp(Xc @ beta)
    u, imat = np.zeros(2 * p), np.zeros((2 * p, 2 * p))
    resid = []
    for t in np.unique(time[status == 1]):
        dead = (time == t) & (status == 1)
        rest = (time >= t) & ~dead
        nd = dead.sum()
        base = (risk[rest].sum(), risk[rest] @ Xc[rest],
                np.einsum("i,ia,ib->ab", risk[rest], Xc[rest], Xc[rest]))
        add = (risk[dead].sum(), risk[dead] @ Xc[dead],
               np.einsum("i,ia,ib->ab", risk[dead], Xc[dead], Xc[dead]))
        fractions = [1.0] if ties == "breslow" else [(k + 1) / nd for k in range(nd)]
        weight = nd if ties == "breslow" else 1.0
        means = []
        gt = g[dead][0]
        for f in fractions:
            den, a, c = base[0] + f * add[0], base[1] + f * add[1], base[2] + f * add[2]
            mean = a / den
            means.append(mean)
            info = weight * (c / den - np.outer(mean, mean))
            u[:p] -= weight * mean
            u[p:] -= gt * weight * mean
            imat[:p, :p] += info
            imat[:p, p:] += gt * info
            imat[p:, p:] += gt * gt * info
        xs = Xc[dead].sum(0)
        u[:p] += xs
        u[p:] += gt * xs
        mbar = np.mean(means, axis=0)
        order = np.flatnonzero(dead)
        resid.extend(Xc[i] - mbar for i in order)
    imat[p:, :p] = imat[:p, p:].T
    return u, imat, np.array(resid).reshape(-1, p)


def cox_zph(df: pd.DataFrame, duration: str, event: str, covariates: Sequence[str] | str, *,
            ties: str, transform: str = "km") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Proportional-hazards test of a Cox model, per term and global (R ``cox.zph``).

    Returns (tests, residuals). ``tests``: one row per covariate and a row term "GLOBAL"
    (columns :data:`ZPH_COLUMNS`: statistic "chi2", estimate, p_value, dof, n, events, method).
    ``residuals``: the scaled Schoenfeld residuals (beta + n_events * V^-1 r at each event; R
    ``cox.zph(fit)$y``), long: term, time, transformed_time, scaled_residual, coefficient.
    A model that cannot be fitted gives NaN tests (reason in ``method``) and no residuals.
    """
    if ties not in TIES:
        raise ValueError(f"ties must be one of {TIES!r}, got {ties!r}")
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS!r}, got {transform!r}")
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    time, status, X = _cox_data(df, duration, event, covariates)
    n, events = time.size, int(status.sum())
    method = zph_method(transform, ties)
    terms = [*covariates, "GLOBAL"]
    try:
        if events == 0 or np.any(X.std(0) == 0):
            raise RuntimeError("no events or a constant covariate")
        beta, _, _ = _fit_cox(time, status, X, ties)
    except RuntimeError as exc:
        tests = pd.DataFrame([{"term": t, "statistic": "chi2", "estimate": np.nan,
                               "p_value": np.nan, "dof": np.nan, "n": float(n),
                               "events": float(events), "method": f"{method}: not estimable: {exc}"}
                              for t in terms], columns=ZPH_COLUMNS)
        return tests, pd.DataFrame(columns=RESID_COLUMNS)
    tt = _transformed_times(time, status, transform)
    g = tt - tt[status == 1].mean()
    order = np.argsort(time, kind="stable")
    time, status, X, g, tt = time[order], status[order], X[order], g[order], tt[order]
    u, imat, resid = _zph_sums(time, status, X, beta, g, ties)
    p = len(covariates)
    chi, dof = [], []
    for i in range(p):
        kk = [*range(p), p + i]
        uu = np.concatenate([np.zeros(p), [u[p + i]]])
        chi.append(float(uu @ np.linalg.solve(imat[np.ix_(kk, kk)], uu)))
        dof.append(1)
    uu = np.concatenate([np.zeros(p), u[p:]])
    chi.append(float(uu @ np.linalg.solve(imat, uu)))
    dof.append(p)
    tests = pd.DataFrame({"term": terms, "statistic": "chi2", "estimate": chi,
                          "p_value": stats.chi2.sf(chi, dof), "dof": np.array(dof, float),
                          "n": float(n), "events": float(events), "method": method},
                         columns=ZPH_COLUMNS)
    vmean = imat[:p, :p] / events
    scaled = np.linalg.solve(vmean, resid.T).T + beta
    ev = status == 1
    residuals = pd.DataFrame({
        "term": np.repeat(covariates, ev.sum()), "time": np.tile(time[ev], p),
        "transformed_time": np.tile(tt[ev], p), "scaled_residual": scaled.T.ravel(),
        "coefficient": np.repeat(beta, ev.sum())}, columns=RESID_COLUMNS)
    return tests, residuals


def events_per_variable(events: float, non_events: float | None, n_terms: int) -> float:
    """Events per model term: events / terms (Cox), or min(events, non-events) / terms for a
    binary outcome (``non_events`` given; Peduzzi et al. 1996). NaN without terms."""
    if n_terms <= 0:
        return np.nan
    limiting = events if non_events is None else min(events, non_events)
    return float(limiting) / n_terms


def _lp_direction(A: np.ndarray, strict: bool) -> tuple[float, np.ndarray]:
    """max sum(A b) (or the smallest margin t when strict) s.t. A b >= 0 (>= t), b in [-1, 1]."""
    m, k = A.shape
    if not strict:
        res = optimize.linprog(-A.sum(0), A_ub=-A, b_ub=np.zeros(m), bounds=[(-1, 1)] * k,
                               method="highs")
        return (-res.fun if res.status == 0 else 0.0), (res.x if res.status == 0 else np.zeros(k))
    c = np.zeros(k + 1)
    c[-1] = -1.0
    A_ub = np.column_stack([-A, np.ones(m)])
    res = optimize.linprog(c, A_ub=A_ub, b_ub=np.zeros(m), bounds=[(-1, 1)] * k + [(None, 1)],
                           method="highs")
    return (-res.fun if res.status == 0 else 0.0), (res.x[:-1] if res.status == 0 else np.zeros(k))


def separation(df: pd.DataFrame, outcome: str, covariates: Sequence[str] | str,
               *, tol: float = 1e-7) -> pd.DataFrame:
    """Complete or quasi-complete separation of ``outcome`` by ``covariates`` (with intercept).

    Returns one row: statistic "separation", estimate 0 (none), 1 (quasi-complete) or 2
    (complete), n (complete cases), level "none" | "quasi-complete" | "complete", term = the
    covariates whose coefficient diverges (nonzero in the separating direction, joined by " + "),
    method. Covariates are scaled to unit range first so the bounds treat them alike.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    y = _float_column(df, outcome)
    X = np.column_stack([_float_column(df, c) for c in covariates])
    keep = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    y, X = y[keep], X[keep]
    span = np.where(np.ptp(X, axis=0) > 0, np.ptp(X, axis=0), 1.0)
    D = np.column_stack([np.ones(y.size), (X - X.min(0)) / span])
    A = D * (2 * y - 1)[:, None]
    total, b = _lp_direction(A, strict=False)
    level, code, terms = "none", 0, ""
    if total > tol:
        margin, bs = _lp_direction(A, strict=True)
        level, code = ("complete", 2) if margin > tol else ("quasi-complete", 1)
        direction = bs if code == 2 else b
        terms = " + ".join(c for c, v in zip(covariates, direction[1:]) if abs(v) > tol)
    return pd.DataFrame([{"statistic": "separation", "estimate": float(code), "level": level,
                          "term": terms, "n": float(y.size), "method": SEPARATION}],
                        columns=["statistic", "estimate", "level", "term", "n", "method"])
