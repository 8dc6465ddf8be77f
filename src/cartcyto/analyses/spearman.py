"""Spearman correlations of Wang 2021: Figure 3 (nadir counts vs peak markers) and Figure 4G
(recovery time / duration of severe cytopenia vs CRS timing and peak markers).

Every correlated pair is one statistics row: ``statistic`` "rho", ``estimate`` Spearman's r,
``p_value`` two-sided, ``n`` the complete pairs, ``method`` from
:func:`cartcyto.stats.tests.spearman` (the convention decides the p-value: SPSS t approximation,
or R ``cor.test`` rules). ``outcome`` is the cytopenia variable, ``term`` the CRS/marker variable,
both column names of ``derived/patients.csv``.

Population: the analysis set (``in_analysis_set`` true). Figure 4G correlates the profiles of
Figure 4A-F, columns of the derived table: ``<L>_duration_days_or_zero`` (duration of severe
cytopenia with 0 for patients without severe cytopenia after the infusion, the Figure 4 legend's
definition) and ``<L>_recovery_day`` (patients who recovered). Each pair
uses the patients with both values present (pairwise complete): a CRS onset day exists only for
patients with CRS. The population is appended to ``method``.

Lineages, markers and labels come from :mod:`cartcyto.vocabulary`; ``analysis_set`` and
``require`` from :mod:`cartcyto.analyses.columns`. The dashed least-squares lines of the scatter
figures are computed here too (:func:`trend_lines`), so the figures only draw.
"""
from __future__ import annotations

from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.stats import tests
from cartcyto.vocabulary import CRS_TIMES, LINEAGES, MARKERS


NADIR_ANALYSIS = "spearman_nadir_markers"
RECOVERY_ANALYSIS = "spearman_recovery"


def marker_terms(patients: pd.DataFrame, markers: Iterable[str] = MARKERS) -> list[str]:
    """``lg_max_<marker>`` columns present in ``patients`` with at least one value, in order."""
    cols = [f"lg_max_{m}" for m in markers]
    return [c for c in cols if c in patients.columns and patients[c].notna().any()]


def spearman_pairs(df: pd.DataFrame, outcomes: Sequence[str], terms: Sequence[str], *,
                   analysis: str, convention: str,
                   population: Mapping[str, pd.Series] | None = None,
                   note: str = "analysis set, pairwise complete") -> pd.DataFrame:
    """Spearman rho of every ``outcome`` x ``term`` pair of ``df`` (pairwise complete).

    ``population`` optionally maps an outcome to a boolean mask of ``df`` rows that enter its
    correlations (e.g. new-onset patients of that lineage) and ``note`` (a string, or a mapping
    outcome -> string) names the population; it is appended to the test's ``method``. Rows
    follow ``outcomes`` then ``terms`` order; every column must be present.
    """
    require(df, *outcomes, *terms)
    rows = []
    for outcome in outcomes:
        sub = df if population is None or outcome not in population else df[population[outcome]]
        y = sub[outcome].astype(float).to_numpy()
        who = note.get(outcome, "") if isinstance(note, Mapping) else note
        for term in terms:
            x = sub[term].astype(float).to_numpy()
            res = tests.spearman(x, y, convention=convention).iloc[0]
            rows.append(stat_row(analysis, "rho", res["estimate"], outcome=outcome, term=term,
                                 p_value=res["p_value"], n=res["n"],
                                 method=f"{res['method']}; {who}" if who else res["method"]))
    return stat_frame(rows)


def nadir_markers(patients: pd.DataFrame, *, convention: str) -> pd.DataFrame:
    """Figure 3: nadir ANC, Hb, PLT after infusion (``<L>_nadir_value``) vs each ``lg_max_<m>``."""
    df = analysis_set(patients)
    return spearman_pairs(df, [f"{lin}_nadir_value" for lin in LINEAGES], marker_terms(df),
                          analysis=NADIR_ANALYSIS, convention=convention)


def recovery_terms(patients: pd.DataFrame) -> list[str]:
    """Figure 4G columns: CRS onset/peak/recovery/duration, peak markers, baseline lg LDH."""
    terms = [c for c in CRS_TIMES if c in patients.columns] + marker_terms(patients)
    return terms + (["lg_ldh"] if "lg_ldh" in patients.columns else [])


def recovery_outcomes() -> list[str]:
    """Figure 4G rows: duration (0 without severe cytopenia after infusion) then recovery day of
    SN, SA, ST (columns of the derived table)."""
    return [f"{lin}_{what}" for what in ("duration_days_or_zero", "recovery_day")
            for lin in LINEAGES]


def new_onset_mask(df: pd.DataFrame, lineage: str) -> pd.Series:
    """Rows of ``df`` with a new-onset severe episode of ``lineage`` (missing = no)."""
    return require(df, f"{lineage}_new_onset")[f"{lineage}_new_onset"].fillna(False).astype(bool)


RECOVERY_NOTE = {
    "duration_days_or_zero": ("analysis set, duration 0 without severe cytopenia after infusion "
                              "(as Figure 4A-C), pairwise complete"),
    "recovery_day": "analysis-set patients who recovered from a severe episode, pairwise complete",
}


def recovery(patients: pd.DataFrame, *, convention: str) -> pd.DataFrame:
    """Figure 4G: duration and recovery day of severe cytopenia vs CRS timing and markers.

    The severe-cytopenia profiles are those of Figure 4A-F, columns of the derived table
    (:func:`recovery_outcomes`): every analysis-set patient with T3 values enters the duration
    rows (0 without severe cytopenia after infusion), recovered patients the recovery-day rows;
    CRS timing exists only for patients with CRS.
    """
    df = analysis_set(patients)
    note = {o: RECOVERY_NOTE[o[3:]] for o in recovery_outcomes()}
    return spearman_pairs(df, recovery_outcomes(), recovery_terms(df),
                          analysis=RECOVERY_ANALYSIS, convention=convention, note=note)


TREND_COLUMNS = ["outcome", "term", "slope", "intercept", "x_min", "x_max", "n"]


def trend_lines(patients: pd.DataFrame, pairs: Iterable[Sequence[tuple[str, str]]], *,
                populations: Mapping[str, pd.Series] | None = None) -> pd.DataFrame:
    """The dashed guide line of each scatter panel: ordinary least squares ``outcome = intercept
    + slope * term`` over the rows of ``patients`` with both values (``populations`` as in
    :func:`spearman_pairs`), drawn from ``x_min`` to ``x_max``. A visual aid, not a reported
    statistic; a pair with fewer than 3 points or a single distinct x has no line (no row).
    ``pairs`` is nested as the figure's panels (rows of (outcome, term))."""
    populations = populations or {}
    rows = []
    for outcome, term in (pair for row in pairs for pair in row):
        sub = patients[populations[outcome]] if outcome in populations else patients
        require(sub, outcome, term)
        x, y = sub[term].astype(float), sub[outcome].astype(float)
        ok = (x.notna() & y.notna()).to_numpy(bool)
        if ok.sum() >= 3 and x[ok].nunique() > 1:
            slope, icept = np.polyfit(x[ok], y[ok], 1)
            rows.append({"outcome": outcome, "term": term, "slope": slope, "intercept": icept,
                         "x_min": x[ok].min(), "x_max": x[ok].max(), "n": int(ok.sum())})
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


def strongest(stats: pd.DataFrame, outcome: str, k: int = 3) -> list[str]:
    """The ``k`` terms with the largest |rho| for ``outcome`` (ties: column order)."""
    sub = stats[(stats["outcome"] == outcome) & stats["estimate"].notna()]
    order = np.argsort(-sub["estimate"].abs().to_numpy(), kind="stable")
    return sub["term"].to_numpy()[order][:k].tolist()


def _fmt_p(p: float) -> str:
    if p != p:
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def format_matrix(stats: pd.DataFrame, labels: dict[str, str] | None = None) -> pd.DataFrame:
    """Printed correlation table: one row per outcome, one column per term, "r (p)" cells."""
    labels = labels or {}
    outcomes = list(dict.fromkeys(stats["outcome"]))
    terms = list(dict.fromkeys(stats["term"]))
    cell = {(r.outcome, r.term): ("" if r.estimate != r.estimate
                                  else f"{r.estimate:.3f} ({_fmt_p(r.p_value)}; n={int(r.n)})")
            for r in stats.itertuples()}
    out = pd.DataFrame([[labels.get(o, o)] + [cell.get((o, t), "") for t in terms]
                        for o in outcomes],
                       columns=["Variable"] + [labels.get(t, t) for t in terms])
    return out
