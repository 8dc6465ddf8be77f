"""Table 1 of Wang 2021: demographic and clinical characteristics of the analysis set.

Every cell is a statistics row (analysis ``table1``): continuous rows give ``median``, ``min`` and
``max``; categorical rows give ``count`` and ``percent`` (n = patients with a non-missing value).
`format_table1` turns those rows back into the printed layout, so the table is drawn from the
statistics, never computed twice.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.report.rows import stat_frame, stat_row

ANALYSIS = "table1"
MEDIAN_METHOD = "median [min-max] of non-missing values (even n: mean of the two middle values)"
COUNT_METHOD = "n (%) of non-missing values"


@dataclass(frozen=True)
class Row:
    term: str            # column of derived/patients.csv
    label: str           # printed label
    kind: str            # "continuous" | "categorical"
    levels: tuple = ()   # categorical levels to report (as strings); () = the value true
    section: str = ""    # printed section header the row sits under


TABLE1_ROWS: tuple[Row, ...] = (
    Row("age_years", "Age, years", "continuous"),
    Row("sex", "Gender, n (%)", "categorical", ("M", "F")),
    Row("bmi", "BMI, kg/m2", "continuous"),
    Row("extramedullary", "Extramedullary disease, n (%)", "categorical"),
    Row("prior_chemo_cycles", "Number of prior chemotherapies, times", "continuous"),
    Row("prior_hsct", "Prior allogeneic HSCT, n (%)", "categorical"),
    Row("n_relapses", "Number of relapses, times", "continuous"),
    Row("bm_blasts_pct", "Bone marrow tumor burden before lymphodepletion, %", "continuous"),
    Row("pre_ld_anc", "ANC, x10^9/L", "continuous", section="Pre-lymphodepletion"),
    Row("pre_ld_hb", "Hemoglobin, g/L", "continuous", section="Pre-lymphodepletion"),
    Row("pre_ld_plt", "Platelet count, x10^9/L", "continuous", section="Pre-lymphodepletion"),
    Row("ldh", "LDH, U/L", "continuous", section="Pre-lymphodepletion"),
    Row("ferritin", "Ferritin, ng/mL", "continuous", section="Pre-lymphodepletion"),
    Row("alt", "ALT, U/L", "continuous", section="Pre-lymphodepletion"),
    Row("ast", "AST, U/L", "continuous", section="Pre-lymphodepletion"),
    Row("gfr", "GFR, ml/min", "continuous", section="Pre-lymphodepletion"),
    Row("creatinine", "Serum creatinine, umol/L", "continuous", section="Pre-lymphodepletion"),
    Row("urea", "Serum urea, mmol/L", "continuous", section="Pre-lymphodepletion"),
    Row("uric_acid", "Serum uric acid, umol/L", "continuous", section="Pre-lymphodepletion"),
    Row("car_target", "Targets of CAR-T cell, n (%)", "categorical", ("CD19", "CD22", "CD19-CD22")),
    Row("pht", "PHT, n (%)", "categorical"),
    Row("crs_max_grade", "CRS, n (%)", "categorical", ("none", "1", "2", "3-4")),
    Row("neurotoxicity", "Neurotoxicity, n (%)", "categorical"),
    Row("hemorrhage", "Hemorrhage, n (%)", "categorical"),
    Row("infection", "Infection, n (%)", "categorical"),
)

LEVEL_LABELS = {"M": "Male", "F": "Female", "none": "None", "1": "Grade 1", "2": "Grade 2",
                "3-4": "Grade 3-4"}


def _level_series(df: pd.DataFrame, row: Row) -> pd.Series:
    """The column as strings matching `row.levels` (CRS grade is binned none/1/2/3-4)."""
    s = df[row.term]
    if row.term == "crs_max_grade":
        g = s.astype(float)
        out = pd.Series(pd.NA, index=s.index, dtype="object")
        out[g == 0] = "none"
        out[g == 1] = "1"
        out[g == 2] = "2"
        out[g >= 3] = "3-4"
        return out
    return s.astype("string").str.strip()


def table1_stats(derived: pd.DataFrame, rows: tuple[Row, ...] = TABLE1_ROWS) -> pd.DataFrame:
    """Table 1 statistics rows for the analysis set of ``derived`` (derived/patients.csv).

    Rows whose column is absent from the derived table are skipped (a user's cohort may not
    record every covariate); the scorecard then reports the published item as not reproducible.
    """
    df = analysis_set(derived)
    out = []
    for row in rows:
        if row.term not in df.columns:
            continue
        require(df, row.term)
        if row.kind == "continuous":
            x = df[row.term].astype(float).dropna().to_numpy(float)
            n = len(x)
            stats = {"median": np.median(x), "min": x.min(), "max": x.max()} if n else {}
            for name, value in stats.items():
                out.append(stat_row(ANALYSIS, name, value, term=row.term, n=n, method=MEDIAN_METHOD))
            continue
        if row.levels:
            s = _level_series(df, row)
            n = int(s.notna().sum())
            for level in row.levels:
                count = int((s == level).sum())
                out.append(stat_row(ANALYSIS, "count", count, term=row.term, level=level, n=n,
                                    method=COUNT_METHOD))
                out.append(stat_row(ANALYSIS, "percent", 100.0 * count / n if n else np.nan,
                                    term=row.term, level=level, n=n, method=COUNT_METHOD))
        else:
            b = df[row.term]
            n = int(b.notna().sum())
            count = int(b.fillna(False).sum())
            out.append(stat_row(ANALYSIS, "count", count, term=row.term, level="true", n=n,
                                method=COUNT_METHOD))
            out.append(stat_row(ANALYSIS, "percent", 100.0 * count / n if n else np.nan,
                                term=row.term, level="true", n=n, method=COUNT_METHOD))
    return stat_frame(out)


def _fmt(x: float) -> str:
    """Print a number as the paper does: up to 2 decimals, no trailing zeros."""
    return f"{round(float(x), 2):.2f}".rstrip("0").rstrip(".")


def format_table1(stats: pd.DataFrame, rows: tuple[Row, ...] = TABLE1_ROWS) -> pd.DataFrame:
    """The printed layout: Characteristic | Value, drawn from ``table1_stats`` rows."""
    st = stats[stats["analysis"] == ANALYSIS].set_index(["term", "level", "statistic"])["estimate"]
    n_total = int(stats.loc[stats["analysis"] == ANALYSIS, "n"].max()) if len(stats) else 0
    lines, section = [], None
    for row in rows:
        if (row.term, "", "median") not in st.index and not any(
                (row.term, lv, "count") in st.index for lv in (row.levels or ("true",))):
            continue
        if row.section and row.section != section:
            lines.append((row.section, ""))
        section = row.section
        if row.kind == "continuous":
            lines.append((row.label, f"{_fmt(st[(row.term, '', 'median')])} "
                                     f"[{_fmt(st[(row.term, '', 'min')])}-{_fmt(st[(row.term, '', 'max')])}]"))
        elif row.levels:
            lines.append((row.label, ""))
            for level in row.levels:
                c, p = st[(row.term, level, "count")], st[(row.term, level, "percent")]
                lines.append((f"  {LEVEL_LABELS.get(level, level)}", f"{int(c)} ({_fmt(p)}%)"))
        else:
            c, p = st[(row.term, "true", "count")], st[(row.term, "true", "percent")]
            lines.append((row.label, f"{int(c)} ({_fmt(p)}%)"))
    return pd.DataFrame(lines, columns=["Characteristic", f"Value (n={n_total})"])


def crs_treatment_stats(derived: pd.DataFrame) -> pd.DataFrame:
    """Tocilizumab or corticosteroid use by CRS group (Results: 4 of 33 mild, 24 of 29 severe).

    Rows: analysis ``crs_treatment``, term ``toci_or_steroid``, level = CRS group, statistics
    count and percent with n = patients of that group in the analysis set.
    """
    df = require(analysis_set(derived), "crs_group", "toci_or_steroid")
    used = df["toci_or_steroid"].fillna(False).astype(bool)
    out = []
    for group in ("none", "mild", "severe"):
        in_group = df["crs_group"].astype(str) == group
        n = int(in_group.sum())
        count = int((used & in_group).sum())
        for statistic, value in (("count", count), ("percent", 100.0 * count / n if n else np.nan)):
            out.append(stat_row("crs_treatment", statistic, value, term="toci_or_steroid", level=group,
                                n=n, method=COUNT_METHOD + " within the CRS group"))
    return stat_frame(out)
