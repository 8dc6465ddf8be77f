"""Figures 2A-E and 4A-F of Wang 2021 (CRS and severe cytopenia), drawn from the statistics rows
and, for the individual points, from the points frames of the analysis
(:func:`cartcyto.analyses.crs.timing_points`, :func:`cartcyto.analyses.crs.kruskal_points`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from cartcyto.analyses.crs import (ANY_GRADE, CRS_GROUPS, GROUP_LABEL, KINETIC_TESTS,
                                   TIMING_PAIRS)
from cartcyto.figures.incidence import bracket
from cartcyto.report.rows import stat_frame
from cartcyto.figures.style import PALETTE, apply_style, savefig, stars
from cartcyto.vocabulary import LINEAGE_SHORT
from cartcyto.report.tables import format_p
from cartcyto.vocabulary import LINEAGES

TEST_LABEL = {"anc": "ANC, ×10⁹/L", "hb": "Hemoglobin, g/L", "plt": "Platelet count, ×10⁹/L"}
PAIR_TITLE = {"onset_day": "Onset", "nadir_day": "Peak (CRS) / nadir (cytopenia)",
              "recovery_day": "Recovery"}


def _stat(stats: pd.DataFrame, analysis: str, outcome: str, statistic: str, level: str = "",
          field: str = "estimate", term: str | None = None) -> float:
    sel = ((stats["analysis"] == analysis) & (stats["outcome"] == outcome)
           & (stats["statistic"] == statistic) & (stats["level"] == level))
    if term is not None:
        sel &= stats["term"] == term
    rows = stats[sel]
    return float(rows[field].iloc[0]) if len(rows) else np.nan


def _points(points: pd.DataFrame, sample: str, column: str) -> np.ndarray:
    """Values of one sample and column of a points frame, in the frame's (patient) order."""
    sel = ((points["sample"] == sample).fillna(False).to_numpy(bool)
           & (points["column"] == column).to_numpy(bool))
    return points["value"].to_numpy(float)[sel]


def _box(ax, x: float, v: np.ndarray, colour: str, rng) -> None:
    if not v.size:
        return
    ax.boxplot(v, positions=[x], widths=0.55, whis=(0, 100), showfliers=False, patch_artist=True,
               boxprops=dict(facecolor=colour, alpha=0.35, lw=0.8), medianprops=dict(color="black"),
               whiskerprops=dict(lw=0.8), capprops=dict(lw=0.8))
    ax.scatter(x + rng.uniform(-0.12, 0.12, v.size), v, s=5, color=colour, zorder=3)


def fig_crs_vs_cytopenia_timing(points: pd.DataFrame, stats: pd.DataFrame,
                                stem: str | Path) -> list[str]:
    """Figure 2A: CRS vs new-onset SN/SA/ST onset, peak/nadir and recovery days (Mann-Whitney).

    ``points``: :func:`cartcyto.analyses.crs.timing_points` (the samples the tests rest on)."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 3.3), sharey=True)
    for ax, (measure, crs_col) in zip(axes, TIMING_PAIRS):
        v = _points(points, "crs", crs_col)
        _box(ax, 0, v, PALETTE["crs"], rng)
        top = v.max() if v.size else 0
        for k, lin in enumerate(LINEAGES, start=1):
            w = _points(points, lin, f"{lin}_{measure}")
            _box(ax, k, w, PALETTE[lin], rng)
            top = max(top, w.max() if w.size else 0)
        for k, lin in enumerate(LINEAGES, start=1):
            p = _stat(stats, "crs_vs_cytopenia_timing", f"{lin}_{measure}", "U", field="p_value",
                      term=crs_col)
            bracket(ax, 0, k, top + 2 + 4 * (k - 1), stars(p), h=1.2, fontsize=7)
        ax.set_xticks(range(4), ["CRS", *(LINEAGE_SHORT[lin] for lin in LINEAGES)])
        ax.set_title(PAIR_TITLE[measure])
    axes[0].set_ylabel("Days after CAR-T cell infusion")
    fig.text(0.99, -0.03, "New-onset SN/SA/ST vs patients with CRS; Mann-Whitney U "
             "(independent samples). Boxes: median, IQR; whiskers: range", ha="right", fontsize=6.5)
    return savefig(fig, stem)


def fig_incidence_by_crs(stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Figure 2B: any-grade and severe cytopenia after infusion (percent) by CRS group."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    outcomes = [ANY_GRADE[lin] for lin in LINEAGES] + [f"{lin}_t3" for lin in LINEAGES]
    labels = ["Neutropenia", "Anemia", "Thrombocytopenia", "SN", "SA", "ST"]
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    width = 0.26
    for i, out in enumerate(outcomes):
        tops = []
        for j, g in enumerate(CRS_GROUPS):
            pct = _stat(stats, "incidence_by_crs", out, "percent", g)
            ax.bar(i + (j - 1) * width, pct, width * 0.92, color=PALETTE[g],
                   label=GROUP_LABEL[g] if i == 0 else None)
            tops.append(0 if np.isnan(pct) else pct)
        p = _stat(stats, "incidence_by_crs", out, "chi2", field="p_value")
        if not np.isnan(p):  # no bracket where the test was not computed (e.g. all 100%)
            bracket(ax, i - width, i + width, max(tops) + 3, stars(p), h=1.5, fontsize=7)
    n = {g: int(_stat(stats, "incidence_by_crs", outcomes[0], "count", g, "n")) for g in CRS_GROUPS}
    ax.set_xticks(range(len(outcomes)), labels, rotation=20, ha="right")
    ax.axvline(2.5, color="#cccccc", lw=0.6)
    ax.set_ylabel("Incidence after infusion, %")
    ax.set_ylim(0, 112)
    ax.set_yticks(range(0, 101, 20))
    handles, lab = ax.get_legend_handles_labels()
    ax.legend(handles, [f"{lb} (n = {n[g]})" for lb, g in zip(lab, CRS_GROUPS)], fontsize=7,
              ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.16))
    ax.text(1.0, -0.3, "Pearson chi-square, 2 x 3", transform=ax.transAxes, ha="right", fontsize=6.5)
    return savefig(fig, stem)


def fig_kinetics_by_crs(stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Figure 2C-E: mean +/- SEM of ANC, Hb, PLT by day and CRS group, Kruskal-Wallis stars."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    sub = stats[stats["analysis"] == "kinetics_by_crs"]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for ax, test, letter in zip(axes, KINETIC_TESTS, "CDE"):
        h = sub[(sub["outcome"] == test) & (sub["statistic"] == "H")]
        days = [int(lv.removeprefix("day")) for lv in h["level"]]
        top = -np.inf
        for g in CRS_GROUPS:
            m = [_stat(sub, "kinetics_by_crs", test, "mean", f"day{d}:{g}") for d in days]
            s = [_stat(sub, "kinetics_by_crs", test, "sem", f"day{d}:{g}") for d in days]
            ax.errorbar(days, m, yerr=s, color=PALETTE[g], marker="o", ms=3, lw=1.2, capsize=2,
                        label=GROUP_LABEL[g])
            hi = np.asarray(m, dtype=float) + np.nan_to_num(np.asarray(s, dtype=float))
            if np.isfinite(hi).any():
                top = max(top, float(np.nanmax(hi)))
        if not np.isfinite(top) or top <= 0:
            top = 1.0
            ax.text(0.5, 0.5, "no values", transform=ax.transAxes, ha="center", color="#999999")
        for d, p in zip(days, h["p_value"]):
            if p < 0.05:
                ax.text(d, top * 1.03, stars(p), ha="center", va="bottom", fontsize=7,
                        rotation=90)
        ax.set_ylim(0, top * 1.2)
        ax.set_xticks(days, [str(d) for d in days], fontsize=6.5)
        ax.set_title(letter, loc="left", fontweight="bold")
        ax.set_xlabel("Days after CAR-T cell infusion")
        ax.set_ylabel(TEST_LABEL[test])
    fig.tight_layout()
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=7.5, bbox_to_anchor=(0.5, 1.08))
    fig.text(0.99, -0.04, "Mean ± SEM; stars: Kruskal-Wallis across CRS groups at each day "
             "(only P < 0.05 shown)", ha="right", fontsize=6.5)
    return savefig(fig, stem)


def fig_kruskal_crs_group(points: pd.DataFrame, stats: pd.DataFrame,
                          stem: str | Path) -> list[str]:
    """Figure 4A-F: duration and recovery day of SN/SA/ST by CRS group, median with 95% CI.

    ``points``: :func:`cartcyto.analyses.crs.kruskal_points` (per patient, sample = CRS group)."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    rng = np.random.default_rng(0)
    fig, axes = plt.subplots(2, 3, figsize=(9, 5.6))
    for r, what in enumerate(("duration_days_or_zero", "recovery_day")):
        for c, lin in enumerate(LINEAGES):
            ax, col = axes[r, c], f"{lin}_{what}"
            top = 0.0
            for j, g in enumerate(CRS_GROUPS):
                x = _points(points, g, col)
                ax.scatter(j + rng.uniform(-0.15, 0.15, x.size), x, s=6, color=PALETTE[g],
                           alpha=0.7, zorder=2)
                med = _stat(stats, "kruskal_crs_group", col, "median", g)
                lo = _stat(stats, "kruskal_crs_group", col, "median", g, "ci_low")
                hi = _stat(stats, "kruskal_crs_group", col, "median", g, "ci_high")
                ax.hlines(med, j - 0.25, j + 0.25, color="black", lw=1.5, zorder=3)
                if not np.isnan(lo):
                    ax.vlines(j, lo, hi, color="black", lw=1.0, zorder=3)
                    ax.hlines([lo, hi], j - 0.1, j + 0.1, color="black", lw=1.0, zorder=3)
                top = max(top, np.nanmax(x) if x.size else 0)
            p = _stat(stats, "kruskal_crs_group", col, "H", field="p_value")
            ptext = format_p(p)
            ptext = f"P < {ptext[1:]}" if ptext.startswith("<") else f"P = {ptext}"
            ax.set_title(f"{LINEAGE_SHORT[lin]}: {ptext} {stars(p)}" if not np.isnan(p)
                         else LINEAGE_SHORT[lin], fontsize=9)
            ax.set_title("ABCDEF"[3 * r + c], loc="left", fontweight="bold")
            ax.set_ylim(bottom=min(0, ax.get_ylim()[0]), top=top * 1.1 + 1)
            ax.set_xticks(range(3), ["None", "Mild", "Severe"])
            if c == 0:
                ax.set_ylabel("Duration, days" if what == "duration_days_or_zero"
                              else "Recovery, days after infusion")
    fig.text(0.5, -0.01, "CRS group. Bars: median with distribution-free 95% CI (binomial order "
             "statistics; none when n < 6); duration 0 without severe cytopenia after infusion; "
             "Kruskal-Wallis", ha="center", fontsize=6.5)
    fig.tight_layout()
    return savefig(fig, stem)
