"""Figures of the model checks and the competing-risk sensitivity analyses, and the numbers-at-risk
table drawn under every time-to-event figure.

Each draws only from frames the analyses return: the scaled Schoenfeld residuals (with their
smooth) of ``analyses.model_checks``, the cumulative-incidence curve and numbers-at-risk frames of
``analyses.competing_risks``, and statistics rows for the p-values printed on the panels.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cartcyto.figures.style import PALETTE, apply_style, savefig
from cartcyto.report.rows import stat_frame
from cartcyto.vocabulary import LABELS, LINEAGE_LABEL, LINEAGE_SHORT

GROUP_LABELS = dict(LINEAGE_SHORT)
"""Printed names of curve groups that are codes (lineages sn/sa/st -> SN/SA/ST)."""
PANEL_TITLES = {**LINEAGE_LABEL, "all": "All lineages"}
DEGENERATE_TOL = 1e-9
"""An estimate within this of 0 or 1 has a degenerate log(-log) CI: no band is drawn there."""
GROUP_COLOURS = ["#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#999999"]


def group_colour(group: str, order: list[str]) -> str:
    """PALETTE colour of a named group (CRS groups, lineages), else the next of GROUP_COLOURS."""
    return PALETTE.get(group, GROUP_COLOURS[order.index(group) % len(GROUP_COLOURS)])


def risk_table(ax, at_risk: pd.DataFrame, groups: list[str], labels: dict, colours: dict,
               days: list[float]) -> None:
    """Numbers at risk (frame group, day, n_at_risk) as text rows under ``ax``'s x axis, aligned
    with its ticks at ``days``."""
    ax.set_xticks(days)
    trans = ax.get_xaxis_transform()
    ax.text(0.0, -0.30, "No. at risk", transform=ax.transAxes, ha="right", va="top",
            fontsize=7, fontweight="bold")
    for i, g in enumerate(groups):
        y = -0.38 - 0.085 * i
        ax.text(-0.07, y, labels.get(g, g), transform=ax.transAxes, ha="right", va="top",
                fontsize=7, color=colours[g])
        sub = at_risk[at_risk["group"] == g].set_index("day")["n_at_risk"]
        for d in days:
            if d in sub.index:
                ax.text(d, y, f"{int(sub[d])}", transform=trans, ha="center", va="top",
                        fontsize=7, color=colours[g])


def fig_ph_residuals(resid: pd.DataFrame, stats: pd.DataFrame, stem: str | Path) -> list[str]:
    """Scaled Schoenfeld residuals against transformed time, one panel per model term, with the
    LOWESS smooth, the model's coefficient (flat = proportional hazards) and the PH test p."""
    apply_style()
    stats = stat_frame(stats)
    models = list(dict.fromkeys(resid["outcome"])) if len(resid) else []
    ncol = max([resid[resid["outcome"] == m]["term"].nunique() for m in models] or [1])
    fig, axes = plt.subplots(max(len(models), 1), ncol, figsize=(2.6 * ncol, 2.3 * max(len(models), 1)),
                             squeeze=False)
    for ax in axes.ravel():
        ax.set_visible(False)
    for i, outcome in enumerate(models):
        sub = resid[resid["outcome"] == outcome]
        lineage = outcome.split("_")[0]
        for j, term in enumerate(dict.fromkeys(sub["term"])):
            ax = axes[i, j]
            ax.set_visible(True)
            t = sub[sub["term"] == term].sort_values("transformed_time", kind="stable")
            colour = PALETTE.get(lineage, "#0072B2")
            ax.scatter(t["transformed_time"], t["scaled_residual"], s=8, color=colour, alpha=0.6,
                       lw=0)
            ax.plot(t["transformed_time"], t["smooth"], color="black", lw=1.2, label="LOWESS")
            ax.axhline(t["coefficient"].iloc[0], color="grey", ls="--", lw=0.8, label="b (model)")
            p = stats[(stats["outcome"] == outcome) & (stats["term"] == term)
                      & (stats["statistic"] == "chi2")]["p_value"]
            ptxt = f"PH p = {p.iloc[0]:.3g}" if len(p) else ""
            ax.set_title(f"{LINEAGE_SHORT.get(lineage, lineage)}: {LABELS.get(term, term)}\n{ptxt}",
                         fontsize=8)
            ax.set_xlabel("1 - KM(t) (transformed time)" if "km" in "".join(
                stats["method"]) else "transformed time", fontsize=7)
            ax.set_ylabel("Beta(t) (scaled Schoenfeld)", fontsize=7)
    if models:
        axes[0, 0].legend(fontsize=6, loc="best")
    fig.suptitle("Proportional-hazards check of the Figure 5 Cox models (R cox.zph)", fontsize=9)
    fig.tight_layout()
    return savefig(fig, stem)


def band_runs(curve: pd.DataFrame, tol: float = DEGENERATE_TOL):
    """The stretches of a step curve (day, cumulative_incidence, ci_low, ci_high; days ascending)
    where its CI band is drawn: the CI is known and the estimate is not within ``tol`` of 0 or 1
    (there the log(-log) interval is degenerate, 0-1). Each stretch is (days, ci_low, ci_high)
    with the next day appended, so that a post-step band covers the last day's interval."""
    day = curve["day"].to_numpy(float)
    est, lo, hi = (curve[c].to_numpy(float) for c in ("cumulative_incidence", "ci_low", "ci_high"))
    ok = np.isfinite(lo) & np.isfinite(hi) & (np.minimum(est, 1 - est) >= tol)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    for start, stop in zip(edges[::2], edges[1::2]):
        rows = np.arange(start, stop)
        yield (np.r_[day[rows], day[min(stop, len(day) - 1)]], np.r_[lo[rows], lo[stop - 1]],
               np.r_[hi[rows], hi[stop - 1]])


def fig_cumulative_incidence_cr(curve: pd.DataFrame, at_risk: pd.DataFrame, stats: pd.DataFrame,
                                stem: str | Path, *, title: str, gray_analysis: str = "") -> list[str]:
    """Step curves of the cumulative incidence of recovery (percent) with pointwise 95% CI bands,
    one panel per lineage, curves per group, numbers at risk under each axis and Gray's p.

    ``curve``: lineage, group, day, cumulative_incidence, ci_low, ci_high (proportions);
    ``at_risk``: lineage, group, day, n_at_risk; ``stats``: rows with Gray's test (analysis
    ``gray_analysis``, outcome ``<lineage>_recovery_status``)."""
    apply_style()
    stats = stat_frame(stats)
    lineages = list(dict.fromkeys(curve["lineage"])) if len(curve) else []
    fig, axes = plt.subplots(1, max(len(lineages), 1), figsize=(4.0 * max(len(lineages), 1), 4.2),
                             squeeze=False)
    for ax, lineage in zip(axes[0], lineages):
        sub = curve[curve["lineage"] == lineage]
        groups = list(dict.fromkeys(sub["group"]))
        colours = {g: group_colour(g, groups) for g in groups}
        labels = {g: GROUP_LABELS.get(g, LABELS.get(g, g)) for g in groups}
        for g in groups:
            c = sub[sub["group"] == g]
            ax.step(c["day"], 100 * c["cumulative_incidence"], where="post", color=colours[g],
                    lw=1.5, label=labels[g])
            for x, lo, hi in band_runs(c):
                ax.fill_between(x, 100 * lo, 100 * hi, step="post", color=colours[g], alpha=0.15,
                                lw=0)
        days = sorted(set(at_risk.loc[at_risk["lineage"] == lineage, "day"]))
        ax.set_xlim(0, max(days) if days else 1)
        ax.set_ylim(0, 100)
        ax.set_xlabel("Days after onset of the episode")
        ax.set_ylabel("Cumulative incidence of recovery, %")
        gray = stats[(stats["analysis"] == gray_analysis)
                     & (stats["outcome"] == f"{lineage}_recovery_status")]["p_value"]
        ptxt = f"; Gray's test p = {gray.iloc[0]:.3g}" if len(gray) and len(groups) > 1 else ""
        ax.set_title(f"{PANEL_TITLES.get(lineage, lineage)}{ptxt}", fontsize=8)
        ax.legend(fontsize=7, loc="lower right")
        risk_table(ax, at_risk[at_risk["lineage"] == lineage], groups, labels, colours, days)
    fig.suptitle(title, fontsize=9)
    fig.text(0.5, -0.04, "Aalen-Johansen estimate, death before recovery as competing event; "
             "bands: pointwise 95% CI (log(-log), Gray variance),\nnot drawn where the estimate "
             "is 0 or 100% (the CI is degenerate there). Sensitivity analysis, not the paper's.",
             ha="center", fontsize=6)
    fig.subplots_adjust(bottom=0.38, wspace=0.45)
    return savefig(fig, stem)


def numbers_at_risk_axis(ax, at_risk: pd.DataFrame, colours: dict, labels: dict) -> None:
    """Draw a numbers-at-risk table under an existing time-to-event axis (e.g. Figure 1D),
    from a frame group, day, n_at_risk; ``colours``/``labels`` per group."""
    groups = list(dict.fromkeys(at_risk["group"]))
    days = sorted(set(at_risk["day"]))
    risk_table(ax, at_risk, groups, labels, {g: colours.get(g, "black") for g in groups},
               list(np.asarray(days, float)))
