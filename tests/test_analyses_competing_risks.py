"""cartcyto.analyses.competing_risks on a hand-built derived table with L_recovery_status
(1 recovered, 2 died before recovery, 0 censored): the Figure 5 population, rows equal the stats
functions called directly, Fine-Gray with the Figure 5 covariates, the cause-specific model only
where its event differs from the paper's, the KM median and log-rank rows (death censored, CI
scale from the conventions), the table's marks and note, and a table without the status column is
refused."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import competing_risks as crm
from cartcyto.analyses import recovery_km
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.report.rows import STAT_COLUMNS, stat_row
from cartcyto.stats import competing, kaplan_meier
from test_analyses_cox import raw

OPTS = {"report_days": [7, 14], "curve_end_day": 30, "risk_table_step": 10,
        "group_column": "crs_group", "fine_gray": True}
STUDY = {"conventions": "spss", "analyses": ["cox", "competing_risks"], "competing_risks": OPTS,
         "cox": {"ties": None, "stepwise": False,
                 "covariates": {"sn": ["lg_max_ddimer"], "sa": [], "st": []}}}
# SN status: recovered as sn_recovered, except P02 and P04 (not recovered) died before recovery
STATUS = [1, 1, 2, 1, 2, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1]
GROUP = ["mild", "severe"] * 12


def table(status=STATUS, recovered=None) -> pd.DataFrame:
    d = raw()
    d["crs_group"] = GROUP
    d["sn_recovery_status"] = status
    if recovered is not None:
        d["sn_recovered"] = recovered
    d["sa_recovery_status"] = np.nan
    d["st_recovery_status"] = np.nan
    return typed(d)


def test_rows_equal_stats_functions_on_the_figure5_patients():
    res = crm.competing_risks(table(), STUDY)
    stats = res["stats"]
    assert list(stats.columns) == STAT_COLUMNS
    assert set(stats.outcome) == {"sn_recovery_status"}    # SA/ST have no status values
    d = table().iloc[:20]     # P00-P19: new-onset SN in the analysis set
    t, s = d.sn_duration_days.astype(float), d.sn_recovery_status.astype(float)
    pooled = competing.cumulative_incidence_cr(t, s, [7, 14], extend=True)
    cif = stats[(stats.analysis == crm.CIF) & stats.level.str.startswith("all")]
    np.testing.assert_allclose(cif.estimate, pooled.cumulative_incidence, rtol=1e-12)
    assert cif.level.tolist() == ["all day7", "all day14"] and (cif.n == 20).all()
    gray = competing.gray_test(t, s, d.crs_group.astype(object)).iloc[0]
    row = stats[stats.analysis == crm.GRAY].iloc[0]
    assert row.estimate == pytest.approx(gray.estimate) and row.term == "crs_group"
    fg = stats[stats.analysis == crm.FINE_GRAY]
    direct = competing.fine_gray(pd.DataFrame({"t": t, "s": s, "x": d.lg_max_ddimer}), "t", "s", "x")
    np.testing.assert_allclose(fg.estimate, direct.estimate, rtol=1e-10)
    named = stats[stats.statistic != "count"]
    km_rows = named.analysis.isin([recovery_km.KM_MEDIAN, recovery_km.LOGRANK])
    assert named[~km_rows].method.str.contains("sensitivity analysis").all()
    assert named[km_rows].method.str.contains("descriptive analysis beside the paper's").all()


@pytest.mark.parametrize("convention,conf_type", [("spss", "log-log"), ("r", "log")])
def test_km_rows_on_the_figure5_patients_with_the_conventions_ci(convention, conf_type):
    """The KM median rows are km_median of the Figure 5 patients (P00-P19), event = status 1
    (the two deaths before recovery censored), the CI scale chosen by the conventions."""
    stats = crm.competing_risks(table(), {**STUDY, "conventions": convention})["stats"]
    d = table().iloc[:20]
    t, event = d.sn_duration_days.astype(float), (d.sn_recovery_status == 1).astype(float)
    med = stats[stats.analysis == recovery_km.KM_MEDIAN].set_index("level")
    assert list(med.index) == ["all", "mild", "severe"] and med.estimate.notna().all()
    for level, sel in (("all", slice(None)), ("mild", d.crs_group == "mild"),
                       ("severe", d.crs_group == "severe")):
        direct = kaplan_meier.km_median(t[sel], event[sel], conf_type=conf_type).iloc[0]
        np.testing.assert_array_equal(med.loc[level, ["estimate", "ci_low", "ci_high", "n"]]
                                      .astype(float), direct[["estimate", "ci_low", "ci_high", "n"]]
                                      .astype(float))
    lr = stats[stats.analysis == recovery_km.LOGRANK].iloc[0]
    direct = kaplan_meier.logrank(t, event, d.crs_group.astype(object)).iloc[0]
    assert lr.estimate == pytest.approx(direct.estimate, rel=1e-12) and lr.n == 20


def test_cause_specific_only_where_it_differs():
    # STATUS == 1 exactly where sn_recovered is true: the paper's model is the cause-specific one
    stats = crm.competing_risks(table(), STUDY)["stats"]
    cs = stats[stats.analysis == crm.CAUSE_SPECIFIC]
    assert cs.statistic.tolist() == ["count"] and cs.estimate.iloc[0] == 0
    # a paper's event column counting P02 (died) as recovered differs -> csHR rows
    rec = np.where(np.array(STATUS) != 0, "true", "false")
    stats = crm.competing_risks(table(recovered=rec), STUDY)["stats"]
    cs = stats[stats.analysis == crm.CAUSE_SPECIFIC]
    assert cs.estimate.iloc[0] == 2 and cs.statistic.tolist() == ["count", "csHR"]


def test_curves_and_numbers_at_risk_frames():
    res = crm.competing_risks(table(), STUDY)
    curve, risk = res["curve"], res["at_risk"]
    assert set(curve.panel) == {"all", "sn"} and curve.day.max() == 30
    assert set(curve[curve.panel == "sn"].group) == {"mild", "severe"}
    assert risk[(risk.panel == "all") & (risk.day == 0)].n_at_risk.iloc[0] == 20
    assert sorted(set(risk.day)) == [0, 10, 20, 30]


def test_missing_status_column_is_refused():
    d = table().drop(columns=["sn_recovery_status"])
    with pytest.raises(DerivedColumnError, match="sn_recovery_status"):
        crm.competing_risks(d, STUDY)


def test_table_prints_km_rows_and_marks_a_degenerate_ci():
    """The table carries the KM medians ("not reached" / "NR" where R prints NA) and the log-rank
    p; a cumulative incidence of 100% (floating point just below 1) whose log(-log) CI is 0-1 is
    printed as computed with "*", and the note explains the "*"."""
    stats = pd.DataFrame([
        stat_row(crm.CIF, "cumulative_incidence", 1 - 1e-16, outcome="st_recovery_status",
                 level="all day60", ci_low=0.0, ci_high=1.0, n=31, method="m"),
        stat_row(crm.CIF, "cumulative_incidence", 0.5, outcome="st_recovery_status",
                 level="none day14", ci_low=8e-6, ci_high=0.96, n=2, method="m"),
        stat_row(recovery_km.KM_MEDIAN, "median", np.nan, outcome="st_recovery_status",
                 level="none", ci_low=3.0, ci_high=np.nan, n=3,
                 method="Kaplan-Meier median; ... on the log(-log S) scale ..."),
        stat_row(recovery_km.KM_MEDIAN, "median", 12.5, outcome="st_recovery_status",
                 level="all", ci_low=10.0, ci_high=15.0, n=31, method="... log(-log S) ..."),
        stat_row(recovery_km.LOGRANK, "chi2", 13.553, outcome="st_recovery_status",
                 term="crs_group", p_value=0.00114, n=31, method="Log-rank")])
    table = crm.format_competing(stats)
    assert table["Estimate (95% CI)"].tolist() == [
        "100.0% (0.0-100.0)*", "50.0% (0.0-96.0)", "not reached (3-NR)", "12.5 (10-15)", "13.553"]
    assert table["P value"].tolist()[-1] == "0.001"
    assert table["Analysis"].str.contains("descriptive").tolist() == [False, False, True, True, True]
    note = crm.table_note(stats, "crs_group")
    assert "* Estimate 0% or 100%" in note and "log(-log S) scale" in note
    assert "not in the paper" in note
    # no degenerate CI printed (the 100% row without a CI): no "*" and no note about it
    plain = crm.table_note(stats.iloc[1:], "crs_group")
    assert "*" not in plain and "*" not in "".join(crm.format_competing(stats.iloc[1:])[
        "Estimate (95% CI)"])
