"""cartcyto.stats.kaplan_meier and stratified cox_ph against R 4.x survival 3.5-3.

Values printed by tests/reference/stats_reviewer.R (lung = survival::lung, tests/reference/lung.csv).
Tolerance: medians and limits are event times (exact); chi-square, HR, CI and p to rtol 1e-7.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.kaplan_meier import (
    KM_COLUMNS, conf_type_for, km_median, logrank, numbers_at_risk,
)
from cartcyto.stats.survival import cox_ph

RTOL = 1e-7
NA = np.nan


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(Path(__file__).parent / "reference" / "lung.csv")
    d["dead"] = d["status"] == 2
    return d


# R: q <- quantile(survfit(Surv(time, status) ~ 1, data = <subset>, conf.type = <ct>), 0.5)
#    c(q$quantile, q$lower, q$upper)
KM_R = {
    ("all", "log"): (310, 285, 363), ("all", "log-log"): (310, 284, 361),
    ("sex1", "log"): (270, 212, 310), ("sex1", "log-log"): (270, 210, 306),
    ("sex2", "log"): (426, 348, 550), ("sex2", "log-log"): (426, 345, 524),
}


@pytest.mark.parametrize("subset,conf_type", list(KM_R))
def test_km_median_lung_against_R(lung, subset, conf_type):
    d = lung if subset == "all" else lung[lung.sex == int(subset[-1])]
    row = km_median(d.time, d.dead, conf_type=conf_type)
    assert list(row.columns) == KM_COLUMNS
    assert_allclose(row[["estimate", "ci_low", "ci_high"]].iloc[0], KM_R[(subset, conf_type)])
    assert row.n.iloc[0] == len(d) and row.events.iloc[0] == d.dead.sum()
    assert ("LOGLOG" in row.method.iloc[0]) == (conf_type == "log-log")


# R: quantile(survfit(Surv(c(1, 2, 3, 4, 5, 6), rep(1, 6)) ~ 1, conf.type = ct), 0.5)
#    log: 3.5, 2, NA; log-log: 3.5, 1, NA   (S = 0.5 exactly on [3, 4): midpoint 3.5)
# R: quantile(survfit(Surv(c(1,2,2,3,5,7,8,9), c(1,1,0,1,1,0,1,0)) ~ 1, conf.type = ct), 0.5)
#    log: 5, 3, NA; log-log: 5, 1, NA
@pytest.mark.parametrize("time,event,conf_type,expected", [
    ([1, 2, 3, 4, 5, 6], [1] * 6, "log", (3.5, 2, NA)),
    ([1, 2, 3, 4, 5, 6], [1] * 6, "log-log", (3.5, 1, NA)),
    ([1, 2, 2, 3, 5, 7, 8, 9], [1, 1, 0, 1, 1, 0, 1, 0], "log", (5, 3, NA)),
    ([1, 2, 2, 3, 5, 7, 8, 9], [1, 1, 0, 1, 1, 0, 1, 0], "log-log", (5, 1, NA)),
])
def test_km_median_ties_and_not_reached_against_R(time, event, conf_type, expected):
    row = km_median(time, event, conf_type=conf_type)
    assert_allclose(row[["estimate", "ci_low", "ci_high"]].iloc[0], expected)


def test_km_median_not_reached_is_nan():
    row = km_median([1, 2, 3, 4], [1, 0, 0, 0], conf_type="log")
    assert np.isnan(row.estimate.iloc[0])


def test_conf_type_follows_convention():
    assert conf_type_for("spss") == "log-log" and conf_type_for("r") == "log"
    with pytest.raises(ValueError):
        conf_type_for("sas")


def test_logrank_against_R(lung):
    # R: sd <- survdiff(Surv(time, status) ~ sex, data = lung); sd$chisq; pchisq(sd$chisq, 1, lower.tail = FALSE)
    row = logrank(lung.time, lung.dead, lung.sex).iloc[0]
    assert_allclose([row.estimate, row.p_value], [10.3267419548856, 0.00131116452035549], rtol=RTOL)
    assert row.dof == 1 and row.n == 228 and "survdiff" in row.method
    # R: survdiff(Surv(time, status) ~ ph.ecog, data = lung): chisq 21.962131682476, p (3 df)
    #    6.64253535580017e-05, n 227 (one ph.ecog missing)
    row = logrank(lung.time, lung.dead, lung["ph.ecog"]).iloc[0]
    assert_allclose([row.estimate, row.p_value], [21.962131682476, 6.64253535580017e-05], rtol=RTOL)
    assert row.dof == 3 and row.n == 227


def test_logrank_one_group_is_nan():
    row = logrank([1, 2, 3], [1, 1, 0], ["a", "a", "a"]).iloc[0]
    assert np.isnan(row.p_value) and "fewer than two groups" in row.method


# R: fit <- coxph(Surv(time, status) ~ age + ph.karno + strata(sex), data = lung, ties = ties)
#    exp(coef(fit)); exp(confint(fit)); summary(fit)$coefficients[, 5]; fit$n; fit$nevent
STRATA_R = {
    "breslow": ([1.0115002923714, 0.985956378940994], [0.993105107636836, 0.974495908017461],
                [1.03023620923875, 0.997551629695524], [0.222045046327328, 0.0177447378296963]),
    "efron": ([1.01152341149761, 0.985962973411493], [0.993124827145856, 0.974504137162627],
              [1.03026284716723, 0.997556549907395], [0.221197882121079, 0.0177815080890046]),
}


@pytest.mark.parametrize("ties", list(STRATA_R))
def test_stratified_cox_against_R(lung, ties):
    fit = cox_ph(lung, "time", "dead", ["age", "ph.karno"], ties=ties, strata="sex")
    hr, lo, hi, p = STRATA_R[ties]
    assert_allclose(fit.estimate, hr, rtol=RTOL)
    assert_allclose(fit.ci_low, lo, rtol=RTOL)
    assert_allclose(fit.ci_high, hi, rtol=RTOL)
    assert_allclose(fit.p_value, p, rtol=1e-6)
    assert (fit.n == 227).all() and (fit.events == 164).all()
    assert fit.method.str.endswith("stratified by sex").all()
    # the stratified fit differs from the unstratified one
    plain = cox_ph(lung, "time", "dead", ["age", "ph.karno"], ties=ties)
    assert not np.allclose(plain.estimate, fit.estimate, rtol=1e-4)


def test_numbers_at_risk():
    risk = numbers_at_risk([0, 3, 5, 5, 10, np.nan], [0, 5, 10], group=["a", "a", "b", "b", "b", "b"])
    assert risk.to_dict("list") == {"group": ["a"] * 3 + ["b"] * 3,
                                    "day": [0.0, 5.0, 10.0] * 2,
                                    "n_at_risk": [2.0, 0.0, 0.0, 3.0, 3.0, 1.0]}
