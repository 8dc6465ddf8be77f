"""CAR-HEMATOTOX score (Rejeski 2021) at every component boundary and the baseline-window rule,
and the neutrophil recovery phenotypes (quick / intermittent / aplastic) on hand-traced frames."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hematotox_fixtures import daily, grade, low_run, study

# A patient whose five components all score 0: PLT 200, ANC 2.0, Hb 120 (day -5), CRP 5, ferritin 300.
BASE = {"plt": 200.0, "anc": 2.0, "hb": 120.0, "crp": 5.0, "ferritin": 300.0}
UNITS = {"crp": "mg/L", "ferritin": "ng/mL"}


def score_patient(values: dict | None = None, day: int = -5, pid: str = "p1", **extra):
    v = {**BASE, **(values or {})}
    labs = {t: {day: v[t]} for t in ("plt", "anc", "hb") if v[t] is not None}
    markers = [(pid, day, m, v[m], UNITS[m]) for m in ("crp", "ferritin") if v[m] is not None]
    return {"patient_id": pid, "labs": labs, **extra}, markers


def score(values: dict | None = None, day: int = -5, st=None, **extra) -> pd.Series:
    patient, markers = score_patient(values, day, **extra)
    return grade([patient], st, markers).iloc[0]


@pytest.mark.parametrize("component, value, points", [
    ("plt", 176.0, 0), ("plt", 175.0, 1), ("plt", 75.0, 1), ("plt", 74.9, 2),    # >175 0; 75-175 1; <75 2
    ("anc", 1.2, 0), ("anc", 1.19, 1),                                           # <1200/uL 1
    ("hb", 90.0, 0), ("hb", 89.9, 1),                                            # <9.0 g/dL 1
    ("crp", 30.0, 0), ("crp", 30.1, 1),                                          # >3.0 mg/dL 1
    ("ferritin", 649.9, 0), ("ferritin", 650.0, 1), ("ferritin", 2000.0, 1), ("ferritin", 2000.1, 2),
])
def test_each_component_boundary(component, value, points):
    row = score({component: value})
    assert row["hematotox_score"] == points
    assert row["hematotox_high"] == (points >= 2)
    assert pd.isna(row["hematotox_not_scored"])


def test_score_sums_and_high_risk_at_two():
    row = score({"anc": 1.0, "crp": 40.0})                       # 1 + 1
    assert (row["hematotox_score"], row["hematotox_high"]) == (2, True)
    row = score({"anc": 1.0})
    assert (row["hematotox_score"], row["hematotox_high"]) == (1, False)
    row = score({"plt": 50.0, "anc": 0.5, "hb": 80.0, "crp": 100.0, "ferritin": 5000.0})
    assert row["hematotox_score"] == 7


def test_baseline_is_the_last_value_on_or_before_ld_start_within_7_days():
    # ld_start_day -4: days -11..-4 count; the last one wins
    assert score({"plt": 50.0}, day=-4)["hematotox_score"] == 2          # on ld_start_day
    assert score({"plt": 50.0}, day=-11)["hematotox_score"] == 2         # 7 days before
    row = score({"plt": 50.0}, day=-12)                                   # 8 days before: no baseline
    assert pd.isna(row["hematotox_score"]) and row["hematotox_not_scored"] == \
        "no baseline value: plt; anc; hb; crp; ferritin"
    row = score(day=-3)                                                   # after ld_start_day
    assert pd.isna(row["hematotox_score"])
    # two days in the window: the later (day -5, PLT 200) wins over day -8 (PLT 50)
    patient, markers = score_patient()
    patient["labs"]["plt"][-8] = 50.0
    assert grade([patient], None, markers).iloc[0]["hematotox_score"] == 0
    # the anchor is the patient's own ld_start_day
    patient, markers = score_patient({"plt": 50.0}, day=-9, ld_start_day=-6)
    assert grade([patient], None, markers).iloc[0]["hematotox_score"] == 2


def test_same_day_values_lowest_count_highest_marker():
    patient, markers = score_patient()
    patient["labs"]["plt"][-5] = [200.0, 60.0]                           # day's lowest PLT: 60 -> 2
    markers = markers + [("p1", -5, "crp", 45.0, "mg/L")]                # day's highest CRP: 45 -> 1
    assert grade([patient], None, markers).iloc[0]["hematotox_score"] == 3


def test_missing_component_or_unit_leaves_the_score_empty():
    row = score({"crp": None})
    assert pd.isna(row["hematotox_score"]) and pd.isna(row["hematotox_high"])
    assert row["hematotox_not_scored"] == "no baseline value: crp"
    patient, markers = score_patient({"crp": None})
    markers = markers + [("p1", -5, "crp", 4.0, "mg/dL")]
    row = grade([patient], None, markers).iloc[0]
    assert row["hematotox_not_scored"] == "no baseline value: crp (in another unit)"
    markers = markers[:-1] + [("p1", -5, "ferritin", 100.0, "ug/L")]     # ug/L is listed for ferritin
    assert grade([patient], None, markers).iloc[0]["hematotox_not_scored"] == "no baseline value: crp"


def test_undated_patient_columns_fill_missing_components_only_when_the_design_says_so():
    patient, markers = score_patient({"crp": None, "ferritin": None}, columns={"crp": 40.0, "ferritin": 700.0})
    assert pd.isna(grade([patient], None, markers).iloc[0]["hematotox_score"])
    st = study(score={"undated_columns": {"crp": "crp", "ferritin": "ferritin"}})
    assert grade([patient], st, markers).iloc[0]["hematotox_score"] == 2
    # a dated value wins over the undated column
    patient, markers = score_patient({"ferritin": None}, columns={"crp": 40.0, "ferritin": 700.0})
    assert grade([patient], st, markers).iloc[0]["hematotox_score"] == 1


# ---------------------------------------------------------------- neutrophil recovery phenotypes
def phenotype(values: dict, st=None, **days) -> pd.Series:
    return grade([{"labs": daily(values), **days}], st).iloc[0]


def test_quick_recovery():
    # ANC 0.2 on days 2..8, back to 2.0 from day 9 and no dip below 1.0 afterwards
    row = phenotype(low_run(2, 7, 0.2))
    assert row["neutrophil_phenotype"] == "quick" and pd.isna(row["neutrophil_phenotype_not_classified"])


def test_no_neutropenia_is_quick():
    assert phenotype({})["neutrophil_phenotype"] == "quick"


def test_intermittent_recovery_needs_a_dip_after_day_21():
    # recovery > 1.0 from day 9, second dip ANC 0.8 on day 25 (after day 21) -> intermittent
    assert phenotype({**low_run(2, 7, 0.2), 25: 0.8})["neutrophil_phenotype"] == "intermittent"
    # a dip on day 21 itself is not after day 21 -> quick; on day 22 -> intermittent
    assert phenotype({**low_run(2, 7, 0.2), 21: 0.8})["neutrophil_phenotype"] == "quick"
    assert phenotype({**low_run(2, 7, 0.2), 22: 0.8})["neutrophil_phenotype"] == "intermittent"
    # ANC exactly 1.0 is not a dip below 1.0
    assert phenotype({**low_run(2, 7, 0.2), 25: 1.0})["neutrophil_phenotype"] == "quick"


def test_aplastic_needs_14_continuous_days_below_0_5():
    assert phenotype(low_run(2, 14, 0.2))["neutrophil_phenotype"] == "aplastic"
    assert phenotype(low_run(2, 13, 0.2))["neutrophil_phenotype"] == "quick"
    # exactly 0.5 is not < 0.5: the run is broken on day 8 (7 + 6 days)
    assert phenotype({**low_run(2, 6, 0.2), 8: 0.5, **low_run(9, 7, 0.2)})["neutrophil_phenotype"] == "quick"
    # aplastic wins over a later second dip
    assert phenotype({**low_run(2, 15, 0.2), 30: 0.8})["neutrophil_phenotype"] == "aplastic"


def test_unclassified_and_censored():
    # ANC 0.7 from day 1 on: never back above 1.0, never 14 days below 0.5
    row = phenotype({d: 0.7 for d in range(1, 101)})
    assert pd.isna(row["neutrophil_phenotype"])
    assert row["neutrophil_phenotype_not_classified"].startswith("no ANC above 1 after the first value below 1")
    # the window is censored: a dip after progression on day 23 does not count
    assert phenotype({**low_run(2, 7, 0.2), 25: 0.8}, relapse_day=23)["neutrophil_phenotype"] == "quick"
    row = phenotype({}, death_day=-2)
    assert row["neutrophil_phenotype_not_classified"] == \
        "censored (progression / next therapy / death) before day 0"


def loop_phenotype(meas: dict, end: float, cfg: dict, common: dict):
    """The phenotype of one patient by the definition, day by day (reference for the kernel)."""
    lo, hi = cfg["window"]
    end = hi if end is None else min(end, hi)
    meas = {d: v for d, v in meas.items() if d <= end}
    if end < lo or not any(lo <= d <= end for d in meas):
        return None
    known = sorted(meas)
    values, gap_low = [], False
    for day in range(lo, int(end) + 1):
        if day in meas:
            values.append(meas[day])
            continue
        P = max([d for d in known if d < day], default=None)
        Q = min([d for d in known if d > day], default=None)
        gap = (Q - P - 1 if P is not None and Q is not None else Q - lo if Q is not None
               else end - P if P is not None else np.inf)
        if gap > common["max_gap_days"]:
            values.append(None)
            gap_low |= any(nb is not None and meas[nb] < cfg["aplastic_below"] for nb in (P, Q))
        elif P is not None and Q is not None:
            values.append(float(np.round(meas[P] + (day - P) / (Q - P) * (meas[Q] - meas[P]), 9)))
        else:
            values.append(meas[P] if P is not None else meas[Q])
    if gap_low:
        return None
    run = best = 0
    for v in values:
        run = run + 1 if v is not None and v < cfg["aplastic_below"] else 0
        best = max(best, run)
    if best >= cfg["aplastic_days"]:
        return "aplastic"
    inwin = sorted((d, v) for d, v in meas.items() if lo <= d <= end)
    first_low = next((d for d, v in inwin if v < cfg["dip_below"]), None)
    if first_low is None:
        return "quick"
    rec = next((d for d, v in inwin if d > first_low and v > cfg["recovery_above"]), None)
    if rec is None:
        return None
    dip = any(d > max(rec, cfg["dip_after_day"]) and v < cfg["dip_below"] for d, v in inwin)
    return "intermittent" if dip else "quick"


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_vectorised_phenotype_equals_a_per_patient_loop(seed):
    rng = np.random.default_rng(seed)
    patients = []
    for _ in range(200):
        k = int(rng.integers(0, 50))
        days = np.sort(rng.choice(np.arange(-5, 70), size=k, replace=False))
        course = np.where(days < 3, 2.0, np.where(days < 3 + rng.integers(0, 25), 0.2, 1.6))
        vals = np.round(course * np.exp(rng.normal(0, 0.6, k)), 2)
        death = float(rng.integers(-2, 70)) if rng.random() < 0.2 else None
        patients.append({"labs": {"anc": dict(zip(days.tolist(), vals.tolist()))}, "death_day": death})
    st = study()
    cfg = st["hematotox"]
    out = grade(patients, st)
    seen = set()
    for i, p in enumerate(patients):
        want = loop_phenotype(p["labs"]["anc"], p["death_day"], cfg["phenotype"], cfg)
        got = out.iloc[i]["neutrophil_phenotype"]
        assert (pd.isna(got) and want is None) or got == want, (i, got, want)
        seen.add(want)
    assert {None, "quick", "intermittent", "aplastic"} <= seen
