"""Mullanfiroze 2022 analyses: prior SCT 2x2 against R 4.2.2, evaluability, SCB table variables."""
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.derive.ctcae import CTCAE5_GRADES
from cartcyto.analyses.prior_sct import evaluability, format_prior_sct, persistent_grade3_4, prior_sct_stats
from cartcyto.analyses.scb import (format_scb_listing, format_scb_table1,
                                   scb_patients, scb_stats)

RTOL = 1e-6
STUDY = {
    "evaluable_after_day": 28, "persistent_after_day": 28, "conventions": "spss",
    "criteria": {"grades": CTCAE5_GRADES, "lineages": {
        "sn": {"test": "anc", "severe_below": 1.0}, "sa": {"test": "hb", "severe_below": 80},
        "st": {"test": "plt", "severe_below": 50}}},
    "scb": {"anc_above": 1.0, "anc_consecutive": 3, "gcsf_free_window": 7, "transfusion_free_days": 28,
            "pre_scb_window_days": 28},
}


def letter_cohort():
    """Derived table with the letter's counts: SCT 23/52, no SCT 23/47, + death day 4, relapse day 28."""
    rows = []
    for sct, n, k in ((True, 52, 23), (False, 47, 23)):
        rows += [dict(prior_hsct=str(sct).lower(), persistent_cytopenia="true" if i < k else "false",
                      death_day=np.nan, relapse_day=np.nan) for i in range(n)]
    rows += [dict(prior_hsct="false", persistent_cytopenia="false", death_day=4, relapse_day=np.nan),
             dict(prior_hsct="true", persistent_cytopenia="false", death_day=np.nan, relapse_day=28)]
    df = pd.DataFrame(rows)
    df.insert(0, "patient_id", [f"P{i:03d}" for i in range(len(df))])
    return typed(df)


def row(stats, statistic, **keys):
    m = stats["statistic"] == statistic
    for k, v in keys.items():
        m &= stats[k] == v
    assert m.sum() == 1, (statistic, keys)
    return stats[m].iloc[0]


@pytest.fixture(scope="module")
def prior():
    return prior_sct_stats(letter_cohort(), STUDY)


def test_prior_sct_counts_and_percents(prior):
    assert row(prior, "count", outcome="evaluable")["estimate"] == 99
    assert row(prior, "count", outcome="not_evaluable", level="death")["estimate"] == 1
    assert row(prior, "count", outcome="not_evaluable", level="relapse")["estimate"] == 1
    r = row(prior, "percent", outcome="persistent_cytopenia", term="prior_hsct", level="true")
    assert (r["n"], round(r["estimate"], 1)) == (52, 44.2)
    r = row(prior, "percent", outcome="persistent_cytopenia", term="prior_hsct", level="false")
    assert (r["n"], round(r["estimate"], 1)) == (47, 48.9)
    assert row(prior, "count", outcome="persistent_cytopenia", term="prior_hsct", level="false")["estimate"] == 23


def test_prior_sct_pearson_against_R(prior):
    r = row(prior, "chi2", outcome="persistent_cytopenia", level="true vs false")
    # R: m <- matrix(c(23, 29, 23, 24), 2, byrow = TRUE); chisq.test(m, correct = FALSE)$statistic
    assert_allclose(r["estimate"], 0.219733347744187, rtol=RTOL)
    # R: chisq.test(m, correct = FALSE)$p.value
    assert_allclose(r["p_value"], 0.6392431691446, rtol=RTOL)
    assert r["method"] == "Pearson chi-square, no continuity correction" and r["n"] == 99


def test_prior_sct_yates_against_R(prior):
    r = row(prior, "chi2_yates", outcome="persistent_cytopenia", level="true vs false")
    # R: chisq.test(m, correct = TRUE)$statistic
    assert_allclose(r["estimate"], 0.0712824949080908, rtol=RTOL)
    # R: chisq.test(m, correct = TRUE)$p.value
    assert_allclose(r["p_value"], 0.78947854065423, rtol=RTOL)
    assert "Yates" in r["method"]


def test_prior_sct_fisher_against_R(prior):
    r = row(prior, "odds_ratio", outcome="persistent_cytopenia", level="true vs false")
    # R: fisher.test(m)$p.value
    assert_allclose(r["p_value"], 0.689495550381893, rtol=RTOL)
    assert_allclose(r["estimate"], 23 * 24 / (29 * 23), rtol=RTOL)   # sample odds ratio ad/bc
    assert "Fisher" in r["method"]


def test_no_test_gives_the_letters_p(prior):
    # the letter prints P = .5999; none of the three standard tests of its own counts gives it
    p = prior.loc[prior["p_value"].notna(), "p_value"]
    assert len(p) == 3 and not np.isclose(p, 0.5999, atol=5e-4).any()


def test_format_prior_sct(prior):
    table, note = format_prior_sct(prior)
    assert list(table["persistent_g34_cytopenia"]) == ["23 (44.2%)", "23 (48.9%)", "46 (46.5%)"]
    assert list(table["n"]) == [52, 47, 99]
    assert "p = 0.639" in note and "p = 0.789" in note and "p = 0.689" in note


def test_evaluability_boundaries():
    p = pd.DataFrame({"patient_id": list("abcde"), "death_day": [28, 29, np.nan, np.nan, 4],
                      "relapse_day": [np.nan, np.nan, 28, 29, 2]})
    ev = evaluability(p, STUDY)
    assert list(ev["evaluable"]) == [False, True, False, True, False]
    assert list(ev["not_evaluable_reason"]) == ["death", "", "relapse", "", "death"]


def test_absent_event_day_is_named_not_read_as_no_event():
    with pytest.raises(DerivedColumnError, match="'relapse_day'"):
        prior_sct_stats(letter_cohort().drop(columns="relapse_day"), STUDY)
    derived, labs, crs = tiny_boosted()
    with pytest.raises(DerivedColumnError, match="'last_followup_day'"):
        scb_patients(derived.drop(columns="last_followup_day"), labs, None, crs, STUDY)


def test_persistent_grade3_4_is_after_day_28_only():
    labs = pd.DataFrame({"patient_id": ["a", "a", "b", "c", "d", "e"], "day": [10, 35, 28, 29, 60, 29],
                         "test": ["anc", "anc", "plt", "hb", "plt", "wbc"],
                         "value": [0.1, 1.0, 10, 79, 49.9, 0.1]})
    got = persistent_grade3_4(labs, ["a", "b", "c", "d", "e", "f"], STUDY)
    assert got.to_dict() == {"a": False, "b": False, "c": True, "d": True, "e": False, "f": False}


def tiny_boosted():
    derived = typed(pd.DataFrame({
        "patient_id": ["b1", "b2", "x"], "prior_hsct": ["true", "true", "false"],
        "persistent_cytopenia": ["true", "true", "true"], "scb_day": [60, 100, np.nan],
        "death_day": [np.nan, 130, np.nan], "relapse_day": [np.nan, 110, np.nan],
        "last_followup_day": [400, 130, 300], "age_years": [10, 20, 5], "months_hsct_to_cart": [11, 30, np.nan],
        "n_relapses": [2, 1, 1], "car_product": ["CARPALL CD19", "tisagenlecleucel", "CARPALL CD19"],
        "death_cause": [np.nan, "relapse", np.nan], "scb_cd34_per_kg": [4.0, 6.0, np.nan],
        "scb_cd3_per_kg": [0.1, 0.3, np.nan],
        "pre_ld_anc": [1.5, np.nan, 3.0], "pre_ld_hb": [100, 130, 130], "pre_ld_plt": [100, 200, 200]}))
    labs = pd.DataFrame({"patient_id": "b1", "day": [50, 70, 75, 80, 90],
                         "test": "anc", "value": [0.3, 1.5, 1.6, 1.7, 2.0]})
    crs = pd.DataFrame({"patient_id": ["b1", "b1", "b1", "b2"], "day": [2, 3, 70, 5],
                        "crs_grade": [1, 2, 2, 3], "icans_grade": [0, 0, 0, 4]})
    return derived, labs, crs


def test_scb_patients_splits_crs_at_scb_and_derives_status():
    derived, labs, crs = tiny_boosted()
    t = scb_patients(derived, labs, None, crs, STUDY).set_index("patient_id")
    assert list(t.index) == ["b1", "b2"]
    assert t.loc["b1", "crs_max_grade_before_scb"] == 2 and t.loc["b1", "crs_max_grade_after_scb"] == 2
    assert t.loc["b2", "icans_max_grade_before_scb"] == 4
    assert t.loc["b1", "anc_recovery_day"] == 10 and t.loc["b1", "response"] == "responder"
    assert t.loc["b2", "response"] == "not_evaluable"
    assert bool(t.loc["b1", "baseline_pancytopenia"]) and pd.isna(t.loc["b2", "baseline_pancytopenia"])
    assert list(t["followup_after_scb_days"]) == [340, 30]
    assert list(t["relapse_after_scb"]) == [False, True] and list(t["alive_in_cr"]) == [True, False]
    assert_allclose(t["months_cart_to_scb"], [60 / 30.4375, 100 / 30.4375])


def test_scb_stats_rows_and_tables():
    derived, labs, crs = tiny_boosted()
    t = scb_patients(derived, labs, None, crs, STUDY)
    s = scb_stats(t, derived, STUDY)
    assert set(s["analysis"]) == {"scb_table1", "scb_recovery"}
    assert not s.duplicated(["analysis", "outcome", "term", "level", "statistic"]).any()
    assert row(s, "count", outcome="scb_given")["estimate"] == 2
    assert row(s, "count", outcome="crs_after_scb")["estimate"] == 1
    assert row(s, "median", outcome="scb_cd34_per_kg")["estimate"] == 5.0
    assert row(s, "count", outcome="months_hsct_to_cart", level="<12")["estimate"] == 1
    r = row(s, "median", analysis="scb_recovery", outcome="anc_recovery_day")
    assert (r["estimate"], r["n"]) == (10, 1)
    t1 = format_scb_table1(s)
    assert list(t1.columns) == ["section", "characteristic", "value"]
    assert (t1["characteristic"] == "CRS before SCB, maximum grade").sum() == 1
    listing = format_scb_listing(t)
    assert list(listing["anc_recovery_day"]) == ["10", "n/a"]  # b2: no ANC data
    assert list(listing["rbc_ti_day"]) == ["n/a", "n/a"]


def test_swimmer_png_pdf_deterministic(tmp_path):
    from cartcyto.figures.swimmer import write_swimmer
    derived, labs, crs = tiny_boosted()
    t = scb_patients(derived, labs, None, crs, STUDY)
    tr = pd.DataFrame({"patient_id": ["b1", "b1", "b2"], "day": [55, 62, 104],
                       "treatment": ["prbc", "platelets", "platelets"], "dose": 1.0})
    a = write_swimmer(t, derived, tr, str(tmp_path / "a" / "swim"))
    b = write_swimmer(t, derived, tr, str(tmp_path / "b" / "swim"))
    assert [p.rsplit(".", 1)[1] for p in a] == ["png", "pdf"]
    for x, y in zip(a, b):
        assert open(x, "rb").read() == open(y, "rb").read()
