"""cartcyto.stats.regression against R 4.x glm (values printed by tests/reference/stats_regression.R).

R fits use glm.control(epsilon = 1e-14, maxit = 100): with R's default epsilon = 1e-8 the
standard errors come from the penultimate IRLS iterate (see test_logistic_small_R_default_gap).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.regression import INTERCEPT, LOGISTIC, LOGISTIC_COLUMNS, logistic

RTOL = 1e-6


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(Path(__file__).parent / "reference" / "lung.csv")
    d["dead"] = (d["status"] == 2).astype(int)
    return d


# R: small <- data.frame(y = c(0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 1, 1),
#      x1 = c(1.2, 2.5, 3.1, 0.8, 4.4, 2.5, 1.9, NA, 3.8, 2.2, 2.9, 1.1, 3.3, 1.5),
#      x2 = c(0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1))
SMALL = pd.DataFrame({
    "y": pd.array([False, False, True, False, True, True, False, True, True, False, True, False,
                   True, True], dtype="boolean"),
    "x1": [1.2, 2.5, 3.1, 0.8, 4.4, 2.5, 1.9, np.nan, 3.8, 2.2, 2.9, 1.1, 3.3, 1.5],
    "x2": [0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1],
})


def check(df, terms, orr, lo, hi, p, n, events):
    assert list(df.columns) == LOGISTIC_COLUMNS and list(df.term) == terms
    assert_allclose(df.estimate, orr, rtol=RTOL)
    assert_allclose(df.ci_low, lo, rtol=RTOL)
    assert_allclose(df.ci_high, hi, rtol=RTOL)
    assert_allclose(df.p_value, p, rtol=RTOL)
    assert (df.n == n).all() and (df.events == events).all()
    assert (df.statistic == "OR").all() and (df.method == LOGISTIC).all()


def test_logistic_against_R_lung_two_covariates(lung):
    df = logistic(lung, "dead", ["age", "sex"])
    # R: fit <- glm(dead ~ age + sex, binomial, lung, control = glm.control(epsilon = 1e-14, maxit = 100))
    # R: exp(coef(fit))[-1]; exp(confint.default(fit))[-1, ]; summary(fit)$coefficients[-1, 4]; nobs(fit); sum(fit$y)
    check(df, ["age", "sex"], [1.03240223660778, 0.35050235621857],
          [0.998548189705213, 0.191488228800453], [1.06740404633592, 0.641563726837703],
          [0.0608536536384486, 0.00067646109185042], 228, 165)


def test_logistic_against_R_lung_four_covariates_with_missing(lung):
    df = logistic(lung, "dead", ["age", "sex", "ph.ecog", "wt.loss"], intercept=True)
    # R: fit <- glm(dead ~ age + sex + ph.ecog + wt.loss, binomial, lung, control = glm.control(epsilon = 1e-14, maxit = 100))
    # R: exp(coef(fit)); exp(confint.default(fit)); summary(fit)$coefficients[, 4]; nobs(fit); sum(fit$y)
    check(df, [INTERCEPT, "age", "sex", "ph.ecog", "wt.loss"],
          [1.70362180543396, 1.0236686651863, 0.319495575726896, 2.13638465377249, 0.99218610491784],
          [0.148896739398455, 0.988398393506468, 0.1678101147717, 1.31007620051303, 0.968142579158103],
          [19.4922149919168, 1.0601975306402, 0.608291240655748, 3.48387321828094, 1.01682674430878],
          [0.668341453469528, 0.190992158791627, 0.000514551855862867, 0.00234677258877561,
           0.530820656345169], 213, 151)


def test_logistic_against_R_small_with_missing():
    df = logistic(SMALL, "y", ["x1", "x2"])
    # R: fit <- glm(y ~ x1 + x2, binomial, small, control = glm.control(epsilon = 1e-14, maxit = 100))
    # R: exp(coef(fit))[-1]; exp(confint.default(fit))[-1, ]; summary(fit)$coefficients[-1, 4]
    check(df, ["x1", "x2"], [11.2555985345165, 5.61059978267605],
          [0.915716495700349, 0.109639246155795], [138.349040303481, 287.11279058444],
          [0.0586002515758408, 0.390352433908849], 13, 7)


def test_logistic_small_R_default_gap():
    """R's default glm tolerance leaves the Wald CI/p off in the 4th digit on this data set."""
    df = logistic(SMALL, "y", ["x1", "x2"])
    # R: exp(confint.default(glm(y ~ x1 + x2, binomial, small)))[2, 2]   (default epsilon = 1e-8)
    r_default = 138.29753988185
    assert 1e-4 < abs(df.ci_high[0] / r_default - 1) < 1e-3
    # R: summary(glm(y ~ x1 + x2, binomial, small))$coefficients[2, 4]
    assert_allclose(df.p_value[0], 0.0585628169494136, rtol=1e-3)


def test_logistic_complete_separation_warns_nan():
    d = pd.DataFrame({"y": [0, 0, 0, 0, 1, 1, 1, 1], "x": [1, 2, 3, 4, 5, 6, 7, 8]})
    with pytest.warns(RuntimeWarning, match="separation.*pd.crosstab"):
        df = logistic(d, "y", "x")
    assert df.estimate.isna().all() and df.n[0] == 8 and "not estimable" in df.method[0]


def test_logistic_quasi_separation_warns_nan():
    # x <= 3 -> y = 0, x >= 6 -> y = 1, overlap only at x = 4 (R glm "converges" to b = 19.2
    # with "fitted probabilities numerically 0 or 1 occurred")
    d = pd.DataFrame({"y": [0, 0, 0, 1, 0, 1, 1, 1], "x": [1, 2, 3, 4, 4, 6, 7, 8]})
    with pytest.warns(RuntimeWarning, match="separation"):
        df = logistic(d, "y", "x")
    assert df.p_value.isna().all()


def test_logistic_degenerate_and_invalid():
    with pytest.warns(RuntimeWarning, match="single class"):
        df = logistic(SMALL.assign(y=1), "y", ["x1"])
    assert df.events[0] == 13
    with pytest.warns(RuntimeWarning, match="collinear"):
        logistic(SMALL.assign(x3=SMALL.x2 * 2), "y", ["x2", "x3"])
    with pytest.raises(ValueError, match="True/False or 1/0"):
        logistic(SMALL.assign(y=2), "y", ["x1"])
    with pytest.raises(ValueError, match="not in df"):
        logistic(SMALL, "y", ["x9"])
