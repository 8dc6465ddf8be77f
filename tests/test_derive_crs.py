"""CRS/ICANS, marker and treatment summaries on hand-traced tiny cohorts."""
from __future__ import annotations

import math
import types

import numpy as np
import pandas as pd

from design_fixtures import resolve_study
from cartcyto.derive.crs import derive_crs, derive_markers, derive_treatments

WANG = resolve_study("w", {"cohort": "x", "design": "wang2021"})
EMPTY = {"crs": ["patient_id", "day", "crs_grade", "icans_grade"],
         "markers": ["patient_id", "day", "marker", "value", "unit"],
         "treatments": ["patient_id", "day", "treatment", "dose"]}


def cohort(ids, **tables):
    patients = tables.pop("patients", pd.DataFrame({"patient_id": ids}))
    frames = {k: pd.DataFrame(tables.get(k, []), columns=cols) for k, cols in EMPTY.items()}
    return types.SimpleNamespace(patients=patients, labs=pd.DataFrame(columns=["patient_id", "day", "test", "value"]),
                                 unknown_names={}, **frames)


def crs_rows(pid, pairs, icans=None):
    return [(pid, d, g, (icans or {}).get(d, 0)) for d, g in pairs]


def values(df, i):
    return {k: (None if pd.isna(v) else v) for k, v in df.iloc[i].items()}


def test_crs_onset_peak_and_recovery_on_the_first_unlisted_day():
    c = cohort(["a"], crs=crs_rows("a", [(1, 1), (2, 2), (3, 3), (4, 3), (5, 2), (6, 1)]))
    r = values(derive_crs(c, WANG), 0)
    assert (r["crs_max_grade"], r["crs_group"], r["crs_onset_day"], r["crs_peak_day"],
            r["crs_recovery_day"], r["crs_duration_days"]) == (3, "severe", 1, 3, 7, 6)


def test_crs_recovery_on_a_listed_grade_0_day_and_on_a_gap():
    rows = (crs_rows("zero", [(2, 1), (3, 2), (4, 0), (5, 1)])      # listed 0 on day 4
            + crs_rows("gap", [(1, 2), (2, 1), (4, 1)])             # day 3 unlisted -> grade 0
            + crs_rows("pre", [(1, 1), (3, 2), (4, 1)]))            # a gap before the peak is irrelevant
    out = derive_crs(cohort(["zero", "gap", "pre"], crs=rows), WANG)
    got = [(values(out, i)["crs_onset_day"], values(out, i)["crs_peak_day"],
            values(out, i)["crs_recovery_day"], values(out, i)["crs_duration_days"],
            values(out, i)["crs_group"]) for i in range(3)]
    assert got == [(2, 3, 4, 2, "mild"), (1, 1, 3, 2, "mild"), (1, 3, 5, 4, "mild")]


def test_crs_peak_is_the_first_day_of_the_highest_grade_and_duplicates_take_the_max():
    rows = crs_rows("a", [(0, 1), (1, 2), (1, 3), (2, 1), (3, 3), (4, 2)])
    r = values(derive_crs(cohort(["a"], crs=rows), WANG), 0)
    # daily grades 1, 3, 1, 3, 2 -> peak day 1; the run from the peak ends after day 4
    assert (r["crs_max_grade"], r["crs_peak_day"], r["crs_recovery_day"]) == (3, 1, 5)


def test_patient_without_crs_rows_is_grade_0_and_icans():
    rows = crs_rows("a", [(1, 1), (2, 1)], icans={2: 2})
    out = derive_crs(cohort(["a", "b"], crs=rows), WANG)
    a, b = values(out, 0), values(out, 1)
    assert (a["crs_max_grade"], a["icans_max_grade"], a["neurotoxicity"], a["crs_recovery_day"]) == (1, 2, True, 3)
    assert (b["crs_max_grade"], b["crs_group"], b["crs_onset_day"], b["crs_peak_day"], b["crs_recovery_day"],
            b["crs_duration_days"], b["icans_max_grade"], b["neurotoxicity"]) == \
        (0, "none", None, None, None, None, 0, False)


def test_crs_from_patient_summaries_when_there_is_no_crs_table():
    pts = pd.DataFrame({"patient_id": ["a", "b"], "crs_max_grade": [2.0, np.nan],
                        "crs_onset_day": [1.0, np.nan], "crs_peak_day": [3.0, np.nan],
                        "crs_recovery_day": [8.0, np.nan]})
    out = derive_crs(cohort(["a", "b"], patients=pts), WANG)
    assert values(out, 0) == {"crs_max_grade": 2, "crs_group": "mild", "crs_onset_day": 1,
                              "crs_peak_day": 3, "crs_recovery_day": 8, "crs_duration_days": 7}
    assert set(values(out, 1).values()) == {None}
    # no table and no summaries: not recorded -> missing, not grade 0
    assert derive_crs(cohort(["a"]), WANG).isna().all(axis=None)


def test_markers_peak_over_the_inclusive_window_and_log10():
    rows = [("a", -1, "il6", 1000.0, "pg/mL"), ("a", 0, "il6", 10.0, "pg/mL"), ("a", 28, "il6", 100.0, "pg/mL"),
            ("a", 29, "il6", 5000.0, "pg/mL"), ("b", 40, "il6", 7.0, "pg/mL"), ("b", 3, "ferritin", 500.0, "ng/mL"),
            ("a", 5, "IL-99", 2.0, "pg/mL")]
    pts = pd.DataFrame({"patient_id": ["a", "b"], "ldh": [1000.0, np.nan]})
    out = derive_markers(cohort(["a", "b"], patients=pts, markers=rows), WANG)
    assert list(out.columns) == ["max_il6", "lg_max_il6", "max_ferritin", "lg_max_ferritin",
                                 "max_il_99", "lg_max_il_99", "lg_ldh"]
    a, b = values(out, 0), values(out, 1)
    assert (a["max_il6"], a["lg_max_il6"], a["max_ferritin"], a["lg_ldh"]) == (100.0, 2.0, None, 3.0)
    assert (b["max_il6"], b["lg_max_il6"], b["lg_max_ferritin"], b["lg_ldh"]) == \
        (None, None, math.log10(500.0), None)


def test_treatments_from_the_infusion_on():
    rows = [("a", -1, "tocilizumab", 1.0), ("a", 0, "gcsf", 1.0), ("a", 0, "GCSF ", 1.0), ("a", 3, "gcsf", 1.0),
            ("b", 4, "corticosteroid", 1.0), ("b", 5, "platelets", 1.0)]
    out = derive_treatments(cohort(["a", "b", "c"], treatments=rows), WANG)
    assert out["toci_or_steroid"].tolist() == [False, True, False]
    assert out["gcsf_days"].tolist() == [2, 0, 0]
    assert out["tocilizumab_days"].tolist() == [0, 0, 0]
    assert (out["platelets_any"].tolist(), out["prbc_any"].tolist()) == ([False, True, False], [False] * 3)
    # no treatments table: unknown, not "none given"
    assert derive_treatments(cohort(["a"]), WANG)["toci_or_steroid"].isna().all()
