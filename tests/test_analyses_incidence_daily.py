"""Wang 2021 Supplementary Figure 1A-E (cartcyto.analyses.incidence_daily) on a hand-built
derived table and labs: every count traced by hand."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses.incidence_daily import daily_incidence, format_daily_incidence
from cartcyto.derive.dtypes import typed
from cartcyto.figures.incidence_daily import fig_daily_incidence
from design_fixtures import resolve_study

STUDY = resolve_study("w", {"cohort": "x", "design": "wang2021",
                            "overrides": {"daily_incidence_days": [0, 3]}})
T, F = "true", "false"


def patients() -> pd.DataFrame:
    """P1-P4 in the analysis set (P4 without sex), P5 outside it. SN at risk: P2, P3, P4 (P1
    severe before the infusion); SA, ST at risk: everyone."""
    df = pd.DataFrame({"patient_id": ["P1", "P2", "P3", "P4", "P5"],
                       "in_analysis_set": [T, T, T, T, F], "sex": ["M", "F", "M", "", "M"],
                       "sn_at_risk": [F, T, T, T, T], "sa_at_risk": [T] * 5, "st_at_risk": [T] * 5})
    return typed(df)


def labs() -> pd.DataFrame:
    rows = [
        # ANC: day 0 all four; day 1 only P1 (others: nearest d-1 = day 0); day 2 P1 twice (min)
        ("P1", 0, "anc", 0.3), ("P2", 0, "anc", 0.4), ("P3", 0, "anc", 1.0), ("P4", 0, "anc", 2.0),
        ("P1", 1, "anc", 0.2),
        ("P1", 2, "anc", 0.9), ("P1", 2, "anc", 0.45), ("P3", 3, "anc", 0.1),
        ("P5", 0, "anc", 0.1), ("P5", 2, "anc", 0.1),            # outside the analysis set
        # Hb day 0: P1 100 (M: anemic < 120), P2 115 (F: not < 110), P3 50 (severe), P4 90 (no sex)
        ("P1", 0, "hb", 100), ("P2", 0, "hb", 115), ("P3", 0, "hb", 50), ("P4", 0, "hb", 90),
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "test", "value"])


def _row(stats, outcome, statistic, level):
    sel = stats[(stats["outcome"] == outcome) & (stats["statistic"] == statistic)
                & (stats["level"] == level)]
    assert len(sel) == 1, (outcome, statistic, level)
    return sel.iloc[0]


def test_daily_counts_nearest_day_and_populations():
    st, curve = daily_incidence(patients(), labs(), STUDY)
    assert set(st["analysis"]) == {"incidence_daily"}
    # day 0: ANC 0.3, 0.4 severe of 4 -> 2/4; day 1: P1 0.2 (own), P2-P4 from day 0 -> 2/4
    for day, count, n in ((0, 2, 4), (1, 2, 4)):
        r = _row(st, "sn", "count", f"day{day}")
        assert (r["estimate"], r["n"]) == (count, n)
    # day 2: P1 0.45 (lowest of the day), P2-P4 none on 1, 2 -> from day 3? only P3 (0.1, d+1);
    # P2 and P4: nothing on days 1-3 -> no value
    r = _row(st, "sn", "count", "day2")
    assert (r["estimate"], r["n"]) == (2, 2)
    assert _row(st, "sn", "percent", "day2")["estimate"] == pytest.approx(100.0)
    # new onset: at-risk P2-P4 only -> day 0: P2 severe of 3
    r = _row(st, "sn_new_onset", "count", "day0")
    assert (r["estimate"], r["n"]) == (1, 3)
    # any-grade neutropenia (< 1.5) day 0: P1, P2, P3 of 4
    assert _row(st, "neutropenia", "count", "day0")["estimate"] == 3
    # anemia by sex: P1 (M, 100 < 120) and P3 (M, 50) anemic; P2 (F, 115 >= 110) not; P4 no sex
    r = _row(st, "anemia", "count", "day0")
    assert (r["estimate"], r["n"]) == (2, 3)
    assert "patients without sex M/F not counted" in r["method"]
    r = _row(st, "sa", "count", "day0")
    assert (r["estimate"], r["n"]) == (1, 4)
    # no value: n 0 and percent missing, never 0%
    r = _row(st, "st", "percent", "day0")
    assert r["n"] == 0 and np.isnan(r["estimate"])
    # peak: SN 50% (day 0), 50%, 100% (day 2), 100% (day 3: P3 0.1 and P1 0.45 from day 2) -> day 2
    peak = st[(st["outcome"] == "sn") & (st["statistic"] == "peak_day")].iloc[0]
    assert (peak["estimate"], peak["n"]) == (2, 2)
    assert "value nearest the day (within +/-1 day" in peak["method"]
    assert list(curve.columns) == ["outcome", "day", "count", "n", "percent"]


def test_table_and_figure_from_the_rows(tmp_path):
    st, _ = daily_incidence(patients(), labs(), STUDY)
    daily = format_daily_incidence(st)
    assert daily["Day"].tolist() == ["0", "1", "2", "3", "peak day"]
    assert daily.loc[0, "SN"] == "2/4 (50%)" and daily.loc[0, "ST"] == ""
    assert daily.loc[4, "SN"] == "2"
    paths = fig_daily_incidence(st, tmp_path / "s1", "CIBMTR")
    assert [p.rsplit(".", 1)[1] for p in paths] == ["png", "pdf"]
    assert all((tmp_path / f"s1.{e}").stat().st_size > 1000 for e in ("png", "pdf"))
