"""Logistic regression with Wald confidence intervals.

``logistic`` returns one row per covariate with the columns of :data:`LOGISTIC_COLUMNS`:
``term``, ``statistic`` ("OR"), ``estimate`` exp(b), ``ci_low``/``ci_high`` (Wald 95%:
exp(b -/+ z_0.975 * se)), ``p_value`` (Wald z test), ``n`` (complete cases), ``events``
(outcome = 1 among them) and ``method``.

SPSS 20 (Binary Logistic, "95% C.I. for EXP(B)", "Sig.") and R ``glm(family = binomial)`` with
``confint.default()`` give these numbers. R's ``confint()`` on a glm is a profile-likelihood
interval and differs; it is not what this function computes.

Checked against R 4.x (tests/reference/stats_regression.R, tests/test_stats_regression.py).
"""
from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.stats.survival import _event_array, _float_column

LOGISTIC_COLUMNS = ["term", "statistic", "estimate", "ci_low", "ci_high", "p_value", "n", "events",
                    "method"]
LOGISTIC = "Logistic regression (maximum likelihood), Wald 95% CI, Wald p"
INTERCEPT = "(Intercept)"
Z975 = stats.norm.ppf(0.975)


def Logit(*args, **kwargs):  # noqa: N802 - stands for the class
    """statsmodels' ``Logit`` model (``statsmodels.api.Logit``), imported when first fitted."""
    from statsmodels.discrete.discrete_model import Logit as model

    return model(*args, **kwargs)


def _nan_rows(terms: Sequence[str], n: int, events: int, reason: str) -> pd.DataFrame:
    return pd.DataFrame([{"term": t, "statistic": "OR", "estimate": np.nan, "ci_low": np.nan,
                          "ci_high": np.nan, "p_value": np.nan, "n": float(n),
                          "events": float(events), "method": f"{LOGISTIC}: not estimable: {reason}"}
                         for t in terms], columns=LOGISTIC_COLUMNS)


def logistic(df: pd.DataFrame, outcome: str, covariates: Sequence[str] | str, *,
             intercept: bool = False) -> pd.DataFrame:
    """Binary logistic regression of ``outcome`` on ``covariates`` (entered together), complete cases.

    Parameters
    ----------
    df : one row per patient.
    outcome : column with True/1 (event) and False/0; missing allowed (row dropped).
    covariates : numeric or boolean columns (dummy-code categories first).
    intercept : also return the intercept row (term "(Intercept)", SPSS "Constant").

    Returns
    -------
    One row per covariate (see module docstring). Fitted by Newton-Raphson (statsmodels
    ``Logit``, tolerance 1e-10, at most 100 iterations) with standard errors at the final
    estimate; matches R ``glm(..., control = glm.control(epsilon = 1e-14))`` to ~1e-7. With R's
    default ``epsilon = 1e-8`` R's standard errors come from the penultimate IRLS iterate and
    can differ in the 4th digit when convergence is slow (see tests/test_stats_regression.py).

    Warns
    -----
    RuntimeWarning, with NaN rows, when the maximum-likelihood estimate does not exist or was not
    reached: complete or quasi-complete separation (a covariate, or a combination, predicts the
    outcome perfectly for some patients: fitted probabilities of 0 or 1 and diverging
    coefficients), a constant covariate, a single outcome class, or non-convergence.
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one column")
    missing = [c for c in [outcome, *covariates] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing!r} not in df; available: {list(df.columns)!r}")
    y = _event_array(_float_column(df, outcome), f"outcome column {outcome!r}")
    X = np.column_stack([_float_column(df, c) for c in covariates])
    keep = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    y, X = y[keep], X[keep]
    n, events = y.size, int(y.sum())
    terms = ([INTERCEPT] if intercept else []) + covariates
    reason = _problem(y, X, covariates)
    if reason is None:
        design = np.column_stack([np.ones(n), X])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = Logit(y, design).fit(method="newton", maxiter=100, tol=1e-10, disp=0)
            except np.linalg.LinAlgError:
                res = None
        separation = any("separation" in str(w.message).lower() for w in caught)
        if res is None or separation:
            reason = ("complete or quasi-complete separation (some fitted probabilities are 0 or "
                      "1; the maximum-likelihood estimate does not exist)")
        elif not res.mle_retvals.get("converged", False):
            reason = ("Newton-Raphson did not converge in 100 iterations (typically quasi-complete "
                      "separation: fitted probabilities of 0 or 1 for some patients)")
        else:
            params, bse = np.asarray(res.params, float), np.asarray(res.bse, float)
            if not np.all(np.isfinite(bse)) or np.any(np.abs(design @ params) > 30):
                reason = ("quasi-complete separation (fitted probabilities of 0 or 1; "
                          "coefficients diverge)")
    if reason is not None:
        warnings.warn(f"logistic({outcome!r} ~ {covariates!r}): not estimable: {reason}. Check "
                      "each covariate against the outcome, e.g. pd.crosstab(df[covariate], "
                      f"df[{outcome!r}]) or a scatter of the covariate by outcome; drop or merge "
                      "the separating covariate, or use penalised (Firth) regression.",
                      RuntimeWarning, stacklevel=2)
        return _nan_rows(terms, n, events, reason)
    if not intercept:
        params, bse = params[1:], bse[1:]
    return pd.DataFrame({
        "term": terms, "statistic": "OR", "estimate": np.exp(params),
        "ci_low": np.exp(params - Z975 * bse), "ci_high": np.exp(params + Z975 * bse),
        "p_value": 2.0 * stats.norm.sf(np.abs(params / bse)),
        "n": float(n), "events": float(events), "method": LOGISTIC,
    }, columns=LOGISTIC_COLUMNS)


def _problem(y: np.ndarray, X: np.ndarray, covariates: Sequence[str]) -> str | None:
    """Why the model cannot be fitted at all, or None."""
    if y.size == 0:
        return "no complete cases"
    if y.min() == y.max():
        return f"the outcome has a single class among the {y.size} complete cases"
    constant = [c for c, sd in zip(covariates, X.std(axis=0)) if sd == 0]
    if constant:
        return f"covariate(s) {constant!r} constant among the complete cases"
    if np.linalg.matrix_rank(np.column_stack([np.ones(y.size), X])) < X.shape[1] + 1:
        return "covariates are collinear (the design matrix is rank deficient)"
    return None
