"""Forest plot of model estimates (Wang 2021 Figure 5: Cox HRs of recovery; also used for the
PHT logistic ORs), drawn from statistics rows: point = estimate, bar = 95% CI, log x axis,
reference line at 1, and the printed "estimate (CI)  p" at the right.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

from cartcyto.figures.style import PALETTE, apply_style, stars


def _p(p: float) -> str:
    return "" if p != p else ("<0.001" if p < 0.001 else f"{p:.3f}")


def forest(stats: pd.DataFrame, groups: Sequence[tuple[str, str, str]], *,
           labels: Mapping[str, str] | None = None, statistic: str = "HR",
           xlabel: str = "Hazard ratio (95% CI, log scale)", title: str = "",
           favours: tuple[str, str] | None = ("slower recovery", "faster recovery")):
    """Forest plot of ``stats`` rows grouped by outcome.

    ``groups``: ``(outcome, heading, colour key)`` in drawing order; each group's rows are the
    ``stats`` rows of that outcome (in their order). ``favours`` labels the two sides of 1.
    """
    apply_style()
    labels = labels or {}
    lines = []  # (kind, text, row or None, colour)
    for outcome, heading, colour_key in groups:
        rows = stats[(stats["outcome"] == outcome) & (stats["statistic"] == statistic)]
        if rows.empty:
            continue
        n = int(rows["n"].max()) if rows["n"].notna().any() else None
        lines.append(("head", heading + (f" (n = {n})" if n else ""), None,
                      PALETTE.get(colour_key, colour_key)))
        for r in rows.itertuples():
            lines.append(("row", labels.get(r.term, r.term), r,
                          PALETTE.get(colour_key, colour_key)))
    height = 0.32 * len(lines) + 1.3
    fig, ax = plt.subplots(figsize=(7.6, height))
    finite = [v for _, _, r, _ in lines if r is not None
              for v in (r.ci_low, r.ci_high, r.estimate) if v == v and 0 < v < np.inf]
    lo = min(finite + [0.5]) / 1.25
    hi = max(finite + [2.0]) * 1.25
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    y = len(lines)
    for kind, text, r, colour in lines:
        y -= 1
        if kind == "head":
            ax.text(-0.02, y, text, transform=ax.get_yaxis_transform(), ha="right", va="center",
                    fontweight="bold", fontsize=8.5)
            continue
        ax.text(-0.03, y, text, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8.5)
        if r.estimate == r.estimate:
            ax.plot([r.ci_low, r.ci_high], [y, y], color=colour, linewidth=1.4,
                    solid_capstyle="butt")
            ax.plot(r.estimate, y, marker="s", markersize=6, color=colour)
        s = stars(r.p_value)
        txt = (f"{r.estimate:.3f} ({r.ci_low:.3f}-{r.ci_high:.3f})   p = {_p(r.p_value)}"
               f" {'' if s == 'ns' else s}")
        ax.text(1.02, y, txt, transform=ax.get_yaxis_transform(), ha="left", va="center",
                fontsize=8)
    ax.axvline(1.0, color="#555555", linewidth=0.8, linestyle="--", zorder=0)
    ax.set_ylim(-0.7, len(lines) - 0.3)
    ax.yaxis.set_major_locator(NullLocator())
    ax.spines["left"].set_visible(False)
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 1, 2, 3, 5, 10, 20) if lo <= t <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(xlabel)
    ax.text(1.02, len(lines) - 0.3, f"{statistic} (95% CI)   p", transform=ax.get_yaxis_transform(),
            ha="left", va="bottom", fontsize=8, fontweight="bold")
    if favours:
        ax.text(0.0, -0.17 * 4.0 / height, f"← {favours[0]}", transform=ax.transAxes,
                ha="left", va="top", fontsize=7.5, color="#555555")
        ax.text(1.0, -0.17 * 4.0 / height, f"{favours[1]} →", transform=ax.transAxes,
                ha="right", va="top", fontsize=7.5, color="#555555")
    if title:
        fig.suptitle(title, x=0.02, ha="left", fontweight="bold", fontsize=10)
    return fig
