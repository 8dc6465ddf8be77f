"""cartcyto.stats.tests against R 4.x.

Expected values were printed by tests/reference/stats_tests.R (R 4.2.2, base stats); the R call
that produced each value sits in the comment right above it.
"""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.tests import (
    CHI2_PLAIN, CHI2_YATES, CHI2_YATES_NOT_2X2, FISHER_CONDITIONAL, FISHER_SAMPLE, KRUSKAL,
    MCNEMAR, MW_R_ASYMPTOTIC, MW_R_EXACT, MW_SPSS, SPEARMAN_EXACT, SPEARMAN_T, TEST_COLUMNS,
    bonferroni, chi_square, fisher_exact, kruskal, mann_whitney, mcnemar, spearman,
)

RTOL = 1e-9
nan = np.nan

# R: x_tie <- c(1.2, 3.4, 2.2, 5.1, 3.4, NA, 0.7, 2.2, 4.8, 6.0); y_tie <- c(2.5, 4.4, 6.1, 3.4, 7.2, 5.5, NA, 8.0, 6.1)
X_TIE = [1.2, 3.4, 2.2, 5.1, 3.4, nan, 0.7, 2.2, 4.8, 6.0]
Y_TIE = [2.5, 4.4, 6.1, 3.4, 7.2, 5.5, nan, 8.0, 6.1]
# R: x_small <- c(1.1, 2.3, 0.4, 3.8, 2.9); y_small <- c(4.2, 3.5, 5.6, 2.0, 6.3, 4.9)
X_SMALL = [1.1, 2.3, 0.4, 3.8, 2.9]
Y_SMALL = [4.2, 3.5, 5.6, 2.0, 6.3, 4.9]
# R: x_big <- 10 * sin(1:60); y_big <- 10 * cos(1:55) + 1
X_BIG = 10 * np.sin(np.arange(1, 61))
Y_BIG = 10 * np.cos(np.arange(1, 56)) + 1
# R: t22 <- matrix(c(12, 5, 7, 15), nrow = 2, byrow = TRUE); t23 <- matrix(c(10, 6, 4, 8, 3, 9), nrow = 2, byrow = TRUE)
T22 = [[12, 5], [7, 15]]
T23 = [[10, 6, 4], [8, 3, 9]]


def one(df):
    assert list(df.columns) == TEST_COLUMNS and len(df) == 1
    return df.iloc[0]


# ---- Mann-Whitney ------------------------------------------------------------------------------

def test_mann_whitney_spss_against_R_ties_and_nan():
    r = one(mann_whitney(X_TIE, Y_TIE, convention="spss"))
    # R: wilcox.test(x_tie, y_tie, exact = FALSE, correct = FALSE)[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [13, 0.0263267330511683], rtol=RTOL)
    assert r.statistic == "U" and r.n == 17 and np.isnan(r.dof) and r.method == MW_SPSS


def test_mann_whitney_r_against_R_ties_use_continuity():
    r = one(mann_whitney(X_TIE, Y_TIE, convention="r"))
    # R: wilcox.test(x_tie, y_tie)[c("statistic", "p.value")]   (ties -> normal approx, correct=TRUE)
    assert_allclose([r.estimate, r.p_value], [13, 0.0297752397279363], rtol=RTOL)
    assert r.method == MW_R_ASYMPTOTIC


def test_mann_whitney_spss_against_R_small():
    r = one(mann_whitney(X_SMALL, Y_SMALL, convention="spss"))
    # R: wilcox.test(x_small, y_small, exact = FALSE, correct = FALSE)[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [4, 0.0446097180249396], rtol=RTOL)


def test_mann_whitney_r_against_R_small_exact():
    r = one(mann_whitney(X_SMALL, Y_SMALL, convention="r"))
    # R: wilcox.test(x_small, y_small)[c("statistic", "p.value")]   (exact)
    assert_allclose([r.estimate, r.p_value], [4, 0.051948051948052], rtol=RTOL)
    assert r.method == MW_R_EXACT and r.n == 11
    r = one(mann_whitney(Y_SMALL, X_SMALL, convention="r"))
    # R: wilcox.test(y_small, x_small)[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [26, 0.051948051948052], rtol=RTOL)


def test_mann_whitney_both_conventions_against_R_large_no_ties():
    r = one(mann_whitney(X_BIG, Y_BIG, convention="spss"))
    # R: wilcox.test(x_big, y_big, exact = FALSE, correct = FALSE)[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [1554, 0.590924487473798], rtol=RTOL)
    r = one(mann_whitney(X_BIG, Y_BIG, convention="r"))
    # R: wilcox.test(x_big, y_big)[c("statistic", "p.value")]   (n_x >= 50 -> normal, correct=TRUE)
    assert_allclose([r.estimate, r.p_value], [1554, 0.592859155655616], rtol=RTOL)
    assert r.method == MW_R_ASYMPTOTIC


def test_mann_whitney_drops_pandas_missing_and_inf():
    x = pd.Series([1.2, 3.4, 2.2, 5.1, 3.4, pd.NA, 0.7, 2.2, 4.8, 6.0, np.inf], dtype="Float64")
    r = one(mann_whitney(x, Y_TIE + [-np.inf], convention="spss"))
    # R: wilcox.test(x_tie, y_tie, exact = FALSE, correct = FALSE)$p.value  (R drops non-finite)
    assert_allclose(r.p_value, 0.0263267330511683, rtol=RTOL)
    assert r.n == 17


@pytest.mark.parametrize("convention", ["spss", "r"])
def test_mann_whitney_degenerate_gives_nan_with_reason(convention):
    r = one(mann_whitney([nan, nan], [1, 2], convention=convention))
    assert np.isnan(r.p_value) and "group x has no non-missing" in r.method and r.n == 2
    r = one(mann_whitney([3, 3], [3, 3, 3], convention=convention))
    assert np.isnan(r.p_value) and "all observations are tied" in r.method


def test_convention_is_required_and_checked():
    with pytest.raises(TypeError):
        mann_whitney(X_SMALL, Y_SMALL)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="convention must be one of"):
        mann_whitney(X_SMALL, Y_SMALL, convention="SAS")


# ---- chi-square --------------------------------------------------------------------------------

def test_chi_square_spss_against_R_2x2():
    r = one(chi_square(T22, convention="spss"))
    # R: chisq.test(t22, correct = FALSE)[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [5.76959611595834, 1, 0.0163057815846502], rtol=RTOL)
    assert r.statistic == "chi2" and r.n == 39 and r.method == CHI2_PLAIN


def test_chi_square_r_against_R_2x2_yates():
    r = one(chi_square(T22, convention="r"))
    # R: chisq.test(t22)[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [4.32212039121869, 1, 0.0376200166348401], rtol=RTOL)
    assert r.method == CHI2_YATES
    # explicit override: R: chisq.test(t22, correct = FALSE)$p.value
    assert_allclose(one(chi_square(T22, convention="r", correction=False)).p_value,
                    0.0163057815846502, rtol=RTOL)
    # explicit override: R: chisq.test(t22)$p.value
    assert_allclose(one(chi_square(T22, convention="spss", correction=True)).p_value,
                    0.0376200166348401, rtol=RTOL)


@pytest.mark.parametrize("convention,method", [("spss", CHI2_PLAIN), ("r", CHI2_YATES_NOT_2X2)])
def test_chi_square_both_conventions_against_R_2x3(convention, method):
    r = one(chi_square(T23, convention=convention))
    # R: chisq.test(t23, correct = FALSE) and chisq.test(t23): identical (Yates is 2x2 only)
    assert_allclose([r.estimate, r.dof, r.p_value], [3.14529914529915, 2, 0.207494681150496], rtol=RTOL)
    assert r.method == method and r.n == 40


def test_chi_square_degenerate_and_invalid():
    r = one(chi_square([[0, 0], [3, 4]], convention="spss"))
    assert np.isnan(r.p_value) and "row or column total is zero" in r.method
    r = one(chi_square([[3, 4]], convention="r"))
    assert np.isnan(r.p_value) and "needs at least 2 rows" in r.method
    with pytest.raises(ValueError, match="non-negative"):
        chi_square([[1, -1], [2, 3]], convention="spss")


# ---- Fisher ------------------------------------------------------------------------------------

def test_fisher_exact_against_R():
    r = one(fisher_exact(T22))
    # R: fisher.test(t22)$p.value
    assert_allclose(r.p_value, 0.0248417203778233, rtol=RTOL)
    # R: (12 * 15) / (5 * 7)
    assert_allclose(r.estimate, 5.14285714285714, rtol=RTOL)
    assert r.statistic == "odds_ratio" and r.n == 39 and r.method == FISHER_SAMPLE
    r = one(fisher_exact(T22, odds_ratio="conditional"))
    # R: cond_mle(t22)   (fisher.test's conditional MLE, root found with uniroot(tol = 1e-14))
    assert_allclose(r.estimate, 4.90824174240455, rtol=RTOL)
    # R: fisher.test(t22)$estimate   (uniroot default tol ~1.2e-4: agrees to ~6e-8 only)
    assert_allclose(r.estimate, 4.90824205805703, rtol=1e-6)
    assert r.method == FISHER_CONDITIONAL


def test_fisher_exact_against_R_tea_and_zero_cell():
    r = one(fisher_exact([[3, 1], [1, 3]], odds_ratio="conditional"))
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2, byrow = TRUE))$p.value
    assert_allclose(r.p_value, 0.485714285714286, rtol=RTOL)
    # R: cond_mle(tea)   (fisher.test's conditional MLE with uniroot(tol = 1e-14))
    assert_allclose(r.estimate, 6.40831965819967, rtol=RTOL)
    # R: fisher.test(tea)$estimate   (default uniroot tol: 6.40830886700579, relative gap 1.7e-6)
    assert_allclose(r.estimate, 6.40830886700579, rtol=5e-6)
    r = one(fisher_exact([[0, 6], [5, 2]], odds_ratio="conditional"))
    # R: fisher.test(matrix(c(0, 6, 5, 2), 2, byrow = TRUE))[c("p.value", "estimate")]
    assert_allclose([r.p_value, r.estimate], [0.020979020979021, 0], rtol=RTOL)
    assert one(fisher_exact([[0, 6], [5, 2]])).estimate == 0
    with pytest.raises(ValueError, match="2x2"):
        fisher_exact(T23)


# ---- McNemar ------------------------------------------------------------------------------------
# R: m1 <- matrix(c(10, 15, 5, 46), 2, byrow = TRUE); m2 <- matrix(c(3, 1, 8, 12), 2, byrow = TRUE)
#    m3 <- matrix(c(4, 3, 3, 9), 2, byrow = TRUE)   (rows: first yes/no; columns: second yes/no)
M1, M2, M3 = [[10, 15], [5, 46]], [[3, 1], [8, 12]], [[4, 3], [3, 9]]


def test_mcnemar_m1_against_R():
    r = one(mcnemar(M1, method="exact"))
    # R: binom.test(15, 20, p = 0.5)[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [15, 0.0413894653320313], rtol=RTOL)
    assert r.statistic == "b" and r.n == 76 and np.isnan(r.dof) and r.method == MCNEMAR["exact"]
    r = one(mcnemar(M1, method="asymptotic"))
    # R: mcnemar.test(m1, correct = FALSE)[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [5, 1, 0.0253473186774683], rtol=RTOL)
    assert r.statistic == "chi2" and "no continuity correction" in r.method
    r = one(mcnemar(M1, method="asymptotic_corrected"))
    # R: mcnemar.test(m1)[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [4.05, 1, 0.0441713449084427], rtol=RTOL)
    assert "Edwards continuity correction" in r.method


def test_mcnemar_m2_small_and_m3_balanced_against_R():
    # R: binom.test(1, 9, p = 0.5)[c("statistic", "p.value")]
    assert_allclose([one(mcnemar(M2, method="exact")).estimate, one(mcnemar(M2, method="exact")).p_value],
                    [1, 0.0390625], rtol=RTOL)
    # R: mcnemar.test(m2, correct = FALSE)$statistic, $p.value
    assert_allclose(one(mcnemar(M2, method="asymptotic"))[["estimate", "p_value"]].to_list(),
                    [5.44444444444444, 0.0196306572572907], rtol=RTOL)
    # R: mcnemar.test(m2)$statistic, $p.value
    assert_allclose(one(mcnemar(M2, method="asymptotic_corrected"))[["estimate", "p_value"]].to_list(),
                    [4, 0.0455002638963585], rtol=RTOL)
    # R: binom.test(3, 6, p = 0.5)$p.value
    assert one(mcnemar(M3, method="exact")).p_value == 1.0
    # R: mcnemar.test(m3)[c("statistic", "p.value")]   (R applies no correction when b = c)
    assert_allclose(one(mcnemar(M3, method="asymptotic_corrected"))[["estimate", "p_value"]].to_list(),
                    [0, 1], rtol=RTOL)


def test_mcnemar_paired_flags_drop_incomplete_pairs():
    f1 = [True, True, False, False, True, None, False, True, False, True, True, False]
    f2 = [True, False, True, False, False, True, nan, False, False, False, True, True]
    r = one(mcnemar(f1, f2, method="asymptotic_corrected"))
    # R: mcnemar.test(table(factor(f1, c(TRUE, FALSE)), factor(f2, c(TRUE, FALSE))))[c("statistic", "p.value")]
    assert_allclose([r.estimate, r.p_value], [0.166666666666667, 0.683091398309609], rtol=RTOL)
    assert r.n == 10
    assert one(mcnemar(np.array(f1[:5]), np.array(f2[:5]), method="exact")).n == 5


def test_mcnemar_degenerate_and_invalid():
    r = one(mcnemar([[5, 0], [0, 7]], method="asymptotic"))
    assert np.isnan(r.p_value) and "no discordant pair" in r.method and r.n == 12
    with pytest.raises(ValueError, match="method"):
        mcnemar(M1, method="yates")
    with pytest.raises(ValueError, match="2x2"):
        mcnemar([[1, 2, 3], [4, 5, 6]], method="exact")
    with pytest.raises(ValueError, match="equal lengths"):
        mcnemar([True, False], [True], method="exact")
    with pytest.raises(ValueError, match="True/False"):
        mcnemar([True, "x"], [True, False], method="exact")


# ---- Kruskal-Wallis ----------------------------------------------------------------------------

@pytest.mark.parametrize("convention", ["spss", "r"])
def test_kruskal_against_R_hollander_wolfe(convention):
    groups = [[2.9, 3.0, 2.5, 2.6, 3.2], [3.8, 2.7, 4.0, 2.4], [2.8, 3.4, 3.7, 2.2, 2.0]]
    r = one(kruskal(groups, convention=convention))
    # R: kruskal.test(list(g1, g2, g3))[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [0.771428571428572, 2, 0.679964773578894], rtol=RTOL)
    assert r.statistic == "H" and r.n == 14 and r.method == KRUSKAL


@pytest.mark.parametrize("convention", ["spss", "r"])
def test_kruskal_against_R_ties_and_nan(convention):
    groups = {"a": [1, 2, 2, 3, nan, 5], "b": [2, 3, 3, 4, 6], "c": [5, 5, 6, 7, 7, 8, nan]}
    r = one(kruskal(groups, convention=convention))
    # R: kruskal.test(list(h1[!is.na(h1)], h2, h3[!is.na(h3)]))[c("statistic", "parameter", "p.value")]
    assert_allclose([r.estimate, r.dof, r.p_value], [9.13926426426427, 2, 0.010361770779111], rtol=RTOL)
    assert r.n == 16


def test_kruskal_degenerate():
    r = one(kruskal({"a": [1, 2], "b": [nan], "c": [3, 4]}, convention="spss"))
    assert np.isnan(r.p_value) and "group(s) b have no" in r.method
    r = one(kruskal([[1, 1], [1, 1, 1]], convention="r"))
    assert np.isnan(r.p_value) and "all observations are tied" in r.method
    r = one(kruskal([[1, 2, 3]], convention="r"))
    assert np.isnan(r.p_value) and "needs at least 2" in r.method


# ---- Spearman ----------------------------------------------------------------------------------

SX_TIE = [1, 2, 2, 4, 5, 6, nan, 8, 9, 9, 11, 12]
SY_TIE = [2.1, 1.9, 3.5, 3.5, 6.0, 4.4, 7.0, 8.8, nan, 7.7, 9.9, 9.1]


def test_spearman_spss_against_R_ties_and_nan():
    r = one(spearman(SX_TIE, SY_TIE, convention="spss"))
    # R: r <- cor(rank(sx[ok]), rank(sy[ok])); tt <- r*sqrt((n-2)/(1-r^2)); c(r, 2*pt(-abs(tt), n-2), n)
    assert_allclose([r.estimate, r.p_value, r.n], [0.935975609756098, 6.8013670284569e-05, 10], rtol=RTOL)
    assert r.dof == 8 and r.method == SPEARMAN_T


def test_spearman_r_against_R_ties_falls_back_to_t():
    r = one(spearman(SX_TIE, SY_TIE, convention="r"))
    # R: cor.test(sx_tie, sy_tie, method = "spearman")[c("estimate", "p.value")]   (ties -> t approx)
    assert_allclose([r.estimate, r.p_value], [0.935975609756098, 6.8013670284569e-05], rtol=RTOL)
    assert r.method == SPEARMAN_T


A7 = [3.1, 1.2, 4.5, 2.2, 6.3, 5.0, 0.4]
B7 = [2.0, 1.5, 3.9, 4.4, 5.2, 6.8, 0.9]
A9 = [9, 3, 5, 1, 7, 2, 8, 4, 6]
B9 = [8, 1, 6, 3, 9, 2, 5, 7, 4]
A12 = [12, 3, 5, 1, 7, 2, 8, 4, 6, 11, 9, 10]
B12 = [10, 1, 6, 3, 12, 2, 5, 7, 4, 8, 11, 9]
A20 = np.sin(np.arange(1, 21))
B20 = np.sin(np.arange(1, 21)) + np.cos(3 * np.arange(1, 21))

# (x, y, rho, SPSS-style t-approximation p, R exact p), each from tests/reference/stats_tests.R:
# R: spear(label, a, b): r <- cor(rank(a), rank(b)); 2*pt(-abs(r*sqrt((n-2)/(1-r^2))), n-2);
#    cor.test(a, b, method = "spearman")$p.value
SPEARMAN_CASES = {
    # R: spear("sp7", a7, b7)      n = 7, exact enumeration
    "n7": (A7, B7, 0.857142857142857, 0.0136973266153257, 0.0238095238095238),
    # R: spear("sp7neg", a7, -b7)
    "n7neg": (A7, [-v for v in B7], -0.857142857142857, 0.0136973266153257, 0.0238095238095238),
    # R: spear("sp9", a9, b9)      n = 9, largest enumerated n
    "n9": (A9, B9, 0.7, 0.0357695749702617, 0.0432539682539683),
    # R: spear("sp12", a12, b12)   n = 12, Edgeworth series
    "n12": (A12, B12, 0.741258741258741, 0.00580115047447824, 0.0081706398158992),
    # R: spear("sp20", a20, b20)
    "n20": (A20, B20, 0.708270676691729, 0.000474615108251692, 0.000679865042254839),
    # R: spear("sp20neg", a20, -b20)
    "n20neg": (A20, -B20, -0.708270676691729, 0.000474615108251692, 0.000679865042254835),
}


@pytest.mark.parametrize("case", SPEARMAN_CASES)
def test_spearman_spss_against_R_no_ties(case):
    x, y, rho, p_t, _ = SPEARMAN_CASES[case]
    r = one(spearman(x, y, convention="spss"))
    assert_allclose([r.estimate, r.p_value], [rho, p_t], rtol=RTOL)
    assert r.method == SPEARMAN_T


@pytest.mark.parametrize("case", SPEARMAN_CASES)
def test_spearman_r_against_R_exact_as89(case):
    x, y, rho, _, p_exact = SPEARMAN_CASES[case]
    r = one(spearman(x, y, convention="r"))
    assert_allclose([r.estimate, r.p_value], [rho, p_exact], rtol=RTOL)
    assert r.method == SPEARMAN_EXACT and np.isnan(r.dof)


def test_spearman_degenerate_and_invalid():
    r = one(spearman([1, 2, nan], [1, nan, 3], convention="spss"))
    assert np.isnan(r.p_value) and r.n == 1 and "needs >= 3" in r.method
    r = one(spearman([1, 1, 1, 1], [1, 2, 3, 4], convention="r"))
    assert np.isnan(r.p_value) and "constant" in r.method
    with pytest.raises(ValueError, match="paired"):
        spearman([1, 2, 3], [1, 2], convention="spss")


# ---- Bonferroni --------------------------------------------------------------------------------

def test_bonferroni_against_R():
    p = [0.01, 0.2, 0.04, 0.5, nan]
    # R: p.adjust(c(0.01, 0.2, 0.04, 0.5, NA), "bonferroni", n = 6)
    assert_allclose(bonferroni(p, 6), [0.06, 1, 0.24, 1, nan], rtol=RTOL)
    # R: p.adjust(c(0.01, 0.2, 0.04, 0.5, NA), "bonferroni", n = 30)
    assert_allclose(bonferroni(np.array(p), 30), [0.3, 1, 1, 1, nan], rtol=RTOL)
    s = bonferroni(pd.Series(p, index=list("abcde")), 6)
    assert list(s.index) == list("abcde")
    assert isinstance(bonferroni(0.02, 3), float)
    with pytest.raises(ValueError, match="positive integer"):
        bonferroni(p, 0)
