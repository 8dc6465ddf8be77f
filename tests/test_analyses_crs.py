"""Wang 2021 Figures 2A-E and 4A-F (cartcyto.analyses.crs) on hand-built derived tables and labs:
values traced by hand, p-values equal to direct stats calls."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import crs
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.figures import crs as fig
from cartcyto.stats import tests

STUDY = {"conventions": "spss", "kinetics_days": [0, 5]}
T, F = "true", "false"
nan = np.nan


def patients() -> pd.DataFrame:
    """9 analysis-set patients (3 per CRS group) + P10 outside the set, typed as read_derived
    returns them.

    SN new onset: P4-P9; SN baseline: P1; P2, P3 no severe SN after infusion (sn_t3 false);
    no severe SA or ST, no any-grade anemia or thrombocytopenia recorded.
    """
    df = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 11)],
        "in_analysis_set": [T] * 9 + [F],
        "crs_group": ["none"] * 3 + ["mild"] * 3 + ["severe"] * 4,
        "crs_max_grade": [0, 0, 0, 1, 2, 2, 3, 4, 3, 4],
        "crs_onset_day": [nan, nan, nan, 1, 2, 3, 1, 0, 2, 5],
        "crs_peak_day": [nan, nan, nan, 2, 4, 4, 3, 2, 5, 6],
        "crs_recovery_day": [nan, nan, nan, 5, 7, 8, 9, 12, 10, 9],
        "sn_baseline": [T, F, F, F, F, F, F, F, F, F],
        "sn_new_onset": [F, F, F, T, T, T, T, T, T, F],
        "sn_t3": [T, F, F, T, T, T, T, T, T, T],
        "sn_onset_day": [-2, nan, nan, 3, 5, 6, 4, 7, 8, 1],
        "sn_nadir_day": [4, 3, 2, 6, 7, 8, 9, 10, 12, 1],
        "sn_recovery_day": [15, nan, nan, 12, 14, nan, 20, 25, 30, 1],
        "sn_duration_days": [17, nan, nan, 9, 9, 20, 16, 18, 22, 1],
        # as derived: the duration, 0 where no T3 value is severe (P2, P3)
        "sn_duration_days_or_zero": [17, 0, 0, 9, 9, 20, 16, 18, 22, 1],
        "neutropenia_t3": [T, T, F, T, T, T, T, T, T, T],
    })
    for lin in ("sa", "st"):
        df[f"{lin}_baseline"] = F
        df[f"{lin}_new_onset"] = F
        df[f"{lin}_t3"] = F
        for col in ("onset_day", "nadir_day", "recovery_day", "duration_days",
                    "duration_days_or_zero"):
            df[f"{lin}_{col}"] = nan
    df["anemia_t3"] = df["thrombocytopenia_t3"] = ""
    return typed(df)


def _r(st, analysis, outcome, statistic, level="", term=None):
    sel = ((st["analysis"] == analysis) & (st["outcome"] == outcome)
           & (st["statistic"] == statistic) & (st["level"] == level))
    if term is not None:
        sel &= st["term"] == term
    assert sel.sum() == 1, (analysis, outcome, statistic, level, term)
    return st[sel].iloc[0]


def test_crs_vs_cytopenia_timing_is_independent_mann_whitney():
    st = crs.crs_vs_cytopenia_timing(patients(), STUDY)
    direct = tests.mann_whitney([3, 5, 6, 4, 7, 8], [1, 2, 3, 1, 0, 2], convention="spss").iloc[0]
    r = _r(st, "crs_vs_cytopenia_timing", "sn_onset_day", "U", term="crs_onset_day")
    assert r["estimate"] == direct["estimate"] and r["p_value"] == pytest.approx(direct["p_value"])
    assert r["n"] == 12 and "independent samples" in r["method"]
    assert _r(st, "crs_vs_cytopenia_timing", "crs_peak_day", "median", "crs")["estimate"] == 3.5
    assert _r(st, "crs_vs_cytopenia_timing", "sn_nadir_day", "median", "sn")["estimate"] == 8.5
    direct = tests.mann_whitney([12, 14, 20, 25, 30], [5, 7, 8, 9, 12, 10], convention="spss").iloc[0]
    r = _r(st, "crs_vs_cytopenia_timing", "sn_recovery_day", "U", term="crs_recovery_day")
    assert r["p_value"] == pytest.approx(direct["p_value"])


def test_incidence_by_crs_counts_and_2x3_chi_square():
    st = crs.incidence_by_crs(patients(), STUDY)
    # sn_t3: none T F F (1/3), mild 3/3, severe P7-P9 3/3 (P10 outside the set)
    assert _r(st, "incidence_by_crs", "sn_t3", "count", "none")["estimate"] == 1
    assert _r(st, "incidence_by_crs", "sn_t3", "percent", "mild")["estimate"] == 100
    assert _r(st, "incidence_by_crs", "sn_t3", "count", "severe")["n"] == 3
    direct = tests.chi_square([[1, 3, 3], [2, 0, 0]], convention="spss").iloc[0]
    r = _r(st, "incidence_by_crs", "sn_t3", "chi2")
    assert r["estimate"] == pytest.approx(direct["estimate"])
    assert r["p_value"] == pytest.approx(direct["p_value"]) and r["n"] == 9
    # nobody with severe anemia: NaN with the reason, not an error
    r = _r(st, "incidence_by_crs", "sa_t3", "chi2")
    assert np.isnan(r["p_value"]) and "not computed" in r["method"]


def test_values_at_days_nearest_within_one_day_daily_minimum():
    labs = pd.DataFrame({
        "patient_id": ["A", "A", "A", "B", "B", "C", "D"],
        "day": [5, 5, 6, 4, 6, 6, 8],
        "test": ["anc"] * 7,
        "value": [2.0, 1.0, 9.0, 3.0, 4.0, 5.0, 7.0],
    })
    out = crs.values_at_days(labs, "anc", [5])
    assert out.loc["A", 5] == 1.0        # same day, lowest of the day
    assert out.loc["B", 5] == 3.0        # d-1 and d+1: the earlier day
    assert out.loc["C", 5] == 5.0        # d+1
    assert np.isnan(out.loc["D", 5])     # 3 days away: none


def test_kinetics_mean_sem_and_kruskal():
    labs = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 10)],
        "day": [5] * 9, "test": ["plt"] * 9,
        "value": [100, 120, 140, 50, 60, 70, 10, 20, 30.0],
    })
    st = crs.kinetics_by_crs(patients(), labs, STUDY)
    r = _r(st, "kinetics_by_crs", "plt", "mean", "day5:mild")
    assert r["estimate"] == 60 and r["n"] == 3
    assert _r(st, "kinetics_by_crs", "plt", "sem", "day5:severe")["estimate"] == pytest.approx(
        np.std([10, 20, 30], ddof=1) / np.sqrt(3))
    direct = tests.kruskal([[100, 120, 140], [50, 60, 70], [10, 20, 30]], convention="spss").iloc[0]
    h = _r(st, "kinetics_by_crs", "plt", "H", "day5")
    assert h["estimate"] == pytest.approx(direct["estimate"])
    assert h["p_value"] == pytest.approx(direct["p_value"])
    assert np.isnan(_r(st, "kinetics_by_crs", "plt", "H", "day0")["p_value"])  # no values on day 0


def test_fig4_duration_zero_without_severe_cytopenia_after_infusion():
    """Figure 4A-F rows rest on the derived columns as they are (the 0 is derived)."""
    df = crs.analysis_set(patients())
    dur = crs.fig4_values(df, "sn", "duration_days_or_zero").tolist()
    assert dur == [17, 0, 0, 9, 9, 20, 16, 18, 22]
    rec = crs.fig4_values(df, "sn", "recovery_day")
    assert rec.isna().tolist() == [False, True, True, False, False, True, False, False, False]
    st = crs.kruskal_crs_group(patients(), STUDY)
    direct = tests.kruskal([[17, 0, 0], [9, 9, 20], [16, 18, 22]], convention="spss").iloc[0]
    r = _r(st, "kruskal_crs_group", "sn_duration_days_or_zero", "H")
    assert r["p_value"] == pytest.approx(direct["p_value"]) and r["n"] == 9
    assert _r(st, "kruskal_crs_group", "sn_duration_days_or_zero", "median", "severe")["estimate"] == 18
    assert not (st["outcome"] == "sn_duration_days").any()
    direct = tests.kruskal([[15], [12, 14], [20, 25, 30]], convention="spss").iloc[0]
    assert _r(st, "kruskal_crs_group", "sn_recovery_day", "H")["p_value"] == pytest.approx(
        direct["p_value"])


def test_median_ci_binomial_order_statistics():
    # n = 10: P(B <= 1) = 0.0107 -> 2 x 0.0215 <= 0.05, P(B <= 2) = 0.0547 -> j = 2: [x(2), x(9)]
    assert crs.median_ci(range(1, 11)) == (5.5, 2.0, 9.0, 10)
    # n = 6: [x(1), x(6)] has coverage 1 - 2/64 = 0.969
    assert crs.median_ci([4, 1, 3, 2, 6, 5]) == (3.5, 1.0, 6.0, 6)
    med, lo, hi, n = crs.median_ci([1, 2, 3, 4, 5])   # n = 5: even [min, max] covers only 93.75%
    assert med == 3 and np.isnan(lo) and np.isnan(hi) and n == 5
    assert np.isnan(crs.median_ci([])[0])


def test_results_tables_and_figures(tmp_path):
    labs = pd.DataFrame({"patient_id": [f"P{i}" for i in range(1, 10)] * 2,
                         "day": [0] * 9 + [5] * 9, "test": ["anc"] * 18,
                         "value": np.linspace(0.1, 3.0, 18)})
    res = crs.crs_results(patients(), STUDY, labs)
    assert set(res["tables"]) == {"fig2a_crs_vs_cytopenia_timing", "fig2b_incidence_by_crs",
                                  "fig2cde_kinetics_by_crs", "fig4af_kruskal_crs_group"}
    k = res["tables"]["fig4af_kruskal_crs_group"].set_index("Outcome")
    assert k.loc["SN duration", "Severe CRS"] == "18 (n=3)"
    paths = (fig.fig_crs_vs_cytopenia_timing(res["points"]["timing"], res["stats"], tmp_path / "a")
             + fig.fig_incidence_by_crs(res["stats"], tmp_path / "b")
             + fig.fig_kinetics_by_crs(res["stats"], tmp_path / "c")
             + fig.fig_kruskal_crs_group(res["points"]["kruskal"], res["stats"], tmp_path / "d"))
    assert len(paths) == 8
    assert all((tmp_path / p.rsplit("/", 1)[1]).stat().st_size > 1000 for p in paths)


def test_points_are_the_values_the_tests_rest_on():
    """The figures draw these frames: each sample's values are exactly those of its rows."""
    pts = crs.timing_points(patients())
    new = pts[(pts["sample"] == "sn") & (pts["column"] == "sn_onset_day")]
    assert new["patient_id"].tolist() == ["P4", "P5", "P6", "P7", "P8", "P9"]
    assert new["value"].tolist() == [3, 5, 6, 4, 7, 8]
    with_crs = pts[(pts["sample"] == "crs") & (pts["column"] == "crs_onset_day")]
    assert with_crs["value"].tolist() == [1, 2, 3, 1, 0, 2]          # P10 is outside the set
    k = crs.kruskal_points(patients())
    dur = k[k["column"] == "sn_duration_days_or_zero"]
    assert dur.groupby("sample", sort=False)["value"].apply(list).to_dict() == {
        "none": [17, 0, 0], "mild": [9, 9, 20], "severe": [16, 18, 22]}


def test_an_absent_column_is_named_not_read_as_false():
    with pytest.raises(DerivedColumnError, match="'sn_duration_days_or_zero'"):
        crs.kruskal_crs_group(patients().drop(columns="sn_duration_days_or_zero"), STUDY)
    with pytest.raises(DerivedColumnError, match="'anemia_t3'"):
        crs.incidence_by_crs(patients().drop(columns="anemia_t3"), STUDY)
    raw = patients().astype({"sn_new_onset": object})
    raw["sn_new_onset"] = raw["sn_new_onset"].map({True: "true", False: "false"})
    with pytest.raises(DerivedColumnError, match="sn_new_onset"):   # text flags are refused
        crs.crs_vs_cytopenia_timing(raw, STUDY)
