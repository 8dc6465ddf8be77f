"""cartcyto.stats.firth on the endometrial data (Heinze & Schemper 2002, Stat Med 21:2409;
shipped as brglm2::endometrial, tests/reference/endometrial.csv).

Published: the logistf documentation's example fit of these data (the model of Heinze & Schemper
2002) prints the estimates and NV's profile penalised-likelihood CI asserted below. R references (tests/reference/stats_reviewer.R): brglm2 (AS_mean = Firth's
penalty for the logit link) for the estimates, an independent optim-based profile of the
penalised likelihood in R for the limits and p. Tolerances: 1e-6 against R; half a unit in the
printed digit (rtol 1e-6) against the published fit.
"""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.firth import firth_logistic
from cartcyto.stats.regression import LOGISTIC_COLUMNS


@pytest.fixture(scope="module")
def fit():
    e = pd.read_csv(Path(__file__).parent / "reference" / "endometrial.csv")
    return firth_logistic(e, "HG", ["NV", "PI", "EH"], intercept=True)


def test_estimates_against_brglm2(fit):
    # R: coef(glm(HG ~ NV + PI + EH, binomial, endometrial, method = "brglmFit", type = "AS_mean",
    #             control = list(epsilon = 1e-12, maxit = 500)))
    assert list(fit.columns) == LOGISTIC_COLUMNS
    assert_allclose(np.log(fit.estimate),
                    [3.77455971364703, 2.92927335319709, -0.0347517598704338, -2.60416392529365],
                    rtol=1e-6)


def test_profile_ci_and_p_against_R(fit):
    sub = fit.set_index("term").loc[["NV", "PI", "EH"]]
    # R: lim(j, -1), lim(j, 1): uniroot of 2 * (llhat - prof(j, v)) - qchisq(0.95, 1)
    assert_allclose(np.log(sub.ci_low), [0.609724436390494, -0.124458720858225, -4.36518324392138],
                    rtol=1e-6)
    assert_allclose(np.log(sub.ci_high), [7.85463169814023, 0.0404554731804447, -1.23272106169783],
                    rtol=1e-6)
    # R: pchisq(2 * (llhat - prof(j, 0)), 1, lower.tail = FALSE)
    assert_allclose(sub.p_value, [0.00912366754699116, 0.387482203564891, 2.50686710693581e-05],
                    rtol=1e-5)


def test_against_published_values(fit):
    # logistf documentation, example fit logistf(HG ~ NV + PI + EH, data = endometrial):
    # coef 2.92927330, -0.03475175, -2.60416387; NV profile CI 0.6097244, 7.85463171
    sub = fit.set_index("term").loc[["NV", "PI", "EH"]]
    assert_allclose(np.log(sub.estimate), [2.92927330, -0.03475175, -2.60416387], rtol=1e-6)
    assert_allclose(np.log([sub.ci_low["NV"], sub.ci_high["NV"]]), [0.6097244, 7.85463171], rtol=1e-6)


def test_finite_under_separation(fit):
    # NV separates quasi-completely: the ML estimate is infinite, Firth's is finite
    nv = fit.set_index("term").loc["NV"]
    assert np.isfinite(nv.estimate) and np.isfinite(nv.ci_high) and "Firth" in nv.method


def test_no_intercept_row_by_default():
    d = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1], "x": [1, 2, 3, 4, 5, 6]})   # complete separation
    fit = firth_logistic(d, "y", "x")
    assert list(fit.term) == ["x"] and np.isfinite(fit.estimate.iloc[0]) and fit.estimate.iloc[0] > 1
