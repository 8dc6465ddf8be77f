"""Figures of the ``hematotox`` family, each drawn from what the analyses computed:

* :func:`grade_by_risk_bars` -- early ICAHT grade by CAR-HEMATOTOX group (stacked percent bars),
  from the ``hematotox_grade_by_risk`` statistics rows;
* :func:`anc_phenotype_lines` -- daily ANC by recovery phenotype (median line, IQR band), from
  :func:`cartcyto.analyses.hematotox_daily.anc_by_phenotype`;
* :func:`anc_heat_strip` -- one row per patient, days 0-30 coloured ANC <= 0.1 / <= 0.5 / above,
  from :func:`cartcyto.analyses.hematotox_daily.anc_strip` (categories and their labels:
  ``STRIP_CATEGORIES`` / ``STRIP_LABELS`` of that module).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from cartcyto.analyses.hematotox_daily import STRIP_CATEGORIES, STRIP_LABELS
from cartcyto.figures.style import apply_style

# grade 0 (light) to 4 (dark): a sequential, colour-blind-safe ramp
GRADE_COLOURS = ("#f0f0f0", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
PHENOTYPE_COLOURS = {"quick": "#009E73", "intermittent": "#E69F00", "aplastic": "#D55E00"}
STRIP_COLOURS = {"le100": "#7f0000", "le500": "#fc8d59", "above": "#d6e0eb", "no_value": "#ffffff",
                 "censored": "#8c8c8c"}
MIN_PATIENTS = 3   # a phenotype's daily median/IQR is drawn on days with at least this many values


def grade_by_risk_bars(stats: pd.DataFrame):
    """Stacked bars: % of each early ICAHT grade within the low- and high-risk groups."""
    apply_style()
    sub = stats[(stats["analysis"] == "hematotox_grade_by_risk") & (stats["statistic"] == "percent")]
    fig, ax = plt.subplots(figsize=(3.6, 3.4))
    groups = (("low", "Low risk\n(score 0-1)"), ("high", "High risk\n(score ≥ 2)"))
    for x, (risk, label) in enumerate(groups):
        bottom, n = 0.0, 0
        for grade, colour in enumerate(GRADE_COLOURS):
            row = sub[sub["level"] == f"{risk}:{grade}"]
            pct = float(row["estimate"].iloc[0]) if len(row) and row["estimate"].notna().all() else 0.0
            n = int(row["n"].iloc[0]) if len(row) else n
            ax.bar(x, pct, bottom=bottom, color=colour, edgecolor="#555555", linewidth=0.4, width=0.6,
                   label=f"Grade {grade}" if x == 0 else None)
            if pct >= 6:
                ax.text(x, bottom + pct / 2, f"{pct:.0f}%", ha="center", va="center", fontsize=7,
                        color="white" if grade >= 3 else "black")
            bottom += pct
        ax.text(x, 102, f"n = {n}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks([0, 1], [label for _, label in groups])
    ax.set_ylim(0, 110)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("Patients (%)")
    ax.set_title("Early ICAHT grade by CAR-HEMATOTOX group", loc="left")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    fig.tight_layout()
    return fig


def anc_phenotype_lines(table: pd.DataFrame, *, thresholds=(0.5, 1.0)):
    """Median daily ANC (line) and IQR (band) per recovery phenotype, on the days with at least
    :data:`MIN_PATIENTS` patients with a value; ``thresholds`` (the design's phenotype cuts) as
    dashed lines. A phenotype with no such day is named in the legend as not drawn."""
    apply_style()
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    top = 0.0
    for name, colour in PHENOTYPE_COLOURS.items():
        part = table[table["phenotype"] == name].sort_values("day")
        n = int(part["patients"].iloc[0]) if len(part) else 0
        few = part["n"] < MIN_PATIENTS
        part = part.assign(median=part["median"].mask(few), q1=part["q1"].mask(few), q3=part["q3"].mask(few))
        if part.empty or part["median"].isna().all():
            ax.plot([], [], color=colour, linewidth=1.6, linestyle=":",
                    label=f"{name.capitalize()} (n = {n}, not drawn)")
            continue
        ax.fill_between(part["day"], part["q1"], part["q3"], color=colour, alpha=0.2, linewidth=0)
        ax.plot(part["day"], part["median"], color=colour, linewidth=1.6, label=f"{name.capitalize()} (n = {n})")
        top = max(top, float(np.nanmax(part["q3"])))
    for t in thresholds:
        ax.axhline(t, color="#555555", linestyle="--", linewidth=0.7)
        ax.text(table["day"].max(), t, f" {t:.1f}", va="center", ha="left", fontsize=7, color="#555555")
    ax.set_ylim(0, max(1.5, top * 1.05))
    ax.set_xlim(table["day"].min(), table["day"].max())
    ax.set_xlabel("Days after CAR-T cell infusion")
    ax.set_ylabel("ANC (×10$^9$/L), median and IQR")
    ax.set_title("Daily ANC by neutrophil recovery phenotype", loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, fontsize=8)
    fig.tight_layout()
    return fig


def _group_labels(ax, grades: np.ndarray, x: float) -> None:
    """A rule under each early-grade group and its name with the group's size, right of the strip."""
    groups = [(g, np.flatnonzero(grades == g)) for g in np.unique(grades[~np.isnan(grades)])[::-1]]
    groups += [(np.nan, np.flatnonzero(np.isnan(grades)))] if np.isnan(grades).any() else []
    for g, rows in groups:
        if rows[-1] + 1 < grades.size:
            ax.axhline(rows[-1] + 0.5, color="#333333", linewidth=0.6)
        name = "Not gradable" if np.isnan(g) else f"Grade {int(g)}"
        ax.text(x, rows.mean(), f"{name}\n(n = {rows.size})", va="center", fontsize=7)


def anc_heat_strip(strip: pd.DataFrame):
    """Patients (rows, highest early ICAHT grade on top) x days 0-30, coloured by ANC category."""
    apply_style()
    n = int(strip["row"].max()) + 1 if len(strip) else 0
    days = np.sort(strip["day"].unique())
    codes = strip["category"].map({c: i for i, c in enumerate(STRIP_CATEGORIES)}).to_numpy().reshape(n, days.size)
    height = max(3.2, 0.045 * n + 1.9)
    fig, ax = plt.subplots(figsize=(5.8, height))
    cmap = ListedColormap([STRIP_COLOURS[c] for c in STRIP_CATEGORIES])
    ax.imshow(codes, aspect="auto", interpolation="nearest", cmap=cmap, vmin=-0.5,
              vmax=len(STRIP_CATEGORIES) - 0.5, extent=(days[0] - 0.5, days[-1] + 0.5, n - 0.5, -0.5))
    grades = strip.drop_duplicates("row").sort_values("row")["icaht_early_grade"].to_numpy(float)
    _group_labels(ax, grades, days[-1] + 1.2)
    ax.set_xlabel("Days after CAR-T cell infusion")
    ax.set_ylabel(f"Patients (n = {n}), by early ICAHT grade")
    ax.set_yticks([])
    ax.set_xticks(range(int(days[0]), int(days[-1]) + 1, 5))
    ax.set_title("Days with ANC ≤ 0.5 and ≤ 0.1 ×10$^9$/L, days 0-30", loc="left")
    present = [c for c in STRIP_CATEGORIES if (strip["category"] == c).any()]
    ax.legend(handles=[Patch(facecolor=STRIP_COLOURS[c], edgecolor="#777777", linewidth=0.5, label=STRIP_LABELS[c])
                       for c in present],
              loc="upper center", bbox_to_anchor=(0.5, -0.5 / (0.85 * height)),
              ncol=2 if len(present) == 4 else min(3, len(present)),
              fontsize=7, handlelength=1.4, columnspacing=1.2)
    fig.tight_layout()
    return fig
