"""CRS and severe cytopenia in Wang 2021 (Figures 2A-E and 4A-F), family ``crs``.

Population: the analysis set (``in_analysis_set`` true); CRS groups from ``crs_group``
(none / mild / severe, design ``crs_groups``).

* Figure 2A, ``crs_vs_cytopenia_timing``: CRS onset/peak/recovery day (patients with CRS) vs
  onset/nadir/recovery day of new-onset SN, SA, ST, Mann-Whitney U with the two samples treated
  as independent (as the paper does; a patient can be in both). Test rows: ``outcome`` the
  cytopenia column, ``term`` the CRS column, U of the cytopenia sample. Descriptive rows
  (median/min/max) have ``outcome`` = the column and ``level`` = ``crs`` or the lineage.
* Figure 2B, ``incidence_by_crs``: any-grade cytopenia in T3 (``neutropenia_t3`` ...) and
  severe cytopenia in T3 (``<L>_t3``) by CRS group: count/percent per group (n = the group's
  patients with a value) and one Pearson chi-square over the 2 x 3 table.
* Figure 2C-E, ``kinetics_by_crs``: ANC, Hb, PLT at the design's ``kinetics_days`` (the value of
  the nearest day within +/-1, ties to the earlier day; a day's value is its lowest
  measurement): mean and SEM per group (``level`` ``day5:mild``) and Kruskal-Wallis H over the
  groups at each day (``level`` ``day5``).
* Figure 4A-F, ``kruskal_crs_group``: duration (``<L>_duration_days_or_zero``: 0 for patients
  without severe cytopenia after the infusion, as the Figure 4 legend defines) and recovery day
  (``<L>_recovery_day``: patients who recovered from a severe episode) of SN, SA, ST by CRS
  group: Kruskal-Wallis H and per-group medians with a distribution-free 95% CI.

The per-patient values the Figure 2A and 4A-F tests rest on are tidy frames of their own
(:func:`timing_points`, :func:`kruskal_points`); the figures draw those points and the rows.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import (
    format_count_percent,
    format_median_range,
    format_number,
    format_p,
)
from cartcyto.stats import describe, tests
from cartcyto.vocabulary import LINEAGES

LABEL = {"sn": "SN", "sa": "SA", "st": "ST", "crs": "CRS"}
CRS_GROUPS = ("none", "mild", "severe")
GROUP_LABEL = {"none": "No CRS", "mild": "Mild CRS", "severe": "Severe CRS"}
TIMING_PAIRS = (("onset_day", "crs_onset_day"), ("nadir_day", "crs_peak_day"),
                ("recovery_day", "crs_recovery_day"))
ANY_GRADE = {"sn": "neutropenia_t3", "sa": "anemia_t3", "st": "thrombocytopenia_t3"}
OUTCOME_LABEL = {"neutropenia_t3": "Neutropenia", "anemia_t3": "Anemia",
                 "thrombocytopenia_t3": "Thrombocytopenia", "sn_t3": "Severe neutropenia",
                 "sa_t3": "Severe anemia", "st_t3": "Severe thrombocytopenia",
                 **{f"{lin}_{w}": f"{lab} {w.replace('_days', '').replace('_or_zero', '').replace('_', ' ')}"
                    for lin, lab in (("sn", "SN"), ("sa", "SA"), ("st", "ST"))
                    for w in ("duration_days", "duration_days_or_zero", "recovery_day")}}
MEASURE_WORD = {"onset_day": "onset", "nadir_day": "nadir", "recovery_day": "recovery",
                "crs_onset_day": "CRS onset", "crs_peak_day": "CRS peak",
                "crs_recovery_day": "CRS recovery"}
KINETIC_TESTS = ("anc", "hb", "plt")
MEDIAN_CI_METHOD = ("median with distribution-free 95% CI from binomial order statistics "
                    "[x(j), x(n-j+1)], coverage >= 95% (NaN when n < 6)")
KINETICS_METHOD = ("mean of the value nearest the day (within +/-1 day, ties to the earlier day; "
                   "a day's value is its lowest measurement)")
SEM_METHOD = "standard error of the mean, SD (n - 1) / sqrt(n), same values as the mean row"


POINT_COLUMNS = ["patient_id", "sample", "column", "value"]


def _in_group(group: pd.Series, g: str) -> np.ndarray:
    return (group == g).fillna(False).to_numpy(bool)


def _points(df: pd.DataFrame, sample: pd.Series | str, column: str,
            values: pd.Series) -> pd.DataFrame:
    """Tidy points: the non-missing ``values`` of ``df``'s patients in row order, each with its
    ``sample`` (one name, or a per-patient Series such as the CRS group)."""
    keep = values.notna().to_numpy(bool)
    samples = (pd.Series(sample, index=df.index, dtype="string") if isinstance(sample, str)
               else sample.astype("string"))
    return pd.DataFrame({"patient_id": df["patient_id"].astype(str).to_numpy()[keep],
                         "sample": samples.array[keep], "column": column,
                         "value": values.to_numpy(float)[keep]}, columns=POINT_COLUMNS)


def _values(points: pd.DataFrame, sample: str, column: str) -> np.ndarray:
    """The values of one sample and column of a points frame, in patient order."""
    sel = _in_group(points["sample"], sample) & (points["column"] == column).to_numpy(bool)
    return points["value"].to_numpy(float)[sel]


def median_ci(x, level: float = 0.95) -> tuple[float, float, float, int]:
    """Median and its distribution-free CI from binomial order statistics (as GraphPad Prism).

    The interval is [x(j), x(n-j+1)] with the largest j such that
    2 * P(Binomial(n, 1/2) <= j - 1) <= 1 - level, so its coverage is at least ``level``;
    NaN bounds when even [min, max] falls short (n < 6 at 95%). Returns (median, lo, hi, n).
    """
    a = np.sort(pd.to_numeric(pd.Series(x), errors="coerce").dropna().to_numpy(float))
    n = a.size
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    alpha = 1.0 - level
    j = 0
    while j + 1 <= n // 2 and 2.0 * sps.binom.cdf(j, n, 0.5) <= alpha:
        j += 1
    lo, hi = (a[j - 1], a[n - j]) if j >= 1 else (np.nan, np.nan)
    return float(np.median(a)), float(lo), float(hi), n


# --------------------------------------------------------------------------- Figure 2A
def timing_points(patients: pd.DataFrame) -> pd.DataFrame:
    """The Figure 2A samples, one row per patient and value (columns :data:`POINT_COLUMNS`):
    ``sample`` ``crs`` (analysis-set patients with CRS, ``crs_max_grade >= 1``) with ``column``
    the CRS onset/peak/recovery day, or a lineage (its new-onset patients) with ``column`` its
    onset/nadir/recovery day; missing values are left out."""
    df = analysis_set(patients)
    measures = [f"{lin}_{m}" for lin in LINEAGES for m, _ in TIMING_PAIRS]
    require(df, "crs_max_grade", *(c for _, c in TIMING_PAIRS), *measures,
            *(f"{lin}_new_onset" for lin in LINEAGES))
    crs = df[(df["crs_max_grade"].astype(float) >= 1).to_numpy(bool)]
    parts = [_points(crs, "crs", c, crs[c].astype(float)) for _, c in TIMING_PAIRS]
    for lin in LINEAGES:
        new = df[df[f"{lin}_new_onset"].fillna(False).to_numpy(bool)]
        parts += [_points(new, lin, f"{lin}_{m}", new[f"{lin}_{m}"].astype(float))
                  for m, _ in TIMING_PAIRS]
    return pd.concat(parts, ignore_index=True)


def crs_vs_cytopenia_timing(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    convention = study["conventions"]
    pts = timing_points(patients)
    rows = []
    for _, crs_col in TIMING_PAIRS:
        res = describe.median_range(_values(pts, "crs", crs_col))
        rows += [stat_row("crs_vs_cytopenia_timing", r.statistic, r.estimate, outcome=crs_col,
                          level="crs", n=r.n, method=f"{r.method}; patients with CRS")
                 for r in res.itertuples(index=False)]
    for lin in LINEAGES:
        for measure, crs_col in TIMING_PAIRS:
            col = f"{lin}_{measure}"
            res = describe.median_range(_values(pts, lin, col))
            rows += [stat_row("crs_vs_cytopenia_timing", r.statistic, r.estimate, outcome=col,
                              level=lin, n=r.n, method=f"{r.method}; new-onset {LABEL[lin]} patients")
                     for r in res.itertuples(index=False)]
            t = tests.mann_whitney(_values(pts, lin, col), _values(pts, "crs", crs_col),
                                   convention=convention).iloc[0]
            rows.append(stat_row(
                "crs_vs_cytopenia_timing", "U", t["estimate"], outcome=col, term=crs_col,
                p_value=t["p_value"], n=t["n"],
                method=f"{t['method']}; U of new-onset {LABEL[lin]} patients vs patients with CRS, "
                       "treated as independent samples as in the paper (a patient can be in both)"))
    return stat_frame(rows)


# --------------------------------------------------------------------------- Figure 2B
def incidence_by_crs(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    convention = study["conventions"]
    outcomes = [ANY_GRADE[lin] for lin in LINEAGES] + [f"{lin}_t3" for lin in LINEAGES]
    df = require(analysis_set(patients), "crs_group", *outcomes)
    group = df["crs_group"]
    rows = []
    for out in outcomes:
        b = df[out]
        table = []
        for g in CRS_GROUPS:
            sel = b[_in_group(group, g)]
            res = describe.count_percent(sel)
            table.append([int(sel.fillna(False).sum()), int((sel == False).sum())])  # noqa: E712
            rows += [stat_row("incidence_by_crs", r.statistic, r.estimate, outcome=out, level=g,
                              n=r.n, method=f"{r.method}; patients of the CRS group with T3 values")
                     for r in res.itertuples(index=False)]
        t = tests.chi_square(np.asarray(table).T, convention=convention).iloc[0]
        rows.append(stat_row("incidence_by_crs", "chi2", t["estimate"], outcome=out,
                             p_value=t["p_value"], n=t["n"],
                             method=(f"{t['method']}, two-sided" if not pd.isna(t["p_value"])
                                     else t["method"])
                             + "; 2 x 3 table (cytopenia yes/no x CRS none/mild/severe)"))
    return stat_frame(rows)


# --------------------------------------------------------------------------- Figure 2C-E
def values_at_days(labs: pd.DataFrame, test: str, days) -> pd.DataFrame:
    """Patient x day table of ``test``: the daily minimum at d, else d-1, else d+1 (NaN if none)."""
    sub = labs[(labs["test"].astype(str).str.lower() == test) & labs["value"].notna()]
    daily = sub.groupby([sub["patient_id"].astype(str), sub["day"].astype(int)])["value"].min()
    wide = daily.unstack("day")
    out = pd.DataFrame(index=wide.index)
    for d in days:
        val = pd.Series(np.nan, index=wide.index)
        for off in (0, -1, 1):
            if d + off in wide.columns:
                val = val.fillna(wide[d + off])
        out[int(d)] = val
    return out


def kinetics_by_crs(patients: pd.DataFrame, labs: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    convention = study["conventions"]
    days = [int(d) for d in study["kinetics_days"]]
    df = require(analysis_set(patients), "crs_group")
    group = df["crs_group"].set_axis(pd.Index(df["patient_id"].astype(str)))
    rows = []
    for test in KINETIC_TESTS:
        wide = values_at_days(labs, test, days).reindex(group.index)
        for d in days:
            vals = {g: wide.loc[_in_group(group, g), d].dropna() for g in CRS_GROUPS}
            for g, v in vals.items():
                n = len(v)
                sem = v.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
                rows.append(stat_row("kinetics_by_crs", "mean", v.mean() if n else np.nan,
                                     outcome=test, level=f"day{d}:{g}", n=n, method=KINETICS_METHOD))
                rows.append(stat_row("kinetics_by_crs", "sem", sem, outcome=test,
                                     level=f"day{d}:{g}", n=n, method=SEM_METHOD))
            t = tests.kruskal(vals, convention=convention).iloc[0]
            rows.append(stat_row("kinetics_by_crs", "H", t["estimate"], outcome=test,
                                 level=f"day{d}", p_value=t["p_value"], n=t["n"],
                                 method=f"{t['method']}; CRS none/mild/severe; {KINETICS_METHOD}"))
    return stat_frame(rows)


# --------------------------------------------------------------------------- Figure 4A-F
FIG4_MEASURES = ("duration_days_or_zero", "recovery_day")
"""Figure 4A-F columns of ``derived/patients.csv`` (per lineage): the duration with 0 for patients
without severe cytopenia after the infusion (the Figure 4 legend), and the recovery day."""


def fig4_values(df: pd.DataFrame, lin: str, what: str) -> pd.Series:
    """Per patient of ``df``: the Figure 4A-F column ``<lin>_<what>`` as float (a derived column:
    nothing is computed here, so the rows refit from the derived table)."""
    return require(df, f"{lin}_{what}")[f"{lin}_{what}"].astype(float)


def kruskal_points(patients: pd.DataFrame) -> pd.DataFrame:
    """The Figure 4A-F values (:func:`fig4_values`) of the analysis set, one row per patient and
    column (``L_duration_days_or_zero`` / ``L_recovery_day``) with a value; ``sample`` is the CRS group
    (<NA> outside every group)."""
    df = require(analysis_set(patients), "crs_group")
    return pd.concat([_points(df, df["crs_group"], f"{lin}_{what}", fig4_values(df, lin, what))
                      for what in FIG4_MEASURES for lin in LINEAGES], ignore_index=True)


def kruskal_crs_group(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    convention = study["conventions"]
    pts = kruskal_points(patients)
    rows = []
    for what in FIG4_MEASURES:
        who = ("all patients with T3 values; duration 0 without severe cytopenia after infusion"
               if what == "duration_days_or_zero"
               else "patients who recovered from a severe episode")
        for lin in LINEAGES:
            col = f"{lin}_{what}"
            vals = {g: _values(pts, g, col) for g in CRS_GROUPS}
            for g, x in vals.items():
                med, lo, hi, n = median_ci(x)
                rows.append(stat_row("kruskal_crs_group", "median", med, outcome=col, level=g,
                                     ci_low=lo, ci_high=hi, n=n, method=f"{MEDIAN_CI_METHOD}; {who}"))
            t = tests.kruskal(vals, convention=convention).iloc[0]
            rows.append(stat_row("kruskal_crs_group", "H", t["estimate"], outcome=col,
                                 p_value=t["p_value"], n=t["n"],
                                 method=f"{t['method']}; CRS none/mild/severe; {who}"))
    return stat_frame(rows)


# --------------------------------------------------------------------------- printed tables
def _mr(st, key) -> str:
    try:
        return format_median_range(*(st.loc[key + (s,), "estimate"] for s in ("median", "min", "max")), 1)
    except KeyError:
        return ""


def format_timing(stats: pd.DataFrame) -> pd.DataFrame:
    st = stats[stats["analysis"] == "crs_vs_cytopenia_timing"].set_index(
        ["outcome", "level", "statistic"])
    tst = stats[(stats["analysis"] == "crs_vs_cytopenia_timing") & (stats["statistic"] == "U")]
    out = []
    for r in tst.itertuples(index=False):
        lin = r.outcome.split("_", 1)[0]
        word = MEASURE_WORD[r.outcome.split("_", 1)[1]]
        out.append({"Comparison": f"{LABEL[lin]} {word} vs {MEASURE_WORD[r.term]} (day)",
                    "Cytopenia": _mr(st, (r.outcome, lin)),
                    "Cytopenia n": int(st.loc[(r.outcome, lin, "median"), "n"]),
                    "CRS": _mr(st, (r.term, "crs")), "CRS n": int(st.loc[(r.term, "crs", "median"), "n"]),
                    "U": format_number(r.estimate, 1), "P": format_p(r.p_value)})
    return pd.DataFrame(out)


def format_incidence(stats: pd.DataFrame) -> pd.DataFrame:
    sub = stats[stats["analysis"] == "incidence_by_crs"]
    st = sub.set_index(["outcome", "level", "statistic"])
    out = []
    for outcome in dict.fromkeys(sub["outcome"]):
        line = {"Cytopenia after infusion": OUTCOME_LABEL.get(outcome, outcome)}
        for g in CRS_GROUPS:
            line[GROUP_LABEL[g]] = (f"{format_count_percent(st.loc[(outcome, g, 'count'), 'estimate'], st.loc[(outcome, g, 'percent'), 'estimate'], 1)}"
                                    f" of {int(st.loc[(outcome, g, 'count'), 'n'])}")
        line["P"] = format_p(st.loc[(outcome, "", "chi2"), "p_value"])
        out.append(line)
    return pd.DataFrame(out)


def format_kinetics(stats: pd.DataFrame) -> pd.DataFrame:
    sub = stats[stats["analysis"] == "kinetics_by_crs"]
    st = sub.set_index(["outcome", "level", "statistic"])
    out = []
    for r in sub[sub["statistic"] == "H"].itertuples(index=False):
        line = {"Test": {"anc": "ANC", "hb": "Hb", "plt": "PLT"}.get(r.outcome, r.outcome),
                "Day": r.level.removeprefix("day")}
        for g in CRS_GROUPS:
            m, s = (st.loc[(r.outcome, f"{r.level}:{g}", k)] for k in ("mean", "sem"))
            line[GROUP_LABEL[g]] = ("" if pd.isna(m["estimate"]) else
                                    f"{format_number(m['estimate'], 2, strip=False)} ± "
                                    f"{format_number(s['estimate'], 2, strip=False)} (n={int(m['n'])})")
        line.update(H=format_number(r.estimate, 2, strip=False), P=format_p(r.p_value))
        out.append(line)
    return pd.DataFrame(out)


def format_kruskal(stats: pd.DataFrame) -> pd.DataFrame:
    sub = stats[stats["analysis"] == "kruskal_crs_group"]
    st = sub.set_index(["outcome", "level", "statistic"])
    out = []
    for r in sub[sub["statistic"] == "H"].itertuples(index=False):
        line = {"Outcome": OUTCOME_LABEL.get(r.outcome, r.outcome)}
        for g in CRS_GROUPS:
            m = st.loc[(r.outcome, g, "median")]
            ci = ("" if pd.isna(m["ci_low"]) else
                  f" [{format_number(m['ci_low'], 1)}, {format_number(m['ci_high'], 1)}]")
            line[GROUP_LABEL[g]] = f"{format_number(m['estimate'], 1)}{ci} (n={int(m['n'])})"
        line.update(H=format_number(r.estimate, 2, strip=False), P=format_p(r.p_value))
        out.append(line)
    return pd.DataFrame(out)


def crs_results(patients: pd.DataFrame, study: Mapping, labs: pd.DataFrame | None = None) -> dict:
    """Every statistic of the family, the printed tables (kinetics only when labs given) and the
    per-patient points of Figures 2A and 4A-F (``points["timing"]``, ``points["kruskal"]``)."""
    parts = [crs_vs_cytopenia_timing(patients, study), incidence_by_crs(patients, study)]
    if labs is not None:
        parts.append(kinetics_by_crs(patients, labs, study))
    parts.append(kruskal_crs_group(patients, study))
    stats = stat_frame(pd.concat(parts, ignore_index=True))
    tables = {"fig2a_crs_vs_cytopenia_timing": format_timing(stats),
              "fig2b_incidence_by_crs": format_incidence(stats),
              "fig4af_kruskal_crs_group": format_kruskal(stats)}
    if labs is not None:
        tables["fig2cde_kinetics_by_crs"] = format_kinetics(stats)
    points = {"timing": timing_points(patients), "kruskal": kruskal_points(patients)}
    return {"stats": stats, "tables": tables, "points": points}
