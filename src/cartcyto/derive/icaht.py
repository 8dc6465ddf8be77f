"""ICAHT and T-ICAHT grades per patient, vectorised over patients.

Sources (the published reading is the default of every key of a design's ``hematotox`` block):

* **ICAHT** (neutrophils): Rejeski K et al., Immune effector cell-associated hematotoxicity:
  EHA/EBMT consensus grading and best practice recommendations. Blood 2023;142(10):865-877,
  Table 2. *Early* ICAHT, days 0-30: grade 1 ANC <= 0.5 x10^9/L for < 7 days, grade 2 for 7-13
  days, grade 3 for 14-30 days or ANC <= 0.1 for >= 7 days, grade 4 ANC <= 0.5 throughout
  (never above 0.5 in days 0-30, i.e. all 31 days) or ANC <= 0.1 for >= 14 days. *Late* ICAHT,
  after day 30: grade 1 ANC <= 1.5, 2 <= 1.0, 3 <= 0.5, 4 <= 0.1, non-transient (reached on at
  least two measurements). The paper's table is not in the project's reference library; these
  cut-offs are the data contract's and agree with the grade assignment of the
  emilyliangmd/automatedicahtgrading R reference (``index.Rmd``); the T-ICAHT table (below, read
  from its published text) "follows the principal logic of the existing N-ICAHT grading".
* **T-ICAHT** (platelets): Rejeski K, Sanz J, Fei T, ..., Perales MA, Shouval R. T-ICAHT: grading
  and prognostic impact of thrombocytopenia after CAR T-cell therapy. Blood 2025,
  doi:10.1182/blood.2025028833, Table 1 "Definition of T-ICAHT grading". Early,
  days 0-30: PLT < 50 for 1-6 days grade 1, >= 7 days grade 2; PLT < 20 for 1-13 days grade 3,
  >= 14 days grade 4. Late, days 31-100 (two or more laboratory tests): PLT < 100 grade 1,
  < 50 grade 2, < 20 for 1-13 days grade 3, >= 14 days grade 4. Its table note gives the counting
  rule both gradings share: "the cumulative length beneath the respective threshold is
  calculated, censoring at the time of disease progression, subsequent line of therapy, or
  death. Days of nonstable count recovery (< 3 days) are counted to the cumulative total".

A grading section (``early``/``late``) is a window and a list of rules ``{grade, at_most|below,
days?}``; a rule holds when the patient has at least ``min_measurements`` measured days meeting
the threshold in the window and, when the rule has ``days``, at least that many counted days
(``cartcyto.derive.daygrid.counted_days``: cumulative with unstable recoveries joined, or the
longest episode). The grade is the highest grade whose rule holds, 0 when none does.

The window of a patient ends at ``min(hi, censoring)``: the earliest of the patients.csv day
columns in ``censor_at`` (progression ``relapse_day``, ``next_therapy_day``, ``death_day``; that
day itself is still observed) and, for a section with ``end_at_last_followup``,
``last_followup_day``. A missing column or cell is no censoring event. So a patient who dies on
day 16 with ANC <= 0.5 from day 0 has 17 counted days: grade 3, not grade 4 (grade 4 needs
counts <= 0.5 on every day 0-30).

Not gradable (empty grade, reason in ``reason``): the window is censored before it starts; no
measured value in the window; or (sections with a ``days`` rule) a day of the window lies in a
gap of more than ``max_gap_days`` days next to a value that meets a ``days`` rule's threshold
(ANC <= 0.5 for early ICAHT), so the count could be anything.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.daygrid import (COMPARISON_SIGN, check_policy, counted_days, day_grid,
                                     long_gap_next_to, measured_count, meets, window_rows)

def rule_threshold(rule: Mapping[str, Any]) -> tuple[str, float]:
    """``(comparison, threshold)`` of a rule: ``at_most`` (<=) or ``below`` (<), exactly one not
    null (the design schema's ``hematotox_rule``)."""
    given = [k for k in ("at_most", "below") if rule[k] is not None]
    if len(given) != 1:
        raise ValueError(f"a grading rule needs exactly one of 'at_most' or 'below', got {dict(rule)!r}")
    return given[0], float(rule[given[0]])


def day_column(patients: pd.DataFrame, name: str) -> np.ndarray:
    """A patients.csv day column as float (NaN where missing or when the column is absent)."""
    if name not in patients.columns:
        return np.full(len(patients), np.nan)
    return pd.to_numeric(patients[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def censor_day(patients: pd.DataFrame, columns) -> np.ndarray:
    """Earliest of the day ``columns`` per patient (NaN: no censoring event)."""
    out = np.full(len(patients), np.nan)
    for name in columns:
        out = np.fmin(out, day_column(patients, name))
    return out


def section_end(patients: pd.DataFrame, section: Mapping[str, Any], common: Mapping[str, Any]) -> np.ndarray:
    """Last observed day of the section's window per patient (``min(hi, censoring)``)."""
    hi = int(section["window"][1])
    columns = list(common["censor_at"]) + (["last_followup_day"] if section["end_at_last_followup"] else [])
    end = censor_day(patients, columns)
    return np.where(np.isnan(end), float(hi), np.minimum(end, hi))


def grade_section(series: tuple, patients: pd.DataFrame, section: Mapping[str, Any],
                  common: Mapping[str, Any], test: str) -> dict[str, Any]:
    """Grade one section for every patient.

    Returns ``{"grade": float array (NaN = not gradable), "reason": object array (None when
    graded), "days": {(comparison, threshold): counted days (float, NaN when not gradable)},
    "grid": the DayGrid (None without a days rule)}``.
    """
    check_policy(common["gap_policy"], common["counting"])
    n = len(patients)
    lo, hi = (int(x) for x in section["window"])
    end = section_end(patients, section, common)
    rules = [(int(r["grade"]), *rule_threshold(r), r["days"]) for r in section["rules"]]
    day_rules = [(c, t) for _, c, t, days in rules if days is not None]
    grid, counted = None, {}
    if day_rules:
        grid = day_grid(series, n, lo, hi, end, int(common["max_gap_days"]), common["gap_policy"])
        for comp, thr in dict.fromkeys(day_rules):
            counted[(comp, thr)] = counted_days(grid, comp, thr, int(common["recovery_days"]),
                                                common["counting"])[0]
    grade = np.zeros(n)
    rows = window_rows(series, lo, end)
    for g, comp, thr, days in rules:
        holds = measured_count(rows, n, lambda x: meets(x, comp, thr)) >= int(section["min_measurements"])
        if days is not None:
            holds &= counted[(comp, thr)] >= int(days)
        grade = np.where(holds, np.maximum(grade, g), grade)

    reason = np.full(n, None, dtype=object)
    if grid is not None:
        loose = max(day_rules, key=lambda ct: ct[1])
        gap_low = long_gap_next_to(grid, lambda x: np.logical_or.reduce(
            [meets(x, c, t) for c, t in dict.fromkeys(day_rules)]))
        reason[gap_low] = (f"a gap of more than {int(common['max_gap_days'])} days without {test} next to "
                           f"a value {COMPARISON_SIGN[loose[0]]} {loose[1]:g}")
    no_values = measured_count(rows, n, lambda x: ~np.isnan(x)) == 0
    reason[no_values] = f"no {test} value in days {lo}-{hi} before censoring"
    reason[end < lo] = f"censored (progression / next therapy / death) before day {lo}"
    graded = np.array([r is None for r in reason]) if n else np.zeros(0, bool)
    return {"grade": np.where(graded, grade, np.nan), "reason": reason, "grid": grid,
            "days": {k: np.where(graded, v, np.nan) for k, v in counted.items()}}


def day_columns(result: Mapping[str, Any], section: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """``section["day_columns"]`` (column -> threshold) -> the counted days at that threshold
    (the comparison of the section's rule with the same threshold)."""
    out = {}
    for column, threshold in section["day_columns"].items():
        keys = [k for k in result["days"] if k[1] == float(threshold)]
        if not keys:
            raise ValueError(f"day column {column}: no 'days' rule of the section has the threshold {threshold}")
        out[column] = result["days"][keys[0]]
    return out
