"""Daily ANC tables behind the ``hematotox`` figures (not statistics rows: descriptive figure data).

Both use the same daily grid as the grading (``cartcyto.derive.daygrid``: the day's lowest value,
the design's gap policy, censoring at ``censor_at``), on the analysis-set patients of
``derived/patients.csv`` and the normalised labs table.

* :func:`anc_by_phenotype` -- per recovery phenotype and day of the phenotype window: patients
  with a value, median, first and third quartile (linear interpolation between order statistics,
  R type 7) of the daily ANC;
* :func:`anc_strip` -- one row per patient x day 0-30 (the early ICAHT window) with the day's
  category: ``le100`` (ANC <= 0.1), ``le500`` (<= 0.5), ``above``, ``no_value`` or
  ``censored``; patients ordered by early ICAHT grade (highest first), then counted days.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.derive.daygrid import DayGrid, day_grid
from cartcyto.derive.episodes import daily_series
from cartcyto.derive.icaht import censor_day
from cartcyto.derive.phenotype import PHENOTYPES

STRIP_CATEGORIES = ("le100", "le500", "above", "no_value", "censored")
STRIP_LABELS = {"le100": "ANC ≤ 0.1", "le500": "ANC > 0.1 and ≤ 0.5", "above": "ANC > 0.5",
                "no_value": "no value (gap longer than max_gap_days)", "censored": "after censoring"}
"""What each category of :func:`anc_strip` means (ANC x10^9/L; the early ICAHT thresholds)."""


def _grid(labs: pd.DataFrame, patients: pd.DataFrame, cfg: Mapping, test: str, window) -> DayGrid:
    ids = pd.Index(patients["patient_id"].astype(str))
    series = daily_series(labs, ids, {test})[test]
    lo, hi = (int(x) for x in window)
    end = censor_day(patients, cfg["censor_at"])
    return day_grid(series, len(ids), lo, hi, end, int(cfg["max_gap_days"]), cfg["gap_policy"])


def anc_by_phenotype(labs: pd.DataFrame, patients: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """Columns ``phenotype, day, n, median, q1, q3`` (module docstring)."""
    df = analysis_set(require(patients, "patient_id", "neutrophil_phenotype")).reset_index(drop=True)
    spec = cfg["phenotype"]
    grid = _grid(labs, df, cfg, spec["test"], spec["window"])
    ph = df["neutrophil_phenotype"]
    parts = []
    for name in PHENOTYPES:
        rows = (ph == name).fillna(False).to_numpy(bool)
        vals = grid.values[rows]
        n = np.sum(~np.isnan(vals), axis=0)
        with np.errstate(all="ignore"):
            q = np.nanquantile(vals, [0.5, 0.25, 0.75], axis=0) if rows.any() else np.full((3, vals.shape[1]), np.nan)
        parts.append(pd.DataFrame({"phenotype": name, "day": grid.days, "n": n, "median": q[0], "q1": q[1],
                                   "q3": q[2], "patients": int(rows.sum())}))
    return pd.concat(parts, ignore_index=True)


def anc_strip(labs: pd.DataFrame, patients: pd.DataFrame, cfg: Mapping) -> pd.DataFrame:
    """Columns ``row, icaht_early_grade, day, category`` (module docstring); ``row`` 0 = top."""
    df = analysis_set(require(patients, "patient_id", "icaht_early_grade", "icaht_days_anc_le500")
                      ).reset_index(drop=True)
    spec = cfg["icaht"]
    grid = _grid(labs, df, cfg, spec["test"], spec["early"]["window"])
    v = grid.values
    with np.errstate(invalid="ignore"):
        cat = np.where(~grid.inside, 4, np.where(np.isnan(v), 3, np.where(v <= 0.1, 0, np.where(v <= 0.5, 1, 2))))
    grade = df["icaht_early_grade"].to_numpy(dtype=float, na_value=np.nan)
    days = df["icaht_days_anc_le500"].to_numpy(dtype=float, na_value=np.nan)
    order = np.lexsort((-np.nan_to_num(days, nan=-1), -np.nan_to_num(grade, nan=-1)))
    cat = cat[order]
    n, width = cat.shape
    return pd.DataFrame({"row": np.repeat(np.arange(n), width),
                         "icaht_early_grade": np.repeat(grade[order], width),
                         "day": np.tile(grid.days, n),
                         "category": np.array(STRIP_CATEGORIES, dtype=object)[cat.ravel()]})
