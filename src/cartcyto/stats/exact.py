"""Fisher's exact odds ratio: conditional maximum-likelihood estimate with its exact CI.

For a 2x2 table [[a, b], [c, d]] the count a, given the margins, follows Fisher's noncentral
hypergeometric distribution with odds ratio psi. As R ``fisher.test``:

* estimate: the psi at which E[a; psi] equals the observed a (conditional MLE; 0 or inf when a
  is at the bottom or top of its support);
* 95% CI: lower = the psi with P(A >= a; psi) = 0.025, upper = the psi with P(A <= a; psi) =
  0.025 (0 / inf at the ends of the support);
* p: two-sided, the probabilities of tables no more likely than the observed one (psi = 1).

Each root is solved on log(psi) with brentq to 1e-12 (R's ``uniroot`` default tolerance agrees
with the exact root only to about 1e-4; tests/reference/stats_exact.R solves tighter).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import gammaln

FISHER_OR = ("Fisher's exact test, two-sided; estimate = conditional maximum-likelihood odds "
             "ratio; 95% CI exact conditional (R fisher.test)")
COLUMNS = ["statistic", "estimate", "ci_low", "ci_high", "p_value", "n", "method"]


def _log_choose(n, k):
    return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)


def _density(support, m, n, k, log_psi):
    logd = _log_choose(m, support) + _log_choose(n, k - support) + support * log_psi
    logd -= logd.max()
    d = np.exp(logd)
    return d / d.sum()


def fisher_odds_ratio(table: Any, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Conditional MLE odds ratio of a 2x2 table with its exact CI and Fisher's p (one row)."""
    t = np.asarray(table, dtype=float)
    if t.shape != (2, 2) or np.any(t < 0) or np.any(t != np.round(t)):
        raise ValueError(f"fisher_odds_ratio needs a 2x2 table of non-negative integer counts, "
                         f"got {t.tolist()!r}")
    a = t[0, 0]
    # a | margins: successes among the m row-1 patients out of k column-1 patients
    m, n, k = t[0, 0] + t[0, 1], t[1, 0] + t[1, 1], t[0, 0] + t[1, 0]
    lo_s, hi_s = max(0.0, k - n), min(k, m)
    support = np.arange(lo_s, hi_s + 1)
    alpha = (1 - conf_level) / 2

    def mean(lp):
        return _density(support, m, n, k, lp) @ support

    def upper_tail(lp):        # P(A >= a)
        return _density(support, m, n, k, lp)[support >= a].sum()

    def lower_tail(lp):        # P(A <= a)
        return _density(support, m, n, k, lp)[support <= a].sum()

    def root(f, target):
        lo, hi = -1.0, 1.0
        while f(lo) > target:
            lo *= 2
        while f(hi) < target:
            hi *= 2
        return float(np.exp(optimize.brentq(lambda x: f(x) - target, lo, hi, xtol=1e-13,
                                            rtol=4 * np.finfo(float).eps, maxiter=500)))

    if lo_s == hi_s:
        est, ci_lo, ci_hi = np.nan, 0.0, np.inf
    else:
        est = 0.0 if a == lo_s else np.inf if a == hi_s else root(mean, a)
        ci_lo = 0.0 if a == lo_s else root(upper_tail, alpha)
        ci_hi = np.inf if a == hi_s else root(lambda lp: -lower_tail(lp), -alpha)
    p = stats.fisher_exact(t.astype(np.int64), alternative="two-sided").pvalue
    return pd.DataFrame([{"statistic": "odds_ratio", "estimate": est, "ci_low": ci_lo,
                          "ci_high": ci_hi, "p_value": float(p), "n": float(t.sum()),
                          "method": FISHER_OR}], columns=COLUMNS)
