"""Wang 2021 Supplementary Tables 1-2 and Figure 2 (cartcyto.analyses.timing) on hand-built
derived tables: medians traced by hand, p-values equal to direct stats calls."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import timing
from cartcyto.derive.dtypes import typed
from cartcyto.figures.incidence import fig_timing_baseline_vs_new
from cartcyto.stats import tests

STUDY = {"conventions": "spss"}
T, F = "true", "false"


def patients() -> pd.DataFrame:
    """8 analysis-set patients + P9 outside it (typed as read_derived returns them).

    SN baseline: P1, P2 (first severe T3 day 1, 2; episodes started on days -3, -1, i.e. ran
    across the infusion), P10 (baseline, never severe after the infusion: no episode); SN new
    onset: P3-P6 (onset 2, 4, 6, 9); P7, P8 none.
    Recovery: P1 20, P2 missing (not recovered), P3 10, P4 12, P5 missing, P6 30.
    """
    nan = np.nan
    df = pd.DataFrame({
        "patient_id": [f"P{i}" for i in range(1, 11)],
        "in_analysis_set": [T] * 8 + [F, T],
        "sn_baseline": [T, T, F, F, F, F, F, F, T, T],
        "sn_new_onset": [F, F, T, T, T, T, F, F, F, F],
        "sn_onset_day": [1, 2, 2, 4, 6, 9, nan, nan, -10, nan],
        "sn_nadir_day": [3, 5, 7, 8, 9, 12, 4, 6, 1, 8],
        "sn_recovery_day": [20, nan, 10, 12, nan, 30, nan, nan, 99, nan],
        "sn_duration_days": [19, 37, 8, 8, 20, 21, nan, nan, 109, nan],
        "sn_episode_start_day": [-3, -1, 2, 4, 6, 9, nan, nan, -10, nan],
        "sn_episode_duration_days": [23, 40, 8, 8, 20, 21, nan, nan, 109, nan],
    })
    for lin in ("sa", "st"):
        df[f"{lin}_baseline"] = F
        df[f"{lin}_new_onset"] = F
        for m in timing.MEASURES + timing.EPISODE_MEASURES:
            df[f"{lin}_{m}"] = nan
    return typed(df)


def _est(stats, analysis, outcome, statistic):
    sel = stats[(stats["analysis"] == analysis) & (stats["outcome"] == outcome)
                & (stats["statistic"] == statistic)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_timing_medians_by_population():
    st = timing.timing_describe(patients(), STUDY)
    # all episodes (episode columns): start -3, -1, 2, 4, 6, 9 -> median 3; P10 (baseline, no
    # severe day after the infusion) has no episode and P9 is outside the analysis set
    r = _est(st, "timing_all", "sn_episode_start_day", "median")
    assert r["estimate"] == 3 and r["n"] == 6
    assert _est(st, "timing_all", "sn_episode_start_day", "min")["estimate"] == -3
    assert _est(st, "timing_all", "sn_episode_start_day", "max")["estimate"] == 9
    assert "episode columns" in r["method"]
    assert not (st["outcome"] == "sn_onset_day").loc[st["analysis"] == "timing_all"].any()
    # new onset recovery: 10, 12, 30 -> median 12, n 3 (unrecovered P5 has no value)
    r = _est(st, "timing_new_onset", "sn_recovery_day", "median")
    assert r["estimate"] == 12 and r["n"] == 3
    # baseline nadir 3, 5 -> 4 (P10's nadir, day 8, is not of a severe episode: left out)
    r = _est(st, "timing_baseline", "sn_nadir_day", "median")
    assert r["estimate"] == 4 and r["n"] == 2
    # new-onset duration 8, 8, 20, 21 -> 14, under both names
    assert _est(st, "timing_new_onset", "sn_duration_days", "median")["estimate"] == 14
    assert _est(st, "timing_new_onset", "sn_episode_duration_days", "median")["estimate"] == 14
    # baseline episode duration 23, 40 -> 31.5 (from the episode start, not the T3 onset)
    assert _est(st, "timing_baseline", "sn_episode_duration_days", "median")["estimate"] == 31.5
    # a lineage without episodes gives NaN rows with n 0, not an error
    r = _est(st, "timing_all", "sa_episode_start_day", "median")
    assert np.isnan(r["estimate"]) and r["n"] == 0


def test_baseline_vs_new_is_mann_whitney_of_the_two_groups():
    for convention in ("spss", "r"):
        st = timing.timing_baseline_vs_new(patients(), {"conventions": convention})
        direct = tests.mann_whitney([23, 40], [8, 8, 20, 21], convention=convention).iloc[0]
        r = _est(st, "timing_baseline_vs_new", "sn_episode_duration_days", "U")
        assert r["estimate"] == direct["estimate"] == 8
        assert r["p_value"] == pytest.approx(direct["p_value"])
        assert r["n"] == 6
        assert r["method"].startswith(direct["method"])


def test_formatted_tables(tmp_path):
    res = timing.timing_results(patients(), STUDY)
    t1 = res["tables"]["supp_table1_timing_all"].set_index("Characteristic")
    assert t1.loc["Episode start day", "SN"] == "3 [-3 to 9]"
    assert t1.loc["Episode start day", "SN n"] == 6
    assert t1.loc["Episode start day", "SA"] == ""
    t2 = res["tables"]["supp_table2_timing_new_onset"].set_index("Characteristic")
    assert list(t2.index) == ["Onset day", "Nadir day", "Recovery day", "Duration, days"]
    vs = res["tables"]["supp_fig2_timing_baseline_vs_new"]
    assert list(vs["Characteristic"]) == ["Episode start day", "Nadir day", "Recovery day",
                                          "Episode duration, days"] * 3
    row = vs[(vs["Severe cytopenia"] == "SN") & (vs["Characteristic"] == "Episode duration, days")].iloc[0]
    assert row["Baseline severe"] == "31.5 [23-40]" and row["New onset"] == "14 [8-21]"
    pts = res["points"]
    base = pts[(pts["sample"] == "timing_baseline") & (pts["column"] == "sn_episode_duration_days")]
    assert base["patient_id"].tolist() == ["P1", "P2"] and base["value"].tolist() == [23, 40]
    paths = fig_timing_baseline_vs_new(pts, res["stats"], tmp_path / "s2")
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "pdf"]
    assert all((tmp_path / f"s2.{e}").stat().st_size > 1000 for e in ("png", "pdf"))
