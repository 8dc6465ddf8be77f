"""Wang 2021 Figure 6A-D: patients receiving G-CSF, PRBC, platelets and tocilizumab/
corticosteroids on each day after the infusion, stacked by CRS group, drawn from the
:func:`cartcyto.analyses.supportive.daily_use` table.
"""
from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cartcyto.figures.style import PALETTE, apply_style

GROUPS = (("none", "No CRS"), ("mild", "Mild CRS"), ("severe", "Severe CRS"))
PANEL_ORDER = ("gcsf", "prbc", "platelets", "toci_or_steroid")


def daily_bars(daily: pd.DataFrame, labels: Mapping[str, str], *, letters: str = "ABCD"):
    """2 x 2 bar panels: number of patients treated per day (left axis, scaled per panel) and % of
    the analysis set (right axis); bars stacked by CRS group when ``count_<group>`` columns are
    present."""
    apply_style()
    fig, axes = plt.subplots(2, 2, figsize=(8.4, 5.6), sharex=True)
    stacked = all(f"count_{g}" in daily.columns for g, _ in GROUPS)
    for ax, panel, letter in zip(axes.ravel(), PANEL_ORDER, letters):
        part = daily[daily["treatment"] == panel].sort_values("day")
        days = part["day"].to_numpy()
        n = int(part["n"].iloc[0]) if len(part) else 0
        if stacked:
            bottom = np.zeros(len(part))
            for g, glabel in GROUPS:
                vals = part[f"count_{g}"].to_numpy(float)
                ax.bar(days, vals, bottom=bottom, width=0.8, color=PALETTE[g], label=glabel,
                       linewidth=0)
                bottom += vals
            other = part["count"].to_numpy(float) - bottom
            if np.any(other > 0):
                ax.bar(days, other, bottom=bottom, width=0.8, color="#cccccc",
                       label="CRS group unknown", linewidth=0)
        else:
            ax.bar(days, part["count"], width=0.8, color=PALETTE["crs"], linewidth=0)
        ax.set_ylim(0, max(2, int(part["count"].max())) * 1.1)
        ax.set_title(f"{letter}  {labels.get(panel, panel)}", loc="left", fontweight="bold")
        ax.set_ylabel("Patients treated (n)")
        if n:
            sec = ax.secondary_yaxis("right", functions=(lambda c, n=n: 100.0 * c / n,
                                                         lambda p, n=n: p * n / 100.0))
            sec.set_ylabel(f"% of {n} patients")
        ax.set_xlim(days.min() - 0.7 if len(days) else -0.7, days.max() + 0.7 if len(days) else 30)
        ax.set_xticks(range(int(days.min()) if len(days) else 0,
                            int(days.max()) + 1 if len(days) else 31, 5))
    for ax in axes[-1]:
        ax.set_xlabel("Days after CAR-T cell infusion")
    if stacked:
        handles, texts = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, texts, loc="upper center", ncol=len(texts), bbox_to_anchor=(0.5, 1.02))
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return fig
