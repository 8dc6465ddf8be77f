"""The tidy `statistics.csv` row, shared by every analysis.

Every number a study reports is one row with the columns of the data contract (section 3):

    analysis, outcome, term, level, statistic, estimate, ci_low, ci_high, p_value, n, method

Conventions (the scorecard joins on ``analysis, outcome, term, level, statistic``):

* ``analysis``: stable id of the analysis family/item, e.g. ``table1``, ``incidence_phase``,
  ``univariate_sn``, ``cox_recovery``, ``logistic_pht``.
* ``outcome`` / ``term``: column names of ``derived/patients.csv`` where the row is about one
  (e.g. outcome ``sn_duration_days``, term ``lg_max_ddimer``); empty otherwise.
* ``level``: category level (``M``, ``CD19``, ``T2``, ``mild``...) or a comparison (``T1 vs T2``).
* ``statistic``: what ``estimate`` holds: ``count``, ``percent``, ``median``, ``min``, ``max``,
  ``mean``, ``sem``, ``U``, ``H``, ``chi2``, ``rho``, ``HR``, ``OR``, ``cumulative_incidence``...
  A test's p-value sits in ``p_value`` of the same row as its statistic. A multiplicity-adjusted
  p is a row of its own (``p_holm``, ``p_bh``: the adjusted p in ``p_value``, ``estimate`` empty,
  ``method`` naming the adjustment, the family and the test adjusted), never the test's row.
* ``ci_low`` / ``ci_high``: a confidence interval only (never a range: ranges are ``min``/``max`` rows).
* ``n``: the number of patients the number rests on (the denominator for a percent).
* ``method``: the exact test/estimator and its options, never empty for a p-value, HR, OR or CI.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

STAT_COLUMNS = [
    "analysis", "outcome", "term", "level", "statistic",
    "estimate", "ci_low", "ci_high", "p_value", "n", "method",
]
KEY_COLUMNS = ["analysis", "outcome", "term", "level", "statistic"]


def stat_row(analysis: str, statistic: str, estimate: Any = np.nan, *, outcome: str = "",
             term: str = "", level: str = "", ci_low: Any = np.nan, ci_high: Any = np.nan,
             p_value: Any = np.nan, n: Any = np.nan, method: str = "") -> dict:
    """One statistics row as a dict (see module docstring for the meaning of each field)."""
    return {
        "analysis": analysis, "outcome": outcome, "term": term, "level": str(level),
        "statistic": statistic, "estimate": estimate, "ci_low": ci_low, "ci_high": ci_high,
        "p_value": p_value, "n": n, "method": method,
    }


def stat_frame(rows: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Rows -> a DataFrame with exactly STAT_COLUMNS, in order, with numeric columns as float."""
    df = pd.DataFrame(list(rows) if not isinstance(rows, pd.DataFrame) else rows)
    for col in STAT_COLUMNS:
        if col not in df.columns:
            df[col] = "" if col in KEY_COLUMNS + ["method"] else np.nan
    df = df[STAT_COLUMNS].copy()
    for col in KEY_COLUMNS + ["method"]:
        df[col] = df[col].fillna("").astype(str)
    for col in ["estimate", "ci_low", "ci_high", "p_value", "n"]:
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    return df


def write_stats(df: pd.DataFrame, path: str) -> None:
    """Write statistics rows deterministically (fixed float format, no index)."""
    stat_frame(df).to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def stat_value(stats: pd.DataFrame, analysis: str, statistic: str, outcome: str = "", term: str = "",
               level: str = "", field: str = "estimate") -> float:
    """The ``field`` of the statistics row with these keys (first match), or NaN when there is none."""
    m = ((stats["analysis"] == analysis) & (stats["statistic"] == statistic) & (stats["outcome"] == outcome)
         & (stats["term"] == term) & (stats["level"] == level))
    return float(stats.loc[m, field].iloc[0]) if m.any() else np.nan
