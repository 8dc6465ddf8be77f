"""Wang 2021 Supplementary Tables 3-5 (cartcyto.analyses.univariate) on a hand-built derived
table: group sizes and counts traced by hand, p-values equal to direct stats calls."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import univariate as uv
from cartcyto.derive.dtypes import typed
from cartcyto.report.scorecard import build_scorecard, read_published
from cartcyto.stats import tests
from cartcyto.stats.multiplicity import p_adjust

REPO = Path(__file__).resolve().parents[1]
STUDY = {"conventions": "spss"}
T, F, NA = "true", "false", ""


def patients() -> pd.DataFrame:
    """10 patients: P1-P8 at risk for SN (new onset P1-P4), P9 baseline, P10 outside the set."""
    nan = np.nan
    df = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 11)],
        "in_analysis_set": [T] * 9 + [F],
        "sn_at_risk": [T] * 8 + [F, T],
        "sn_new_onset": [T, T, T, T, F, F, F, F, F, T],
        "age_years": [30, 40, 50, nan, 20, 25, 35, 45, 60, 70],
        "bm_blasts_pct": [80, 60, 70, 90, 10, 5, 20, 0, 50, 50],
        "sex": ["M", "M", "F", "M", "F", "F", "M", "F", "M", "M"],
        "prior_hsct": [T, F, T, NA, F, F, F, T, T, T],
        "car_target": ["CD19", "CD19-CD22", "CD19", "CD22", "CD19", "CD19", "CD19-CD22",
                       "CD19", "CD19", "CD19"],
        "crs_max_grade": [3, 2, 4, 1, 0, 1, 0, 2, 3, 4],
        "lg_max_il6": [3.1, 2.5, 2.9, 3.3, 1.2, 1.9, 2.0, 1.1, 2.2, 2.2],
    })
    for lin in ("sa", "st"):
        df[f"{lin}_at_risk"] = F
        df[f"{lin}_new_onset"] = F
    return typed(df)


def _r(st, term, statistic, level=""):
    sel = st[(st["term"] == term) & (st["statistic"] == statistic) & (st["level"] == level)]
    assert len(sel) == 1, (term, statistic, level)
    return sel.iloc[0]


def test_continuous_factor_medians_and_mann_whitney():
    st = uv.univariate_lineage(patients(), "sn", STUDY)
    assert set(st["analysis"]) == {"univariate_sn"} and set(st["outcome"]) == {"sn_new_onset"}
    r = _r(st, "age_years", "median", "new_onset")
    assert r["estimate"] == 40 and r["n"] == 3          # P4 age missing
    assert _r(st, "age_years", "median", "no_severe")["estimate"] == 30
    direct = tests.mann_whitney([30, 40, 50], [20, 25, 35, 45], convention="spss").iloc[0]
    u = _r(st, "age_years", "U")
    assert u["estimate"] == direct["estimate"] and u["p_value"] == pytest.approx(direct["p_value"])
    assert u["n"] == 7 and u["method"].startswith(direct["method"])


def test_crs_grade_is_ordinal_mann_whitney():
    st = uv.univariate_lineage(patients(), "sn", STUDY)
    direct = tests.mann_whitney([3, 2, 4, 1], [0, 1, 0, 2], convention="spss").iloc[0]
    u = _r(st, "crs_max_grade", "U")
    assert u["p_value"] == pytest.approx(direct["p_value"])
    assert "grade as ordinal" in u["method"]
    assert not ((st["term"] == "crs_max_grade") & (st["statistic"] == "chi2")).any()


def test_categorical_counts_and_pearson_chi_square():
    st = uv.univariate_lineage(patients(), "sn", STUDY)
    # sex: new onset M M F M (3 M), no severe F F M F (1 M)
    assert _r(st, "sex", "count", "new_onset:M")["estimate"] == 3
    assert _r(st, "sex", "percent", "new_onset:M")["estimate"] == 75
    assert _r(st, "sex", "count", "no_severe:F")["estimate"] == 3
    direct = tests.chi_square([[3, 1], [1, 3]], convention="spss").iloc[0]
    chi = _r(st, "sex", "chi2")
    assert chi["estimate"] == pytest.approx(direct["estimate"])
    assert chi["p_value"] == pytest.approx(direct["p_value"])
    # boolean with a missing value: new onset T F T <NA> -> 2/3; no severe F F F T -> 1/4
    r = _r(st, "prior_hsct", "count", "new_onset:true")
    assert r["estimate"] == 2 and r["n"] == 3
    direct = tests.chi_square([[2, 1], [1, 3]], convention="spss").iloc[0]
    assert _r(st, "prior_hsct", "chi2")["p_value"] == pytest.approx(direct["p_value"])
    # three targets: columns in the paper's order CD19, CD22, CD19-CD22
    direct = tests.chi_square([[2, 1, 1], [3, 0, 1]], convention="spss").iloc[0]
    assert _r(st, "car_target", "chi2")["p_value"] == pytest.approx(direct["p_value"])
    assert _r(st, "car_target", "chi2")["n"] == 8


def test_r_convention_reaches_the_tests():
    st = uv.univariate_lineage(patients(), "sn", {"conventions": "r"})
    direct = tests.chi_square([[3, 1], [1, 3]], convention="r").iloc[0]
    assert _r(st, "sex", "chi2")["p_value"] == pytest.approx(direct["p_value"])
    assert "Yates" in _r(st, "sex", "chi2")["method"]


def test_absent_factors_are_skipped_and_empty_lineages_do_not_fail():
    st = uv.univariate(patients(), STUDY)
    assert "bmi" not in set(st["term"])
    assert set(st["analysis"]) == {"univariate_sn", "univariate_sa", "univariate_st"}
    sa = st[(st["analysis"] == "univariate_sa") & (st["statistic"] == "U")]
    assert sa["p_value"].isna().all()          # nobody at risk: NaN with the reason, no error


def test_formatted_table():
    res = uv.univariate_results(patients(), STUDY)
    t = res["tables"]["supp_table3_univariate_sn"]
    assert list(t.columns) == ["Factor", "New-onset SN (n=4)", "No severe SN (n=4)", "P", "Holm P",
                               "BH P", "Test"]
    row = t[t["Factor"] == "Prior allogeneic HSCT"].iloc[0]
    assert row["New-onset SN (n=4)"] == "2 (66.67%)" and row["Test"] == "Pearson chi-square"
    assert t[t["Factor"] == "Age, years"].iloc[0]["New-onset SN (n=4)"] == "40 [30-50]"
    assert list(t[t["Factor"].str.startswith("  ")]["Factor"]) == [
        "  Male", "  Female", "  CD19", "  CD22", "  CD19-CD22"]
    age = t[t["Factor"] == "Age, years"].iloc[0]
    st = res["stats"]
    for column, statistic in (("P", "U"), ("Holm P", "p_holm"), ("BH P", "p_bh")):
        p = _r(st[st["analysis"] == "univariate_sn"], "age_years", statistic)["p_value"]
        assert age[column] == f"{p:.3f}"
    assert (t.loc[t["Factor"].str.startswith("  "), ["P", "Holm P", "BH P"]] == "").all().all()


def test_holm_and_bh_rows_adjust_the_tables_family():
    st = uv.univariate_lineage(patients(), "sn", STUDY)
    family = st[st["statistic"].isin(["U", "chi2"])]
    # 4 continuous factors (age, blasts, CRS grade, IL-6) and 3 categorical (sex, HSCT, target)
    assert len(family) == 7 and family["p_value"].notna().all()
    for statistic, method in (("p_holm", "holm"), ("p_bh", "BH")):
        rows = st[st["statistic"] == statistic]
        assert list(rows["term"]) == list(family["term"])     # one per test, in the table's order
        expected = p_adjust(family["p_value"], method=method)["p_adjusted"].to_numpy()
        np.testing.assert_allclose(rows["p_value"], expected, rtol=1e-15)
        assert rows["estimate"].isna().all() and list(rows["n"]) == list(family["n"])
        assert rows["method"].str.contains("k = 7 p-values").all()
        assert rows["method"].str.contains("family = Supplementary Table 3 (univariate_sn)",
                                           regex=False).all()
        assert rows["method"].str.contains("not the paper's analysis").all()
    # Holm by hand: the smallest p times 7; BH: the largest p is its own BH p
    p = family["p_value"].to_numpy()
    holm = st.loc[st["statistic"] == "p_holm", "p_value"].to_numpy()
    bh = st.loc[st["statistic"] == "p_bh", "p_value"].to_numpy()
    assert holm[np.argmin(p)] == pytest.approx(min(1.0, 7 * p.min()))
    assert bh[np.argmax(p)] == pytest.approx(p.max())
    holm_age = _r(st, "age_years", "p_holm")["method"]
    assert "adjusted here: the Mann-Whitney U p of this term (statistic U)" in holm_age
    assert "Pearson chi-square p of this term" in _r(st, "sex", "p_bh")["method"]
    # the paper's rows are those of the table without the additions
    assert st[~st["statistic"].isin(["p_holm", "p_bh"])].equals(
        st.iloc[:len(st) - 2 * len(family)])


def test_adjusted_rows_of_a_table_without_computed_tests_stay_missing():
    st = uv.univariate(patients(), STUDY)
    sa = st[st["analysis"] == "univariate_sa"]
    rows = sa[sa["statistic"].isin(["p_holm", "p_bh"])]
    assert len(rows) == 2 * sa["statistic"].isin(["U", "chi2"]).sum() > 0
    assert rows["p_value"].isna().all()
    assert rows["method"].str.startswith("not adjusted: p missing").all()
    assert rows["method"].str.contains("k = 0 p-values").all()


def test_the_scorecard_does_not_read_the_adjusted_rows():
    """The published univariate items name statistic U: p_holm / p_bh rows, even ones holding
    exactly the published p, leave every verdict as it was."""
    published = read_published(str(REPO / "data" / "published" / "wang2021.csv"))
    published = published[published["analysis"] == "univariate_sn"]
    assert len(published) == 1 and published["statistic"].iloc[0] == "U"
    st = uv.univariate(patients(), STUDY)
    paper = st[~st["statistic"].isin(["p_holm", "p_bh"])]
    bait = st.copy()
    added = bait["statistic"].isin(["p_holm", "p_bh"]) & (bait["term"] == "crs_max_grade")
    bait.loc[added & (bait["analysis"] == "univariate_sn"), "p_value"] = published["value"].iloc[0]
    before = build_scorecard(published, paper)
    assert before["status"].iloc[0] != "match"       # the fixture's U p is not the paper's
    assert build_scorecard(published, bait).equals(before)
    # without the U row the item is not reproducible: never filled from an adjusted row
    no_u = bait[~((bait["statistic"] == "U") & (bait["term"] == "crs_max_grade"))]
    assert build_scorecard(published, no_u)["status"].iloc[0] == "not_reproducible"
