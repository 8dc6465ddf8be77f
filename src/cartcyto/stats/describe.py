"""Descriptive statistics: median [min-max] and count (percent).

Each function returns a tidy DataFrame with the columns of :data:`DESCRIBE_COLUMNS`:
``statistic`` (median, min, max, count, percent), ``estimate``, ``n`` (non-missing values the
number rests on: the denominator of a percent) and ``method``.

Missing values (NaN, None, pd.NA; +/-inf for numbers) are excluded from every number and from n.
Checked against R 4.x (tests/reference/stats_describe.R, tests/test_stats_describe.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

DESCRIBE_COLUMNS = ["statistic", "estimate", "n", "method"]
MEDIAN_RANGE = "median [min-max]"
COUNT_PERCENT = "count (percent of non-missing)"


def _frame(rows: list[tuple[str, float]], n: int, method: str) -> pd.DataFrame:
    return pd.DataFrame(
        [{"statistic": s, "estimate": float(v), "n": float(n), "method": method} for s, v in rows],
        columns=DESCRIBE_COLUMNS,
    )


def median_range(x: Any) -> pd.DataFrame:
    """Median, minimum and maximum of the non-missing values of ``x``.

    The median of an even number of values is the mean of the two middle values (SPSS
    "Median", R ``median``). Returns rows median, min, max; n = non-missing count. With no
    non-missing value the estimates are NaN and ``method`` says why.
    """
    series = pd.Series(np.asarray(x, dtype=object).ravel())
    try:
        vals = pd.to_numeric(series, errors="raise").astype("Float64")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"x must hold numbers (missing values as NaN); {exc}") from None
    arr = vals.to_numpy(dtype=float, na_value=np.nan)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return _frame([("median", np.nan), ("min", np.nan), ("max", np.nan)], 0,
                      f"{MEDIAN_RANGE} not computed: no non-missing values")
    return _frame([("median", np.median(arr)), ("min", arr.min()), ("max", arr.max())],
                  arr.size, MEDIAN_RANGE)


def count_percent(mask: Any) -> pd.DataFrame:
    """Count of True values and their percentage of the non-missing values of ``mask``.

    ``mask`` holds True/False (or 1/0); missing values (NaN, None, pd.NA) are excluded from the
    denominator. Returns rows count (n = denominator) and percent = 100 * count / n. With no
    non-missing value percent is NaN and ``method`` says why.
    """
    series = pd.Series(np.asarray(mask, dtype=object).ravel())
    missing = series.isna().to_numpy()
    present = series[~missing]
    ok = present.map(lambda v: isinstance(v, (bool, np.bool_)) or
                     (isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1)))
    if not ok.all():
        bad = present[~ok].unique()[:5]
        raise ValueError(f"mask must hold True/False (or 1/0) and missing values, got {list(bad)!r}")
    n = int(present.size)
    count = int(sum(bool(v) for v in present))
    if n == 0:
        return _frame([("count", 0), ("percent", np.nan)], 0,
                      f"{COUNT_PERCENT} not computed: no non-missing values")
    return _frame([("count", count), ("percent", 100.0 * count / n)], n, COUNT_PERCENT)
