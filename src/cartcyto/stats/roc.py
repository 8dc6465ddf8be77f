"""Discrimination of a score for a binary outcome: ROC AUC with a DeLong confidence interval.

:func:`roc_auc` returns one row with the columns of :data:`ROC_COLUMNS`:

``statistic``  "AUC"
``estimate``   the area under the empirical ROC curve = P(score of a case > score of a control)
               + 0.5 P(tie), i.e. the Mann-Whitney U of cases vs controls / (n_cases n_controls)
``ci_low``, ``ci_high``  two-sided DeLong confidence interval (DeLong, DeLong & Clarke-Pearson,
               Biometrics 1988;44:837): AUC -/+ z sqrt(S10/m + S01/n) from the structural
               components (placement values), clipped to [0, 1]
``n``, ``n_cases``, ``n_controls``; ``method``

Direction is fixed, never chosen from the data: a higher score predicts the outcome (R pROC
``direction = "<"``, controls < cases). Checked against R pROC 1.18
(``tests/reference/roc_auc.R``, ``tests/test_stats_roc.py``).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

ROC_COLUMNS = ["statistic", "estimate", "ci_low", "ci_high", "n", "n_cases", "n_controls", "method"]


def _row(est, lo, hi, n, m_cases, n_controls, method) -> pd.DataFrame:
    return pd.DataFrame([{"statistic": "AUC", "estimate": float(est), "ci_low": float(lo), "ci_high": float(hi),
                          "n": float(n), "n_cases": float(m_cases), "n_controls": float(n_controls),
                          "method": method}], columns=ROC_COLUMNS)


def roc_auc(score: Any, outcome: Any, *, conf_level: float = 0.95) -> pd.DataFrame:
    """ROC AUC of ``score`` for ``outcome`` (True = case) with a DeLong CI (module docstring).

    Pairs with a missing score or outcome are dropped. With no case or no control, or fewer
    than 2 of either (the DeLong variance needs 2), the CI is NaN and ``method`` says why.
    """
    x = pd.to_numeric(pd.Series(np.asarray(score, dtype=object)), errors="coerce").to_numpy(dtype=float)
    y = pd.Series(np.asarray(outcome, dtype=object)).astype("boolean")
    keep = np.isfinite(x) & y.notna().to_numpy()
    x, y = x[keep], y[keep].to_numpy(dtype=bool)
    cases, controls = x[y], x[~y]
    m, n = cases.size, controls.size
    base = (f"ROC AUC (empirical, ties count 1/2), higher score = outcome (pROC direction '<'); "
            f"{100 * conf_level:g}% CI DeLong (pROC ci.auc method 'delong'), clipped to [0, 1]")
    if m == 0 or n == 0:
        return _row(np.nan, np.nan, np.nan, m + n, m, n, f"ROC AUC not computed: no {'cases' if m == 0 else 'controls'}")
    ranks = stats.rankdata(np.r_[cases, controls], method="average")
    v10 = (ranks[:m] - stats.rankdata(cases, method="average")) / n          # placement of each case
    v01 = 1.0 - (ranks[m:] - stats.rankdata(controls, method="average")) / m  # ... of each control
    auc = float(v10.mean())
    if m < 2 or n < 2:
        return _row(auc, np.nan, np.nan, m + n, m, n, base + "; CI not computed: fewer than 2 cases or controls")
    se = np.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    return _row(auc, max(0.0, auc - z * se), min(1.0, auc + z * se), m + n, m, n, base)
