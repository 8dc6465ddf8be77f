"""The hematotoxicity columns of ``derived/patients.csv``: ICAHT, T-ICAHT, CAR-HEMATOTOX and the
neutrophil recovery phenotype, from a design's ``hematotox`` block (workflow/designs/*.yaml).

``hematotoxicity_columns(cohort, study, series)`` returns one row per patient (same order as
``cohort.patients``) with :data:`HEMATOTOX_COLUMNS`:

============================  =========  ===================================================
column                        dtype      meaning
============================  =========  ===================================================
icaht_early_grade             Int64      early ICAHT grade 0-4, days 0-30 (empty: not gradable)
icaht_late_grade              Int64      late ICAHT grade 0-4, day 31 to min(100, censoring)
icaht_days_anc_le500          Int64      counted days with ANC <= 0.5 in days 0-30 (the
                                         counting rule of the design; empty: not gradable)
icaht_days_anc_le100          Int64      the same for ANC <= 0.1
icaht_early_not_gradable      string     why the early grade is empty (else empty)
icaht_late_not_gradable       string     why the late grade is empty
ticaht_early_grade            Int64      early T-ICAHT grade 0-4 (platelets), days 0-30
ticaht_late_grade             Int64      late T-ICAHT grade 0-4, days 31-100
ticaht_early_not_gradable     string     why the early T-ICAHT grade is empty
ticaht_late_not_gradable      string     why the late T-ICAHT grade is empty
hematotox_score               Int64      CAR-HEMATOTOX score 0-7 (empty: a component missing)
hematotox_high                boolean    score >= 2 (high risk); empty when unscored
hematotox_not_scored          string     the missing components (else empty)
neutrophil_phenotype          string     quick / intermittent / aplastic (Rejeski 2021)
neutrophil_phenotype_not_classified string  why the phenotype is empty
============================  =========  ===================================================

A design without a ``hematotox`` block gets none of these columns (no definition is invented
here); a cohort without the values a column needs gets the column empty, with the reason.
Definitions and sources: ``cartcyto.derive.icaht``, ``cartcyto.derive.hematotox``,
``cartcyto.derive.phenotype``.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.episodes import daily_series, nullable_int
from cartcyto.derive.hematotox import hematotox_score
from cartcyto.derive.icaht import day_columns, grade_section
from cartcyto.derive.phenotype import recovery_phenotype

HEMATOTOX_COLUMNS = (
    "icaht_early_grade", "icaht_late_grade", "icaht_days_anc_le500", "icaht_days_anc_le100",
    "icaht_early_not_gradable", "icaht_late_not_gradable", "ticaht_early_grade", "ticaht_late_grade",
    "ticaht_early_not_gradable", "ticaht_late_not_gradable", "hematotox_score", "hematotox_high",
    "hematotox_not_scored", "neutrophil_phenotype", "neutrophil_phenotype_not_classified",
)
COMMON_KEYS = ("counting", "recovery_days", "gap_policy", "max_gap_days", "censor_at")
EMPTY_SERIES = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


def hematotox_config(study: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The design's ``hematotox`` block (None when the design has none); checks the shared keys."""
    cfg = study.get("hematotox")
    if cfg is None:
        return None
    missing = [k for k in COMMON_KEYS + ("icaht", "ticaht", "score", "phenotype") if k not in cfg]
    if missing:
        raise ValueError(f"the design's hematotox block lacks {', '.join(missing)} (see workflow/designs)")
    return cfg


def grade_columns(series: Mapping[str, tuple], patients: pd.DataFrame, cfg: Mapping[str, Any],
                  name: str) -> dict[str, Any]:
    """``<name>_early_grade``, ``<name>_late_grade``, their reasons and the early day columns."""
    spec = cfg[name]
    s = series.get(spec["test"], EMPTY_SERIES)
    cols: dict[str, Any] = {}
    results = {}
    for part in ("early", "late"):
        results[part] = grade_section(s, patients, spec[part], cfg, spec["test"].upper())
        cols[f"{name}_{part}_grade"] = nullable_int(results[part]["grade"])
    for part in ("early", "late"):
        for column, days in day_columns(results[part], spec[part]).items():
            cols[column] = nullable_int(days)
    for part in ("early", "late"):
        cols[f"{name}_{part}_not_gradable"] = pd.array(results[part]["reason"], dtype="string")
    return cols


def hematotoxicity_columns(cohort, study: Mapping[str, Any], series: Mapping[str, tuple] | None = None
                           ) -> pd.DataFrame:
    """The :data:`HEMATOTOX_COLUMNS` of every patient (an empty frame without a design block)."""
    pts = cohort.patients
    cfg = hematotox_config(study)
    if cfg is None:
        return pd.DataFrame(index=pd.RangeIndex(len(pts)))
    if series is None:
        ids = pd.Index(pts["patient_id"].astype(str))
        series = daily_series(cohort.labs, ids, {cfg["icaht"]["test"], cfg["ticaht"]["test"],
                                                 cfg["phenotype"]["test"], "anc", "hb", "plt"})
    cols: dict[str, Any] = {}
    cols.update(grade_columns(series, pts, cfg, "icaht"))
    cols.update(grade_columns(series, pts, cfg, "ticaht"))
    frame = pd.DataFrame(cols)
    score = hematotox_score(cohort, series, cfg["score"])
    phen = recovery_phenotype(series.get(cfg["phenotype"]["test"], EMPTY_SERIES), pts, cfg["phenotype"], cfg)
    out = pd.concat([frame, score, phen], axis=1)
    order = [c for c in HEMATOTOX_COLUMNS if c in out.columns]
    return out[order + [c for c in out.columns if c not in order]]
