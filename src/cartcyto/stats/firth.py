"""Firth's penalised-likelihood logistic regression with profile penalised-likelihood CIs.

Firth (1993) adds 0.5 log|I(b)| (the Jeffreys prior) to the log-likelihood. The estimate is finite
under separation and less biased with few events (Heinze & Schemper 2002, Stat Med 21:2409), so it
is the sensitivity analysis for a logistic model with separation or few events per variable.

:func:`firth_logistic` returns one row per covariate (columns of
:data:`cartcyto.stats.regression.LOGISTIC_COLUMNS`): statistic "OR", exp(b), the 95% profile
penalised-likelihood CI (the b where 2 [l*(b_hat) - max l*(b_j = b)] = chi2_1(0.95)), and the
penalised likelihood-ratio p (R ``logistf`` defaults; Heinze & Schemper 2002).

Why hand-written: the Python packages that offer Firth logistic regression pull in scikit-learn
or are young; this is ~100 lines of numpy on the formulas of the paper, checked against the
published endometrial results (Heinze & Schemper 2002, Table; ``logistf`` documentation) and
R ``brglm2`` (tests/reference/stats_firth.R).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from cartcyto.stats.regression import INTERCEPT, LOGISTIC_COLUMNS
from cartcyto.stats.survival import _event_array, _float_column

FIRTH = ("Firth penalised-likelihood logistic regression (Jeffreys prior; R logistf), "
         "profile penalised-likelihood 95% CI, penalised likelihood-ratio p")
CHI2_95 = stats.chi2.ppf(0.95, 1)


def _penalised(b: np.ndarray, X: np.ndarray, y: np.ndarray):
    """Penalised log-likelihood, modified score and information at b."""
    eta = X @ b
    pi = 1.0 / (1.0 + np.exp(-eta))
    w = pi * (1 - pi)
    info = X.T @ (X * w[:, None])
    sign, logdet = np.linalg.slogdet(info)
    ll = float(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * logdet) if sign > 0 else -np.inf
    xw = X * np.sqrt(w)[:, None]
    h = np.einsum("ij,ij->i", xw @ np.linalg.pinv(info), xw)
    score = X.T @ (y - pi + h * (0.5 - pi))
    return ll, score, info


def _fit(X: np.ndarray, y: np.ndarray, free: np.ndarray, b0: np.ndarray,
         tol: float = 1e-10, maxiter: int = 200) -> tuple[np.ndarray, float]:
    """Maximise the penalised likelihood over the coefficients flagged in ``free``."""
    b = b0.copy()
    ll, score, info = _penalised(b, X, y)
    for _ in range(maxiter):
        step = np.zeros_like(b)
        step[free] = np.linalg.solve(info[np.ix_(free, free)], score[free])
        # cap the step (logistf: maxstep 5) and halve it until the penalised likelihood rises
        step *= min(1.0, 5.0 / max(np.max(np.abs(step)), 1e-300))
        for _half in range(30):
            ll_new, score_new, info_new = _penalised(b + step, X, y)
            if ll_new >= ll - 1e-12:
                break
            step /= 2
        b, ll, score, info = b + step, ll_new, score_new, info_new
        if np.max(np.abs(score[free])) < tol and np.max(np.abs(step)) < 1e-8:
            break
    return b, ll


def _profile(X, y, j, value, b_hat):
    b0 = b_hat.copy()
    b0[j] = value
    free = np.ones(b0.size, bool)
    free[j] = False
    return _fit(X, y, free, b0)[1]


def _pl_limit(X, y, j, b_hat, ll_hat, side: int) -> float:
    """The profile penalised-likelihood limit of coefficient j on one side (-1 lower, +1 upper)."""
    def drop(v):
        return 2 * (ll_hat - _profile(X, y, j, v, b_hat)) - CHI2_95
    step = max(abs(b_hat[j]), 1.0)
    far = b_hat[j] + side * step
    for _ in range(60):
        if drop(far) > 0:
            break
        step *= 2
        far = b_hat[j] + side * step
    else:
        return side * np.inf
    lo, hi = sorted((b_hat[j], far))
    return optimize.brentq(drop, lo, hi, xtol=1e-10, rtol=1e-12)


def firth_logistic(df: pd.DataFrame, outcome: str, covariates: Sequence[str] | str, *,
                   intercept: bool = False) -> pd.DataFrame:
    """Firth logistic regression of ``outcome`` on ``covariates`` (entered together), complete cases.

    Rows as :func:`cartcyto.stats.regression.logistic` (term, "OR", estimate, CI, p, n, events,
    method); ``intercept`` also returns the intercept row. The estimate exists under complete or
    quasi-complete separation.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one column")
    y = _event_array(_float_column(df, outcome), f"outcome column {outcome!r}")
    Xc = np.column_stack([_float_column(df, c) for c in covariates])
    keep = np.isfinite(y) & np.all(np.isfinite(Xc), axis=1)
    y, X = y[keep], np.column_stack([np.ones(keep.sum()), Xc[keep]])
    n, events = y.size, int(y.sum())
    terms = [INTERCEPT, *covariates]
    if n == 0 or y.min() == y.max() or np.linalg.matrix_rank(X) < X.shape[1]:
        reason = "no complete cases, a single outcome class, or collinear covariates"
        rows = pd.DataFrame([{"term": t, "statistic": "OR", "estimate": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "p_value": np.nan, "n": float(n),
                              "events": float(events), "method": f"{FIRTH}: not estimable: {reason}"}
                             for t in terms], columns=LOGISTIC_COLUMNS)
        return rows if intercept else rows.iloc[1:].reset_index(drop=True)
    b_hat, ll_hat = _fit(X, y, np.ones(X.shape[1], bool), np.zeros(X.shape[1]))
    rows = []
    for j, term in enumerate(terms):
        if j == 0 and not intercept:
            continue
        lo = _pl_limit(X, y, j, b_hat, ll_hat, -1)
        hi = _pl_limit(X, y, j, b_hat, ll_hat, +1)
        chi = max(2 * (ll_hat - _profile(X, y, j, 0.0, b_hat)), 0.0)
        rows.append({"term": term, "statistic": "OR", "estimate": float(np.exp(b_hat[j])),
                     "ci_low": float(np.exp(lo)), "ci_high": float(np.exp(hi)),
                     "p_value": float(stats.chi2.sf(chi, 1)), "n": float(n),
                     "events": float(events), "method": FIRTH})
    return pd.DataFrame(rows, columns=LOGISTIC_COLUMNS)
