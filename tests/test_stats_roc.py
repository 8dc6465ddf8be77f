"""ROC AUC with a DeLong CI against R pROC 1.18 (tests/reference/stats_roc.R)."""
from __future__ import annotations

import numpy as np
import pytest

from cartcyto.stats.roc import roc_auc

SCORE = [0, 1, 1, 2, 3, 2, 4, 1, 0, 2, 5, 3, 1, 2, 6, 0, 3, 2, 4, 1, 2, 3, 0, 1, 7]
SEVERE = [0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1]
X = [0.31, 1.22, 1.57, 2.05, 0.73, 0.12, 0.95, 1.48, 2.61, 0.44, 1.05, 1.77]
Y = [0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1, 0]
TOL = 1e-9


def test_tied_integer_score_against_pROC():
    # R: r <- roc(SEVERE, SCORE, levels = c(0, 1), direction = "<"); ci.auc(r, method = "delong")
    row = roc_auc(SCORE, np.array(SEVERE, bool)).iloc[0]
    assert row["estimate"] == pytest.approx(0.850649350649, abs=TOL)
    assert row["ci_low"] == pytest.approx(0.704926145116, abs=TOL)
    assert row["ci_high"] == pytest.approx(0.996372556182, abs=TOL)
    assert (row["n"], row["n_cases"], row["n_controls"]) == (25, 11, 14)
    assert "DeLong" in row["method"] and "direction '<'" in row["method"]


def test_clipped_90_percent_interval_against_pROC():
    # R: ci.auc(roc(Y, X, levels = c(0, 1), direction = "<"), method = "delong", conf.level = 0.90)
    row = roc_auc(X, np.array(Y, bool), conf_level=0.90).iloc[0]
    assert row["estimate"] == pytest.approx(0.75, abs=TOL)
    assert row["ci_low"] == pytest.approx(0.489925806062, abs=TOL)
    assert row["ci_high"] == 1.0


def test_auc_is_the_mann_whitney_u_over_mn_and_direction_is_fixed():
    from scipy import stats
    x, y = np.array(SCORE, float), np.array(SEVERE, bool)
    u = stats.mannwhitneyu(x[y], x[~y], method="asymptotic", use_continuity=False).statistic
    assert roc_auc(x, y).iloc[0]["estimate"] == pytest.approx(u / (y.sum() * (~y).sum()))
    # a score that predicts the absence of the outcome gets an AUC below 0.5 (no silent flip)
    assert roc_auc(-x, y).iloc[0]["estimate"] == pytest.approx(1 - 0.850649350649)


def test_missing_and_degenerate_input():
    row = roc_auc([1, 2, np.nan, 4], [True, False, True, None]).iloc[0]
    assert row["n"] == 2 and np.isnan(row["ci_low"]) and "fewer than 2" in row["method"]
    row = roc_auc([1, 2, 3], [False, False, False]).iloc[0]
    assert np.isnan(row["estimate"]) and row["method"] == "ROC AUC not computed: no cases"
