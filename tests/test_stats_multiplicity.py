"""cartcyto.stats.multiplicity.p_adjust against R 4.x ``p.adjust``.

Expected values were printed by tests/reference/stats_multiplicity.R (R 4.2.2, base stats); the R
call that produced each value sits in the comment right above it. Tolerance: relative 1e-12
(R prints 15 significant digits; the adjustments are one product and a running min/max).
"""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.multiplicity import ADJUSTED_COLUMNS, P_ADJUST, p_adjust

RTOL = 1e-12
nan = np.nan

# R: p_ties <- c(0.01, 0.04, 0.04, 0.03, NA, 0.2, 0.5, 0.01, NA, 0.9)
P_TIES = [0.01, 0.04, 0.04, 0.03, nan, 0.2, 0.5, 0.01, nan, 0.9]
# R: p_bh95 <- c(0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324,
#                0.4262, 0.5719, 0.6528, 0.759, 1)
P_BH95 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324,
          0.4262, 0.5719, 0.6528, 0.759, 1]
# R: p_edge <- c(0.5, 0, 1, 0.3, 0.25, 0.004)
P_EDGE = [0.5, 0, 1, 0.3, 0.25, 0.004]
# R: p_36 <- c(0.087, 0.909, 0.199, 0.0004, 0.627, 0.468, 0.94, 0.454, 0.0598, 0.178, 0.0011,
#   0.0823, 0.769, 0.402, 0.915, 0.735, 0.593, 0.922, 0.824, 0.979, 0.0021, 0.119, 0.734, 0.724,
#   0.383, 0.63, 0.137, 0.203, 0.236, 0.123, 0.63, 0.162, 0.387, 0.029, 0.476, 0.0625)
P_36 = [0.087, 0.909, 0.199, 0.0004, 0.627, 0.468, 0.94, 0.454, 0.0598, 0.178, 0.0011,
        0.0823, 0.769, 0.402, 0.915, 0.735, 0.593, 0.922, 0.824, 0.979, 0.0021, 0.119, 0.734, 0.724,
        0.383, 0.63, 0.137, 0.203, 0.236, 0.123, 0.63, 0.162, 0.387, 0.029, 0.476, 0.0625]


def adjusted(p, method):
    out = p_adjust(p, method=method)
    assert list(out.columns) == ADJUSTED_COLUMNS and len(out) == len(p)
    return out["p_adjusted"].to_numpy()


def test_holm_and_bh_with_ties_and_missing_against_R():
    # R: p.adjust(p_ties, method = "holm")
    assert_allclose(adjusted(P_TIES, "holm"), [0.08, 0.2, 0.2, 0.18, nan, 0.6, 1, 0.08, nan, 1],
                    rtol=RTOL)
    # R: p.adjust(p_ties, method = "BH")
    assert_allclose(adjusted(P_TIES, "BH"),
                    [0.04, 0.064, 0.064, 0.064, nan, 0.266666666666667, 0.571428571428571, 0.04,
                     nan, 0.9], rtol=RTOL)
    # R: p.adjust(p_ties, method = "bonferroni")
    assert_allclose(adjusted(P_TIES, "bonferroni"), [0.08, 0.32, 0.32, 0.24, nan, 1, 1, 0.08, nan, 1],
                    rtol=RTOL)
    # the family is the 8 non-missing p; a missing p stays missing and says it was left out
    out = p_adjust(P_TIES, method="holm")
    assert (out["k"] == 8).all()
    assert out["method"].iloc[4].startswith("not adjusted: p missing")
    assert out["method"].iloc[0] == f"{P_ADJUST['holm']} over a family of k = 8 p-values (R p.adjust 'holm')"
    assert np.isnan(out["p_value"].iloc[4]) and out["p_value"].iloc[0] == 0.01


def test_step_down_and_step_up_minima_against_R():
    # R: p.adjust(p_bh95, method = "holm")
    assert_allclose(adjusted(P_BH95, "holm"),
                    [0.0015, 0.0056, 0.0247, 0.114, 0.2211, 0.278, 0.278, 0.278, 0.3213, 1, 1, 1,
                     1, 1, 1], rtol=RTOL)
    # R: p.adjust(p_bh95, method = "BH")
    assert_allclose(adjusted(P_BH95, "BH"),
                    [0.0015, 0.003, 0.0095, 0.035625, 0.0603, 0.0638571428571429,
                     0.0638571428571429, 0.0645, 0.0765, 0.486, 0.581181818181818, 0.714875,
                     0.753230769230769, 0.813214285714286, 1], rtol=RTOL)
    # R: p.adjust(p_bh95, method = "bonferroni")
    assert_allclose(adjusted(P_BH95, "bonferroni"),
                    [0.0015, 0.006, 0.0285, 0.1425, 0.3015, 0.417, 0.447, 0.516, 0.6885, 1, 1, 1,
                     1, 1, 1], rtol=RTOL)


def test_unsorted_zero_one_and_capping_against_R():
    # R: p.adjust(p_edge, method = "holm")
    assert_allclose(adjusted(P_EDGE, "holm"), [1, 0, 1, 1, 1, 0.02], rtol=RTOL)
    # R: p.adjust(p_edge, method = "BH")
    assert_allclose(adjusted(P_EDGE, "BH"), [0.6, 0, 1, 0.45, 0.45, 0.012], rtol=RTOL)
    # R: p.adjust(p_edge, method = "bonferroni")
    assert_allclose(adjusted(P_EDGE, "bonferroni"), [1, 0, 1, 1, 1, 0.024], rtol=RTOL)


def test_a_family_of_36_against_R():
    # R: p.adjust(p_36, method = "holm")
    holm = np.ones(36)
    holm[[3, 10, 20, 33]] = [0.0144, 0.0385, 0.0714, 0.957]
    assert_allclose(adjusted(P_36, "holm"), holm, rtol=RTOL)
    # R: p.adjust(p_36, method = "BH")
    assert_allclose(adjusted(P_36, "BH"), [
        0.3915, 0.966857142857143, 0.4872, 0.0144, 0.872307692307692, 0.778909090909091,
        0.966857142857143, 0.778909090909091, 0.375, 0.4872, 0.0198, 0.3915, 0.9228,
        0.761684210526316, 0.966857142857143, 0.912413793103448, 0.872307692307692,
        0.966857142857143, 0.956903225806452, 0.979, 0.0252, 0.4428, 0.912413793103448,
        0.912413793103448, 0.761684210526316, 0.872307692307692, 0.448363636363636, 0.4872, 0.531,
        0.4428, 0.872307692307692, 0.486, 0.761684210526316, 0.261, 0.778909090909091, 0.375],
        rtol=RTOL)
    # R: p.adjust(p_36, method = "bonferroni")
    bonf = np.ones(36)
    bonf[[3, 10, 20]] = [0.0144, 0.0396, 0.0756]
    assert_allclose(adjusted(P_36, "bonferroni"), bonf, rtol=RTOL)


@pytest.mark.parametrize("method", ["holm", "BH", "bonferroni"])
def test_one_p_and_all_missing(method):
    # R: p.adjust(c(0.03), method = m) for m in holm, BH, bonferroni
    assert_allclose(adjusted([0.03], method), [0.03], rtol=RTOL)
    # R: p.adjust(c(NA_real_, NA_real_), method = "holm") (and "BH")
    out = p_adjust([nan, None], method=method)
    assert out["p_adjusted"].isna().all() and (out["k"] == 0).all()
    assert p_adjust([], method=method).empty


def test_series_keeps_its_index_and_invalid_input_raises():
    s = pd.Series([0.02, pd.NA, 0.01], index=["age", "sex", "bmi"], dtype=object)
    out = p_adjust(s, method="BH")
    assert list(out.index) == ["age", "sex", "bmi"]
    # R: p.adjust(c(0.02, NA, 0.01), method = "BH") -> 0.02, NA, 0.02
    assert_allclose(out["p_adjusted"], [0.02, nan, 0.02], rtol=RTOL)
    with pytest.raises(ValueError, match="method must be one of"):
        p_adjust([0.1], method="fdr_bh")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        p_adjust([0.1, 1.2], method="holm")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        p_adjust([0.1, np.inf], method="holm")
    with pytest.raises(ValueError, match="must hold numbers"):
        p_adjust(["a"], method="holm")
