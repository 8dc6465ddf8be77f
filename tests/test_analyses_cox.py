"""cartcyto.analyses.cox (Wang 2021 Figure 5) on a small hand-built derived table.

Checks: only new-onset analysis-set patients enter, complete cases (n exact), rows equal a direct
call of cartcyto.stats.survival.cox_ph, ties follow the convention unless the study sets them,
and the numbers match R survival::coxph on the same 20 patients (values pasted from R 4.2.2,
survival 3.5.3; the R code is in the test docstring).
"""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import cox
from cartcyto.derive.dtypes import typed
from cartcyto.vocabulary import LABELS
from cartcyto.figures.forest import forest
from cartcyto.figures.style import savefig
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import survival
from design_fixtures import designs_folder, resolve_study

# 24 patients: P20-P23 are not new-onset SN (P20, P21) or not in the analysis set (P22, P23).
DUR = [5, 8, 12, 3, 20, 7, 9, 15, 4, 11, 6, 14, 10, 2, 18, 13, 8, 5, 16, 9, 30, 1, 2, 3]
REC = [1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1]
DDIMER = [1.2, 1.8, 2.5, 0.9, 2.9, 1.4, 2.2, 2.0, 1.1, 2.6, 1.0, 2.4, 1.7, 0.8, 2.7,
          2.1, 1.6, 1.3, 2.8, 1.9, 0.5, 0.4, 0.3, 0.2]
PEAK = [2, 4, 7, 1, 6, 3, 5, 8, 2, 6, np.nan, 5, 4, 1, 9, 6, 3, 2, 7, 5, 1, 1, 1, 1]
TOCI = ["false", "true", "true", "false", "true", "false", "true", "false", "false", "true",
        "false", "true", "false", "false", "true", "true", "false", "false", "true", "false",
        "false", "false", "false", "false"]


def derived() -> pd.DataFrame:
    """The table typed as read_derived returns it."""
    return typed(raw())


def raw() -> pd.DataFrame:
    """The table as written to derived/patients.csv (flags as true/false text)."""
    n = len(DUR)
    return pd.DataFrame({
        "patient_id": [f"P{k:02d}" for k in range(n)],
        "in_analysis_set": ["true"] * 22 + ["false", ""],
        "sn_new_onset": ["true"] * 20 + ["false", "false", "true", "true"],
        "sn_duration_days": np.array(DUR, float),
        "sn_recovered": np.where(np.array(REC) == 1, "true", "false"),
        "lg_max_ddimer": DDIMER,
        "crs_peak_day": PEAK,
        "toci_or_steroid": TOCI,
        # SA: all 24 new-onset, recovery event pattern reversed; ST: nobody new-onset
        "sa_new_onset": "true", "sa_duration_days": np.array(DUR[::-1], float),
        "sa_recovered": np.where(np.array(REC[::-1]) == 1, "true", "false"),
        "lg_max_il10": DDIMER[::-1], "crs_recovery_day": [p + 4 for p in PEAK],
        "st_new_onset": "false", "st_duration_days": np.nan, "st_recovered": "",
        "lg_max_ferritin": DDIMER,
    })


pytestmark = pytest.mark.filterwarnings(  # ST has no new-onset patient in this table
    r"ignore:cox_ph\(\['lg_max_ferritin'\]\):RuntimeWarning")

STUDY = {"conventions": "spss",
         "cox": {"ties": None, "stepwise": False,
                 "covariates": {"sn": ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"],
                                "sa": ["lg_max_il10"], "st": ["lg_max_ferritin"]}}}


def test_sn_model_uses_new_onset_complete_cases_and_equals_cox_ph():
    out = cox.cox_recovery(derived(), STUDY)
    assert list(out.columns) == STAT_COLUMNS
    sn = out[out["outcome"] == "sn_duration_days"]
    assert sn["term"].tolist() == ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"]
    assert set(sn["analysis"]) == {"cox_recovery"} and set(sn["statistic"]) == {"HR"}
    # P00-P19 are new-onset and in the set; P10 has no CRS peak day -> 19 patients
    assert (sn["n"] == 19).all()
    expected = raw().iloc[[k for k in range(20) if k != 10]].copy()
    expected["sn_recovered"] = (expected["sn_recovered"] == "true").astype(float)
    expected["toci_or_steroid"] = (expected["toci_or_steroid"] == "true").astype(float)
    direct = survival.cox_ph(expected, "sn_duration_days", "sn_recovered",
                             ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"], ties="breslow")
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n"):
        np.testing.assert_allclose(sn[col].to_numpy(), direct[col].to_numpy(), rtol=1e-10)
    method = sn["method"].iloc[0]
    assert method.startswith("Cox proportional hazards, Breslow ties, Wald 95% CI, Wald p")
    assert "event = sn_recovered (14 events)" in method
    assert "1 with missing covariates dropped" in method


def test_against_r_coxph():
    """R 4.2.2, survival 3.5.3 (d = the 20 new-onset SN patients; coxph drops P10, peak NA):

    d <- data.frame(dur = DUR[1:20], rec = REC[1:20], ddimer = DDIMER[1:20],
                    peak = PEAK[1:20], toci = TOCI[1:20] == "true")   # vectors as above
    fit <- coxph(Surv(dur, rec) ~ ddimer + peak + toci, data = d, ties = "breslow")
    s <- summary(fit); cat(s$conf.int[, 1], s$conf.int[, 3], s$conf.int[, 4],
                           s$coefficients[, 5], sep = ", ")
    """
    out = cox.cox_recovery(derived(), STUDY)
    sn = out[out["outcome"] == "sn_duration_days"]
    r_values = R_BRESLOW
    np.testing.assert_allclose(sn["estimate"], r_values[0:3], rtol=1e-6)
    np.testing.assert_allclose(sn["ci_low"], r_values[3:6], rtol=1e-6)
    np.testing.assert_allclose(sn["ci_high"], r_values[6:9], rtol=1e-6)
    np.testing.assert_allclose(sn["p_value"], r_values[9:12], rtol=1e-6)


# R: see test_against_r_coxph (HR x3, lower x3, upper x3, p x3); fit$n 19, fit$nevent 14
R_BRESLOW = [0.0001708504932, 0.4143565626, 23.57377829, 4.606205948e-07, 0.1355544897,
             1.305909681, 0.0633707901, 1.266585573, 425.5447608, 0.004053857801, 0.1222438347,
             0.0322925954]


def test_ties_follow_convention_unless_set():
    df = derived()
    r = cox.cox_recovery(df, {**STUDY, "conventions": "r"})
    assert r["method"].str.startswith("Cox proportional hazards, Efron ties").all()
    forced = cox.cox_recovery(df, {**STUDY, "conventions": "r",
                                   "cox": {**STUDY["cox"], "ties": "breslow"}})
    assert forced["method"].str.startswith("Cox proportional hazards, Breslow ties").all()
    spss = cox.cox_recovery(df, STUDY)
    assert not np.allclose(r["estimate"].dropna(), spss["estimate"].dropna())


def test_sa_all_new_onset_in_set_and_st_without_patients():
    out = cox.cox_recovery(derived(), STUDY)
    sa = out[out["outcome"] == "sa_duration_days"]
    assert sa["n"].tolist() == [22.0]                      # P22, P23 outside the analysis set
    with pytest.warns(RuntimeWarning, match="no events among the 0 complete cases"):
        out = cox.cox_recovery(derived(), STUDY)
    st = out[out["outcome"] == "st_duration_days"]
    assert st["n"].tolist() == [0.0] and st["estimate"].isna().all()
    assert "not estimable" in st["method"].iloc[0]


def test_default_covariates_and_missing_column_message(tmp_path):
    # a design that runs cox without a cox section gets the schema's defaults: Fig 5's sets
    folder = designs_folder(tmp_path, bare={"criteria": "cibmtr", "analyses": ["cox"]})
    study = resolve_study("b", {"cohort": "x", "design": "bare"}, "spss", folder)
    opts = cox.cox_options(study)
    assert opts["covariates"] == {"sn": ["lg_max_ddimer", "crs_peak_day", "bm_blasts_pct",
                                         "toci_or_steroid"],
                                  "sa": ["lg_max_il10", "crs_recovery_day"], "st": ["lg_max_ferritin"]}
    assert opts["ties"] == "breslow" and opts["stepwise"] is False
    with pytest.raises(ValueError, match="bm_blasts_pct"):
        cox.cox_recovery(derived(), study)


def test_stepwise_selection_reports_univariate_and_final_rows():
    # removal / re-entry p are the schema's defaults (SPSS 0.10 / 0.05), asserted below
    study = resolve_study("w", {"cohort": "x", "design": "wang2021", "overrides": {"cox": {
        "stepwise": True, "stepwise_screen_p": 1.0,
        "stepwise_candidates": {"sn": ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"],
                                "sa": ["lg_max_il10"], "st": []}}}})
    out = cox.cox_recovery(derived(), study)
    uni = out[(out["analysis"] == "cox_recovery_univariate")
              & (out["outcome"] == "sn_duration_days")]
    assert uni["term"].tolist() == ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"]
    assert uni["n"].tolist() == [20.0, 19.0, 20.0]     # each univariate model: own complete cases
    assert not (out["outcome"] == "st_duration_days").any()     # no candidates, no patients
    final = out[(out["analysis"] == "cox_recovery") & (out["outcome"] == "sn_duration_days")]
    data, _ = cox.model_frame(cox.new_onset_frame(derived(), "sn"), "sn",
                              ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"])
    model, _ = survival.backward_lr_cox(data, "sn_duration_days", "sn_recovered",
                                        ["lg_max_ddimer", "crs_peak_day", "toci_or_steroid"],
                                        ties="breslow", p_remove=0.10, p_enter=0.05)
    assert final["term"].tolist() == model["term"].tolist()
    np.testing.assert_allclose(final["estimate"], model["estimate"], rtol=1e-12)
    assert final["method"].str.contains("backward stepwise selection").all()


def test_format_and_forest_smoke(tmp_path):
    out = cox.cox_recovery(derived(), STUDY)
    table = cox.format_cox(out)
    assert table.columns.tolist() == ["Items", "Factors", "Hazard ratio (95% CI)", "P value", "n"]
    assert table["Items"].iloc[0] == "Recovery of severe neutropenia"
    assert table["Factors"].iloc[0] == "Max lg D-dimer"
    groups = [(f"{lin}_duration_days", lin.upper(), lin) for lin in ("sn", "sa", "st")]
    paths = savefig(forest(out, groups, labels=LABELS, title="Figure 5"), tmp_path / "forest")
    assert all((tmp_path / p).stat().st_size > 1000 for p in paths)
