"""Every statistics row refits from the derived table alone (issue 9, data contract section 3).

For each family of both bundled studies, every row of ``results/<study>/statistics.csv`` is
recomputed by ``tests/refit.py`` -- plain pandas on ``derived/patients.csv``, SciPy, and R for
Mann-Whitney, Cox, logistic regression, ROC, McNemar, cox.zph, Firth, cmprsk, KM medians
(survfit), the log-rank test (survdiff) and p.adjust -- and must give the same ``n``,
estimate, p and CI (relative tolerance 1e-6: statistics.csv keeps 10 significant digits).
Rows of daily series (Figure 2C-E, Figure 6A-D, Supplementary Figure 1) are per patient-day and
refit from the cohort tables the run read; the stem-cell-boost rows from
``derived/scb_patients.csv``. An analysis the refit does not know fails the test.
"""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from refit import DAILY, FAMILIES, FIELDS, due_warnings, refit
from workflow_run import STUDIES

pytestmark = pytest.mark.slow
RTOL, ATOL = 1e-6, 1e-9
R_FAMILIES = ("cox_recovery", "logistic_pht", "hematotox_roc", "logistic_pht_firth",
              "cr_recovery_cif", "cr_recovery_gray", "cr_recovery_fine_gray",
              "recovery_km_median", "recovery_logrank")


@pytest.fixture(scope="module")
def refits(bundled_run):
    return {s: refit(bundled_run / "results", s) for s in STUDIES}


def mismatches(r: pd.DataFrame) -> pd.DataFrame:
    bad = []
    for f in FIELDS:
        a, b = r[f"row_{f}"].astype(float), r[f].astype(float)
        ok = np.isclose(a, b, rtol=RTOL, atol=ATOL) | (a.isna() & b.isna())
        for i in np.flatnonzero(~ok.to_numpy()):
            bad.append({**r.loc[i, ["row_analysis", "row_outcome", "row_term", "row_level",
                                    "row_statistic"]].to_dict(), "field": f, "row": a[i], "refit": b[i]})
    return pd.DataFrame(bad)


def test_every_analysis_is_refit(bundled_run):
    for study in STUDIES:
        analyses = set(pd.read_csv(bundled_run / "results" / study / "statistics.csv")["analysis"])
        assert analyses <= set(FAMILIES), analyses - set(FAMILIES)


@pytest.mark.parametrize("study", STUDIES)
def test_every_row_refits_from_the_derived_table(refits, study):
    r = refits[study]
    assert len(r) > 200
    bad = mismatches(r)
    assert bad.empty, f"{len(bad)} values do not refit:\n{bad.head(40).to_string()}"
    # the rows resting on patient-days are the daily series only
    assert set(r.loc[r["source"].str.startswith("cohort/"), "row_analysis"]) <= set(DAILY)


@pytest.mark.parametrize("study", STUDIES)
def test_every_due_warning_has_its_row(bundled_run, study):
    """A warning row carries no number, so the per-row refit checks only that its condition
    holds; here the converse: every condition that holds (EPV < threshold, a cox.zph p < ph_alpha,
    separation) has its warning row, and the Firth sensitivity rows are there exactly when due."""
    stats = pd.read_csv(bundled_run / "results" / study / "statistics.csv", keep_default_na=False)
    warned = stats[stats["statistic"] == "warning"]
    rows = set(zip(warned["analysis"], warned["outcome"], warned["level"]))
    if (stats["analysis"] == "logistic_pht_firth").any():
        rows.add(("logistic_pht_firth", "pht", "run"))
    assert rows == due_warnings(bundled_run / "results", study)


def test_models_and_rank_tests_refit_in_r(refits):
    r = refits["wang2021"]
    rank = r["row_statistic"].eq("U") | r["row_statistic"].str.startswith("mcnemar")
    models = r["row_analysis"].isin(R_FAMILIES) | (
        r["row_analysis"].eq("cox_recovery_checks") & r["row_statistic"].eq("chi2"))
    assert rank.sum() > 100 and models.sum() >= 10
    assert (r.loc[rank | models, "engine"] == "R").all()
    # R refits the p-values, not only the estimates
    assert r.loc[rank | models, "p_value"].notna().sum() > 100


def test_km_medians_and_logrank_refit_in_r(refits):
    """Every lineage's KM medians (all and per CRS group) and log-rank test are refit by R
    survfit / survdiff; the medians and limits R gives (NA = not reached) are the rows'."""
    r = refits["wang2021"]
    med = r[r["row_analysis"] == "recovery_km_median"]
    lr = r[r["row_analysis"] == "recovery_logrank"]
    lineages = {f"{lin}_recovery_status" for lin in ("sn", "sa", "st")}
    assert set(lr["row_outcome"]) == lineages and len(lr) == 3
    assert set(med["row_outcome"]) == lineages and set(med["row_level"]) >= {"all", "mild", "severe"}
    assert (med["engine"] == "R").all() and (lr["engine"] == "R").all()
    assert med["estimate"].notna().all() and med["ci_low"].notna().all()
    assert lr["p_value"].notna().all() and (lr["n"] == lr["row_n"]).all()
    assert mismatches(pd.concat([med, lr], ignore_index=True)).empty


def test_multiplicity_rows_refit_with_r_p_adjust(refits):
    """Every Holm / BH row of Supplementary Tables 3-5 is refit by R p.adjust over the refit p of
    its table's tests, and on this cohort the adjustment is not the identity."""
    r = refits["wang2021"]
    adj = r["row_statistic"].isin(["p_holm", "p_bh"])
    family = r["row_analysis"].str.startswith("univariate_") & r["row_statistic"].isin(["U", "chi2"])
    assert adj.sum() == 2 * family.sum() >= 100
    assert set(r.loc[adj, "row_analysis"]) == {"univariate_sn", "univariate_sa", "univariate_st"}
    assert (r.loc[adj, "engine"] == "R").all() and r.loc[adj, "p_value"].notna().all()
    raw = r[family].set_index(["row_analysis", "row_term"])["p_value"]
    for statistic in ("p_holm", "p_bh"):
        rows = r[r["row_statistic"] == statistic].set_index(["row_analysis", "row_term"])["p_value"]
        assert (rows >= raw.loc[rows.index] - 1e-15).all() and (rows > raw.loc[rows.index]).any()


def test_the_refit_catches_a_row_that_does_not_rest_on_the_table(bundled_run, tmp_path):
    """A Spearman n of 76 where the derived table has 59 complete pairs (the issue's example)
    is caught, and so is a shifted estimate, and a Holm row holding its test's unadjusted p."""
    work = tmp_path / "results"
    shutil.copytree(bundled_run / "results" / "wang2021", work / "wang2021",
                    ignore=shutil.ignore_patterns("figures", "tables", "logs"))
    path = work / "wang2021" / "statistics.csv"
    stats = pd.read_csv(path, keep_default_na=False, na_values=[""])
    rho = (stats["analysis"] == "spearman_recovery") & (stats["statistic"] == "rho")
    i, j = np.flatnonzero(rho)[:2]
    stats.loc[i, "n"] += 17
    stats.loc[j, "estimate"] += 0.01
    test = stats[(stats["analysis"] == "univariate_sa") & (stats["statistic"] == "U")]
    holm = stats[(stats["analysis"] == "univariate_sa") & (stats["statistic"] == "p_holm")]
    unadjusted = holm["term"].map(test.set_index("term")["p_value"])
    h = (holm["p_value"] - unadjusted).abs().idxmax()     # where Holm changes p the most
    stats.loc[h, "p_value"] = unadjusted[h]
    stats.to_csv(path, index=False)
    bad = mismatches(refit(work, "wang2021"))
    assert set(zip(bad["field"], bad["row_outcome"], bad["row_term"], bad["row_statistic"])) == {
        ("n", stats.loc[i, "outcome"], stats.loc[i, "term"], "rho"),
        ("estimate", stats.loc[j, "outcome"], stats.loc[j, "term"], "rho"),
        ("p_value", "sa_new_onset", stats.loc[h, "term"], "p_holm")}
