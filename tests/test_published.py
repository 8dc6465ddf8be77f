"""data/published/*.csv: well-formed, internally consistent, and transcribed from the papers.

The paper texts live outside the repository (``../shared/seeds``, or ``$CARTCYTO_SEEDS``); the
transcription checks are skipped when they are absent.
"""
import math
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from cartcyto.report.scorecard import (PUBLISHED_COLUMNS, parse_published, read_published,
                                round_half_up, validate_published)

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = ROOT / "data" / "published"
SEEDS = Path(os.environ.get("CARTCYTO_SEEDS", ROOT.parent / "shared" / "seeds"))
PAPERS = {"wang2021": "002_c324747e8c9e9d7d.txt", "mullanfiroze2022": "000_b457a22d6f854e82.txt"}
N_ITEMS = {"wang2021": 179, "mullanfiroze2022": 68}  # change deliberately, with the README


def _paper(study):
    path = SEEDS / PAPERS[study]
    if not path.exists():
        pytest.skip(f"paper text not found at {path} (set CARTCYTO_SEEDS)")
    return path.read_text(encoding="utf-8")


def _norm(text):
    """Extraction typography -> ASCII as used in our `source` quotes."""
    for a, b in (("–", "-"), ("−", "-"), ("×", "x"), ("≥", ">="), ("$", ""), ("\\", ""),
                 ("10^9", "109"), ("10^6", "106"), ("10^4", "104"), ("^", "")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module", params=sorted(PAPERS))
def study(request):
    return request.param


@pytest.fixture(scope="module")
def pub(study):
    return read_published(PUBLISHED / f"{study}.csv")


def test_well_formed(study, pub):
    assert validate_published(pub) == []
    header = (PUBLISHED / f"{study}.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == PUBLISHED_COLUMNS
    assert len(pub) == N_ITEMS[study]


def test_item_is_the_key(pub):
    for r in pub.itertuples():
        parts = [r.analysis, r.outcome, r.term, r.level, r.statistic]
        parts += [] if r.field == "estimate" else [r.field]
        assert r.item == ".".join(p.replace(" ", "_") for p in parts if p)


def test_value_and_decimals_parse_from_published(pub):
    for r in pub.itertuples():
        comp, number, decimals = parse_published(r.published)
        assert Decimal(repr(r.value)) == number, r.item
        if r.rule == "rounded":
            assert r.decimals == decimals, r.item
        assert (comp != "") == (r.rule == "p_category" and r.published.startswith(("<", ">")))


def test_percent_items_use_percent_unit(pub):
    pct = pub[pub["published"].str.endswith("%")]
    assert (pct["unit"] == "percent").all()
    assert set(pub.loc[pub["statistic"].isin(["percent", "cumulative_incidence"]), "unit"]) == {"percent"}


def _denominator(pub, r):
    """The printed n a percent rests on: the count's n item, n_at_risk, or the cohort n."""
    same = pub[(pub["analysis"] == r.analysis) & (pub["outcome"] == r.outcome)
               & (pub["term"] == r.term) & (pub["level"] == r.level)]
    for stat, field in (("count", "n"), ("n_at_risk", "estimate")):
        hit = same[(same["statistic"] == stat) & (same["field"] == field)]
        if len(hit):
            return hit["value"].iloc[0]
    return {"table1": 76, "supportive": 76}.get(r.analysis)  # Wang: "Among 76 patients"


def test_percents_agree_with_their_counts(pub):
    """A transcription typo in a count or a percent shows up as count/n != percent."""
    checked = 0
    for r in pub[(pub["statistic"] == "percent")].itertuples():
        count = pub[(pub["analysis"] == r.analysis) & (pub["outcome"] == r.outcome)
                    & (pub["term"] == r.term) & (pub["level"] == r.level)
                    & (pub["statistic"] == "count") & (pub["field"] == "estimate")]
        n = _denominator(pub, r)
        if count.empty or n is None:
            continue
        pct = 100.0 * count["value"].iloc[0] / n
        assert round_half_up(pct, int(r.decimals)) == Decimal(repr(r.value)), r.item
        checked += 1
    assert checked >= 3


def test_ratio_estimates_sit_in_their_printed_ci(pub):
    """HR/OR near the geometric middle of the printed CI (Wald CIs are symmetric on the log scale)."""
    est = pub[pub["rule"] == "within_ci"]
    for r in est.itertuples():
        key = (pub["analysis"] == r.analysis) & (pub["outcome"] == r.outcome) & (pub["term"] == r.term)
        lo = pub.loc[key & (pub["field"] == "ci_low"), "value"].iloc[0]
        hi = pub.loc[key & (pub["field"] == "ci_high"), "value"].iloc[0]
        assert lo < r.value < hi, r.item
        assert math.isclose(math.sqrt(lo * hi), r.value, rel_tol=0.01), r.item


def test_quoted_words_and_published_strings_occur_in_the_paper(study, pub):
    text = _paper(study)
    norm = _norm(text)
    for r in pub.itertuples():
        for quote in re.findall(r"\('([^']+)'\)", r.source):
            for part in quote.split(" ... "):
                assert _norm(part) in norm, f"{r.item}: {part!r} not in the paper"
        assert r.published in text or _norm(r.published) in norm, r.item


# Spot checks: the printed string in its context, as it reads in the extraction.
SPOT = {
    "wang2021": [
        ("table1.age_years.median", "Age, years\t31.5 [15-74]"),
        ("table1.bmi.max", "BMI, kg/m ²\t21.53 [14.88-30.49]"),
        ("table1.ferritin.max", "Ferritin, ng/mL\t836.9 [17.2-24458]"),
        ("table1.gfr.max", "GFR, ml/min\t122 [59-172.61]"),
        ("table1.urea.median", "Serum urea, mmol/L\t4.05 [1.4-9]"),
        ("table1.crs_max_grade.3-4.percent", "Grade 3-4\t29 (38.16%)"),
        ("table1.infection.true.percent", "Infection, n (%)\t13 (17.11%)"),
        ("incidence_new_onset.sa.n_at_risk", "(SA) (35/66, 53%)"),
        ("supportive.platelets_any.percent", "35 (46.05%) received platelet transfusions"),
        ("cox_recovery.sn_duration_days.lg_max_ddimer.HR", "Max Ig D-dimer\t0.536(0.318-0.906)\t0.02"),
        ("cox_recovery.sa_duration_days.crs_recovery_day.HR.ci_high", "Time to recovery of CRS\t0.946(0.899-0.995)\t0.03"),
        ("cox_recovery.st_duration_days.lg_max_ferritin.HR.ci_high", "Max Ig ferritin\t0.547(0.329-0.91)\t0.02"),
        ("logistic_pht.pht.crs_max_grade.OR.ci_high", "(OR: 5.312; 95% CI: 1.115–25.317; $P=0.036$)"),
        ("spearman_costs.sa_duration_days.cost_prbc.rho", "PRBC transfusions ($P<0.001$, $r=0.896$)"),
        ("pht_outcomes.nrm.chi2.p_value", "non-relapse mortality ($P=0.79$)"),
        ("timing_baseline_vs_new.st_recovery_day.U.p_value", "baseline severe cytopenia (P=0.028)"),
        ("univariate_sn.sn_new_onset.crs_max_grade.U.p_value", "(P=0.043 for SN, 0.001 for SA"),
    ],
    "mullanfiroze2022": [
        ("prior_sct.persistent_cytopenia.prior_hsct.true_vs_false.chi2.p_value", "was not significant (P = .5999)"),
        ("prior_sct.persistent_cytopenia.prior_hsct.false.percent", "23 (48.9%) developed grade 3 to 4 cytopenia"),
        ("prior_sct.evaluable.count.n", "A cohort of 101 pediatric"),
        ("scb_table1.scb_given.persistent_cytopenia_after_SCT.percent", "7 (30.4%) were treated"),
        ("scb_table1.months_cart_to_scb.max", "after CAR-T therapy, mo 2.6 Range, 1.9-16.5"),
        ("scb_table1.scb_cd3_per_kg.max", "CD3+ T cells 0.19 × 104 Range, 0.07-1.22 × 104"),
        ("scb_table1.age_at_scb_years.min", "Median Age at CD34 SCB, y 16 Range, 11-27"),
        ("scb_table1.months_hsct_to_cart.max", "was 16 months (range, 10-53 months)"),
        ("scb_table1.followup_after_scb_days.max", "(range 24 days-2.5 years)"),
        ("scb_table1.n_relapses.>=2.count", "6 of 7 received CAR T-cell therapy in second or later relapses"),
        ("scb_recovery.anc_recovery_day.max", "without GCSF 42 Range, 11-192"),
        ("scb_recovery.plt_ti_day.min", "Platelet transfusion independent 33 Range 7-73"),
    ],
}


def _ws(text):
    """Whitespace only (tabs, no-break spaces, line breaks) -> one space."""
    return re.sub(r"\s+", " ", text)


def test_spot_checks(study, pub):
    text = _ws(_paper(study))
    by_item = pub.set_index("item")
    for item, context in SPOT[study]:
        assert item in by_item.index, item
        assert _ws(context) in text, f"context for {item} not in the paper: {context!r}"
        printed = by_item.loc[item, "published"].rstrip("%")
        assert printed in context, f"{item}: {printed!r} not in {context!r}"
