"""Recovery after a stem-cell boost: ANC rule, transfusion independence, response categories."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.derive.scb import followup_end, scb_recovery, transfusion_independence

CRITERIA = {"lineages": {
    "sn": {"test": "anc", "severe_below": 1.0},
    "sa": {"test": "hb", "severe_below": 80},
    "st": {"test": "plt", "severe_below": 50},
}}
STUDY = {"criteria": CRITERIA, "scb": {"anc_above": 1.0, "anc_consecutive": 3,
                                       "gcsf_free_window": 7, "transfusion_free_days": 28,
                                       "pre_scb_window_days": 28}}
SCB = 100


def patients(**cols):
    base = {"patient_id": ["p1"], "scb_day": [SCB], "last_followup_day": [SCB + 200],
            "death_day": [np.nan], "relapse_day": [np.nan]}
    base.update({k: [v] for k, v in cols.items()})
    return pd.DataFrame(base)


def labs(test, days_values):
    return pd.DataFrame({"patient_id": "p1", "day": [SCB + d for d, _ in days_values], "test": test,
                         "value": [v for _, v in days_values]})


def treatments(kind, rel_days):
    return pd.DataFrame({"patient_id": "p1", "day": [SCB + d for d in rel_days], "treatment": kind,
                         "dose": np.nan})


def ti(rel_days, end_rel, free=28, scb=SCB):
    """(status, day) for one patient transfused on ``rel_days`` (relative to SCB)."""
    status, day = transfusion_independence(np.zeros(len(rel_days), np.int64),
                                           np.array([scb + d for d in rel_days], np.int64),
                                           np.array([float(scb)]), np.array([float(scb + end_rel)]), free)
    return status[0], day[0]


# ---- transfusion independence ------------------------------------------------------------------
def test_ti_exactly_28_free_days_qualifies():
    # last transfusion day 10 -> free from day 11; follow-up to day 38 = days 11..38 = 28 days
    assert ti([2, 6, 10], end_rel=38) == ("independent", 11)


def test_ti_27_free_days_does_not_qualify():
    status, day = ti([2, 6, 10], end_rel=37)
    assert status == "dependent" and np.isnan(day)


def test_ti_follow_up_ending_early_is_not_independent():
    # transfusions stop on day 10 but the patient dies on day 20: only 10 free days observed
    status, day = ti([3, 10], end_rel=20)
    assert status == "dependent" and np.isnan(day)


def test_ti_transfused_on_scb_day_earliest_day_1():
    assert ti([-5, 0], end_rel=60) == ("independent", 1)


def test_ti_dependent_before_scb_and_never_after_is_day_0():
    assert ti([-20, -10, -3], end_rel=60) == ("independent", 0)


def test_ti_not_applicable_without_transfusion_near_scb():
    # last transfusion 29 days before the SCB: outside the 28-day window, none after
    status, day = ti([-29], end_rel=60)
    assert status == "not_applicable" and np.isnan(day)
    assert ti([], end_rel=60)[0] == "not_applicable"


def test_ti_transfusion_after_end_of_followup_ignored():
    # a transfusion after the follow-up end (e.g. after relapse) does not count
    assert ti([5, 40], end_rel=39) == ("independent", 6)
    assert ti([5, 40], end_rel=40)[0] == "dependent"


# ---- follow-up end --------------------------------------------------------------------------------
def test_followup_end_death_relapse_lastfu():
    p = pd.DataFrame({"scb_day": [100, 100, 100, 100], "last_followup_day": [300, 150, 300, 120],
                      "death_day": [np.nan, 150, np.nan, np.nan],
                      "relapse_day": [np.nan, np.nan, 200, 50]})
    end, reason = followup_end(p)
    assert list(end) == [300, 150, 200, 120]
    # a relapse before the SCB does not end the post-SCB follow-up
    assert list(reason) == ["last_followup", "death", "relapse", "last_followup"]


# ---- ANC recovery --------------------------------------------------------------------------------
def test_anc_first_of_three_consecutive_above_threshold():
    lab = labs("anc", [(-7, 0.2), (3, 0.5), (7, 1.2), (10, 0.9), (14, 1.1), (17, 1.5), (21, 2.0)])
    out = scb_recovery(patients(), lab, treatments("gcsf", [-7]), STUDY).iloc[0]
    assert out["anc_recovery_day"] == 14 and out["anc_status"] == "recovered"
    assert not out["anc_recurrence"]


def test_anc_exactly_threshold_is_not_above():
    lab = labs("anc", [(-7, 0.2), (7, 1.0), (10, 1.1), (14, 1.2), (17, 1.3)])
    assert scb_recovery(patients(), lab, None, STUDY).iloc[0]["anc_recovery_day"] == 10


def test_anc_gcsf_window_blocks_each_of_the_three():
    lab = labs("anc", [(-7, 0.2), (7, 1.5), (10, 1.5), (14, 1.5), (21, 1.5), (24, 1.5), (28, 1.5)])
    # G-CSF on day 7 blocks days 7, 10 and 14 (14 - 7 = 7 is inside the window); day 21 is free
    out = scb_recovery(patients(), lab, treatments("gcsf", [7]), STUDY).iloc[0]
    assert out["anc_recovery_day"] == 21
    # G-CSF on day 6: day 14 is free (window 7..14), so 14, 21, 24 qualify
    out = scb_recovery(patients(), lab, treatments("gcsf", [6]), STUDY).iloc[0]
    assert out["anc_recovery_day"] == 14


def test_anc_same_day_duplicates_take_lowest_and_days_are_distinct():
    lab = labs("anc", [(-7, 0.2), (7, 1.5), (7, 0.8), (10, 1.5), (14, 1.5), (17, 1.5)])
    assert scb_recovery(patients(), lab, None, STUDY).iloc[0]["anc_recovery_day"] == 10


def test_anc_measurement_on_scb_day_not_used_and_recurrence_flagged():
    lab = labs("anc", [(-7, 0.2), (0, 1.5), (2, 1.5), (4, 1.5), (6, 1.5), (30, 0.6)])
    out = scb_recovery(patients(), lab, None, STUDY).iloc[0]
    assert out["anc_recovery_day"] == 2 and out["anc_recurrence"]
    assert out["response"] == "transient"


def test_anc_not_applicable_when_never_neutropenic():
    lab = labs("anc", [(-7, 2.2), (7, 2.5), (10, 2.5), (14, 2.5)])
    out = scb_recovery(patients(), lab, None, STUDY).iloc[0]
    assert out["anc_status"] == "recovered"  # criterion met: it counts, neutropenic or not
    lab = labs("anc", [(-7, 2.2)])
    assert scb_recovery(patients(), lab, None, STUDY).iloc[0]["anc_status"] == "not_applicable"


# ---- response and pre-SCB cytopenia ----------------------------------------------------------------
def _pancytopenic(extra_anc=()):
    pre = [(-10, 0.3), (-3, 0.4)]
    return pd.concat([labs("anc", pre + list(extra_anc)),
                      labs("hb", [(-10, 75), (-3, 72)]), labs("plt", [(-10, 20), (-3, 15)])])


def test_responder_and_pre_scb_pancytopenia():
    lab = _pancytopenic([(7, 1.5), (10, 1.5), (14, 1.5), (60, 3.0)])
    tr = pd.concat([treatments("prbc", [-6, 3]), treatments("platelets", [-2, 6])])
    out = scb_recovery(patients(), lab, tr, STUDY).iloc[0]
    assert out["pre_scb_cytopenia"] == "pancytopenia"
    assert (out["anc_recovery_day"], out["rbc_ti_day"], out["plt_ti_day"]) == (7, 4, 7)
    assert out["response"] == "responder"


def test_not_evaluable_when_death_before_any_recovery():
    lab = _pancytopenic([(7, 0.3), (14, 0.2)])
    tr = treatments("platelets", [-2, 6, 12, 20])
    out = scb_recovery(patients(death_day=SCB + 24, last_followup_day=SCB + 24), lab, tr, STUDY).iloc[0]
    assert out["end_reason"] == "death" and out["response"] == "not_evaluable"
    assert out["plt_ti_status"] == "dependent" and out["rbc_ti_status"] == "not_applicable"


def test_no_response_alive_and_partial():
    lab = _pancytopenic([(7, 0.3), (14, 0.2)])
    tr = treatments("platelets", [-2, 180])  # 20 free days at last follow-up (day 200)
    out = scb_recovery(patients(), lab, tr, STUDY).iloc[0]
    assert out["response"] == "no_response"
    tr = treatments("platelets", [-2, 6])
    assert scb_recovery(patients(), lab, tr, STUDY).iloc[0]["response"] == "partial"


def test_patients_without_scb_are_skipped_and_vectorised_over_patients():
    p = pd.concat([patients(), patients(patient_id="p2", scb_day=np.nan),
                   patients(patient_id="p3")], ignore_index=True)
    lab = pd.concat([labs("anc", [(-3, 0.3), (7, 1.5), (10, 1.5), (14, 1.5)]),
                     labs("anc", [(-3, 0.3), (21, 1.5), (24, 1.5), (28, 1.5)]).assign(patient_id="p3")])
    out = scb_recovery(p, lab, None, STUDY)
    assert list(out["patient_id"]) == ["p1", "p3"]
    assert list(out["anc_recovery_day"]) == [7, 21]


@pytest.mark.parametrize("free,expected", [(28, "independent"), (29, "dependent")])
def test_ti_threshold_comes_from_study(free, expected):
    study = {**STUDY, "scb": {**STUDY["scb"], "transfusion_free_days": free}}
    lab = _pancytopenic()
    out = scb_recovery(patients(last_followup_day=SCB + 38), lab, treatments("prbc", [10]), study)
    assert out.iloc[0]["rbc_ti_status"] == expected
