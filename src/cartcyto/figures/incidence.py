"""Figures 1B-D and Supplementary Figure 2 of Wang 2021, drawn from the statistics rows
(and, for the point clouds, from :func:`cartcyto.analyses.timing.timing_points`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import matplotlib.pyplot as plt

from cartcyto.analyses.timing import EPISODE_MEASURES, MEASURE_LABEL
from cartcyto.report.rows import stat_frame
from cartcyto.figures.reviewer import numbers_at_risk_axis
from cartcyto.figures.style import PALETTE, apply_style, savefig, stars
from cartcyto.vocabulary import LINEAGE_SHORT
from cartcyto.vocabulary import LINEAGES

PHASES = ("T1", "T2", "T3")
PHASE_LABEL = {"T1": "T1 (before lymphodepletion)", "T2": "T2 (chemotherapy end to infusion)",
               "T3": "T3 (after infusion)"}


def _get(stats: pd.DataFrame, analysis: str, outcome: str, statistic: str, level: str = "",
         field: str = "estimate") -> float:
    sel = stats[(stats["analysis"] == analysis) & (stats["outcome"] == outcome)
                & (stats["statistic"] == statistic) & (stats["level"] == level)]
    return float(sel[field].iloc[0]) if len(sel) else np.nan


def bracket(ax, x0: float, x1: float, y: float, text: str, h: float = 1.5, **kw) -> None:
    """A significance bracket from x0 to x1 at height y with ``text`` above."""
    ax.plot([x0, x0, x1, x1], [y, y + h, y + h, y], color="black", lw=0.8)
    ax.text((x0 + x1) / 2, y + h, text, ha="center", va="bottom", fontsize=kw.get("fontsize", 8))


def fig_incidence_phase(stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Figure 1B: percent severe per phase (grouped bars) with Bonferroni-adjusted stars."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    fig, ax = plt.subplots(figsize=(5.2, 3.6))
    width = 0.26
    top = 0.0
    for i, lin in enumerate(LINEAGES):
        for j, ph in enumerate(PHASES):
            pct = _get(stats, "incidence_phase", lin, "percent", ph)
            cnt = _get(stats, "incidence_phase", lin, "count", ph)
            x = i + (j - 1) * width
            ax.bar(x, pct, width * 0.92, color=PALETTE[ph], label=PHASE_LABEL[ph] if i == 0 else None)
            ax.text(x, pct + 0.8, f"{pct:.0f}%", ha="center", va="bottom", fontsize=6.5)
            top = max(top, pct)
        level = max(_get(stats, "incidence_phase", lin, "percent", ph) for ph in PHASES) + 7
        for k, (a, b) in enumerate((("T1", "T2"), ("T2", "T3"), ("T1", "T3"))):
            p = _get(stats, "incidence_phase_test", lin, "chi2", f"{a} vs {b}", "p_value")
            xa, xb = (i + (PHASES.index(ph) - 1) * width for ph in (a, b))
            y = level + (9 if k == 2 else 0)
            bracket(ax, xa + 0.02, xb - 0.02, y, stars(p), h=1.5, fontsize=7)
            top = max(top, y + 6)
    n = int(_get(stats, "incidence_phase", "sn", "count", "T1", "n"))
    ax.set_xticks(range(len(LINEAGES)), [LINEAGE_SHORT[lin] for lin in LINEAGES])
    ax.set_ylabel(f"Patients with severe cytopenia, % (n = {n})")
    ax.set_ylim(0, max(100, top + 4))
    ax.legend(loc="upper left", fontsize=7, ncol=1, bbox_to_anchor=(0, 1.18))
    method = stats.loc[stats["analysis"] == "incidence_phase_test", "method"]
    if len(method):
        ax.text(1.0, -0.16, "Pearson chi-square, Bonferroni-adjusted" if "Bonferroni" in method.iloc[0]
                else "Pearson chi-square", transform=ax.transAxes, ha="right", fontsize=6.5)
    return savefig(fig, stem)


def fig_new_onset(stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Figure 1C: onset before vs after infusion, stacked percent of the analysis set."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    fig, ax = plt.subplots(figsize=(4.2, 3.6))
    for i, lin in enumerate(LINEAGES):
        n = _get(stats, "incidence_baseline", lin, "count", field="n")
        base = _get(stats, "incidence_baseline", lin, "count")
        new = _get(stats, "incidence_new_onset", lin, "count")
        risk = _get(stats, "incidence_new_onset", lin, "count", field="n")
        pb, pn = (100 * base / n, 100 * new / n) if n else (0.0, 0.0)
        ax.bar(i, pb, 0.6, color="#999999", label="Onset before infusion" if i == 0 else None)
        ax.bar(i, pn, 0.6, bottom=pb, color=PALETTE[lin], label=None)
        ax.text(i, pb / 2, f"{int(base)}", ha="center", va="center", fontsize=7, color="white")
        share = f"\n({100 * new / risk:.0f}%)" if risk else ""
        ax.text(i, pb + pn / 2, f"{int(new)}/{int(risk)}{share}",
                ha="center", va="center", fontsize=7, color="white")
        ax.text(i, pb + pn + 1.5, f"{pb + pn:.0f}%", ha="center", va="bottom", fontsize=7)
    ax.bar(0, 0, color="#555555", label="New onset after infusion (n/at risk)")
    ax.set_xticks(range(3), [LINEAGE_SHORT[lin] for lin in LINEAGES])
    ax.set_ylabel(f"Patients, % of analysis set (n = {int(n)})")
    ax.set_ylim(0, 100)
    ax.legend(loc="upper left", fontsize=7, bbox_to_anchor=(0, 1.15))
    return savefig(fig, stem)


def fig_cumulative_incidence(curve: pd.DataFrame, stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Figure 1D: step curves of cumulative incidence (percent) of new-onset SN/SA/ST and CRS."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    fig, ax = plt.subplots(figsize=(4.6, 3.6))
    labels = {"crs": "CRS", **LINEAGE_SHORT}
    for outcome in ("crs", *LINEAGES):
        sub = curve[curve["outcome"] == outcome]
        if sub.empty:
            continue
        last = sub["cumulative_incidence"].iloc[-1]
        n = int(_get(stats, "cumulative_incidence", outcome, "cumulative_incidence",
                     f"day{int(sub['day'].iloc[-1])}", "n"))
        ax.step(sub["day"], sub["cumulative_incidence"], where="post", color=PALETTE[outcome],
                lw=1.6, label=f"{labels[outcome]} ({last:.0f}%, n = {n})")
    ax.set_xlabel("Days after CAR-T cell infusion")
    ax.set_ylabel("Cumulative incidence, %")
    ax.set_ylim(0, 100)
    if len(curve):
        ax.set_xlim(curve["day"].min(), curve["day"].max())
        ax.set_xticks(np.arange(curve["day"].min(), curve["day"].max() + 1, 5))
    ax.legend(loc="lower right", fontsize=7)
    drawn = [o for o in ("crs", *LINEAGES) if (curve["outcome"] == o).any()]
    if drawn and "n_at_risk" in curve.columns:
        ticks = [float(t) for t in ax.get_xticks()]
        risk = curve[curve["outcome"].isin(drawn) & curve["day"].astype(float).isin(ticks)]
        numbers_at_risk_axis(ax, risk.rename(columns={"outcome": "group"}),
                             {o: PALETTE[o] for o in drawn}, labels)
    ax.text(1.0, -0.45 - 0.085 * len(drawn), "1 - Kaplan-Meier; SN/SA/ST new onset among "
            "at-risk patients", transform=ax.transAxes, ha="right", fontsize=6)
    return savefig(fig, stem)


def fig_timing_baseline_vs_new(points: pd.DataFrame, stats: pd.DataFrame,
                               stem: str | Path) -> list[str]:
    """Supplementary Figure 2: timing of baseline-severe vs new-onset episodes, per lineage
    (episode start, nadir, recovery, episode duration).

    ``points``: :func:`cartcyto.analyses.timing.timing_points` (the values the tests rest on)."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4), sharey=True)
    rng = np.random.default_rng(0)
    for ax, lin in zip(axes, LINEAGES):
        for k, measure in enumerate(EPISODE_MEASURES):
            col = f"{lin}_{measure}"
            tops = []
            for j, (grp, colour) in enumerate((("timing_baseline", "#999999"),
                                               ("timing_new_onset", PALETTE[lin]))):
                sel = (points["sample"] == grp).to_numpy(bool) & (points["column"] == col).to_numpy(bool)
                v = points["value"].to_numpy(float)[sel]
                x = k + (j - 0.5) * 0.36
                if v.size:
                    ax.boxplot(v, positions=[x], widths=0.3, whis=(0, 100), showfliers=False, patch_artist=True,
                               boxprops=dict(facecolor=colour, alpha=0.35, lw=0.8),
                               medianprops=dict(color="black"), whiskerprops=dict(lw=0.8),
                               capprops=dict(lw=0.8))
                    ax.scatter(x + rng.uniform(-0.07, 0.07, v.size), v, s=5, color=colour, zorder=3)
                    tops.append(v.max())
            p = _get(stats, "timing_baseline_vs_new", col, "U", field="p_value")
            if tops:
                bracket(ax, k - 0.18, k + 0.18, max(tops) + 2, stars(p), h=1.5, fontsize=7)
        ax.axhline(0, color="#cccccc", lw=0.6, zorder=0)
        ax.set_xticks(range(len(EPISODE_MEASURES)), [MEASURE_LABEL[m].replace(", days", "")
                                                     for m in EPISODE_MEASURES], rotation=30,
                      ha="right")
        ax.set_title(LINEAGE_SHORT[lin])
    axes[0].set_ylabel("Day after infusion; duration in days")
    axes[0].scatter([], [], color="#999999", label="Severe before infusion (baseline)")
    axes[0].scatter([], [], color="#555555", label="New onset after infusion (lineage colour)")
    fig.legend(loc="upper center", ncol=2, fontsize=7.5, bbox_to_anchor=(0.5, 1.07))
    fig.text(0.99, -0.2, "Episode: the one holding the first severe day after infusion (its start "
             "is negative when it began before)\nBoxes: median and IQR; whiskers: range; "
             "Mann-Whitney U",
             ha="right", fontsize=6.5)
    return savefig(fig, stem)
