"""cartcyto.report.scorecard: each rule on synthetic statistics, failures included, and the summary CLI."""
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency, fisher_exact

from cartcyto.report import summary
from cartcyto.report.rows import KEY_COLUMNS, stat_frame, stat_row
from cartcyto.report.scorecard import (NO_ROW, SCORECARD_COLUMNS, build_scorecard, empty_scorecard,
                                normalise_published, parse_published, read_published,
                                read_scorecard, round_half_up, summarise, write_scorecard)

PUBLISHED = Path(__file__).resolve().parents[1] / "data" / "published"


def item(published, rule, *, analysis="a", statistic="median", field="estimate", term="x",
         level="", outcome="", tolerance="", unit="", reason="", alternatives=""):
    comp, number, decimals = parse_published(published)
    return {"item": f"{analysis}.{term}.{statistic}.{field}", "analysis": analysis,
            "outcome": outcome, "term": term, "level": level, "statistic": statistic,
            "field": field, "published": published, "value": str(float(number)), "rule": rule,
            "decimals": str(decimals), "tolerance": tolerance, "unit": unit,
            "alternatives": alternatives, "source": "test", "note": "", "reason": reason}


def score(pub_item, **row):
    """Scorecard of one item against one statistics row with the item's key."""
    key = {k: pub_item[k] for k in ("outcome", "term", "level")}
    stats = stat_frame([stat_row(pub_item["analysis"], pub_item["statistic"], **key, **row)])
    return build_scorecard(pd.DataFrame([pub_item]), stats).iloc[0]


# --- parsing and rounding -------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("31.5", ("", Decimal("31.5"), 1)), ("18.42%", ("", Decimal("18.42"), 2)),
    ("<0.001", ("<", Decimal("0.001"), 3)), (".5999", ("", Decimal("0.5999"), 4)),
    ("≤0.05", ("<=", Decimal("0.05"), 2)), ("9 months", ("", Decimal("9"), 0)),
    ("24458", ("", Decimal("24458"), 0)),
])
def test_parse_published(text, expected):
    assert parse_published(text) == expected


def test_parse_published_without_number():
    with pytest.raises(ValueError, match="holds no number"):
        parse_published("NA")


@pytest.mark.parametrize("x, d, expected", [
    (2.675, 2, "2.68"),      # binary 2.67499999... but printed 2.675: half up
    (0.045, 2, "0.05"), (0.0449999, 2, "0.04"), (18.421052631578947, 2, "18.42"),
    (31.5, 0, "32"), (30.5, 0, "31"), (0.0005, 3, "0.001"), (0.00049, 3, "0.000"),
])
def test_round_half_up(x, d, expected):
    assert round_half_up(x, d) == Decimal(expected)


# --- exact ----------------------------------------------------------------------------------

def test_exact_match_and_mismatch():
    it = item("39", "exact", statistic="count")
    assert score(it, estimate=39)["status"] == "match"
    res = score(it, estimate=38)
    assert res["status"] == "discrepant" and "38 != 39" in res["detail"]


def test_exact_on_field_n():
    it = item("33", "exact", statistic="count", field="n")
    assert score(it, estimate=4, n=33)["status"] == "match"
    assert score(it, estimate=4, n=32)["status"] == "discrepant"


# --- rounded --------------------------------------------------------------------------------

def test_rounded_match_off_by_one_and_discrepant():
    it = item("31.5", "rounded")
    assert score(it, estimate=31.46)["status"] == "match"
    assert score(it, estimate=31.55)["status"] == "within_tolerance"  # rounds to 31.6: last digit off by one
    assert score(it, estimate=31.4)["status"] == "within_tolerance"
    res = score(it, estimate=33.0)
    assert res["status"] == "discrepant"
    assert "rounds to 33.0, not 31.5" in res["detail"] and "> tolerance 0.1" in res["detail"]


def test_rounded_percent_and_proportion():
    it = item("18.42%", "rounded", statistic="percent", unit="percent")
    assert score(it, estimate=100 * 14 / 76)["status"] == "match"
    res = score(it, estimate=14 / 76)  # a proportion is read on the 0-100 scale
    assert res["status"] == "match" and "proportion" in res["detail"]
    assert score(it, estimate=100 * 15 / 76)["status"] == "discrepant"


def test_rounded_with_item_tolerance():
    it = item("0.691", "rounded", statistic="rho", tolerance="0.1")
    assert score(it, estimate=0.6912)["status"] == "match"
    assert score(it, estimate=0.62)["status"] == "within_tolerance"
    assert score(it, estimate=0.55)["status"] == "discrepant"
    assert score(it, estimate=-0.691)["status"] == "discrepant"


def test_rounded_printed_p_value():
    it = item("0.043", "rounded", statistic="U", field="p_value")
    assert score(it, estimate=500, p_value=0.0434)["status"] == "match"
    assert score(it, estimate=500, p_value=0.0436)["status"] == "within_tolerance"
    assert score(it, estimate=500, p_value=0.2)["status"] == "discrepant"


def test_units_days_to_months_and_years():
    months = item("9 months", "rounded", unit="months")
    res = score(months, estimate=270)
    assert res["status"] == "match" and "270 days" in res["detail"]
    years = item("2.5 years", "rounded", statistic="max", unit="years")
    assert score(years, estimate=913)["status"] == "match"
    assert score(years, estimate=940)["status"] == "within_tolerance"  # 2.57 y
    assert score(years, estimate=1000)["status"] == "discrepant"  # 2.74 y
    assert score(item("24 days", "rounded", statistic="min", unit="days"), estimate=24)["status"] == "match"


# --- p_category -----------------------------------------------------------------------------

def test_p_category_inequality():
    it = item("<0.001", "p_category", statistic="rho", field="p_value")
    assert score(it, estimate=0.7, p_value=0.0004)["status"] == "match"
    res = score(it, estimate=0.7, p_value=0.003)
    assert res["status"] == "within_tolerance" and "significant at alpha" in res["detail"]
    assert score(it, estimate=0.7, p_value=0.2)["status"] == "discrepant"
    assert score(it, estimate=0.7, p_value=0.001)["status"] == "within_tolerance"  # not < 0.001


def test_p_category_printed_number():
    it = item("0.02", "p_category", statistic="HR", field="p_value")
    assert score(it, estimate=0.5, p_value=0.0196)["status"] == "match"
    assert score(it, estimate=0.5, p_value=0.049)["status"] == "within_tolerance"
    assert score(it, estimate=0.5, p_value=0.05)["status"] == "within_tolerance"  # P <= 0.05 significant
    assert score(it, estimate=0.5, p_value=0.051)["status"] == "discrepant"
    ns = item("0.31", "p_category", statistic="chi2", field="p_value")
    assert score(ns, estimate=1, p_value=0.8)["status"] == "within_tolerance"
    assert score(ns, estimate=1, p_value=0.01)["status"] == "discrepant"


# --- within_ci ------------------------------------------------------------------------------

def test_within_ci():
    it = item("0.536", "within_ci", statistic="HR")
    assert score(it, estimate=0.5364, ci_low=0.3, ci_high=0.9)["status"] == "match"
    res = score(it, estimate=0.61, ci_low=0.40, ci_high=0.93)
    assert res["status"] == "within_tolerance" and "inside the CI" in res["detail"]
    assert score(it, estimate=0.8, ci_low=0.7, ci_high=0.95)["status"] == "discrepant"  # outside
    res = score(it, estimate=1.3, ci_low=0.5, ci_high=3.0)  # inside, but the other side of 1
    assert res["status"] == "discrepant" and "opposite side" in res["detail"]
    assert score(it, estimate=0.6)["status"] == "not_reproducible"  # no CI to judge


def test_within_ci_null_zero_for_rho():
    it = item("0.691", "within_ci", statistic="rho")
    assert score(it, estimate=0.5, ci_low=0.3, ci_high=0.75)["status"] == "within_tolerance"
    assert score(it, estimate=-0.1, ci_low=-0.4, ci_high=0.8)["status"] == "discrepant"


# --- not reproducible -----------------------------------------------------------------------

def test_no_statistics_row_is_not_reproducible():
    it = item("31.5", "rounded", term="age_years")
    stats = stat_frame([stat_row("a", "median", 31.5, term="age")])
    res = build_scorecard(pd.DataFrame([it]), stats).iloc[0]
    assert res["status"] == "not_reproducible"
    assert res["reason"] == NO_ROW
    assert "term='age'" in res["detail"]  # the nearby key helps diagnose a key mismatch
    empty = build_scorecard(pd.DataFrame([it]), stat_frame([])).iloc[0]
    assert empty["status"] == "not_reproducible" and empty["reason"] == NO_ROW


def test_duplicate_key_and_missing_field_are_not_reproducible():
    it = item("31.5", "rounded")
    twice = stat_frame([stat_row("a", "median", 31.5, term="x")] * 2)
    res = build_scorecard(pd.DataFrame([it]), twice).iloc[0]
    assert res["status"] == "not_reproducible" and "2 statistics rows" in res["detail"]
    p = item("0.043", "rounded", statistic="U", field="p_value")
    res = score(p, estimate=12.0)
    assert res["status"] == "not_reproducible" and "no p_value" in res["reason"]


# --- the Mullanfiroze .5999 -----------------------------------------------------------------

def test_mullanfiroze_p_5999_is_discrepant_with_its_reason():
    pub = read_published(PUBLISHED / "mullanfiroze2022.csv")
    pub = pub[pub["item"] == "prior_sct.persistent_cytopenia.prior_hsct.true_vs_false.chi2.p_value"]
    table = [[23, 52 - 23], [23, 47 - 23]]
    rows = []
    for stat, p in (("chi2", chi2_contingency(table, correction=False)[1]),
                    ("chi2_yates", chi2_contingency(table, correction=True)[1]),
                    ("odds_ratio", fisher_exact(table)[1])):  # the Fisher row carries the odds ratio
        rows.append(stat_row("prior_sct", stat, 0.0, outcome="persistent_cytopenia", term="prior_hsct",
                             level="true vs false", p_value=p, n=99, method=stat))
    res = build_scorecard(pub, stat_frame(rows)).iloc[0]
    assert res["status"] == "discrepant"
    assert res["reproduced"] == pytest.approx(0.6392, abs=1e-4)
    assert res["reason"].startswith("None of Pearson (0.639), Yates (0.789) or Fisher (0.689)")
    assert "chi2_yates p_value=0.7894785" in res["detail"]
    assert "odds_ratio p_value=0.6894955" in res["detail"]
    text = summarise(build_scorecard(pub, stat_frame(rows)), "mullanfiroze2022")
    assert ("discrepant prior_sct.persistent_cytopenia.prior_hsct.true_vs_false.chi2.p_value: "
            "published .5999, reproduced 0.639243 (rounded): None of Pearson") in text


# --- whole published tables -----------------------------------------------------------------

def _statistics_from(pub, perturb=None):
    """Statistics rows that carry every published value (optionally perturbed)."""
    rows = {}
    for r in normalise_published(pub).itertuples():
        key = tuple(getattr(r, c) for c in KEY_COLUMNS)
        row = rows.setdefault(key, dict(zip(KEY_COLUMNS, key), method="m"))
        value = r.value / 2 if r.published.startswith("<") else r.value
        value *= {"months": 30.4375, "years": 365.25}.get(r.unit, 1.0)  # rows hold days
        row[r.field] = perturb(value) if perturb else value
        if r.rule == "within_ci":
            row.setdefault("ci_low", r.value * 0.5)
            row.setdefault("ci_high", r.value * 2)
    return stat_frame(list(rows.values()))


@pytest.mark.parametrize("study", ["wang2021", "mullanfiroze2022"])
def test_published_values_themselves_all_match(study):
    pub = read_published(PUBLISHED / f"{study}.csv")
    sc = build_scorecard(pub, _statistics_from(pub))
    assert list(sc.columns) == SCORECARD_COLUMNS
    assert (sc["status"] == "match").all(), sc.loc[sc["status"] != "match", ["item", "detail"]]
    assert list(sc["item"]) == list(pub["item"])


@pytest.mark.parametrize("study", ["wang2021", "mullanfiroze2022"])
def test_far_off_values_never_match(study):
    pub = read_published(PUBLISHED / f"{study}.csv")
    sc = build_scorecard(pub, _statistics_from(pub, perturb=lambda v: v * 3 + 7))
    assert not (sc["status"] == "match").any()
    assert (sc.loc[sc["rule"] == "exact", "status"] == "discrepant").all()


def test_write_is_deterministic_and_round_trips(tmp_path):
    pub = read_published(PUBLISHED / "wang2021.csv")
    sc = build_scorecard(pub, _statistics_from(pub))
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    write_scorecard(sc, a)
    write_scorecard(build_scorecard(pub, _statistics_from(pub)), b)
    assert a.read_bytes() == b.read_bytes()
    back = read_scorecard(a)
    assert list(back.columns) == SCORECARD_COLUMNS and len(back) == len(pub)
    assert set(back["level"]) >= {"none", "1", "3-4", "T1 vs T2", "true"}


# --- summary --------------------------------------------------------------------------------

def _toy_scorecard():
    pub = pd.DataFrame([item("39", "exact", statistic="count", term="a"),
                        item("31.5", "rounded", term="b"),
                        item("0.043", "rounded", statistic="U", field="p_value", term="c",
                             reason="known: SPSS exact p"),
                        item("1", "exact", statistic="count", term="d", analysis="z")])
    stats = stat_frame([stat_row("a", "count", 39, term="a"), stat_row("a", "median", 31.4, term="b"),
                        stat_row("a", "U", 3, term="c", p_value=0.5)])
    return build_scorecard(pub, stats)


def test_summarise():
    text = summarise(_toy_scorecard(), "toy").splitlines()
    assert text[0] == ("toy: 4 items, 1 match, 1 within tolerance, 1 discrepant, "
                       "1 not reproducible")
    assert text[1] == ("  discrepant a.c.U.p_value: published 0.043, reproduced 0.5 (rounded): "
                       "known: SPSS exact p")
    assert text[2] == "  not reproducible by analysis: z (1)"
    assert "no published values" in summarise(empty_scorecard(), "mine")


def test_summary_cli(tmp_path, capsys):
    for study, sc in (("wang2021", _toy_scorecard()), ("mine", empty_scorecard())):
        (tmp_path / study).mkdir()
        write_scorecard(sc, tmp_path / study / "scorecard.csv")
    (tmp_path / "other").mkdir()  # a results folder without a scorecard is skipped
    assert summary.main([str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("mine: 0 items") and out[1].startswith("wang2021: 4 items, 1 match")
    assert summary.main([str(tmp_path / "other")]) == 1
    assert "run the pipeline first" in capsys.readouterr().err


# --- key contract with the analysis modules -------------------------------------------------

def test_mullanfiroze_published_keys_exist_in_the_analysis_rows():
    """Every published Mullanfiroze item finds its row in what cartcyto.analyses.prior_sct computes on the
    bundled synthetic cohort (a key drift shows up here, not as silent not_reproducible)."""
    from cartcyto.analyses import prior_sct as mf
    from cartcyto.analyses import scb as scb_family
    from design_fixtures import resolve_study
    from cartcyto.derive.patients import derive_patients
    from cartcyto.cohort.read import read_cohort

    root = PUBLISHED.parents[1]
    if not (root / "data" / "mullanfiroze2022" / "patients.csv").exists():
        pytest.skip("synthetic Mullanfiroze cohort not generated")
    study = resolve_study("mullanfiroze2022", {"cohort": str(root / "data" / "mullanfiroze2022"),
                                               "design": "mullanfiroze2022"})
    cohort = read_cohort(study["cohort"], study)
    derived = derive_patients(cohort, study)
    table = scb_family.scb_patients(derived, cohort.labs, cohort.treatments, cohort.crs, study)
    stats = stat_frame(pd.concat([mf.prior_sct_stats(derived, study),
                                  scb_family.scb_stats(table, derived, study)]))
    sc = build_scorecard(read_published(PUBLISHED / "mullanfiroze2022.csv"), stats)
    missing = sc.loc[sc["status"] == "not_reproducible", ["item", "detail"]]
    assert missing.empty, missing.to_string()
    p = sc.set_index("item").loc["prior_sct.persistent_cytopenia.prior_hsct.true_vs_false.chi2.p_value"]
    assert p["status"] == "discrepant"  # the .5999 of the letter, whatever the cohort


def test_alternative_tests_say_where_they_change_the_conclusion():
    """A p-value item with alternatives (e.g. the paired McNemar rows beside the paper's
    unpaired Pearson test) notes, per alternative, whether it reaches the same conclusion."""
    it = item("<0.001", "p_category", analysis="incidence_phase_test", statistic="chi2",
              field="p_value", term="", outcome="sn", level="T1 vs T2",
              alternatives="mcnemar_exact;mcnemar_chi2")
    stats = stat_frame([
        stat_row("incidence_phase_test", "chi2", 12.0, outcome="sn", level="T1 vs T2", p_value=0.0004),
        stat_row("incidence_phase_test", "mcnemar_exact", 0.0, outcome="sn", level="T1 vs T2",
                 p_value=0.0002),
        stat_row("incidence_phase_test", "mcnemar_chi2", 3.1, outcome="sn", level="T1 vs T2",
                 p_value=0.08),
    ])
    r = build_scorecard(pd.DataFrame([it]), stats).iloc[0]
    assert r["status"] == "match"
    assert ("mcnemar_exact p_value=0.0002 (meets the printed <0.001; same conclusion at alpha "
            "0.05)") in r["detail"]
    assert ("mcnemar_chi2 p_value=0.08 (not the printed <0.001; changes the conclusion at alpha "
            "0.05: not significant, the reproduced chi2 test significant)") in r["detail"]
