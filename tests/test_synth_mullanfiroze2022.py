"""The committed Mullanfiroze 2022 synthetic cohort: byte-identical regeneration and calibration."""
from pathlib import Path

import pytest

from design_fixtures import resolve_study
from cartcyto.synth.mullanfiroze2022 import write_mullanfiroze2022

DATA = Path(__file__).resolve().parents[1] / "data" / "mullanfiroze2022"
from cartcyto.analyses import prior_sct as mf  # noqa: E402
from cartcyto.analyses import scb as scb_family  # noqa: E402
from cartcyto.cohort import read as ingest  # noqa: E402
from cartcyto.derive import patients as derive  # noqa: E402


def test_regeneration_is_byte_identical(tmp_path):
    out = write_mullanfiroze2022(tmp_path / "mf")
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in DATA.iterdir())
    assert {"patients.csv", "labs.csv", "crs.csv", "treatments.csv", "README.md"} <= set(written)
    for name in written:
        assert (out / name).read_bytes() == (DATA / name).read_bytes(), name


def test_other_seed_changes_values_not_calibration(tmp_path):
    write_mullanfiroze2022(tmp_path, seed=7)
    assert (tmp_path / "labs.csv").read_bytes() != (DATA / "labs.csv").read_bytes()
    check_calibration(tmp_path)


@pytest.fixture(scope="module")
def cohort():
    study = resolve_study("mullanfiroze2022", {"cohort": str(DATA), "design": "mullanfiroze2022"})
    c = ingest.read_cohort(str(DATA), study)
    return study, c, derive.derive_patients(c, study)


def check_calibration(folder):
    study = resolve_study("m", {"cohort": str(folder), "design": "mullanfiroze2022"})
    c = ingest.read_cohort(str(folder), study)
    d = derive.derive_patients(c, study)
    p = mf.prior_sct_patients(d, study)
    assert len(p) == 101
    assert sorted(p.loc[~p["evaluable"], "not_evaluable_reason"]) == ["death", "relapse"]
    ev = p[p["evaluable"]]
    counts = ev.groupby("prior_hsct")["persistent_cytopenia"].agg(["size", "sum"])
    assert counts.loc[True].tolist() == [52, 23] and counts.loc[False].tolist() == [47, 23]
    t = scb_family.scb_patients(d, c.labs, c.treatments, c.crs, study)
    resp = t[t["response"] == "responder"]
    for col, (med, lo, hi) in {"anc_recovery_day": (42, 11, 192), "rbc_ti_day": (33, 4, 106),
                               "plt_ti_day": (33, 7, 73)}.items():
        x = resp[col].astype(float)
        assert (x.median(), x.min(), x.max(), x.size) == (med, lo, hi, 4), col
    return study, c, d, t


def test_calibration_committed(cohort):
    check_calibration(DATA)


def test_derived_persistence_agrees_with_ctcae_grading(cohort):
    study, c, d = cohort
    own = mf.persistent_grade3_4(c.labs, d["patient_id"], study)
    assert (own.to_numpy() == d["persistent_cytopenia"].astype(bool).to_numpy()).all()


def test_not_evaluable_patients(cohort):
    _, _, d = cohort
    assert d.loc[d["death_day"] <= 28, "death_day"].tolist() == [4]
    assert d.loc[d["relapse_day"] <= 28, "relapse_day"].tolist() == [28]


def test_table1_of_the_letter(cohort):
    study, c, d = cohort
    t = scb_family.scb_patients(d, c.labs, c.treatments, c.crs, study)
    s = scb_family.scb_stats(t, d, study)

    def est(outcome, statistic, level="", analysis="scb_table1"):
        m = ((s["analysis"] == analysis) & (s["outcome"] == outcome) & (s["statistic"] == statistic)
             & (s["level"] == level))
        assert m.sum() == 1, (outcome, statistic, level)
        return s.loc[m, "estimate"].iloc[0]

    def mmm(outcome):
        return tuple(est(outcome, k) for k in ("median", "min", "max"))

    assert len(t) == 7 and est("scb_given", "count", "persistent cytopenia after SCT") == 7
    assert round(est("scb_given", "percent", "persistent cytopenia after SCT"), 1) == 30.4
    assert tuple(round(x, 1) for x in mmm("months_cart_to_scb")) == (2.6, 1.9, 16.5)
    assert mmm("scb_cd34_per_kg") == (6.75, 2.5, 11.2) and mmm("scb_cd3_per_kg") == (0.19, 0.07, 1.22)
    assert mmm("age_at_sct_years") == (14, 7, 24) and mmm("age_years") == (15, 10, 27)
    assert mmm("age_at_scb_years") == (16, 11, 27)
    assert est("age_at_diagnosis_years", "min") == 1 and est("age_at_diagnosis_years", "max") == 23
    assert mmm("months_hsct_to_cart") == (16, 10, 53) and est("months_hsct_to_cart", "count", "<12") == 1
    products = {lvl: est("car_product", "count", lvl) for lvl in
                s.loc[s["outcome"] == "car_product", "level"].unique()}
    assert sum(v for k, v in products.items() if k.startswith("CARPALL")) == 4
    assert (products["AMELIA CD19-CD22"], products["tisagenlecleucel"], products["CARD allogeneic CD19"]) == (1, 1, 1)
    assert [est("crs_max_grade_before_scb", "count", g) for g in "123"] == [1, 2, 1]
    assert [est("icans_max_grade_before_scb", "count", g) for g in "34"] == [1, 2]
    assert est("pre_scb_cytopenia", "count", "pancytopenia") == 6
    assert est("pre_scb_cytopenia", "count", "bicytopenia") == 1
    assert [est("response", "count", r) for r in ("not_evaluable", "transient", "responder")] == [2, 1, 4]
    assert est("relapse_after_scb", "count", "true") == 3 and est("alive_in_cr", "count", "true") == 2
    assert [est("death_cause", "count", k) for k in ("infection", "relapse", "therapy-related")] == [2, 2, 1]
    assert est("crs_after_scb", "count", "true") == 1 and est("gvhd_after_scb", "count", "true") == 0
    assert est("baseline_pancytopenia", "count", "true") == 3
    assert mmm("followup_after_scb_days") == (274, 24, 913)
    assert round(est("followup_after_scb_months", "median")) == 9
    assert round(est("followup_after_scb_days", "max") / 365.25, 1) == 2.5
    # the two not evaluable: death on day 24 and relapse on day 38 after the SCB
    ne = t[t["response"] == "not_evaluable"].set_index("end_reason")
    assert (ne.loc["death", "followup_end_day"] - ne.loc["death", "scb_day"]) == 24
    assert (ne.loc["relapse", "followup_end_day"] - ne.loc["relapse", "scb_day"]) == 38
