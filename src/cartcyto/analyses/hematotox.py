"""Family ``hematotox``: ICAHT / T-ICAHT grades, the CAR-HEMATOTOX score and the neutrophil
recovery phenotypes of the analysis set (any design that lists ``hematotox``).

Every row rests on columns of ``derived/patients.csv`` only (``cartcyto.derive.hematotoxicity``),
read typed as ``read_derived`` returns them (grades and scores ``Int64``, ``hematotox_high``
``boolean``, the phenotype ``string``); :func:`hematotox_statistics` stops with the names of the
columns a table lacks:

* ``hematotox_grades`` -- per grade column (``outcome``: icaht_early_grade, icaht_late_grade,
  ticaht_early_grade, ticaht_late_grade) and grade 0-4 (``level``): count and percent of the
  graded patients (n = graded); level ``not_gradable``: count and percent of the analysis set;
* ``hematotox_score`` -- the score 0-7 (``outcome`` hematotox_score) and high risk (``outcome``
  hematotox_high, level ``true``): count and percent of the scored patients;
* ``hematotox_grade_by_risk`` -- early ICAHT grade (``outcome``) by risk group (``term``
  hematotox_high, ``level`` ``<high|low>:<grade>``): count and percent within the group;
* ``hematotox_severe_icaht`` -- the 2x2 table HEMATOTOX high/low x severe early ICAHT
  (icaht_early_grade >= ``severe_icaht_at_least``): four ``count`` rows (``level``
  ``high:severe``...) and Fisher's exact test (``odds_ratio``, two-sided p);
* ``hematotox_roc`` -- ROC AUC of hematotox_score for severe early ICAHT, DeLong 95% CI;
* ``hematotox_days_anc`` -- icaht_days_anc_le500 by risk group: median/min/max per group and a
  Mann-Whitney U (``cartcyto.stats.tests.mann_whitney``; U of the high-risk group);
* ``hematotox_phenotype`` -- neutrophil_phenotype counts and percents (n = classified).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.derive.phenotype import PHENOTYPES
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_count_percent, format_median_range, format_number, format_p
from cartcyto.stats import describe, tests
from cartcyto.stats.roc import roc_auc

GRADE_COLUMNS = ("icaht_early_grade", "icaht_late_grade", "ticaht_early_grade", "ticaht_late_grade")
GRADE_LABELS = {"icaht_early_grade": "Early ICAHT (days 0-30)", "icaht_late_grade": "Late ICAHT (days 31-100)",
                "ticaht_early_grade": "Early T-ICAHT (days 0-30)", "ticaht_late_grade": "Late T-ICAHT (days 31-100)"}
GRADES = (0, 1, 2, 3, 4)
RISK = {True: "high", False: "low"}
POPULATION = "analysis set"
REQUIRED = ("in_analysis_set", *GRADE_COLUMNS, "icaht_days_anc_le500", "hematotox_score", "hematotox_high",
            "neutrophil_phenotype")
"""The derived columns the family reads."""


def _in_group(high: pd.Series, flag: bool) -> pd.Series:
    """Rows of one risk group (an unscored patient, <NA>, is in neither)."""
    return (high == flag).fillna(False).astype(bool)


def _count_rows(analysis: str, outcome: str, level: str, count: int, n: int, method: str, term: str = "") -> list:
    pct = 100.0 * count / n if n else np.nan
    return [stat_row(analysis, "count", count, outcome=outcome, term=term, level=level, n=n, method=method),
            stat_row(analysis, "percent", pct, outcome=outcome, term=term, level=level, n=n, method=method)]


def grade_distribution(patients: pd.DataFrame) -> pd.DataFrame:
    """``hematotox_grades`` rows (module docstring)."""
    df = analysis_set(patients)
    rows = []
    for col in GRADE_COLUMNS:
        g = df[col]
        graded = int(g.notna().sum())
        for grade in GRADES:
            rows += _count_rows("hematotox_grades", col, str(grade), int((g == grade).sum()), graded,
                                f"n (%) of the graded {POPULATION} patients")
        rows += _count_rows("hematotox_grades", col, "not_gradable", int(g.isna().sum()), len(df),
                            f"n (%) of the {POPULATION}; reason in {col.replace('_grade', '_not_gradable')}")
    return stat_frame(rows)


def score_distribution(patients: pd.DataFrame) -> pd.DataFrame:
    """``hematotox_score`` rows: score 0-7 and high risk, n = scored patients."""
    df = analysis_set(patients)
    s = df["hematotox_score"]
    n = int(s.notna().sum())
    method = f"n (%) of the scored {POPULATION} patients (CAR-HEMATOTOX, Rejeski 2021)"
    rows = []
    for value in range(8):
        rows += _count_rows("hematotox_score", "hematotox_score", str(value), int((s == value).sum()), n, method)
    high = df["hematotox_high"]
    rows += _count_rows("hematotox_score", "hematotox_high", "true", int(high.sum()),
                        int(high.notna().sum()), method + "; high = score >= 2")
    return stat_frame(rows)


def grade_by_risk(patients: pd.DataFrame) -> pd.DataFrame:
    """``hematotox_grade_by_risk``: early ICAHT grade distribution within each risk group."""
    df = analysis_set(patients)
    high, g = df["hematotox_high"], df["icaht_early_grade"]
    rows = []
    for flag, name in RISK.items():
        in_group = _in_group(high, flag) & g.notna()
        n = int(in_group.sum())
        for grade in GRADES:
            rows += _count_rows("hematotox_grade_by_risk", "icaht_early_grade", f"{name}:{grade}",
                                int((in_group & (g == grade).fillna(False)).sum()), n,
                                f"n (%) of the {name}-risk {POPULATION} patients with a score and an early grade",
                                term="hematotox_high")
    return stat_frame(rows)


def severe_icaht_table(patients: pd.DataFrame, severe_at_least: int) -> tuple[np.ndarray, int]:
    """The 2x2 counts [[high & severe, high & not], [low & severe, low & not]] and its n."""
    df = analysis_set(patients)
    high, g = df["hematotox_high"], df["icaht_early_grade"]
    ok = (high.notna() & g.notna()).to_numpy(bool)
    h, sev = high[ok].to_numpy(bool), (g[ok] >= severe_at_least).to_numpy(bool)
    table = np.array([[np.sum(h & sev), np.sum(h & ~sev)], [np.sum(~h & sev), np.sum(~h & ~sev)]])
    return table, int(ok.sum())


def severe_icaht(patients: pd.DataFrame, severe_at_least: int) -> pd.DataFrame:
    """``hematotox_severe_icaht``: the 2x2 cells and Fisher's exact test."""
    table, n = severe_icaht_table(patients, severe_at_least)
    severe = f"severe = icaht_early_grade >= {severe_at_least}"
    rows = []
    for r, risk in enumerate(("high", "low")):
        for c, out in enumerate(("severe", "not_severe")):
            rows.append(stat_row("hematotox_severe_icaht", "count", table[r, c], outcome="icaht_early_grade",
                                 term="hematotox_high", level=f"{risk}:{out}", n=n,
                                 method=f"2x2 cell; {severe}; {POPULATION} with a score and an early grade"))
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
        rows.append(stat_row("hematotox_severe_icaht", "odds_ratio", outcome="icaht_early_grade",
                             term="hematotox_high", n=n,
                             method=f"Fisher's exact test not computed: a row or column of the 2x2 table is empty "
                                    f"(no high-risk, low-risk, severe or non-severe patient); {severe}"))
        return stat_frame(rows)
    res = tests.fisher_exact(table).iloc[0]
    rows.append(stat_row("hematotox_severe_icaht", "odds_ratio", res["estimate"], outcome="icaht_early_grade",
                         term="hematotox_high", p_value=res["p_value"], n=res["n"],
                         method=f"{res['method']}; table [[high & severe, high & not], [low & severe, low & not]]; "
                                f"{severe}"))
    return stat_frame(rows)


def score_roc(patients: pd.DataFrame, severe_at_least: int) -> pd.DataFrame:
    """``hematotox_roc``: ROC AUC (DeLong 95% CI) of hematotox_score for severe early ICAHT."""
    df = analysis_set(patients)
    outcome = df["icaht_early_grade"] >= severe_at_least          # boolean, <NA> where not gradable
    res = roc_auc(df["hematotox_score"].astype("float64"), outcome).iloc[0]
    return stat_frame([stat_row("hematotox_roc", "AUC", res["estimate"], outcome="icaht_early_grade",
                                term="hematotox_score", ci_low=res["ci_low"], ci_high=res["ci_high"], n=res["n"],
                                method=(f"{res['method']}; outcome icaht_early_grade >= {severe_at_least}; "
                                        f"{int(res['n_cases'])} cases, {int(res['n_controls'])} controls"))])


def days_by_risk(patients: pd.DataFrame, *, convention: str) -> pd.DataFrame:
    """``hematotox_days_anc``: icaht_days_anc_le500 by risk group (median [range], Mann-Whitney)."""
    df = analysis_set(patients)
    high, days = df["hematotox_high"], df["icaht_days_anc_le500"].astype("float64")
    rows = []
    groups = {}
    for flag, name in RISK.items():
        x = days[_in_group(high, flag)]
        groups[name] = x
        for _, r in describe.median_range(x).iterrows():
            rows.append(stat_row("hematotox_days_anc", r["statistic"], r["estimate"], outcome="icaht_days_anc_le500",
                                 term="hematotox_high", level=name, n=r["n"], method=r["method"]))
    res = tests.mann_whitney(groups["high"], groups["low"], convention=convention).iloc[0]
    rows.append(stat_row("hematotox_days_anc", "U", res["estimate"], outcome="icaht_days_anc_le500",
                         term="hematotox_high", p_value=res["p_value"], n=res["n"],
                         method=f"{res['method']}; U of the high-risk group"))
    return stat_frame(rows)


def phenotype_counts(patients: pd.DataFrame) -> pd.DataFrame:
    """``hematotox_phenotype``: quick / intermittent / aplastic, n = classified patients."""
    df = analysis_set(patients)
    ph = df["neutrophil_phenotype"]
    n = int(ph.notna().sum())
    rows = []
    for level in PHENOTYPES:
        rows += _count_rows("hematotox_phenotype", "neutrophil_phenotype", level, int((ph == level).sum()), n,
                            f"n (%) of the classified {POPULATION} patients (Rejeski 2021 recovery phenotypes)")
    rows += _count_rows("hematotox_phenotype", "neutrophil_phenotype", "not_classified", int(ph.isna().sum()),
                        len(df), f"n (%) of the {POPULATION}; reason in neutrophil_phenotype_not_classified")
    return stat_frame(rows)


def hematotox_statistics(patients: pd.DataFrame, cfg: Mapping, *, convention: str) -> pd.DataFrame:
    """Every row of the family (module docstring), ``cfg`` = the design's ``hematotox`` block."""
    require(patients, *REQUIRED)
    severe = int(cfg["severe_icaht_at_least"])
    parts = [grade_distribution(patients), score_distribution(patients), grade_by_risk(patients),
             severe_icaht(patients, severe), score_roc(patients, severe),
             days_by_risk(patients, convention=convention), phenotype_counts(patients)]
    return stat_frame(pd.concat(parts, ignore_index=True))


# ---------------------------------------------------------------- tables
def _cell(sub: pd.DataFrame, outcome: str, level: str) -> str:
    m = sub[(sub["outcome"] == outcome) & (sub["level"] == level)]
    if m.empty:
        return ""
    count = m.loc[m["statistic"] == "count", "estimate"].iloc[0]
    pct = m.loc[m["statistic"] == "percent", "estimate"].iloc[0]
    return format_count_percent(count, pct, decimals=1)


def format_grades(stats: pd.DataFrame) -> pd.DataFrame:
    """Grade | early ICAHT n (%) | late ICAHT | early T-ICAHT | late T-ICAHT (+ graded n)."""
    sub = stats[stats["analysis"] == "hematotox_grades"]
    cols = [c for c in GRADE_COLUMNS if c in set(sub["outcome"])]
    rows = []
    for level in [str(g) for g in GRADES] + ["not_gradable"]:
        label = f"Grade {level}" if level != "not_gradable" else "Not gradable"
        rows.append({"Grade": label, **{GRADE_LABELS[c]: _cell(sub, c, level) for c in cols}})
    graded = {GRADE_LABELS[c]: format_number(sub[(sub["outcome"] == c) & (sub["level"] == "0")]["n"].iloc[0], 0)
              for c in cols}
    rows.append({"Grade": "Graded, n", **graded})
    return pd.DataFrame(rows)


def format_risk(stats: pd.DataFrame) -> pd.DataFrame:
    """The HEMATOTOX risk table: distribution, 2x2 with Fisher's p, AUC, days ANC <= 0.5."""
    def get(analysis, statistic, level="", field="estimate", outcome=None):
        m = (stats["analysis"] == analysis) & (stats["statistic"] == statistic) & (stats["level"] == level)
        if outcome is not None:
            m &= stats["outcome"] == outcome
        return stats.loc[m, field].iloc[0] if m.any() else np.nan

    lines = [("High risk (score >= 2), n (%)",
              format_count_percent(get("hematotox_score", "count", "true", outcome="hematotox_high"),
                                   get("hematotox_score", "percent", "true", outcome="hematotox_high"), 1)),
             ("Scored patients, n", format_number(get("hematotox_score", "count", "true", "n", "hematotox_high"), 0))]
    for risk in ("high", "low"):
        sev = get("hematotox_severe_icaht", "count", f"{risk}:severe")
        non = get("hematotox_severe_icaht", "count", f"{risk}:not_severe")
        tot = sev + non
        lines.append((f"Severe early ICAHT, {risk} risk, n/N (%)",
                      f"{format_number(sev, 0)}/{format_number(tot, 0)}"
                      + (f" ({format_number(100 * sev / tot, 1)}%)" if tot else "")))
    lines.append(("Fisher's exact test, odds ratio (P)",
                  f"{format_number(get('hematotox_severe_icaht', 'odds_ratio'), 2)} "
                  f"({format_p(get('hematotox_severe_icaht', 'odds_ratio', field='p_value'))})"))
    lines.append(("ROC AUC of the score for severe early ICAHT (95% CI DeLong)",
                  f"{format_number(get('hematotox_roc', 'AUC'), 3)} ({format_number(get('hematotox_roc', 'AUC', field='ci_low'), 3)}"
                  f"-{format_number(get('hematotox_roc', 'AUC', field='ci_high'), 3)})"))
    for risk in ("high", "low"):
        lines.append((f"Days ANC <= 0.5 (days 0-30), {risk} risk, median [range]",
                      format_median_range(get("hematotox_days_anc", "median", risk),
                                          get("hematotox_days_anc", "min", risk),
                                          get("hematotox_days_anc", "max", risk), 1)))
    lines.append(("Mann-Whitney U (P)", f"{format_number(get('hematotox_days_anc', 'U'), 1)} "
                                        f"({format_p(get('hematotox_days_anc', 'U', field='p_value'))})"))
    return pd.DataFrame(lines, columns=["Item", "Value"])


def format_phenotypes(stats: pd.DataFrame) -> pd.DataFrame:
    """Phenotype | n (%)."""
    sub = stats[stats["analysis"] == "hematotox_phenotype"]
    return pd.DataFrame([{"Neutrophil recovery phenotype": lv.replace("_", " ").capitalize(),
                          "Patients, n (%)": _cell(sub, "neutrophil_phenotype", lv)}
                         for lv in PHENOTYPES + ("not_classified",)])
