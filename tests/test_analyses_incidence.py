"""Wang 2021 Figure 1B-D (cartcyto.analyses.incidence) on hand-built derived tables.

Counts are traced by hand; every p-value must equal a direct call of the stats function (those
are checked against R in tests/test_stats_*.py).
"""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import incidence as inc
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.figures import incidence as fig
from cartcyto.stats import tests

STUDY = {"conventions": "spss", "bonferroni": True, "cumulative_incidence_days": [0, 30],
         "phases": {"t3_start": 0}}
T, F, NA = "true", "false", ""


def patients() -> pd.DataFrame:
    """10 patients in the analysis set + P11 outside it (severe everywhere, must be ignored),
    typed as read_derived returns them.

    SN: T1 severe P1; T2 severe P1-P3; T3 severe P1-P7 (P10 has no T3 values).
    At risk (not baseline, with T3): P4-P9 -> new onset P4-P7 (onset days 2, 5, 40, 0).
    SA, ST: nobody severe; everyone at risk except P10.
    CRS: P1 (day 1), P2 (day 2), P3 (day 40, after the window); others grade 0.
    """
    ids = [f"P{i}" for i in range(1, 12)]
    df = pd.DataFrame({"patient_id": ids, "in_analysis_set": [T] * 10 + [F]})
    df["sn_t1"] = [T, F, F, F, F, F, F, F, F, F, T]
    df["sn_t2"] = [T, T, T, F, F, F, F, F, F, F, T]
    df["sn_t3"] = [T, T, T, T, T, T, T, F, F, NA, T]
    df["sn_baseline"] = [T, T, T, F, F, F, F, F, F, F, T]
    df["sn_at_risk"] = [F, F, F, T, T, T, T, T, T, F, F]
    df["sn_new_onset"] = [F, F, F, T, T, T, T, F, F, F, F]
    df["sn_onset_day"] = [-5, -2, -1, 2, 5, 40, 0, np.nan, np.nan, np.nan, -3]
    df["sn_last_t3_day"] = [28, 28, 28, 28, 28, 45, 28, 35, 35, np.nan, 28]
    for lin in ("sa", "st"):
        for ph in ("t1", "t2", "t3"):
            df[f"{lin}_{ph}"] = [F] * 9 + [NA, T]
        df[f"{lin}_baseline"] = [F] * 10 + [T]
        df[f"{lin}_at_risk"] = [T] * 9 + [F, F]
        df[f"{lin}_new_onset"] = [F] * 11
        df[f"{lin}_onset_day"] = np.nan
        df[f"{lin}_last_t3_day"] = [28.0] * 9 + [np.nan, 28.0]
    df["crs_max_grade"] = [2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 4]
    df["crs_onset_day"] = [1, 2, 40, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, 1]
    return typed(df)


def _row(stats, analysis, outcome, statistic, level=""):
    sel = stats[(stats["analysis"] == analysis) & (stats["outcome"] == outcome)
                & (stats["statistic"] == statistic) & (stats["level"] == level)]
    assert len(sel) == 1, (analysis, outcome, statistic, level)
    return sel.iloc[0]


def test_incidence_phase_counts_over_the_analysis_set():
    st = inc.incidence_phase(patients(), STUDY)
    for level, count in (("T1", 1), ("T2", 3), ("T3", 7)):
        r = _row(st, "incidence_phase", "sn", "count", level)
        assert r["estimate"] == count and r["n"] == 10
        assert _row(st, "incidence_phase", "sn", "percent", level)["estimate"] == pytest.approx(10 * count)
    assert _row(st, "incidence_phase", "sa", "count", "T3")["estimate"] == 0


def test_incidence_phase_test_is_bonferroni_adjusted_pearson():
    st = inc.incidence_phase(patients(), STUDY)
    for level, (a, b) in (("T1 vs T2", (1, 3)), ("T2 vs T3", (3, 7)), ("T1 vs T3", (1, 7))):
        direct = tests.chi_square([[a, 10 - a], [b, 10 - b]], convention="spss").iloc[0]
        r = _row(st, "incidence_phase_test", "sn", "chi2", level)
        assert r["estimate"] == pytest.approx(direct["estimate"])
        assert r["p_value"] == pytest.approx(min(1.0, 3 * direct["p_value"]))
        assert r["method"].startswith("Pearson chi-square, no continuity correction, two-sided, "
                                      "Bonferroni-adjusted (k=3)")
        assert "independent groups of 10" in r["method"]


def test_incidence_phase_without_bonferroni_and_r_convention():
    st = inc.incidence_phase(patients(), {**STUDY, "bonferroni": False, "conventions": "r"})
    direct = tests.chi_square([[3, 7], [7, 3]], convention="r").iloc[0]  # Yates on 2x2
    r = _row(st, "incidence_phase_test", "sn", "chi2", "T2 vs T3")
    assert r["p_value"] == pytest.approx(direct["p_value"])
    assert "Yates" in r["method"] and "Bonferroni" not in r["method"]


def test_paired_mcnemar_rows_beside_the_papers_pearson():
    """SN, same 10 patients in each phase (P10 without T3 values counts as not severe):
    T1 vs T2: b = 0 (T1 only), c = 2 (P2, P3); T2 vs T3: b = 0, c = 4 (P4-P7);
    T1 vs T3: b = 0, c = 6 (P2-P7). Bonferroni k = 3 as the Pearson rows."""
    st = inc.incidence_phase(patients(), STUDY)
    # [[both, first only], [second only, neither]]
    for level, table in (("T1 vs T2", [[1, 0], [2, 7]]), ("T2 vs T3", [[3, 0], [4, 3]]),
                         ("T1 vs T3", [[1, 0], [6, 3]])):
        for statistic, how in (("mcnemar_exact", "exact"), ("mcnemar_chi2", "asymptotic"),
                               ("mcnemar_chi2_cc", "asymptotic_corrected")):
            direct = tests.mcnemar(table, method=how).iloc[0]
            r = _row(st, "incidence_phase_test", "sn", statistic, level)
            assert r["estimate"] == pytest.approx(direct["estimate"])
            assert r["p_value"] == pytest.approx(min(1.0, 3 * direct["p_value"]))
            assert r["n"] == direct["n"] == 10 and "paired: the same 10 patients" in r["method"]
            assert "Bonferroni-adjusted (k=3)" in r["method"] and direct["method"] in r["method"]
    # hand-traced: T1 vs T3 exact = 2 * 0.5^6 = 0.03125, x 3; asymptotic X2 = 36 / 6 = 6
    assert _row(st, "incidence_phase_test", "sn", "mcnemar_exact", "T1 vs T3")["p_value"] == \
        pytest.approx(0.09375)
    assert _row(st, "incidence_phase_test", "sn", "mcnemar_chi2", "T1 vs T3")["estimate"] == 6
    # SA, ST: nobody severe: no discordant pair, p missing and said so
    r = _row(st, "incidence_phase_test", "sa", "mcnemar_exact", "T1 vs T2")
    assert np.isnan(r["p_value"]) and "no discordant pair" in r["method"]
    long = inc.format_phase_tests(st)
    t13 = long[(long["Severe cytopenia"] == "SN") & (long["Phases"] == "T1 vs T3")]
    pearson = _row(st, "incidence_phase_test", "sn", "chi2", "T1 vs T3")["p_value"]
    exact_sig = 0.09375 <= 0.05
    assert t13["Conclusion differs from the paper's test"].tolist() == [
        "", "yes" if (pearson <= 0.05) != exact_sig else "no",
        *t13["Conclusion differs from the paper's test"].tolist()[2:]]


def test_new_onset_uses_at_risk_denominator():
    st = inc.incidence_new_onset(patients(), STUDY)
    assert _row(st, "incidence_new_onset", "sn", "count")["estimate"] == 4
    assert _row(st, "incidence_new_onset", "sn", "count")["n"] == 6
    assert _row(st, "incidence_new_onset", "sn", "n_at_risk")["estimate"] == 6
    assert _row(st, "incidence_new_onset", "sn", "percent")["estimate"] == pytest.approx(400 / 6)
    assert _row(st, "incidence_baseline", "sn", "count")["estimate"] == 3
    assert _row(st, "incidence_baseline", "sn", "percent")["estimate"] == pytest.approx(30)
    table = inc.format_new_onset(st)
    assert table.loc[0, "New onset after infusion, n/N (%)"] == "4/6 (67%)"


def test_cumulative_incidence_censors_at_window_end():
    st, curve = inc.cumulative_incidence(patients(), STUDY)
    # SN at risk P4-P9: events day 0, 2, 5; P6 (onset 40) and P8, P9 (last T3 day 35) censored at 30.
    # KM: day 0 1-1/6, day 2 x (1-1/5), day 5 x (1-1/4) -> 1 - 5/6*4/5*3/4 = 0.5
    r = _row(st, "cumulative_incidence", "sn", "cumulative_incidence", "day30")
    assert r["estimate"] == pytest.approx(50.0) and r["n"] == 6
    assert "1 - Kaplan-Meier" in r["method"]
    # CRS: events day 1, 2 among 10 (P3's onset on day 40 is outside the window) -> 20%
    assert _row(st, "cumulative_incidence", "crs", "cumulative_incidence",
                "day30")["estimate"] == pytest.approx(20.0)
    sn = curve[curve["outcome"] == "sn"].set_index("day")["cumulative_incidence"]
    assert list(sn.index) == list(range(31))
    assert sn[1] == pytest.approx(100 / 6) and sn[4] == pytest.approx(100 / 3)


def test_cumulative_incidence_censors_non_events_at_last_t3_day():
    df = patients()
    df.loc[df["patient_id"] == "P8", "sn_last_t3_day"] = 3
    df.loc[df["patient_id"] == "P9", "sn_last_t3_day"] = 20
    st, _ = inc.cumulative_incidence(df, STUDY)
    # P8 censored day 3, P9 day 20; P6 (onset day 40, last T3 day 45) is event-free to day 30.
    # day 0: 1 - 1/6; day 2 (at risk P4 P5 P6 P8 P9): x 4/5; day 5 (P5 P6 P9): x 2/3
    r = _row(st, "cumulative_incidence", "sn", "cumulative_incidence", "day30")
    assert r["estimate"] == pytest.approx(100 * (1 - 5 / 6 * 4 / 5 * 2 / 3)) and r["n"] == 6
    assert "last T3 anc day (sn_last_t3_day" in r["method"]
    with pytest.raises(DerivedColumnError, match="'st_last_t3_day'"):
        inc.cumulative_incidence(patients().drop(columns="st_last_t3_day"), STUDY)


def test_results_and_figures_are_written(tmp_path):
    res = inc.incidence_results(patients(), STUDY)
    assert set(res["tables"]) == {"fig1b_incidence_phase", "fig1b_incidence_phase_tests",
                                  "fig1c_new_onset", "fig1d_cumulative_incidence"}
    t = res["tables"]["fig1b_incidence_phase"]
    assert list(t["T3 (n=10)"]) == ["7 (70%)", "0 (0%)", "0 (0%)"]
    assert {"P T1 vs T3 (Pearson)", "P T1 vs T3 (McNemar exact)"} <= set(t.columns)
    long = res["tables"]["fig1b_incidence_phase_tests"]
    assert len(long) == 3 * 3 * 4   # lineages x phase pairs x (Pearson + 3 McNemar)
    paths = (fig.fig_incidence_phase(res["stats"], tmp_path / "b")
             + fig.fig_new_onset(res["stats"], tmp_path / "c")
             + fig.fig_cumulative_incidence(res["curve"], res["stats"], tmp_path / "d"))
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == ["b.pdf", "b.png", "c.pdf", "c.png",
                                                          "d.pdf", "d.png"]
    assert all((tmp_path / p.rsplit("/", 1)[1]).stat().st_size > 1000 for p in paths)


def test_an_absent_flag_is_named_not_counted_as_false():
    with pytest.raises(DerivedColumnError, match="'sa_t2'"):
        inc.incidence_phase(patients().drop(columns="sa_t2"), STUDY)
    with pytest.raises(DerivedColumnError, match="'st_at_risk'"):
        inc.incidence_new_onset(patients().drop(columns="st_at_risk"), STUDY)
    with pytest.raises(DerivedColumnError, match="'crs_onset_day'"):
        inc.cumulative_incidence(patients().drop(columns="crs_onset_day"), STUDY)
