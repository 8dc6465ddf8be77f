"""cartcyto.analyses.logistic (Wang 2021 PHT model) on a small hand-built derived table.

Patients without CRS have no CRS onset/recovery day and must be dropped (n and method say so);
patients outside the analysis set never enter; the rows equal a direct call of
cartcyto.stats.regression.logistic and R ``glm`` (values pasted from R 4.2.2).
"""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import logistic
from cartcyto.derive.dtypes import typed
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import regression
from design_fixtures import designs_folder, resolve_study

nan = np.nan
# R: onset, recov, grade, pht below (the first 22 patients; P22, P23 are outside the analysis set)
ONSET = [1, 2, nan, 3, 1, 4, 2, nan, 5, 1, 3, 2, 6, 1, nan, 4, 2, 3, 1, 5, 2, 3, 1, 1]
RECOV = [8, 12, nan, 15, 6, 20, 9, nan, 18, 7, 14, 10, 22, 5, nan, 16, 11, 13, 6, 19, 9, 17, 30, 2]
GRADE = [1, 2, 0, 3, 1, 4, 2, 0, 3, 1, 2, 1, 4, 1, 0, 3, 2, 2, 1, 4, 1, 3, 4, 0]
PHT = [0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0]
STUDY = {"conventions": "spss",
         "logistic_pht": {"covariates": ["crs_onset_day", "crs_recovery_day", "crs_max_grade"]}}


def derived() -> pd.DataFrame:
    """The table typed as read_derived returns it."""
    return typed(raw())


def raw() -> pd.DataFrame:
    """The table as written to derived/patients.csv (flags as true/false text)."""
    return pd.DataFrame({
        "patient_id": [f"P{k:02d}" for k in range(24)],
        "in_analysis_set": ["true"] * 22 + ["false", ""],
        "pht": np.where(np.array(PHT) == 1, "true", "false"),
        "crs_onset_day": ONSET, "crs_recovery_day": RECOV, "crs_max_grade": GRADE,
    })


def test_no_crs_patients_dropped_and_rows_equal_direct_call():
    out = logistic.logistic_pht(derived(), STUDY)
    assert list(out.columns) == STAT_COLUMNS
    assert out["term"].tolist() == ["crs_onset_day", "crs_recovery_day", "crs_max_grade"]
    assert set(out["analysis"]) == {"logistic_pht"} and set(out["outcome"]) == {"pht"}
    assert set(out["statistic"]) == {"OR"}
    assert (out["n"] == 19).all()                       # 22 in the set, 3 without CRS
    keep = raw().iloc[[k for k in range(22) if not np.isnan(ONSET[k])]].copy()
    keep["pht"] = (keep["pht"] == "true").astype(float)
    direct = regression.logistic(keep, "pht", STUDY["logistic_pht"]["covariates"])
    for col in ("estimate", "ci_low", "ci_high", "p_value", "n"):
        np.testing.assert_allclose(out[col].to_numpy(), direct[col].to_numpy(), rtol=1e-12)
    method = out["method"].iloc[0]
    assert method.startswith(regression.LOGISTIC)
    assert "3 patient(s) with a missing value dropped" in method
    assert "crs_onset_day missing in 3" in method and "crs_recovery_day missing in 3" in method
    assert "9 with PHT" in method          # 10 of 22, one (P07) without CRS


def test_against_r_glm():
    """R 4.2.2:

    d <- data.frame(pht = PHT[1:22], onset = ONSET[1:22], recov = RECOV[1:22], grade = GRADE[1:22])
    fit <- glm(pht ~ onset + recov + grade, family = binomial, data = d,
               control = glm.control(epsilon = 1e-14))
    ci <- exp(confint.default(fit))[-1, ]
    cat(exp(coef(fit))[-1], ci[, 1], ci[, 2], summary(fit)$coefficients[-1, 4], sep = ", ")
    # nobs(fit) = 19
    """
    r_values = [0.1013709826, 2.203127484, 0.9840956993, 0.006405663573, 0.7655751781,
                0.04559388209, 1.604217266, 6.340031457, 21.24066434, 0.1042637851,
                0.1430193343, 0.9918387299]
    out = logistic.logistic_pht(derived(), STUDY)
    np.testing.assert_allclose(out["estimate"], r_values[0:3], rtol=1e-6)
    np.testing.assert_allclose(out["ci_low"], r_values[3:6], rtol=1e-6)
    np.testing.assert_allclose(out["ci_high"], r_values[6:9], rtol=1e-6)
    np.testing.assert_allclose(out["p_value"], r_values[9:12], rtol=1e-6)


def test_covariates_from_study_and_defaults(tmp_path):
    out = logistic.logistic_pht(derived(), {"conventions": "spss",
                                            "logistic_pht": {"covariates": ["crs_max_grade"]}})
    assert out["term"].tolist() == ["crs_max_grade"]
    assert out["n"].tolist() == [22.0]                  # no missing grade: nobody dropped
    assert "0 patient(s) with a missing value dropped" in out["method"].iloc[0]
    # a design that runs logistic without a logistic_pht section gets the schema's default
    folder = designs_folder(tmp_path, bare={"criteria": "cibmtr", "analyses": ["logistic"]})
    bare = resolve_study("b", {"cohort": "x", "design": "bare"}, "spss", folder)
    assert logistic.pht_covariates(bare) == ["crs_onset_day", "crs_recovery_day", "crs_max_grade"]
    with pytest.raises(ValueError, match="crs_peak_day"):
        logistic.logistic_pht(derived(), {"logistic_pht": {"covariates": ["crs_peak_day"]}})


def test_format_logistic():
    table = logistic.format_logistic(logistic.logistic_pht(derived(), STUDY))
    assert table.columns.tolist() == ["Factor", "Odds ratio (95% CI)", "P value", "n"]
    assert table["Factor"].tolist() == ["CRS onset day", "CRS recovery day", "CRS grade"]
    assert table["Odds ratio (95% CI)"].iloc[1] == "2.203 (0.766-6.340)"
    assert table["n"].tolist() == ["19"] * 3
