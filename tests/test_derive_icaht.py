"""ICAHT and T-ICAHT grades on hand-traced frames, at every boundary of the published tables
(Rejeski 2023 Table 2; T-ICAHT, Blood 2025, Table 1), and the vectorised kernels against a
plain per-patient loop on random cohorts.

Unless a test says otherwise, a patient has a measurement every day from day -6 to day 100 at
ANC 2.0 / PLT 200 (far above every threshold); only the listed days differ.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from hematotox_fixtures import daily, grade, low_run, study


def anc_patient(values: dict, **days) -> dict:
    return {"labs": daily(values), **days}


def early(values: dict, st=None, **days) -> pd.Series:
    return grade([anc_patient(values, **days)], st).iloc[0]


# ---------------------------------------------------------------- early ICAHT: days at ANC <= 0.5
@pytest.mark.parametrize("length, expected", [(0, 0), (1, 1), (6, 1), (7, 2), (13, 2), (14, 3), (30, 3), (31, 4)])
def test_early_grade_at_each_duration_boundary(length, expected):
    # ANC 0.3 on days 0..length-1 (31 days = every day of 0-30: "never above 500/uL")
    row = early(low_run(0, length))
    assert row["icaht_days_anc_le500"] == length
    assert row["icaht_early_grade"] == expected
    assert pd.isna(row["icaht_early_not_gradable"])


def test_thirty_days_low_but_day_30_above_is_grade_3():
    # days 1..30 low, day 0 above: 30 of 31 days -> 14-30 days -> grade 3, not "throughout"
    row = early(low_run(1, 30))
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (30, 3)


@pytest.mark.parametrize("profound, expected", [(6, 1), (7, 3), (13, 3), (14, 4)])
def test_early_grade_at_each_anc_le_01_boundary(profound, expected):
    # ANC 0.05 on days 2..2+profound-1 and nothing else low: days <= 0.5 = days <= 0.1 = profound
    # (< 7 days <= 0.5 -> 1; >= 7 days <= 0.1 -> 3 even with only 7-13 days <= 0.5; >= 14 -> 4)
    row = early(low_run(2, profound, 0.05))
    assert row["icaht_days_anc_le100"] == profound
    assert row["icaht_early_grade"] == expected


def test_anc_le_01_adds_to_a_longer_run_le_05():
    # 0.3 on days 0..9 (10 days) then 0.05 on days 10..16 (7 days): <= 0.5 for 17 days (grade 3
    # already); <= 0.1 for 7 days (grade 3) -> 3; with 14 days <= 0.1 (10..23): grade 4
    assert early({**low_run(0, 10), **low_run(10, 7, 0.05)})["icaht_early_grade"] == 3
    row = early({**low_run(0, 10), **low_run(10, 14, 0.05)})
    assert (row["icaht_days_anc_le500"], row["icaht_days_anc_le100"], row["icaht_early_grade"]) == (24, 14, 4)


def test_exactly_0_5_and_0_1_are_counted():
    # thresholds are inclusive (ANC <= 500/uL, <= 100/uL)
    assert early(low_run(0, 7, 0.5))["icaht_early_grade"] == 2
    assert early(low_run(0, 7, 0.5000001))["icaht_early_grade"] == 0
    row = early(low_run(0, 7, 0.1))
    assert (row["icaht_days_anc_le100"], row["icaht_early_grade"]) == (7, 3)
    assert early(low_run(0, 7, 0.1000001))["icaht_days_anc_le100"] == 0


def test_a_two_day_recovery_between_two_runs_is_joined_and_counted():
    # low 3..8 (6 d), ANC 0.8 on days 9-10 (2 d, unstable), low 11..16 (6 d): 6 + 2 + 6 = 14 -> grade 3
    values = {**low_run(3, 6), 9: 0.8, 10: 0.8, **low_run(11, 6)}
    row = early(values)
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (14, 3)
    # the longest (joined) episode is the same 14 days
    row = early(values, study(counting="longest_episode"))
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (14, 3)


def test_a_recovery_of_three_days_separates_the_runs():
    # low 3..8 (6), ANC 0.8 on 9..11 (3 days: stable), low 12..17 (6): cumulative 12 -> grade 2;
    # longest episode 6 -> grade 1 (what the R reference grades)
    values = {**low_run(3, 6), 9: 0.8, 10: 0.8, 11: 0.8, **low_run(12, 6)}
    row = early(values)
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (12, 2)
    row = early(values, study(counting="longest_episode"))
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (6, 1)


def test_a_short_recovery_at_the_window_edge_is_not_joined():
    # low 0..12, above on 13..14 (then low again only after the window, days 31+): 13 days, grade 2
    values = {**low_run(0, 13), **low_run(31, 5)}
    assert early(values)["icaht_days_anc_le500"] == 13


def sparse(points: dict, first_day=-6) -> dict:
    return {"labs": {"anc": points}}


def test_sparse_labs_under_each_gap_policy():
    # measured: day -3 2.0, 0 2.0, 3 0.3, 6 0.2, 10 0.4, 13 1.5, 17 2.0, 20..35 weekly-ish 2.0
    pts = {-3: 2.0, 0: 2.0, 3: 0.3, 6: 0.2, 10: 0.4, 13: 1.5, 17: 2.0, 20: 2.0, 24: 2.0, 28: 2.0, 31: 2.0}
    # interpolate: day 1 = 1.4333, day 2 = 0.8667 (> 0.5); days 3..10 <= 0.5 (between 0.3, 0.2,
    # 0.4); day 11 = 0.4 + 1.1/3 = 0.7667 -> 8 days, grade 2
    row = grade([sparse(pts)]).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (8, 2)
    # locf: days 1-2 carry 2.0; 3..12 carry 0.3/0.2/0.4 -> 10 days, grade 2
    row = grade([sparse(pts)], study(gap_policy="locf")).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (10, 2)
    # measured: only days 3, 6, 10; the unmeasured days between are not counted -> 3 days, grade 1
    row = grade([sparse(pts)], study(gap_policy="measured")).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (3, 1)


def test_a_gap_longer_than_7_days_next_to_a_low_value_is_not_gradable():
    # day 5 ANC 0.3, next value day 14 (8 missing days 6..13 > 7) -> not gradable
    pts = {-2: 2.0, 0: 2.0, 2: 2.0, 5: 0.3, 14: 2.0, 16: 2.0, 20: 2.0, 24: 2.0, 28: 2.0, 31: 2.0}
    row = grade([sparse(pts)]).iloc[0]
    assert pd.isna(row["icaht_early_grade"]) and pd.isna(row["icaht_days_anc_le500"])
    assert row["icaht_early_not_gradable"] == "a gap of more than 7 days without ANC next to a value <= 0.5"
    # 7 missing days (next value day 13) are interpolated: 0.3 on day 5, 0.3+1.7/8 = 0.5125 on day 6
    row = grade([sparse({**pts, 13: 2.0})]).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (1, 1)
    # the same long gap between two values above 0.5 is gradable (ANC assumed above 0.5 there)
    row = grade([sparse({**{k: v for k, v in pts.items() if k != 5}, 5: 2.0})]).iloc[0]
    assert row["icaht_early_grade"] == 0
    # the policy: max_gap_days 10 fills the 8-day gap
    assert grade([sparse(pts)], study(max_gap_days=10)).iloc[0]["icaht_early_grade"] == 1


def test_trailing_and_leading_gaps():
    # last value day 20 is 0.3 and no value until day 30 (10 missing days) -> not gradable
    row = grade([sparse({-2: 2.0, 0: 2.0, 10: 2.0, 14: 2.0, 17: 2.0, 20: 0.3})]).iloc[0]
    assert row["icaht_early_not_gradable"].startswith("a gap of more than 7 days")
    # first value day 9 at 0.3 with nothing before (9 missing window days) -> not gradable
    row = grade([sparse({9: 0.3, 12: 2.0, 15: 2.0, 18: 2.0, 21: 2.0, 24: 2.0, 27: 2.0, 30: 2.0})]).iloc[0]
    assert pd.isna(row["icaht_early_grade"])
    # first value day 4 at 0.3 (4 missing days) -> filled with that value: days 0..4 low, then
    # interpolation to 2.0 on day 7 (day 5 = 0.8667) -> 5 days, grade 1
    row = grade([sparse({4: 0.3, 7: 2.0, 10: 2.0, 14: 2.0, 18: 2.0, 22: 2.0, 26: 2.0, 30: 2.0})]).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (5, 1)


def test_no_anc_in_the_window_is_not_gradable():
    row = grade([sparse({-5: 2.0, 40: 2.0, 47: 2.0})]).iloc[0]
    assert row["icaht_early_not_gradable"] == "no ANC value in days 0-30 before censoring"


def test_death_before_day_30_is_censored_not_forced_to_grade_4():
    # ANC <= 0.5 from day 0 until death on day 16 (17 days 0..16): 14-30 days -> grade 3
    # (the R reference forces grade 4 for a neutropenia lasting until the last value)
    values = {d: 0.2 for d in range(0, 17)}
    row = grade([{"labs": {"anc": {**{d: 2.0 for d in range(-6, 0)}, **values}}, "death_day": 16}]).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (17, 3)
    # death on day 12 after 13 low days: grade 2
    values = {d: 0.2 for d in range(0, 13)}
    row = grade([{"labs": {"anc": {**{d: 2.0 for d in range(-6, 0)}, **values}}, "death_day": 12}]).iloc[0]
    assert row["icaht_early_grade"] == 2


def test_censoring_columns_end_the_early_window():
    # low days 0..20 (21 days): grade 3; next therapy on day 5 -> 6 days counted, grade 1
    assert early(low_run(0, 21))["icaht_early_grade"] == 3
    assert early(low_run(0, 21), next_therapy_day=5)["icaht_early_grade"] == 1
    assert early(low_run(0, 21), relapse_day=9)["icaht_early_grade"] == 2
    # censored before day 0
    row = early(low_run(0, 21), death_day=-1)
    assert row["icaht_early_not_gradable"] == "censored (progression / next therapy / death) before day 0"
    # a censoring column left out of censor_at does not censor
    assert early(low_run(0, 21), study(censor_at=["death_day"]), relapse_day=9)["icaht_early_grade"] == 3


def test_two_same_day_draws_keep_the_lowest():
    # day 3: draws 0.6 and 0.4 -> the day's value is 0.4 (counted); day 4 draws 0.7 and 0.9 -> not
    row = grade([{"labs": {"anc": {**daily({})["anc"], 3: [0.6, 0.4], 4: [0.7, 0.9]}}}]).iloc[0]
    assert (row["icaht_days_anc_le500"], row["icaht_early_grade"]) == (1, 1)


# ---------------------------------------------------------------- late ICAHT (day 31-100)
def test_late_grades_need_two_measurements_at_the_threshold():
    assert early({45: 0.3, 52: 0.3})["icaht_late_grade"] == 3
    assert early({45: 0.05, 52: 0.1})["icaht_late_grade"] == 4
    assert early({45: 1.5, 52: 1.5})["icaht_late_grade"] == 1      # <= 1.5 inclusive
    assert early({45: 1.0, 52: 0.9})["icaht_late_grade"] == 2
    assert early({45: 1.51, 52: 1.6})["icaht_late_grade"] == 0
    # 0.3 and 0.8: <= 0.5 only once, <= 1.0 twice -> grade 2
    assert early({45: 0.3, 52: 0.8})["icaht_late_grade"] == 2


def test_a_single_late_low_does_not_grade():
    assert early({45: 0.3})["icaht_late_grade"] == 0
    # ... unless the design says one measurement suffices
    st = study(icaht={"late": {"min_measurements": 1}})
    assert early({45: 0.3}, st)["icaht_late_grade"] == 3


def test_two_same_day_draws_are_one_late_measurement():
    row = grade([{"labs": {"anc": {**daily({})["anc"], 45: [0.3, 0.4]}}}]).iloc[0]
    assert row["icaht_late_grade"] == 0


def test_progression_before_a_late_low_censors_it():
    assert early({50: 0.3, 57: 0.3})["icaht_late_grade"] == 3
    assert early({50: 0.3, 57: 0.3}, relapse_day=45)["icaht_late_grade"] == 0
    # the censoring day itself is observed: progression on day 57 keeps both lows; on day 56 one
    # low remains (a single value: grade 0)
    assert early({50: 0.3, 57: 0.3}, relapse_day=57)["icaht_late_grade"] == 3
    assert early({50: 0.3, 57: 0.3}, relapse_day=56)["icaht_late_grade"] == 0
    assert early({50: 0.3, 57: 0.3}, last_followup_day=55)["icaht_late_grade"] == 0
    row = early({50: 0.3}, relapse_day=25)
    assert row["icaht_late_not_gradable"] == "censored (progression / next therapy / death) before day 31"


def test_late_without_values_is_not_gradable():
    row = grade([sparse({0: 2.0, 3: 2.0, 7: 2.0, 10: 2.0, 14: 2.0, 17: 2.0, 21: 2.0, 24: 2.0, 28: 2.0})]).iloc[0]
    assert pd.isna(row["icaht_late_grade"])
    assert row["icaht_late_not_gradable"] == "no ANC value in days 31-100 before censoring"
    assert row["icaht_early_grade"] == 0


# ---------------------------------------------------------------- T-ICAHT (platelets, strict <)
def plt_patient(values: dict, **days) -> dict:
    return {"labs": {"anc": daily({})["anc"], "plt": daily(values, base=200.0)["anc"]}, **days}


def ticaht(values: dict, st=None, **days) -> pd.Series:
    return grade([plt_patient(values, **days)], st).iloc[0]


@pytest.mark.parametrize("length, value, expected", [
    (0, 30, 0), (1, 30, 1), (6, 30, 1), (7, 30, 2),      # PLT < 50: 1-6 days 1, >= 7 days 2
    (1, 10, 3), (13, 10, 3), (14, 10, 4),                # PLT < 20: 1-13 days 3, >= 14 days 4
])
def test_early_ticaht_at_each_boundary(length, value, expected):
    assert ticaht(low_run(0, length, value))["ticaht_early_grade"] == expected


def test_ticaht_thresholds_are_strict():
    assert ticaht(low_run(0, 10, 50.0))["ticaht_early_grade"] == 0       # not < 50
    assert ticaht(low_run(0, 10, 49.9))["ticaht_early_grade"] == 2
    assert ticaht(low_run(0, 3, 20.0))["ticaht_early_grade"] == 1        # < 50, not < 20
    assert ticaht(low_run(0, 3, 19.9))["ticaht_early_grade"] == 3


def test_ticaht_joins_unstable_recoveries_and_censors():
    # PLT 10 on days 0..6, 25 on 7..8 (2 days above 20), 10 on 9..15: 7 + 2 + 7 = 16 days < 20 -> 4
    values = {**low_run(0, 7, 10), 7: 25, 8: 25, **low_run(9, 7, 10)}
    assert ticaht(values)["ticaht_early_grade"] == 4
    # a 3-day recovery separates them: 14 days, still 4; with 6-day runs (6 + 6 = 12) -> 3
    assert ticaht({**low_run(0, 6, 10), 6: 25, 7: 25, 8: 25, **low_run(9, 6, 10)})["ticaht_early_grade"] == 3
    assert ticaht({**low_run(0, 6, 10), 6: 25, 7: 25, **low_run(8, 6, 10)})["ticaht_early_grade"] == 4
    # death on day 10 after PLT < 20 from day 0: 11 days -> 3
    assert ticaht(low_run(0, 30, 10), death_day=10)["ticaht_early_grade"] == 3


def test_late_ticaht():
    assert ticaht({40: 90, 47: 95})["ticaht_late_grade"] == 1
    assert ticaht({40: 90})["ticaht_late_grade"] == 0                  # a single value
    assert ticaht({40: 45, 47: 95})["ticaht_late_grade"] == 1          # < 50 once, < 100 twice
    assert ticaht({40: 45, 47: 30})["ticaht_late_grade"] == 2
    assert ticaht({40: 15, 47: 10})["ticaht_late_grade"] == 3
    assert ticaht(low_run(40, 13, 10))["ticaht_late_grade"] == 3       # 13 days < 20
    assert ticaht(low_run(40, 14, 10))["ticaht_late_grade"] == 4       # 14 days < 20
    assert ticaht(low_run(40, 14, 10), relapse_day=45)["ticaht_late_grade"] == 3
    assert ticaht({40: 100, 47: 100})["ticaht_late_grade"] == 0        # not < 100


# ---------------------------------------------------------------- vectorised kernels vs a plain loop
def loop_section(meas: dict, lo: int, hi: int, end: float, section: dict, common: dict):
    """Grade one patient by the definition, day by day (the reference for the kernels)."""
    end = hi if end is None or math.isnan(end) else min(end, hi)
    meas = {d: v for d, v in meas.items() if d <= end}
    if end < lo:
        return None, {}
    if not any(lo <= d <= end for d in meas):
        return None, {}
    known = sorted(meas)
    ops = {"at_most": lambda x, t: x <= t, "below": lambda x, t: x < t}
    rules = [(r["grade"], "at_most" if r["at_most"] is not None else "below",
              r["at_most"] if r["at_most"] is not None else r["below"], r["days"]) for r in section["rules"]]
    day_rules = list(dict.fromkeys((c, t) for _, c, t, d in rules if d is not None))
    values, long_gap_low = {}, False
    for day in range(lo, int(end) + 1):
        if day in meas:
            values[day] = meas[day]
            continue
        before = [d for d in known if d < day]
        after = [d for d in known if d > day]
        P = before[-1] if before else None
        Q = after[0] if after else None
        if P is not None and Q is not None:
            gap = Q - P - 1
        elif Q is not None:
            gap = Q - lo
        elif P is not None:
            gap = end - P
        else:
            gap = math.inf
        if gap > common["max_gap_days"]:
            values[day] = None
            for nb in (P, Q):
                if nb is not None and any(ops[c](meas[nb], t) for c, t in day_rules):
                    long_gap_low = True
            continue
        policy = common["gap_policy"]
        if policy == "measured":
            values[day] = None
        elif policy == "locf":
            values[day] = meas[P] if P is not None else meas[Q]
        elif P is not None and Q is not None:
            values[day] = float(np.round(meas[P] + (day - P) / (Q - P) * (meas[Q] - meas[P]), 9))
        else:
            values[day] = meas[P] if P is not None else meas[Q]
    if day_rules and long_gap_low:
        return None, {}
    days = {}
    for comp, thr in day_rules:
        series = [values[d] for d in range(lo, int(end) + 1)]
        low = [v is not None and ops[comp](v, thr) for v in series]
        counted = list(low)
        lows = [i for i, x in enumerate(low) if x]
        for a, b in zip(lows, lows[1:]):
            if 1 < b - a and b - a - 1 < common["recovery_days"]:
                for i in range(a + 1, b):
                    counted[i] = series[i] is not None
        if common["counting"] == "cumulative":
            days[(comp, thr)] = sum(counted)
        else:
            best = run = 0
            for x in counted:
                run = run + 1 if x else 0
                best = max(best, run)
            days[(comp, thr)] = best
    g = 0
    for grade_, comp, thr, need in rules:
        n_meas = sum(1 for d, v in meas.items() if lo <= d <= end and ops[comp](v, thr))
        ok = n_meas >= section["min_measurements"] and (need is None or days[(comp, thr)] >= need)
        if ok:
            g = max(g, grade_)
    return g, days


def random_cohort(rng, n):
    patients = []
    for i in range(n):
        labs = {}
        for test, scale in (("anc", 1.0), ("plt", 60.0)):
            k = int(rng.integers(0, 90))
            days = np.sort(rng.choice(np.arange(-10, 105), size=k, replace=False))
            vals = np.round(np.exp(rng.normal(-0.7, 1.2, k)) * scale, 2)
            vals[rng.random(k) < 0.05] = 0.5 * scale            # exact boundary values
            labs[test] = dict(zip(days.tolist(), vals.tolist()))
            if k and rng.random() < 0.2:                        # a same-day repeat
                d0 = int(days[0])
                labs[test][d0] = [labs[test][d0], float(np.round(rng.random() * scale, 2))]
        days = {c: (float(rng.integers(-3, 110)) if rng.random() < 0.25 else None)
                for c in ("death_day", "relapse_day", "next_therapy_day", "last_followup_day")}
        patients.append({"labs": labs, **days})
    return patients


@pytest.mark.parametrize("seed, policy, counting, max_gap", [
    (1, "interpolate", "cumulative", 7), (2, "locf", "cumulative", 7), (3, "measured", "cumulative", 7),
    (4, "interpolate", "longest_episode", 7), (5, "interpolate", "cumulative", 3),
    (6, "locf", "longest_episode", 10),
])
def test_vectorised_grades_equal_a_per_patient_loop(seed, policy, counting, max_gap):
    rng = np.random.default_rng(seed)
    patients = random_cohort(rng, 150)
    st = study(gap_policy=policy, counting=counting, max_gap_days=max_gap)
    cfg = st["hematotox"]
    out = grade(patients, st)
    checked, seen = 0, set()
    for i, p in enumerate(patients):
        for name in ("icaht", "ticaht"):
            test = cfg[name]["test"]
            meas = {d: (min(v) if isinstance(v, list) else v) for d, v in p["labs"][test].items()}
            for part in ("early", "late"):
                section = cfg[name][part]
                ends = [p[c] for c in cfg["censor_at"] if p.get(c) is not None]
                if section["end_at_last_followup"] and p.get("last_followup_day") is not None:
                    ends.append(p["last_followup_day"])
                end = min(ends) if ends else float("nan")
                lo, hi = section["window"]
                g, days = loop_section(meas, lo, hi, end, section, cfg)
                got = out.iloc[i][f"{name}_{part}_grade"]
                assert (pd.isna(got) and g is None) or got == g, (i, name, part, got, g)
                if name == "icaht" and part == "early":
                    for col, thr in section["day_columns"].items():
                        want = days.get(("at_most", thr)) if g is not None else None
                        have = out.iloc[i][col]
                        assert (pd.isna(have) and want is None) or have == want, (i, col, have, want)
                checked += g is not None
                seen.add(g)
    # most patient-sections are gradable and every grade occurs, so the comparison has teeth
    assert checked > 250 and {None, 0, 1, 2, 3, 4} <= seen


# ---------------------------------------------------------------- derived/patients.csv
def test_derive_patients_carries_the_hematotox_columns(tmp_path):
    from hematotox_fixtures import cohort
    from cartcyto.derive.hematotoxicity import HEMATOTOX_COLUMNS
    from cartcyto.derive.patients import derive_patients, read_derived, write_derived

    c = cohort([anc_patient(low_run(0, 14)), anc_patient({}, death_day=-3)])
    st = study()
    df = derive_patients(c, st)
    cols = list(df.columns)
    # after the lab summaries, before the carried patients.csv columns
    assert cols.index("pre_ld_plt") < cols.index("icaht_early_grade") < cols.index("sex")
    assert [x for x in cols if x in HEMATOTOX_COLUMNS] == list(HEMATOTOX_COLUMNS)
    assert str(df["icaht_early_grade"].dtype) == "Int64" and str(df["hematotox_high"].dtype) == "boolean"
    assert df["icaht_early_grade"].tolist()[0] == 3 and pd.isna(df["icaht_early_grade"].tolist()[1])
    path = write_derived(df, tmp_path / "patients.csv")
    back = read_derived(path)
    assert back["icaht_early_grade"].tolist()[0] == 3 and pd.isna(back["icaht_early_grade"][1])
    assert back["icaht_early_not_gradable"][1] == "censored (progression / next therapy / death) before day 0"
    # a design without a hematotox block gets none of the columns (no definition invented)
    st_without = {k: v for k, v in st.items() if k != "hematotox"}
    assert not set(HEMATOTOX_COLUMNS) & set(derive_patients(c, st_without).columns)


def test_read_cohort_accepts_next_therapy_day_as_a_day_column(tmp_path):
    from cartcyto.cohort.errors import CohortError
    from cartcyto.cohort.read import read_cohort

    (tmp_path / "patients.csv").write_text("patient_id,sex,age_years,next_therapy_day\nA,M,50,45\nB,F,60,\n")
    (tmp_path / "labs.csv").write_text("patient_id,day,test,value\nA,0,anc,0.3\nB,0,anc,2\n")
    pts = read_cohort(tmp_path).patients
    assert pts["next_therapy_day"].tolist()[0] == 45 and np.isnan(pts["next_therapy_day"].tolist()[1])
    (tmp_path / "patients.csv").write_text("patient_id,sex,age_years,next_therapy_day\nA,M,50,45.5\n")
    with pytest.raises(CohortError) as err:
        read_cohort(tmp_path)
    assert "next_therapy_day" in err.value.message()
