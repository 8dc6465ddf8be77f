"""cartcyto.stats.competing against R 4.x cmprsk 2.2-11 and survival 3.5-3.

Data tests/reference/competing.csv (150 simulated patients, whole days so every kind of tie
occurs; status 0 censored, 1 event, 2 competing), written and printed by
tests/reference/stats_reviewer.R. Tolerance rtol 1e-9 for cuminc/Gray; 1e-7 for crr (R run with
gtol = 1e-12).
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.competing import (
    CIF_COLUMNS, cause_specific_cox, cumulative_incidence_cr, fine_gray, gray_test, loglog_ci,
)

DAYS = [0, 5, 10, 20, 30, 45]
NA = np.nan


@pytest.fixture(scope="module")
def cr():
    return pd.read_csv(Path(__file__).parent / "reference" / "competing.csv")


# R: ci <- cuminc(cr$time, cr$status, cr$group); tp <- timepoints(ci, c(0, 5, 10, 20, 30, 45))
#    tp$est["<g> 1", ]; tp$var["<g> 1", ]
CUMINC_R = {
    "a": ([0, 0.285714285714286, 0.387755102040816, 0.576408553852163, 0.647593008495264, NA],
          [0, 0.00423919819939058, 0.00493277109749672, 0.00604720285760517, 0.00994573221393003, NA]),
    "b": ([0, 0.36734693877551, 0.622448979591837, 0.738610595753453, 0.817632103346389, NA],
          [0, 0.00480076483654656, 0.00504743315334505, 0.00438590183413004, 0.00570303099204761, NA]),
    "c": ([0, 0.269230769230769, 0.452991452991453, 0.562052078356426, NA, NA],
          [0, 0.00382227646626974, 0.00499469509518827, 0.00570739537767945, NA, NA]),
}


def test_cuminc_by_group_against_R(cr):
    out = cumulative_incidence_cr(cr.time, cr.status, DAYS, cr.group)
    assert list(out.columns) == CIF_COLUMNS
    for g, (est, var) in CUMINC_R.items():
        sub = out[out.group == g]
        assert_allclose(sub.cumulative_incidence, est, rtol=1e-9)
        assert_allclose(sub.variance, var, rtol=1e-9)
        assert sub.n.iloc[0] == (cr.group == g).sum()
    assert out.method.str.contains("Gray \\(1988\\)").all()


def test_cuminc_pooled_against_R(cr):
    # R: all1 <- timepoints(cuminc(cr$time, cr$status), c(0, 5, 10, 20, 30, 45)); all1$est[1, ]; all1$var[1, ]
    out = cumulative_incidence_cr(cr.time, cr.status, DAYS)
    assert_allclose(out.cumulative_incidence,
                    [0, 0.306666666666667, 0.489241849563179, 0.626328614549475, 0.708358288837085, NA],
                    rtol=1e-9)
    assert_allclose(out.variance,
                    [0, 0.00141133744895742, 0.00171125357192765, 0.00177007055286055,
                     0.00204183656536849, NA], rtol=1e-9)


def test_loglog_ci_formula():
    # R: F <- 0.4; se <- 0.1; F^exp(-qnorm(0.975) * se / (F * log(F))); F^exp(qnorm(0.975) * se / (F * log(F)))
    #    0.209268817188781, 0.584630726408072
    lo, hi = loglog_ci(np.array([0.4, 0.0]), np.array([0.01, 0.0]))
    assert_allclose([lo[0], hi[0]], [0.209268817188781, 0.584630726408072], rtol=1e-9)
    assert np.isnan(lo[1]) and np.isnan(hi[1])


def test_gray_test_against_R(cr):
    # R: cuminc(cr$time, cr$status, cr$group)$Tests: cause 1 stat 4.75425302568569, p 0.0928169028641961, df 2
    row = gray_test(cr.time, cr.status, cr.group).iloc[0]
    assert_allclose([row.estimate, row.p_value], [4.75425302568569, 0.0928169028641961], rtol=1e-9)
    assert row.dof == 2 and row.n == 150
    # R: same call, cause 2: stat 3.33819755374669, p 0.188416794718223 (causes swapped here)
    swapped = np.where(cr.status == 0, 0, 3 - cr.status)
    row = gray_test(cr.time, swapped, cr.group).iloc[0]
    assert_allclose([row.estimate, row.p_value], [3.33819755374669, 0.188416794718223], rtol=1e-9)
    # R: cuminc(cr$time, cr$status, cr$x2)$Tests[1, ]: 13.5245958405145, 0.000235457091758651, 1
    row = gray_test(cr.time, cr.status, cr.x2).iloc[0]
    assert_allclose([row.estimate, row.p_value], [13.5245958405145, 0.000235457091758651], rtol=1e-9)


def test_gray_test_one_group():
    row = gray_test([1, 2, 3], [1, 2, 0], ["a"] * 3).iloc[0]
    assert np.isnan(row.p_value) and "fewer than two groups" in row.method


# R: fg <- crr(cr$time, cr$status, as.matrix(cr[, cov]), gtol = 1e-12, maxiter = 100)
#    exp(fg$coef); sqrt(diag(fg$var)); 2 * pnorm(-abs(fg$coef / sqrt(diag(fg$var))))
CRR_R = {
    ("x1",): ([1.66755908099671], [0.113204029700111], [6.26739883334624e-06]),
    ("x1", "x2"): ([1.71009370150746, 2.03290170424853], [0.110810897514187, 0.193913912405587],
                   [1.28528257342692e-06, 0.000253541981155228]),
}


@pytest.mark.parametrize("cov", list(CRR_R))
def test_fine_gray_against_R(cr, cov):
    fit = fine_gray(cr, "time", "status", list(cov))
    shr, se, p = CRR_R[cov]
    assert_allclose(fit.estimate, shr, rtol=1e-7)
    assert_allclose(np.log(fit.estimate / fit.ci_low) / 1.959963984540054, se, rtol=1e-7)
    assert_allclose(np.log(fit.ci_high / fit.estimate) / 1.959963984540054, se, rtol=1e-7)
    assert_allclose(fit.p_value, p, rtol=1e-6)
    assert (fit.statistic == "sHR").all() and (fit.events == (cr.status == 1).sum()).all()


def test_fine_gray_no_events_is_nan(cr):
    d = cr.assign(status=np.where(cr.status == 1, 0, cr.status))
    fit = fine_gray(d, "time", "status", ["x1"])
    assert fit.estimate.isna().all() and "no cause-1 events" in fit.method.iloc[0]


def test_cause_specific_cox_against_R(cr):
    # R: exp(coef(coxph(Surv(time, status == 1) ~ x1 + x2, data = cr, ties = "breslow")))
    fit = cause_specific_cox(cr, "time", "status", ["x1", "x2"], ties="breslow")
    assert_allclose(fit.estimate, [1.68833136221255, 2.08389609366114], rtol=1e-7)
    assert (fit.statistic == "csHR").all() and "competing events censored" in fit.method.iloc[0]
    # R: exp(coef(coxph(Surv(time, status == 1) ~ x1, data = cr, ties = "breslow"))) = 1.66776448815602
    fit = cause_specific_cox(cr, "time", "status", "x1", ties="breslow")
    assert_allclose(fit.estimate, [1.66776448815602], rtol=1e-7)


def test_status_codes_checked():
    with pytest.raises(ValueError, match="0 \\(censored\\), 1"):
        gray_test([1, 2], [1, 3], ["a", "b"])
