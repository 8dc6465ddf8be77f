"""cartcyto.analyses.competing_risks on a hand-built derived table with L_recovery_status
(1 recovered, 2 died before recovery, 0 censored): the Figure 5 population, rows equal the stats
functions called directly, Fine-Gray with the Figure 5 covariates, the cause-specific model only
where its event differs from the paper's, and a table without the status column is refused."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import competing_risks as crm
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import competing
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
    assert named.method.str.contains("sensitivity analysis").all()


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
