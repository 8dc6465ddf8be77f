"""Family hematotox on a hand-made derived table; tests against R (tests/reference/analyses_hematotox.R)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import hematotox as hx
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.report.rows import STAT_COLUMNS, stat_value
from design_fixtures import resolve_study

SCORE = [0, 1, 1, 2, 3, 2, 4, 1, 0, 2, 5, 3]
GRADE = [0, 1, 3, 2, 4, 3, 3, 1, 0, 2, 4, 1]
DAYS = [0, 3, 15, 8, 31, 14, 20, 5, 0, 9, 28, 6]
PHENO = ["quick", "quick", "intermittent", "quick", "aplastic", "aplastic", "intermittent", "quick", "quick",
         "quick", "aplastic", None]
CFG = resolve_study("w", {"cohort": "x", "design": "wang2021"})["hematotox"]
TOL = 1e-9


def raw() -> pd.DataFrame:
    """The table as written (booleans as text, missing as NaN). Row 13 is outside the analysis
    set (must be ignored everywhere); row 14 has no score (graded, but not in the 2x2 or ROC)."""
    n = len(SCORE)
    df = pd.DataFrame({
        "patient_id": [f"p{i}" for i in range(n + 2)],
        "in_analysis_set": ["true"] * n + ["false", "true"],
        "hematotox_score": SCORE + [7, np.nan],
        "hematotox_high": ["true" if s >= 2 else "false" for s in SCORE] + ["true", np.nan],
        "icaht_early_grade": GRADE + [4, 2],
        "icaht_days_anc_le500": DAYS + [30, 9],
        "icaht_late_grade": [0] * 6 + [1, 1, 3, 3, np.nan, np.nan] + [4, 0],
        "ticaht_early_grade": [3] * n + [4, 3],
        "ticaht_late_grade": [np.nan] * (n + 2),
        "neutrophil_phenotype": PHENO + ["aplastic", "quick"],
    })
    return df


def derived() -> pd.DataFrame:
    """The table typed as read_derived returns it."""
    return typed(raw())


def stats() -> pd.DataFrame:
    return hx.hematotox_statistics(derived(), CFG, convention="spss")


def test_rows_have_the_contract_columns_and_methods():
    s = stats()
    assert list(s.columns) == STAT_COLUMNS
    assert s["method"].str.len().gt(0).all()
    assert set(s["analysis"]) == {"hematotox_grades", "hematotox_score", "hematotox_grade_by_risk",
                                  "hematotox_severe_icaht", "hematotox_roc", "hematotox_days_anc",
                                  "hematotox_phenotype"}


def test_grade_distribution_of_the_analysis_set():
    s = stats()
    # early ICAHT over 13 analysis-set patients: grade 0 x2, 1 x3, 2 x2, 3 x3, 4 x2 (+ p13 grade 2)
    assert stat_value(s, "hematotox_grades", "count", outcome="icaht_early_grade", level="2") == 3
    assert stat_value(s, "hematotox_grades", "percent", outcome="icaht_early_grade", level="2") == \
        pytest.approx(100 * 3 / 13)
    # late ICAHT: 2 of 13 not gradable; grade 3 is 2 of the 11 graded
    assert stat_value(s, "hematotox_grades", "count", outcome="icaht_late_grade", level="not_gradable") == 2
    row = s[(s["analysis"] == "hematotox_grades") & (s["outcome"] == "icaht_late_grade") & (s["level"] == "3")
            & (s["statistic"] == "percent")].iloc[0]
    assert (row["n"], row["estimate"]) == (11, pytest.approx(100 * 2 / 11))
    # no late T-ICAHT at all: every percent of a grade is NaN (n = 0), all 13 not gradable
    assert stat_value(s, "hematotox_grades", "count", outcome="ticaht_late_grade", level="not_gradable") == 13
    assert np.isnan(stat_value(s, "hematotox_grades", "percent", outcome="ticaht_late_grade", level="0"))


def test_two_by_two_and_fisher_against_R():
    s = stats()
    cells = {lv: stat_value(s, "hematotox_severe_icaht", "count", outcome="icaht_early_grade",
                            term="hematotox_high", level=lv)
             for lv in ("high:severe", "high:not_severe", "low:severe", "low:not_severe")}
    assert cells == {"high:severe": 4, "high:not_severe": 3, "low:severe": 1, "low:not_severe": 4}
    # R: fisher.test(matrix(c(4, 1, 3, 4), 2))$p.value
    p = stat_value(s, "hematotox_severe_icaht", "odds_ratio", outcome="icaht_early_grade", term="hematotox_high",
                   field="p_value")
    assert p == pytest.approx(0.292929292929, abs=TOL)
    assert stat_value(s, "hematotox_severe_icaht", "odds_ratio", outcome="icaht_early_grade",
                      term="hematotox_high") == pytest.approx(16 / 3)


def test_refit_from_the_derived_columns_alone():
    # the 2x2 can be rebuilt from icaht_early_grade and hematotox_high of derived/patients.csv
    df = raw()
    df = df[df["in_analysis_set"] == "true"].dropna(subset=["hematotox_high"])
    high, severe = df["hematotox_high"] == "true", df["icaht_early_grade"] >= CFG["severe_icaht_at_least"]
    assert int((high & severe).sum()) == 4 and int((~high & ~severe).sum()) == 4


def test_roc_and_mann_whitney_against_R():
    s = stats()
    # R: ci.auc(roc(as.integer(GRADE >= 3), SCORE, levels = c(0, 1), direction = "<"), method = "delong")
    auc = s[s["analysis"] == "hematotox_roc"].iloc[0]
    assert auc["estimate"] == pytest.approx(0.814285714286, abs=TOL)
    assert auc["ci_low"] == pytest.approx(0.558686550898, abs=TOL) and auc["ci_high"] == 1.0
    assert (auc["outcome"], auc["term"], auc["n"]) == ("icaht_early_grade", "hematotox_score", 12)
    # R: wilcox.test(DAYS[high], DAYS[!high], exact = FALSE, correct = FALSE) -> W = 31
    u = s[(s["analysis"] == "hematotox_days_anc") & (s["statistic"] == "U")].iloc[0]
    assert u["estimate"] == 31 and u["p_value"] == pytest.approx(0.0280749568859, abs=TOL)
    assert stat_value(s, "hematotox_days_anc", "median", outcome="icaht_days_anc_le500", term="hematotox_high",
                      level="high") == 14


def test_phenotype_counts_and_score_distribution():
    s = stats()
    assert stat_value(s, "hematotox_phenotype", "count", outcome="neutrophil_phenotype", level="quick") == 7
    assert stat_value(s, "hematotox_phenotype", "count", outcome="neutrophil_phenotype",
                      level="not_classified") == 1
    assert stat_value(s, "hematotox_score", "count", outcome="hematotox_high", level="true") == 7
    assert stat_value(s, "hematotox_score", "percent", outcome="hematotox_score", level="1") == \
        pytest.approx(100 * 3 / 12)


def test_empty_table_is_not_tested():
    df = typed(raw().assign(hematotox_high=np.nan, hematotox_score=np.nan))
    s = hx.hematotox_statistics(df, CFG, convention="spss")
    row = s[(s["analysis"] == "hematotox_severe_icaht") & (s["statistic"] == "odds_ratio")].iloc[0]
    assert np.isnan(row["p_value"]) and row["method"].startswith("Fisher's exact test not computed")


def test_tables_format():
    s = stats()
    grades = hx.format_grades(s)
    assert grades.iloc[2]["Early ICAHT (days 0-30)"] == "3 (23.1%)"
    risk = hx.format_risk(s).set_index("Item")["Value"]
    assert risk["Fisher's exact test, odds ratio (P)"] == "5.33 (0.293)"
    assert risk["ROC AUC of the score for severe early ICAHT (95% CI DeLong)"] == "0.814 (0.559-1)"
    assert hx.format_phenotypes(s).iloc[2]["Patients, n (%)"] == "3 (25%)"


def test_untyped_or_incomplete_tables_are_refused_with_the_column_named():
    # flags still as text would otherwise count every "false" as true
    with pytest.raises(DerivedColumnError, match="'hematotox_high'"):
        hx.hematotox_statistics(raw().assign(in_analysis_set=typed(raw())["in_analysis_set"]), CFG,
                                convention="spss")
    with pytest.raises(DerivedColumnError, match="'neutrophil_phenotype'"):
        hx.hematotox_statistics(derived().drop(columns="neutrophil_phenotype"), CFG, convention="spss")


def test_figures_draw_the_frames_and_name_what_they_leave_out():
    from cartcyto.analyses.hematotox_daily import STRIP_LABELS
    from cartcyto.figures.hematotox import anc_heat_strip, anc_phenotype_lines, grade_by_risk_bars

    days = np.arange(0, 31)
    # three patients: grade 3, grade 0, not gradable (bottom); the second is censored from day 20
    cats = [["le500"] * 31, ["above"] * 20 + ["censored"] * 11, ["above"] * 31]
    strip = pd.DataFrame({"row": np.repeat([0, 1, 2], 31), "icaht_early_grade": np.repeat([3, 0, np.nan], 31),
                          "day": np.tile(days, 3), "category": sum(cats, [])})
    fig = anc_heat_strip(strip)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["Grade 3\n(n = 1)", "Grade 0\n(n = 1)", "Not gradable\n(n = 1)"]
    # the legend lists the categories drawn, in their analysis-module wording
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        STRIP_LABELS["le500"], STRIP_LABELS["above"], STRIP_LABELS["censored"]]
    table = pd.DataFrame({"phenotype": np.repeat(["quick", "intermittent", "aplastic"], 3), "day": [0, 1, 2] * 3,
                          "n": [5, 5, 5, 0, 0, 0, 2, 2, 2], "median": [1.0, 1.2, 1.5] + [np.nan] * 3 + [0.3] * 3,
                          "q1": [0.8] * 9, "q3": [1.8] * 9, "patients": np.repeat([5, 0, 2], 3)})
    fig = anc_phenotype_lines(table, thresholds=[0.5, 1.0])
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "Quick (n = 5)", "Intermittent (n = 0, not drawn)", "Aplastic (n = 2, not drawn)"]
    assert len(fig.axes[0].lines) == 1 + 2 + 2          # quick drawn, two legend stubs, two threshold lines
    fig = grade_by_risk_bars(stats())
    assert [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("n =")] == ["n = 5", "n = 7"]
