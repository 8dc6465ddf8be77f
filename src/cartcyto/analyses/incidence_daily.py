"""Daily incidence of cytopenia in Wang 2021 (Supplementary Figure 1A-E), family ``incidence``.

On each day d of the design's ``daily_incidence_days`` (default 0-30): among the patients with a
value of the lineage's test on day d -- the value nearest the day within +/-1 day (ties to the
earlier day; a day's value is its lowest measurement), as Figure 2C-E reads the counts, since the
counts are measured about three times a week -- the number and percent below a threshold. Rows
(analysis ``incidence_daily``, ``level`` ``day<d>``; ``n`` = patients with a value that day):

* Supplementary Figure 1A, outcomes ``sn``, ``sa``, ``st``: severe cytopenia (the criteria set's
  ``severe_below``), the analysis set;
* Supplementary Figure 1B, outcomes ``sn_new_onset``, ``sa_new_onset``, ``st_new_onset``: the same
  among the lineage's at-risk patients (``<L>_at_risk``: not severe in T1/T2), whose severe days
  after the infusion are new-onset cytopenia;
* Supplementary Figures 1C-E, outcomes ``neutropenia``, ``anemia``, ``thrombocytopenia``: any-grade
  cytopenia (criteria ``cytopenia``; anemia by sex: a patient without sex M/F is not counted), the
  analysis set, drawn with the severe curve of the same lineage.

Each outcome also has a ``peak_day`` row: the first day with the highest percent (n = patients
with a value that day). These rows rest on patient-days, not on one value per patient, so they
read the cohort's blood counts (``cohort/labs.parquet``) with the analysis set and at-risk flags
of ``derived/patients.csv``.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.analyses.crs import values_at_days
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_number
from cartcyto.vocabulary import LINEAGES

ANALYSIS = "incidence_daily"
ANY_GRADE = {"sn": "neutropenia", "sa": "anemia", "st": "thrombocytopenia"}
PANELS = {"A": ("sn", "sa", "st"), "B": ("sn_new_onset", "sa_new_onset", "st_new_onset"),
          **{k: (ANY_GRADE[lin], lin) for k, lin in zip("CDE", LINEAGES)}}
"""Supplementary Figure 1 panel -> outcomes it draws."""
LABEL = {"sn": "SN", "sa": "SA", "st": "ST", "sn_new_onset": "New-onset SN",
         "sa_new_onset": "New-onset SA", "st_new_onset": "New-onset ST",
         "neutropenia": "Neutropenia", "anemia": "Anemia", "thrombocytopenia": "Thrombocytopenia"}
CURVE_COLUMNS = ["outcome", "day", "count", "n", "percent"]


NEAREST = ("value nearest the day (within +/-1 day, ties to the earlier day; a day's value is its "
           "lowest measurement)")


def daily_values(labs: pd.DataFrame, test: str, ids: pd.Index, days: pd.Index) -> pd.DataFrame:
    """Patient (``ids``) x day table of ``test``: the value nearest each day (:data:`NEAREST`)."""
    wide = values_at_days(labs[labs["patient_id"].astype(str).isin(ids)], test, list(days))
    return wide.reindex(index=ids, columns=list(days))


def _definitions(patients: pd.DataFrame, study: Mapping) -> dict:
    """outcome -> (test, patients of the population, per-patient threshold, description)."""
    crit = study["criteria"]
    cyt = crit["cytopenia"]
    df = require(analysis_set(patients), "sex", *(f"{lin}_at_risk" for lin in LINEAGES))
    sex = df["sex"].astype("string").str.upper()
    out = {}
    for lin in LINEAGES:
        cfg = crit["lineages"][lin]
        test, cut = cfg["test"], float(cfg["severe_below"])
        severe = f"{test} value < {cut:g} (severe, criteria {crit['name']})"
        out[lin] = (test, df, pd.Series(cut, index=df.index), f"the analysis set; {severe}")
        risk = df[df[f"{lin}_at_risk"].fillna(False).to_numpy(bool)]
        out[f"{lin}_new_onset"] = (test, risk, pd.Series(cut, index=risk.index),
                                   f"at-risk patients ({lin}_at_risk: not severe in T1/T2); {severe}")
        if test == "hb":
            hb = sex.map({"M": float(cyt["hb_male"]), "F": float(cyt["hb_female"])}).astype(float)
            any_cut = (hb, f"hb value < hb_male {cyt['hb_male']:g} (M) / hb_female "
                           f"{cyt['hb_female']:g} (F) g/L (any grade); patients without sex M/F "
                           "not counted")
        else:
            value = float(cyt[test])
            any_cut = (pd.Series(value, index=df.index), f"{test} value < {value:g} (any grade)")
        out[ANY_GRADE[lin]] = (test, df, any_cut[0], f"the analysis set; {any_cut[1]}")
    return out


def daily_incidence(patients: pd.DataFrame, labs: pd.DataFrame, study: Mapping) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statistics rows (module docstring) and the curves (columns :data:`CURVE_COLUMNS`)."""
    first, last = (int(d) for d in study["daily_incidence_days"])
    days = pd.Index(range(first, last + 1), name="day")
    ids = pd.Index(analysis_set(patients)["patient_id"].astype(str))
    cache: dict[str, pd.DataFrame] = {}
    rows, curves = [], []
    for outcome, (test, pop, cut, how) in _definitions(patients, study).items():
        if test not in cache:
            cache[test] = daily_values(labs, test, ids, days)
        limit = pd.Series(cut.to_numpy(float), index=pop["patient_id"].astype(str))
        limit = limit[np.isfinite(limit.to_numpy(float))]
        wide = cache[test].loc[limit.index]
        n = wide.notna().sum(axis=0).astype(int)
        count = wide.lt(limit, axis=0).sum(axis=0).astype(int)
        pct = pd.Series(np.where(n > 0, 100.0 * count / n.where(n > 0, 1), np.nan), index=days)
        method = f"n (%) of {how}, among those with a {test} {NEAREST}"
        for d in days:
            rows.append(stat_row(ANALYSIS, "count", int(count[d]), outcome=outcome, level=f"day{d}",
                                 n=int(n[d]), method=method))
            rows.append(stat_row(ANALYSIS, "percent", pct[d], outcome=outcome, level=f"day{d}",
                                 n=int(n[d]), method=method))
        if pct.notna().any():
            peak = int(pct.idxmax())
            rows.append(stat_row(ANALYSIS, "peak_day", peak, outcome=outcome, n=int(n[peak]),
                                 method=f"first day {first}..{last} with the highest percent; {method}"))
        curves.append(pd.DataFrame({"outcome": outcome, "day": days.to_numpy(), "count": count.to_numpy(),
                                    "n": n.to_numpy(), "percent": pct.to_numpy()}))
    return stat_frame(rows), pd.concat(curves, ignore_index=True)


def format_daily_incidence(stats: pd.DataFrame) -> pd.DataFrame:
    """Supplementary Figure 1 numbers: one row per day, ``count/n (percent%)`` per outcome, and
    the peak day of each outcome as the last row."""
    sub = stats[stats["analysis"] == ANALYSIS]
    pct = sub[sub["statistic"] == "percent"].set_index(["level", "outcome"])
    cnt = sub[sub["statistic"] == "count"].set_index(["level", "outcome"])
    outcomes = list(dict.fromkeys(sub["outcome"]))
    out = []
    for level in dict.fromkeys(pct.index.get_level_values(0)):
        line = {"Day": level.removeprefix("day")}
        for o in outcomes:
            c, p = cnt.loc[(level, o)], pct.loc[(level, o)]
            line[LABEL.get(o, o)] = ("" if int(c["n"]) == 0 else
                                     f"{int(c['estimate'])}/{int(c['n'])} ({format_number(p['estimate'], 0)}%)")
        out.append(line)
    peak = sub[sub["statistic"] == "peak_day"].set_index("outcome")["estimate"]
    out.append({"Day": "peak day", **{LABEL.get(o, o): format_number(peak.get(o, np.nan), 0)
                                      for o in outcomes}})
    return pd.DataFrame(out)
