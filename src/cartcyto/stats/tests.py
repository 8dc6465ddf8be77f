"""Hypothesis tests: Mann-Whitney, chi-square, Fisher, McNemar, Kruskal-Wallis, Spearman, Bonferroni.

Every test returns a one-row DataFrame with the columns of :data:`TEST_COLUMNS`:

``statistic``  name of the statistic in ``estimate`` ("U", "chi2", "odds_ratio", "b", "H", "rho")
``estimate``   its value
``p_value``    two-sided p-value (NaN when the test cannot be computed)
``n``          observations used (after dropping missing values; the table total for tables)
``dof``        degrees of freedom of the reference distribution (NaN for exact tests)
``method``     the exact test and its options; for degenerate input it says why p is NaN

Missing values: NaN, None, pd.NA and +/-inf are treated as missing and dropped (R's tests drop
non-finite values; SPSS makes log(0) system-missing). Degenerate input (an empty group, all
values tied, a zero row or column total) gives NaN with the reason in ``method``, never an
exception; invalid arguments (unknown convention, negative counts, unequal lengths) raise
``ValueError``.

Checked against R 4.x (tests/reference/stats_tests.R, tests/test_stats_tests.py).
"""
from __future__ import annotations

from functools import lru_cache
from itertools import permutations
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.stats import check_convention

TEST_COLUMNS = ["statistic", "estimate", "p_value", "n", "dof", "method"]

MW_SPSS = ("Mann-Whitney U, asymptotic normal approximation, tie-corrected, "
           "no continuity correction, two-sided")
MW_R_EXACT = "Mann-Whitney U, exact distribution, two-sided"
MW_R_ASYMPTOTIC = ("Mann-Whitney U, asymptotic normal approximation, tie-corrected, "
                   "continuity correction, two-sided")
CHI2_PLAIN = "Pearson chi-square, no continuity correction"
CHI2_YATES = "Pearson chi-square, Yates continuity correction"
CHI2_YATES_NOT_2X2 = "Pearson chi-square, no continuity correction (Yates applies to 2x2 tables only)"
FISHER_SAMPLE = "Fisher's exact test, two-sided; estimate = sample odds ratio (ad/bc)"
FISHER_CONDITIONAL = ("Fisher's exact test, two-sided; estimate = conditional maximum-likelihood "
                      "odds ratio")
KRUSKAL = "Kruskal-Wallis H, chi-square approximation, tie-corrected"
MCNEMAR = {
    "exact": ("McNemar exact test: two-sided binomial test of b (first only) among the b + c "
              "discordant pairs, p = 1/2; estimate = b"),
    "asymptotic": "McNemar chi-square (b - c)^2 / (b + c), df = 1, no continuity correction, two-sided",
    "asymptotic_corrected": ("McNemar chi-square (|b - c| - 1)^2 / (b + c), df = 1, Edwards "
                             "continuity correction (none when b = c, as R), two-sided"),
}
"""``mcnemar`` methods (SPSS 20 Crosstabs reports the exact one; R ``mcnemar.test`` defaults to
the corrected one)."""
SPEARMAN_T = "Spearman rank correlation, t approximation (df = n - 2), two-sided"
SPEARMAN_EXACT = ("Spearman rank correlation, exact null distribution (AS 89: enumerated for "
                  "n <= 9, Edgeworth series for n > 9), two-sided")


def _row(statistic: str, estimate: Any, p_value: Any, n: Any, dof: Any, method: str) -> pd.DataFrame:
    return pd.DataFrame([{
        "statistic": statistic, "estimate": float(estimate), "p_value": float(p_value),
        "n": float(n), "dof": float(dof), "method": method,
    }], columns=TEST_COLUMNS)


def _float_array(values: Any, name: str) -> np.ndarray:
    """1-D float array (missing -> NaN); raises ValueError naming the argument if not numeric."""
    series = pd.Series(np.asarray(values, dtype=object).ravel())
    try:
        out = pd.to_numeric(series, errors="raise")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must hold numbers (missing values as NaN); {exc}") from None
    return out.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def _finite(values: Any, name: str) -> np.ndarray:
    arr = _float_array(values, name)
    return arr[np.isfinite(arr)]


def mann_whitney(x: Any, y: Any, *, convention: str) -> pd.DataFrame:
    """Mann-Whitney U test (Wilcoxon rank-sum) of ``x`` against ``y``, two-sided.

    Parameters
    ----------
    x, y : array-likes of numbers; missing values are dropped.
    convention : "spss" -> asymptotic normal approximation, tie-corrected, no continuity
        correction (SPSS 20 "Asymp. Sig. (2-tailed)"). "r" -> ``wilcox.test`` defaults: exact
        distribution when both groups have < 50 observations and there are no ties, else the
        tie-corrected normal approximation with continuity correction.

    Returns
    -------
    One row: statistic "U", estimate U of ``x`` (= R's W = rank sum of x - n_x(n_x+1)/2) in
    both conventions, p_value, n = n_x + n_y, dof NaN, method. A published U may be the
    complementary n_x * n_y - U (SPSS tables show one U per comparison, by its own group order);
    the p-value does not depend on which is shown.
    """
    convention = check_convention(convention)
    x, y = _finite(x, "x"), _finite(y, "y")
    n = x.size + y.size
    if x.size == 0 or y.size == 0:
        which = "x" if x.size == 0 else "y"
        return _row("U", np.nan, np.nan, n, np.nan,
                    f"Mann-Whitney U not computed: group {which} has no non-missing observations")
    pooled = np.concatenate([x, y])
    if np.all(pooled == pooled[0]):
        return _row("U", np.nan, np.nan, n, np.nan,
                    "Mann-Whitney U not computed: all observations are tied")
    ties = np.unique(pooled).size < n
    if convention == "r" and x.size < 50 and y.size < 50 and not ties:
        how, continuity, method = "exact", False, MW_R_EXACT
    elif convention == "r":
        how, continuity, method = "asymptotic", True, MW_R_ASYMPTOTIC
    else:
        how, continuity, method = "asymptotic", False, MW_SPSS
    res = stats.mannwhitneyu(x, y, use_continuity=continuity, alternative="two-sided",
                             method=how)
    return _row("U", res.statistic, res.pvalue, n, np.nan, method)


def _count_table(table: Any) -> np.ndarray:
    t = np.asarray(table, dtype=float)
    if t.ndim != 2:
        raise ValueError(f"table must be a 2-D array of counts, got {t.ndim} dimension(s)")
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError("table must hold non-negative finite counts (no NaN, no negatives)")
    return t


def chi_square(table: Any, *, convention: str, correction: bool | None = None) -> pd.DataFrame:
    """Pearson chi-square test of independence on a contingency table of counts.

    Parameters
    ----------
    table : 2-D array-like of counts (rows x columns), at least 2 x 2.
    convention : "spss" -> no continuity correction (SPSS "Pearson Chi-Square");
        "r" -> ``chisq.test`` default: Yates continuity correction on 2x2 tables only.
    correction : None uses the convention; True/False overrides it. Yates is only ever applied
        to 2x2 tables (as R and scipy do); the method string says what was applied.

    Returns
    -------
    One row: statistic "chi2", estimate X-squared, p_value, n = table total, dof, method.
    Expected counts below 5 are not flagged here; report them from the table if needed.
    """
    convention = check_convention(convention)
    t = _count_table(table)
    if correction is None:
        correction = convention == "r"
    elif not isinstance(correction, (bool, np.bool_)):
        raise ValueError(f"correction must be None, True or False, got {correction!r}")
    n = t.sum()
    if t.shape[0] < 2 or t.shape[1] < 2:
        return _row("chi2", np.nan, np.nan, n, np.nan,
                    f"Pearson chi-square not computed: table is {t.shape[0]}x{t.shape[1]}, "
                    "needs at least 2 rows and 2 columns")
    if np.any(t.sum(axis=0) == 0) or np.any(t.sum(axis=1) == 0):
        return _row("chi2", np.nan, np.nan, n, np.nan,
                    "Pearson chi-square not computed: a row or column total is zero "
                    "(expected counts undefined); drop empty categories to test the rest")
    is_2x2 = t.shape == (2, 2)
    applied = bool(correction) and is_2x2
    method = CHI2_YATES if applied else (CHI2_YATES_NOT_2X2 if correction else CHI2_PLAIN)
    res = stats.chi2_contingency(t, correction=applied, lambda_=None)
    return _row("chi2", res.statistic, res.pvalue, n, res.dof, method)


def fisher_exact(table: Any, *, odds_ratio: str = "sample") -> pd.DataFrame:
    """Fisher's exact test on a 2x2 table, two-sided.

    The two-sided p sums the probabilities of all tables with the same margins that are no more
    likely than the observed one (as R ``fisher.test`` and SPSS "Exact Sig. (2-sided)").

    Parameters
    ----------
    table : 2x2 array-like of counts.
    odds_ratio : "sample" -> estimate = ad/bc (SPSS "Risk Estimate"; inf or 0 with a zero cell,
        NaN when both products are 0); "conditional" -> conditional maximum-likelihood estimate
        (R ``fisher.test()$estimate``).

    Returns
    -------
    One row: statistic "odds_ratio", estimate, p_value, n = table total, dof NaN, method.
    """
    t = _count_table(table)
    if t.shape != (2, 2):
        raise ValueError(f"fisher_exact needs a 2x2 table, got {t.shape[0]}x{t.shape[1]}")
    if odds_ratio not in ("sample", "conditional"):
        raise ValueError(f"odds_ratio must be 'sample' or 'conditional', got {odds_ratio!r}")
    if np.any(t != np.round(t)):
        raise ValueError("fisher_exact needs integer counts")
    ti = t.astype(np.int64)
    p = stats.fisher_exact(ti, alternative="two-sided").pvalue
    if odds_ratio == "sample":
        num, den = t[0, 0] * t[1, 1], t[0, 1] * t[1, 0]
        est = np.nan if num == 0 and den == 0 else (np.inf if den == 0 else num / den)
        method = FISHER_SAMPLE
    else:
        est = stats.contingency.odds_ratio(ti, kind="conditional").statistic
        method = FISHER_CONDITIONAL
    return _row("odds_ratio", est, p, t.sum(), np.nan, method)


def kruskal(groups: Sequence[Any] | Mapping[Any, Any], *, convention: str) -> pd.DataFrame:
    """Kruskal-Wallis H test across k groups (chi-square approximation, tie-corrected).

    Identical in SPSS 20 ("Asymp. Sig.") and R ``kruskal.test``; ``convention`` is still
    required so every call states its convention.

    Parameters
    ----------
    groups : a sequence of array-likes, or a mapping name -> array-like; missing values dropped.
        Every group must keep at least one observation: an empty group gives NaN (testing fewer
        groups than asked would change the hypothesis silently).

    Returns
    -------
    One row: statistic "H", estimate H, p_value, n (all groups), dof = k - 1, method.
    """
    check_convention(convention)
    named = groups.items() if isinstance(groups, Mapping) else enumerate(groups)
    clean = [(name, _finite(values, f"groups[{name!r}]")) for name, values in named]
    n = sum(v.size for _, v in clean)
    if len(clean) < 2:
        return _row("H", np.nan, np.nan, n, np.nan,
                    f"Kruskal-Wallis H not computed: {len(clean)} group(s), needs at least 2")
    empty = [str(name) for name, v in clean if v.size == 0]
    if empty:
        return _row("H", np.nan, np.nan, n, np.nan,
                    f"Kruskal-Wallis H not computed: group(s) {', '.join(empty)} have no "
                    "non-missing observations")
    pooled = np.concatenate([v for _, v in clean])
    if np.all(pooled == pooled[0]):
        return _row("H", np.nan, np.nan, n, np.nan,
                    "Kruskal-Wallis H not computed: all observations are tied")
    res = stats.kruskal(*[v for _, v in clean], nan_policy="raise")
    return _row("H", res.statistic, res.pvalue, n, len(clean) - 1, KRUSKAL)


def _paired_table(first: Any, second: Any) -> np.ndarray:
    """[[both, first only], [second only, neither]] of two paired true/false sequences (a pair
    with a missing member is dropped)."""
    a, b = (pd.Series(np.asarray(v, dtype=object).ravel()) for v in (first, second))
    if len(a) != len(b):
        raise ValueError(f"paired flags must have equal lengths, got {len(a)} and {len(b)}")
    keep = (a.notna() & b.notna()).to_numpy()
    bad = [v for v in pd.concat([a[keep], b[keep]]).unique() if v not in (True, False, 0, 1)]
    if bad:
        raise ValueError(f"paired flags must hold True/False (or 1/0) and missing values, got {bad[:5]!r}")
    x, y = a[keep].astype(bool).to_numpy(), b[keep].astype(bool).to_numpy()
    return np.array([[np.sum(x & y), np.sum(x & ~y)], [np.sum(~x & y), np.sum(~x & ~y)]], float)


def mcnemar(data: Any, second: Any = None, *, method: str) -> pd.DataFrame:
    """McNemar's test of a paired 2x2 table, two-sided.

    Parameters
    ----------
    data : a 2x2 table [[a, b], [c, d]] (rows: first measurement yes/no, columns: second yes/no),
        or, with ``second``, the first of two paired true/false sequences (missing pairs dropped).
    method : "exact" (binomial test of b among the b + c discordant pairs, p = 1/2: R
        ``binom.test(b, b + c)``), "asymptotic" ((b - c)^2 / (b + c) on chi-square df 1: R
        ``mcnemar.test(x, correct = FALSE)``) or "asymptotic_corrected" (Edwards,
        (|b - c| - 1)^2 / (b + c), uncorrected when b = c: R ``mcnemar.test(x)``). Named in
        ``method`` of the row.

    Returns
    -------
    One row: statistic "b" (exact: estimate = b, dof NaN) or "chi2" (dof 1), p_value, n = pairs.
    No discordant pair gives NaN with the reason.
    """
    if method not in MCNEMAR:
        raise ValueError(f"method must be one of {tuple(MCNEMAR)}, got {method!r}")
    t = _count_table(data) if second is None else _paired_table(data, second)
    if t.shape != (2, 2):
        raise ValueError(f"McNemar's test needs a 2x2 table, got shape {t.shape}")
    b, c, n = t[0, 1], t[1, 0], t.sum()
    name = "b" if method == "exact" else "chi2"
    if b + c == 0:
        return _row(name, np.nan, np.nan, n, np.nan,
                    f"{MCNEMAR[method]}; not computed: no discordant pair")
    if method == "exact":
        p = min(1.0, 2.0 * stats.binom.cdf(min(b, c), b + c, 0.5))
        return _row(name, b, p, n, np.nan, MCNEMAR[method])
    diff = abs(b - c) - (1.0 if method == "asymptotic_corrected" and b != c else 0.0)
    chi2 = diff * diff / (b + c)
    return _row(name, chi2, stats.chi2.sf(chi2, 1), n, 1, MCNEMAR[method])


# ---- Spearman ---------------------------------------------------------------------------------

# Edgeworth-series coefficients of AS 89 (Best & Roberts 1975, Appl. Statist. 24:377).
_AS89_C = (0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932, 0.0879, 0.0151, 0.0072, 0.0831,
           0.0131, 4.6e-4)
_AS89_EXACT_MAX_N = 9  # R enumerates all permutations up to n = 9


@lru_cache(maxsize=None)
def _s_null_distribution(n: int) -> np.ndarray:
    """Sorted S = sum (i - pi(i))^2 over all n! permutations (n <= 9)."""
    perms = np.array(list(permutations(range(n))), dtype=np.int64)
    return np.sort(((perms - np.arange(n)) ** 2).sum(axis=1))


def _as89(n: int, s: float, *, lower_tail: bool) -> float:
    """AS 89: P[S >= s] (upper tail) or P[S < s] (lower tail), S = (n^3 - n)(1 - rho)/6."""
    if s <= 0:
        return 0.0 if lower_tail else 1.0
    s_max = n * (n * n - 1) / 3.0
    if s > s_max:
        return 1.0 if lower_tail else 0.0
    if n <= _AS89_EXACT_MAX_N:
        dist = _s_null_distribution(n)
        n_ge = dist.size - np.searchsorted(dist, s, side="left")
        return float((dist.size - n_ge if lower_tail else n_ge) / dist.size)
    c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12 = _AS89_C
    b = 1.0 / n
    x = (6.0 * (s - 1) * b / (n * n - 1.0) - 1.0) * np.sqrt(n - 1.0)
    y = x * x
    u = x * b * (c1 + b * (c2 + c3 * b) + y * (-c4 + b * (c5 + c6 * b) - y * b * (
        c7 + c8 * b - y * (c9 - c10 * b + y * b * (c11 - c12 * y)))))
    edge = u / np.exp(y / 2.0)
    p = (stats.norm.cdf(x) - edge) if lower_tail else (stats.norm.sf(x) + edge)
    return float(min(max(p, 0.0), 1.0))


def _spearman_exact_p(rho: float, n: int) -> float:
    """Two-sided p of ``cor.test(method = "spearman", exact = TRUE)`` (R 4.x)."""
    s = (n ** 3 - n) * (1.0 - rho) / 6.0
    if s > (n ** 3 - n) / 6.0:
        p = _as89(n, float(np.round(s)), lower_tail=False)
    else:
        p = _as89(n, float(np.round(s)) + 2.0, lower_tail=True)
    return min(2.0 * p, 1.0)


def spearman(x: Any, y: Any, *, convention: str) -> pd.DataFrame:
    """Spearman rank correlation of paired ``x`` and ``y``, two-sided test of rho = 0.

    Parameters
    ----------
    x, y : paired array-likes of equal length; pairs with a missing value in either are dropped.
    convention : "spss" -> p from t = rho * sqrt((n - 2) / (1 - rho^2)) on n - 2 df (SPSS 20).
        "r" -> ``cor.test(method = "spearman")`` defaults: exact null distribution (algorithm
        AS 89 as in R: all permutations for n <= 9, Edgeworth series for 9 < n <= 1290) when
        neither variable has ties, otherwise the same t approximation.

    Returns
    -------
    One row: statistic "rho", estimate rho (Pearson correlation of average ranks), p_value,
    n = complete pairs, dof (n - 2 for the t approximation, NaN for exact), method.
    """
    convention = check_convention(convention)
    xa, ya = _float_array(x, "x"), _float_array(y, "y")
    if xa.size != ya.size:
        raise ValueError(f"x and y must be paired (equal length), got {xa.size} and {ya.size}")
    keep = np.isfinite(xa) & np.isfinite(ya)
    xa, ya = xa[keep], ya[keep]
    n = xa.size
    if n < 3:
        return _row("rho", np.nan, np.nan, n, np.nan,
                    f"Spearman rank correlation not computed: {n} complete pair(s), needs >= 3")
    if np.all(xa == xa[0]) or np.all(ya == ya[0]):
        return _row("rho", np.nan, np.nan, n, np.nan,
                    "Spearman rank correlation not computed: a variable is constant")
    rx, ry = stats.rankdata(xa, method="average"), stats.rankdata(ya, method="average")
    rho = float(np.corrcoef(rx, ry)[0, 1])
    ties = np.unique(xa).size < n or np.unique(ya).size < n
    if convention == "r" and not ties and n <= 1290:
        return _row("rho", rho, _spearman_exact_p(rho, n), n, np.nan, SPEARMAN_EXACT)
    if abs(rho) >= 1.0:
        p = 0.0
    else:
        t = rho * np.sqrt((n - 2) / (1.0 - rho * rho))
        p = 2.0 * stats.t.sf(abs(t), n - 2)
    return _row("rho", rho, p, n, n - 2, SPEARMAN_T)


def bonferroni(p: Any, k: int) -> Any:
    """Bonferroni adjustment ``min(1, p * k)`` for ``k`` comparisons, vectorised.

    Returns the same shape as ``p``: a float for a scalar, a Series (same index) for a Series,
    otherwise a float ndarray; NaN stays NaN. Equals R ``p.adjust(p, "bonferroni", n = k)``.
    """
    if isinstance(k, (bool, np.bool_)) or not float(k).is_integer() or k < 1:
        raise ValueError(f"k (number of comparisons) must be a positive integer, got {k!r}")
    vals = _float_array(p, "p")
    if np.any(vals[~np.isnan(vals)] < 0) or np.any(vals[~np.isnan(vals)] > 1):
        raise ValueError("p must hold p-values in [0, 1] (or NaN)")
    out = np.minimum(1.0, vals * k)
    if isinstance(p, pd.Series):
        return pd.Series(out, index=p.index, name=p.name)
    return float(out[0]) if np.ndim(p) == 0 else out.reshape(np.shape(p))
