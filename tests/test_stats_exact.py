"""cartcyto.stats.exact.fisher_odds_ratio against R 4.x fisher.test (tests/reference/stats_reviewer.R).

R's fisher.test solves its roots with uniroot's default tolerance, which agrees with the exact
root to ~1e-4 on the estimate and, for wide intervals, to ~1e-2 on the upper limit (621.93 vs
626.24 below). The reference script solves fisher.test's own equations with tol = 1e-14; those
"tight" values are matched to rtol 1e-9, R's printed defaults to the stated looser tolerance.
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.exact import COLUMNS, fisher_odds_ratio

# table (a, b, c, d) -> (R default or, lo, hi, p ; tight or, lo, hi)
# R: ft <- fisher.test(matrix(c(a, b, c, d), 2, byrow = TRUE)); ft$estimate; ft$conf.int; ft$p.value
# R (tight): uniroot(..., tol = 1e-14) on fisher.test's equations (see the script)
FISHER_R = {
    (3, 1, 1, 3): ((6.40830886700579, 0.211732915305503, 621.933750545417, 0.485714285714286),
                   (6.40831965819968, 0.211735595446579, 626.243530588814)),
    (10, 3, 2, 15): ((21.3053312750167, 2.75343836564203, 300.682787419402, 0.000536724119143437),
                     (21.3053175567503, 2.75338278824932, 301.462337971517)),
    (7, 12, 9, 4): ((0.271200444692963, 0.0430801762596844, 1.43188956235452, 0.148883622704777),
                    (0.271197167111029, 0.0430791390147121, 1.4318626523697)),
    (0, 5, 6, 4): ((0, 0, 1.27875130893895, 0.0439560439560439), (0, 0, 1.27873752448799)),
    (20, 14, 11, 35): ((4.45088294222727, 1.57296152266908, 13.3390892099114, 0.00238655659577886),
                       (4.45088261933763, 1.57296124076005, 13.3379741516837)),
}


@pytest.mark.parametrize("cells", list(FISHER_R))
def test_fisher_odds_ratio_against_R(cells):
    (or_r, lo_r, hi_r, p_r), tight = FISHER_R[cells]
    row = fisher_odds_ratio(np.array(cells).reshape(2, 2))
    assert list(row.columns) == COLUMNS
    got = row[["estimate", "ci_low", "ci_high"]].iloc[0].to_numpy(float)
    assert_allclose(got, tight, rtol=1e-9)
    assert_allclose(got, [or_r, lo_r, hi_r], rtol=1e-2)       # R's default root tolerance
    assert_allclose(row.p_value.iloc[0], p_r, rtol=1e-10)
    assert row.n.iloc[0] == sum(cells) and "exact conditional" in row.method.iloc[0]


def test_upper_end_of_support_gives_infinite_estimate():
    row = fisher_odds_ratio([[5, 0], [2, 4]]).iloc[0]
    assert row.estimate == np.inf and row.ci_high == np.inf and row.ci_low > 0


def test_bad_table():
    with pytest.raises(ValueError, match="2x2"):
        fisher_odds_ratio([[1, 2, 3], [4, 5, 6]])
