"""cartcyto.analyses.recovery_km: KM median time to recovery and the log-rank test, death before
recovery censored, against R 4.x survival (values printed by tests/reference/analyses_recovery_km.R)
and a log-rank computed by hand. Medians and limits are event times (exact); chi-square and p to
rtol 1e-10."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.analyses import recovery_km as km
from cartcyto.report.rows import STAT_COLUMNS

NA = np.nan
# time, sn_recovery_status (1 recovered, 2 died before recovery, 0 censored), CRS group; the
# 15th patient has no status (left out), the 14th no group (in "all" only)
TIME = [1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 3, 9, 10, 7, 5]
STATUS = [1, 2, 1, 1, 2, 1, 1, 1, 1, 0, 1, 0, 2, 1, NA]
GROUP = ["mild"] * 6 + ["severe"] * 4 + ["none"] * 3 + [None, "mild"]


def frame() -> pd.DataFrame:
    return pd.DataFrame({"sn_duration_days": np.array(TIME, float),
                         "sn_recovery_status": np.array(STATUS, float),
                         "group": pd.Series(GROUP, dtype="string")})


def rows(convention: str) -> pd.DataFrame:
    return pd.DataFrame(km.km_recovery_rows(frame(), "sn", "crs_group", convention))


# R: q <- quantile(survfit(Surv(time, status == 1) ~ 1, conf.type = ct), 0.5)
#    tab <- summary(survfit(Surv(time, status == 1) ~ group, conf.type = ct))$table
#    c(q$quantile, q$lower, q$upper); tab[, c("median", "0.95LCL", "0.95UCL")]
KM_R = {"spss": {"all": (6, 3, NA), "mild": (4, 1, NA), "none": (NA, 3, NA), "severe": (5, 2, NA)},
        "r": {"all": (6, 3, NA), "mild": (4, 3, NA), "none": (NA, 3, NA), "severe": (5, 2, NA)}}


@pytest.mark.parametrize("convention", ["spss", "r"])
def test_medians_against_R_with_death_censored(convention):
    r = rows(convention)
    assert list(r.columns) == STAT_COLUMNS
    med = r[r.analysis == km.KM_MEDIAN].set_index("level")
    assert list(med.index) == ["all", "mild", "none", "severe"]
    for level, expected in KM_R[convention].items():
        assert_allclose(med.loc[level, ["estimate", "ci_low", "ci_high"]].astype(float), expected)
    # mild: 6 patients with a status (the 7th mild has none), 4 recoveries; all: 14, 9
    assert med.loc["mild", "n"] == 6 and "4 recoveries" in med.loc["mild", "method"]
    assert med.loc["all", "n"] == 14 and "9 recoveries" in med.loc["all", "method"]
    scale = "log(-log S)" if convention == "spss" else "log S"
    assert med.method.str.contains(scale, regex=False).all()
    assert med.method.str.contains(f"conventions: {convention}").all()
    assert med.method.str.contains("not in the paper").all()
    # what is not reached is said in the row (beside km_median's general "NaN = not reached")
    assert "; median, upper limit not reached;" in med.loc["none", "method"]
    assert "; upper limit not reached;" in med.loc["mild", "method"]
    assert "median, upper" not in med.loc["mild", "method"]


def test_not_reached_names_each_missing_number():
    row = pd.Series({"estimate": NA, "ci_low": 3.0, "ci_high": NA})
    assert km.not_reached(row) == "; median, upper limit not reached"
    assert km.not_reached(pd.Series({"estimate": 4.0, "ci_low": 3.0, "ci_high": 9.0})) == ""


def test_death_counted_as_recovery_would_move_the_median():
    """The mild group's median is 4 because the deaths at days 2 and 5 are censored; counting
    them as recoveries would put S(3) = 0.5 exactly (median 3.5, as R would print)."""
    d = frame()
    d["sn_recovery_status"] = d["sn_recovery_status"].replace(2.0, 1.0)
    med = pd.DataFrame(km.km_recovery_rows(d, "sn", "crs_group", "spss")).set_index("level")
    assert med.loc["mild", "estimate"] == 3.5 and rows("spss").set_index("level").loc[
        "mild", "estimate"] == 4


def test_logrank_against_R():
    # R: sd <- survdiff(Surv(time, status == 1) ~ group)  (patients with a group and a status)
    #    c(sd$chisq, pchisq(sd$chisq, 2, lower.tail = FALSE), sum(sd$n))
    #    1.53834788625058, 0.463395701455998, 13
    lr = rows("spss").query("analysis == @km.LOGRANK").iloc[0]
    assert lr.term == "crs_group" and lr.statistic == "chi2" and lr.n == 13
    assert_allclose([lr.estimate, lr.p_value], [1.53834788625058, 0.463395701455998], rtol=1e-10)
    assert "2 df" in lr.method and "8 recoveries" in lr.method and "survdiff" in lr.method


def test_logrank_by_hand():
    """A = (1, 3), B = (2, 4), every time a recovery. Risk sets 4, 3, 2, 1 with A holding
    2, 1, 1, 0: E_A = 1/2 + 1/3 + 1/2 + 0 = 4/3, O_A = 2; hypergeometric variance
    1/4 + 2/9 + 1/4 + 0 = 13/18; chi-square (2/3)^2 / (13/18) = 8/13.
    R: survdiff(Surv(c(1, 3, 2, 4), rep(1, 4)) ~ c("A", "A", "B", "B")): 0.615384615384615,
    p 0.432767580667785."""
    d = pd.DataFrame({"st_duration_days": [1.0, 3, 2, 4], "st_recovery_status": [1.0] * 4,
                      "group": pd.Series(["A", "A", "B", "B"], dtype="string")})
    lr = pd.DataFrame(km.km_recovery_rows(d, "st", "crs_group", "r")).iloc[-1]
    assert_allclose([lr.estimate, lr.p_value], [8 / 13, 0.432767580667785], rtol=1e-10)
    assert lr.outcome == "st_recovery_status"


def test_one_group_gives_no_logrank_number():
    d = frame().assign(group=pd.Series(["mild"] * 15, dtype="string"))
    lr = pd.DataFrame(km.km_recovery_rows(d, "sn", "crs_group", "spss")).iloc[-1]
    assert np.isnan(lr.estimate) and np.isnan(lr.p_value) and "fewer than two groups" in lr.method


@pytest.mark.parametrize("estimate,ci_low,ci_high,text", [
    (12.0, 9.0, 15.0, "12 (9-15)"), (12.5, 10.0, NA, "12.5 (10-NR)"),
    (NA, 3.0, NA, "not reached (3-NR)")])
def test_format_median(estimate, ci_low, ci_high, text):
    assert km.format_median(estimate, ci_low, ci_high) == text
