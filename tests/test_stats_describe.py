"""cartcyto.stats.describe against R 4.x (values printed by tests/reference/stats_describe.R)."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.describe import COUNT_PERCENT, DESCRIBE_COLUMNS, MEDIAN_RANGE, count_percent, median_range

RTOL = 1e-12
nan = np.nan


def as_dict(df):
    assert list(df.columns) == DESCRIBE_COLUMNS
    return dict(zip(df.statistic, df.estimate))


def test_median_range_against_R_even_n_with_nan():
    # R: x6 <- c(31, 0, 96, 12.5, NA, 44, 7)
    df = median_range([31, 0, 96, 12.5, nan, 44, 7])
    # R: c(median(x6, na.rm = TRUE), min(x6, na.rm = TRUE), max(x6, na.rm = TRUE), sum(!is.na(x6)))
    assert_allclose(list(as_dict(df).values()) + [df.n[0]], [21.75, 0, 96, 6], rtol=RTOL)
    assert list(df.statistic) == ["median", "min", "max"]
    assert set(df.method) == {MEDIAN_RANGE} and set(df.n) == {6}


def test_median_range_against_R_odd_n_ties_pandas_na():
    # R: x7 <- c(4, 1, 24, 4, 2, 9, NA, 3)
    x = pd.Series([4, 1, 24, 4, 2, 9, pd.NA, 3], dtype="Int64")
    df = median_range(x)
    # R: c(median(x7, na.rm = TRUE), min(x7, na.rm = TRUE), max(x7, na.rm = TRUE), sum(!is.na(x7)))
    assert_allclose(list(as_dict(df).values()) + [df.n[0]], [4, 1, 24, 7], rtol=RTOL)


def test_median_range_all_missing():
    df = median_range([nan, None])
    assert df.estimate.isna().all() and (df.n == 0).all()
    assert df.method[0].startswith(MEDIAN_RANGE + " not computed")
    with pytest.raises(ValueError, match="x must hold numbers"):
        median_range(["a", 1])


def test_count_percent_against_R_with_missing():
    m = [True, False, nan, True, True, False, None, False, True, True, False]
    df = count_percent(m)
    d = as_dict(df)
    # R: m <- c(TRUE, FALSE, NA, TRUE, TRUE, FALSE, NA, FALSE, TRUE, TRUE, FALSE)
    # R: c(sum(m, na.rm = TRUE), 100 * mean(m, na.rm = TRUE), sum(!is.na(m)))
    assert_allclose([d["count"], d["percent"], df.n[0]], [5, 55.5555555555556, 9], rtol=1e-14)
    assert list(df.statistic) == ["count", "percent"] and set(df.method) == {COUNT_PERCENT}


def test_count_percent_against_R_boolean_dtype_published_value():
    mask = pd.Series([True] * 14 + [False] * 62, dtype="boolean")
    d = as_dict(count_percent(mask))
    # R: m76 <- c(rep(TRUE, 14), rep(FALSE, 62)); 100 * mean(m76)   (Wang 2021: 14 (18.42%))
    assert_allclose(d["percent"], 18.4210526315789, rtol=1e-14)
    d = as_dict(count_percent(pd.Series([1, 0, pd.NA, 1], dtype="Int64")))
    assert d == {"count": 2.0, "percent": 100 * 2 / 3}


def test_count_percent_empty_and_invalid():
    df = count_percent(pd.Series([pd.NA, pd.NA], dtype="boolean"))
    assert df.n.tolist() == [0, 0] and np.isnan(df.estimate[1]) and "not computed" in df.method[0]
    with pytest.raises(ValueError, match="True/False"):
        count_percent([True, 2, "yes"])
