"""The hematotoxicity columns of ``derived/patients.csv``: ICAHT, T-ICAHT, CAR-HEMATOTOX and the
neutrophil recovery phenotype, from a design's ``hematotox`` block (keys, defaults and sources:
``$defs/hematotox`` of ``cartcyto/schemas/design.schema.yaml``).

``hematotoxicity_columns(cohort, study, series)`` returns one row per patient (same order as
``cohort.patients``) with :data:`HEMATOTOX_COLUMNS`: ICAHT and T-ICAHT grades (early, late) with
their not-gradable reasons, the ICAHT day counts, the CAR-HEMATOTOX score, high risk and the
missing components, the neutrophil recovery phenotype and why it is missing. Each column's dtype
and meaning is declared in :mod:`cartcyto.derive.columns` (``docs/derived-columns.md``).

A design without a ``hematotox`` block gets none of these columns (no definition is invented
here); a cohort without the values a column needs gets the column empty, with the reason.
Definitions and sources: ``cartcyto.derive.icaht``, ``cartcyto.derive.hematotox``,
``cartcyto.derive.phenotype``.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.arrays import nullable_int
from cartcyto.derive.columns import HEMATOTOX_FIELDS
from cartcyto.derive.episodes import daily_series
from cartcyto.derive.hematotox import hematotox_score
from cartcyto.derive.icaht import day_columns, grade_section
from cartcyto.derive.phenotype import recovery_phenotype

HEMATOTOX_COLUMNS = tuple(name for name, _, _ in HEMATOTOX_FIELDS)
"""The columns, in the order of their declaration in :mod:`cartcyto.derive.columns`."""
EMPTY_SERIES = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))


def hematotox_config(study: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The design's ``hematotox`` block, as ``cartcyto.design.resolve_study`` filled it from the
    schema (it does when the design runs the hematotox family); None when the design has none."""
    return study["hematotox"] if "hematotox" in study else None


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
