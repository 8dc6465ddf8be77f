"""Mullanfiroze 2022 (Blood Adv 6(16):4715), family ``prior_sct``: persistent CTCAE grade 3-4
cytopenia by prior SCT.

Evaluable patients: alive and relapse-free beyond ``study["evaluable_after_day"]`` (a death or
relapse on or before that day makes the patient not evaluable). Outcome
``persistent_cytopenia`` of ``derived/patients.csv`` (a grade 3-4 ANC, Hb or PLT on a day >
``persistent_after_day``) by ``prior_hsct``: counts and percents per group, and the 2x2 tested
three ways, each row naming its method: Pearson chi-square without continuity correction
(statistic ``chi2``), with Yates' correction (``chi2_yates``) and Fisher's exact test
(``odds_ratio``, the sample odds ratio, with Fisher's two-sided p). The printed table is drawn
from the rows (:func:`format_prior_sct`).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import require
from cartcyto.derive.ctcae import is_grade3_4
from cartcyto.report.rows import stat_frame, stat_row, stat_value
from cartcyto.report.tables import format_number, format_p
from cartcyto.stats.describe import count_percent
from cartcyto.stats.tests import chi_square, fisher_exact

OUTCOME = "persistent_cytopenia"
COUNT_METHOD = "n (%) of patients"


# ------------------------------------------------------------------------------------ prior SCT
def evaluability(patients: pd.DataFrame, study: Mapping[str, Any]) -> pd.DataFrame:
    """``evaluable`` and ``not_evaluable_reason`` (``death`` / ``relapse`` on or before the day)."""
    day = int(study["evaluable_after_day"])
    require(patients, "death_day", "relapse_day")
    death = (patients["death_day"].astype(float) <= day).to_numpy()
    relapse = (patients["relapse_day"].astype(float) <= day).to_numpy()
    reason = np.where(death, "death", np.where(relapse, "relapse", ""))
    return pd.DataFrame({"patient_id": patients["patient_id"].astype(str).to_numpy(),
                         "evaluable": ~(death | relapse), "not_evaluable_reason": reason})


def persistent_grade3_4(labs: pd.DataFrame, patient_ids: Any, study: Mapping[str, Any]) -> pd.Series:
    """Per patient: a CTCAE grade 3-4 value (ANC, Hb, PLT) on a day > ``persistent_after_day``.

    An independent check of ``derived/patients.csv``'s ``persistent_cytopenia`` (the derivation
    uses the criteria set's ``severe_below`` thresholds; this uses the CTCAE grades).
    """
    after = int(study["persistent_after_day"])
    late = labs[pd.to_numeric(labs["day"]) > after]
    tests = {lin["test"] for lin in study["criteria"]["lineages"].values()}
    late = late[late["test"].astype(str).str.lower().isin(tests)]
    sev = is_grade3_4(late["test"].to_numpy(dtype=object), late["value"],
                      bounds=study["criteria"]["grades"])
    hit = set(late.loc[sev, "patient_id"].astype(str))
    ids = pd.Index(pd.Series(patient_ids).astype(str))
    return pd.Series(ids.isin(hit), index=ids, name=OUTCOME)


def prior_sct_patients(derived: pd.DataFrame, study: Mapping[str, Any]) -> pd.DataFrame:
    """The per-patient table the ``prior_sct`` rows rest on (one row per patient)."""
    require(derived, "prior_hsct", OUTCOME)
    out = evaluability(derived, study)
    out["prior_hsct"] = derived["prior_hsct"].array
    out[OUTCOME] = derived[OUTCOME].array
    return out


def prior_sct_stats(derived: pd.DataFrame, study: Mapping[str, Any]) -> pd.DataFrame:
    """Statistics rows of analysis ``prior_sct`` (see module docstring)."""
    p = prior_sct_patients(derived, study)
    rows = [stat_row("prior_sct", "count", int(p["evaluable"].sum()), outcome="evaluable",
                     n=len(p), method=f"alive and relapse-free beyond day {study['evaluable_after_day']}")]
    for reason in ("death", "relapse"):
        rows.append(stat_row("prior_sct", "count", int((p["not_evaluable_reason"] == reason).sum()),
                             outcome="not_evaluable", level=reason, n=len(p),
                             method=f"{reason} on or before day {study['evaluable_after_day']}"))
    ev = p[p["evaluable"] & p["prior_hsct"].notna() & p[OUTCOME].notna()]
    table = np.zeros((2, 2), dtype=int)   # rows: prior SCT true/false; columns: persistent yes/no
    for i, level in enumerate((True, False)):
        grp = ev[ev["prior_hsct"] == level]
        rows.append(stat_row("prior_sct", "count", len(grp), term="prior_hsct", level=str(level).lower(),
                             n=len(ev), method=COUNT_METHOD))
        for r in count_percent(grp[OUTCOME].astype(bool)).itertuples():
            rows.append(stat_row("prior_sct", r.statistic, r.estimate, outcome=OUTCOME, term="prior_hsct",
                                 level=str(level).lower(), n=r.n, method=COUNT_METHOD))
        table[i] = [int(grp[OUTCOME].sum()), int((~grp[OUTCOME].astype(bool)).sum())]
    for r in count_percent(ev[OUTCOME].astype(bool)).itertuples():
        rows.append(stat_row("prior_sct", r.statistic, r.estimate, outcome=OUTCOME, level="all",
                             n=r.n, method=COUNT_METHOD))
    conv = study["conventions"]
    tests = [chi_square(table, convention=conv, correction=False).assign(statistic="chi2"),
             chi_square(table, convention=conv, correction=True).assign(statistic="chi2_yates"),
             fisher_exact(table, odds_ratio="sample")]
    for t in pd.concat(tests).itertuples():
        rows.append(stat_row("prior_sct", t.statistic, t.estimate, outcome=OUTCOME, term="prior_hsct",
                             level="true vs false", p_value=t.p_value, n=t.n, method=t.method))
    return stat_frame(rows)


def format_prior_sct(stats: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The 2x2 as printed (groups x persistent grade 3-4 cytopenia) and a note naming the tests."""
    rows = []
    for level, label in (("true", "Prior SCT"), ("false", "No prior SCT"), ("all", "All evaluable")):
        term = "" if level == "all" else "prior_hsct"
        n = stat_value(stats, "prior_sct", "count", OUTCOME, term, level, field="n")
        c = stat_value(stats, "prior_sct", "count", OUTCOME, term, level)
        pct = stat_value(stats, "prior_sct", "percent", OUTCOME, term, level)
        rows.append({"group": label, "n": int(n),
                     "persistent_g34_cytopenia": f"{int(c)} ({format_number(pct, 1, strip=False)}%)",
                     "no_persistent_cytopenia": f"{int(n - c)} ({format_number(100 - pct, 1, strip=False)}%)"})
    note = []
    for stat, name in (("chi2", "Pearson chi-square, no continuity correction"),
                       ("chi2_yates", "Pearson chi-square, Yates continuity correction"),
                       ("odds_ratio", "Fisher's exact test, two-sided")):
        est = stat_value(stats, "prior_sct", stat, OUTCOME, "prior_hsct", "true vs false")
        p = stat_value(stats, "prior_sct", stat, OUTCOME, "prior_hsct", "true vs false", field="p_value")
        what = f"OR {format_number(est, 2)}" if stat == "odds_ratio" else f"X2 = {format_number(est, 3)}"
        note.append(f"{name}: {what}, p = {format_p(p)}")
    ev = stat_value(stats, "prior_sct", "count", "evaluable")
    tot = stat_value(stats, "prior_sct", "count", "evaluable", field="n")
    note.append(f"Evaluable: {int(ev)} of {int(tot)} treated (alive and relapse-free beyond day 28).")
    return pd.DataFrame(rows), "; ".join(note[:3]) + ". " + note[3]
