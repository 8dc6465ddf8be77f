"""Kaplan-Meier median time to recovery and the log-rank test (rows of family ``competing_risks``).

The survival basics beside the competing-risk rows: for each lineage L, on the same patients as
:mod:`cartcyto.analyses.competing_risks` (new-onset L in the analysis set, the Figure 5
population), time ``L_duration_days`` and event = ``L_recovery_status`` 1 (recovered); died before
recovery (2) and censored (0) both count as censored, the paper's censoring (its Figure 5 Cox
models censor death before recovery). Patients without a status are left out.

* ``recovery_km_median``: Kaplan-Meier median time to recovery (days) with its 95% CI
  (Brookmeyer-Crowley, Greenwood variance), for all patients (level ``all``) and per value of
  the family's ``group_column`` (level = the group). The band's scale follows the conventions
  (:func:`cartcyto.stats.kaplan_meier.conf_type_for`: ``spss`` -> log-log as SAS PROC LIFETEST,
  ``r`` -> log as R survfit) and is named in ``method``. A median or limit the curve never reaches
  is NaN, and ``method`` says which is "not reached".
* ``recovery_logrank``: the log-rank test across the groups (term = the group column),
  chi-square with k - 1 df (in ``method``) and p.

Both are descriptive analyses beside the paper's, not in the paper; every ``method`` says so.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from cartcyto.report.rows import stat_row
from cartcyto.stats import kaplan_meier

KM_MEDIAN, LOGRANK = "recovery_km_median", "recovery_logrank"
DESCRIPTIVE = ("descriptive analysis beside the paper's Figure 5 Cox models (death before recovery "
               "censored, as the paper censors it); not in the paper")


def _population(lineage: str) -> str:
    return (f"new-onset {lineage.upper()} patients of the analysis set; time = "
            f"{lineage}_duration_days; event = {lineage}_recovery_status 1 (recovered), died "
            "before recovery (2) and censored (0) counted as censored")


def not_reached(row: pd.Series) -> str:
    """What of a km_median row the curve or its band never reaches ("" when all are reached)."""
    missing = [name for name, field in (("median", "estimate"), ("lower limit", "ci_low"),
                                        ("upper limit", "ci_high")) if np.isnan(row[field])]
    return f"; {', '.join(missing)} not reached" if missing else ""


def median_row(time: pd.Series, event: pd.Series, *, lineage: str, level: str,
               conf_type: str, convention: str, by: str = "") -> dict:
    """One ``recovery_km_median`` row: :func:`kaplan_meier.km_median` of (time, event)."""
    r = kaplan_meier.km_median(time, event, conf_type=conf_type).iloc[0]
    return stat_row(KM_MEDIAN, "median", r.estimate, outcome=f"{lineage}_recovery_status",
                    level=level, ci_low=r.ci_low, ci_high=r.ci_high, n=r.n,
                    method=f"{r.method}{not_reached(r)}; CI scale from conventions: {convention}; "
                           f"{int(r.events)} recoveries; {_population(lineage)}{by}; {DESCRIPTIVE}")


def km_recovery_rows(d: pd.DataFrame, lineage: str, group_column: str, convention: str) -> list:
    """KM medians (all, per group) and the log-rank test across the groups for one lineage.

    ``d``: the family's frame of the lineage (columns ``L_duration_days``, ``L_recovery_status``
    as floats, ``group`` as string; see ``competing_risks._frame``). Returns statistics rows."""
    status, time = f"{lineage}_recovery_status", f"{lineage}_duration_days"
    d = d[d[status].notna() & d[time].notna()]
    event = (d[status] == 1).astype(float)
    conf_type = kaplan_meier.conf_type_for(convention)
    rows = [median_row(d[time], event, lineage=lineage, level="all", conf_type=conf_type,
                       convention=convention)]
    groups = d["group"]
    for g in sorted(groups.dropna().unique()):
        sel = (groups == g).fillna(False).to_numpy(bool)
        rows.append(median_row(d.loc[sel, time], event[sel], lineage=lineage, level=str(g),
                               conf_type=conf_type, convention=convention,
                               by=f"; group = {group_column} {g}"))
    known = groups.notna().to_numpy(bool)
    lr = kaplan_meier.logrank(d.loc[known, time], event[known],
                              groups[known].astype(object)).iloc[0]
    dof = "" if np.isnan(lr.dof) else f", {lr.dof:g} df"
    rows.append(stat_row(LOGRANK, "chi2", lr.estimate, outcome=status, term=group_column,
                         p_value=lr.p_value, n=lr.n,
                         method=f"{lr.method}{dof}; groups = {group_column}; "
                                f"{int(event[known].sum())} recoveries; {_population(lineage)}; "
                                f"{DESCRIPTIVE}"))
    return rows


def _days(x: float) -> str:
    return "NR" if np.isnan(x) else f"{x:g}"


def format_median(estimate: float, ci_low: float, ci_high: float) -> str:
    """A median in days with its CI for a table: "12 (9-15)"; "not reached" for a NaN median,
    "NR" for a limit that is not reached."""
    if np.isnan(estimate):
        return f"not reached ({_days(ci_low)}-{_days(ci_high)})"
    return f"{_days(estimate)} ({_days(ci_low)}-{_days(ci_high)})"
