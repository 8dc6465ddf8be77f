"""cartcyto.analyses.model_checks on the hand-built Figure 5 table of tests/test_analyses_cox.py
and a small PHT table: every check runs on the model's own patients, equals the stats function
called directly, and a failed check (EPV, separation) adds a warning row and the Firth
sensitivity rows beside (never instead of) the paper's rows."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import model_checks as mc
from cartcyto.derive.dtypes import typed
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import diagnostics
from test_analyses_cox import derived, raw

pytestmark = pytest.mark.filterwarnings(r"ignore:cox_ph\(\['lg_max_ferritin'\]\):RuntimeWarning")

CHECKS = {"ph_transform": "km", "ph_alpha": 0.05, "epv_threshold": 10, "firth": "auto"}
STUDY = {"conventions": "spss", "analyses": ["cox", "logistic", "model_checks"],
         "model_checks": CHECKS,
         "cox": {"ties": None, "stepwise": False,
                 "covariates": {"sn": ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"],
                                "sa": ["lg_max_il10"], "st": []}},
         "logistic_pht": {"covariates": ["crs_max_grade"]}}


def pht_table(separated: bool) -> pd.DataFrame:
    grade = [0, 1, 1, 2, 2, 3, 3, 4, 1, 2, 3, 4, 0, 1, 2, 3]
    pht = [g >= 3 for g in grade] if separated else \
        [False, False, True, False, True, True, False, True, False, False, True, True, False,
         False, False, True]
    return typed(pd.DataFrame({"patient_id": [f"Q{k}" for k in range(16)],
                               "in_analysis_set": "true", "crs_max_grade": grade,
                               "pht": np.where(pht, "true", "false")}))


def test_cox_checks_rows_equal_cox_zph_on_the_model_patients():
    stats, resid = mc.cox_checks(derived(), STUDY)
    assert list(stats.columns) == STAT_COLUMNS and set(stats.analysis) == {mc.COX_CHECKS}
    sn = stats[stats.outcome == "sn_duration_days"]
    # the SN model's 19 patients (tests/test_analyses_cox.py): events = recoveries among them
    expected = raw().iloc[[k for k in range(20) if k != 10]].copy()
    expected["sn_recovered"] = (expected["sn_recovered"] == "true").astype(float)
    expected["toci_or_steroid"] = (expected["toci_or_steroid"] == "true").astype(float)
    events = expected["sn_recovered"].sum()
    assert sn[sn.statistic == "events"].estimate.iloc[0] == events
    assert sn[sn.statistic == "EPV"].estimate.iloc[0] == pytest.approx(events / 3)
    direct, direct_resid = diagnostics.cox_zph(
        expected, "sn_duration_days", "sn_recovered",
        ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"], ties="breslow", transform="km")
    ph = sn[sn.statistic == "chi2"]
    assert ph.term.tolist() == ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid", "GLOBAL"]
    np.testing.assert_allclose(ph.estimate, direct.estimate, rtol=1e-12)
    np.testing.assert_allclose(ph.p_value, direct.p_value, rtol=1e-12)
    assert (ph.n == 19).all()
    # EPV 14/3 < 10: a warning row
    warn = sn[sn.statistic == "warning"]
    assert "EPV < 10" in warn.level.tolist() and warn.method.str.startswith("WARNING").all()
    # residuals with a smooth, for the figure
    assert {"term", "scaled_residual", "smooth", "outcome"} <= set(resid.columns)
    assert len(resid[resid.outcome == "sn_duration_days"]) == 3 * events


def test_ph_warning_follows_alpha():
    strict = dict(STUDY, model_checks=dict(CHECKS, ph_alpha=1.0))
    stats, _ = mc.cox_checks(derived(), strict)
    n_ph = (stats.statistic == "chi2").sum()
    assert stats.level.str.startswith("PH ").sum() == n_ph   # every PH p < 1 is flagged


def test_logistic_separation_runs_firth_beside_the_model():
    stats = mc.logistic_checks(pht_table(separated=True), STUDY)
    sep = stats[stats.statistic == "separation"].iloc[0]
    assert sep.level == "complete" and sep.term == "crs_max_grade"
    assert "separation" in stats[stats.statistic == "warning"].level.tolist()
    firth = stats[stats.analysis == mc.FIRTH]
    assert firth.term.tolist() == ["crs_max_grade"] and np.isfinite(firth.estimate.iloc[0])
    assert "sensitivity analysis" in firth.method.iloc[0]
    # the paper's analysis id never appears among these rows
    assert "logistic_pht" not in set(stats.analysis)


def test_firth_never_and_always():
    never = dict(STUDY, model_checks=dict(CHECKS, firth="never"))
    assert (mc.logistic_checks(pht_table(True), never).analysis != mc.FIRTH).all()
    always = dict(STUDY, model_checks=dict(CHECKS, firth="always", epv_threshold=1))
    stats = mc.logistic_checks(pht_table(False), always)
    assert (stats.analysis == mc.FIRTH).sum() == 1 and "requested" in stats.method.iloc[-1]
    assert not (stats.statistic == "warning").any()     # overlap and EPV >= 1: nothing flagged


def test_epv_of_logistic_uses_less_frequent_class():
    stats = mc.logistic_checks(pht_table(False), STUDY)
    epv = stats[stats.statistic == "EPV"].estimate.iloc[0]
    assert epv == 7.0    # 7 with PHT, 9 without, 1 covariate


def test_format_checks_shows_warnings():
    stats, _ = mc.model_checks(derived(), dict(STUDY, analyses=["cox", "model_checks"]))
    table = mc.format_checks(stats)
    assert table.Flag.str.startswith("WARNING").any()
    assert mc.warnings_of(stats)
