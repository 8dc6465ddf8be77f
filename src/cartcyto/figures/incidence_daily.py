"""Wang 2021 Supplementary Figure 1A-E: daily incidence of cytopenia after the infusion, drawn from
the ``incidence_daily`` statistics rows (percent of the patients with a value on each day)."""
from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cartcyto.figures.style import PALETTE, apply_style, savefig
from cartcyto.report.rows import stat_frame

PANELS = (
    ("A", "Severe cytopenia", (("sn", "SN", "sn", "-"), ("sa", "SA", "sa", "-"), ("st", "ST", "st", "-"))),
    ("B", "New-onset severe cytopenia", (("sn_new_onset", "SN", "sn", "-"), ("sa_new_onset", "SA", "sa", "-"),
                                         ("st_new_onset", "ST", "st", "-"))),
    ("C", "Neutrophils", (("neutropenia", "Neutropenia, any grade", "sn", "--"), ("sn", "Severe (SN)", "sn", "-"))),
    ("D", "Hemoglobin", (("anemia", "Anemia, any grade", "sa", "--"), ("sa", "Severe (SA)", "sa", "-"))),
    ("E", "Platelets", (("thrombocytopenia", "Thrombocytopenia, any grade", "st", "--"),
                        ("st", "Severe (ST)", "st", "-"))),
)
"""(letter, title, ((outcome, legend label, colour key, line style), ...)); the thresholds in force
are in the rows' ``method`` and the criteria label of the note."""


def _curve(stats: pd.DataFrame, outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    sel = stats[(stats["analysis"] == "incidence_daily") & (stats["outcome"] == outcome)
                & (stats["statistic"] == "percent")]
    days = sel["level"].str.removeprefix("day").astype(int).to_numpy()
    order = np.argsort(days)
    return days[order], sel["estimate"].to_numpy(float)[order], sel["n"].to_numpy(float)[order]


def fig_daily_incidence(stats: pd.DataFrame, stem: str | Path, criteria_label: str = "") -> list[str]:
    """Supplementary Figure 1A-E: one panel per letter, percent by day after the infusion."""
    apply_style()
    stats = stat_frame(stats)  # key columns as strings (also when read from CSV)
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 6.0), sharex=True, sharey=True)
    for ax, (letter, title, lines) in zip(axes.ravel(), PANELS):
        for outcome, label, colour, style in lines:
            days, pct, _ = _curve(stats, outcome)
            if days.size:
                ax.plot(days, pct, style, color=PALETTE[colour], lw=1.4, marker="o", ms=2.2,
                        label=label)
        ax.set_title(title, fontsize=9.5)
        ax.set_title(letter, loc="left", fontweight="bold")
        ax.set_ylim(0, 122)            # headroom above 100% for the legend row
        ax.set_yticks(range(0, 101, 20))
        ax.legend(loc="upper center", fontsize=6.8, ncol=len(lines), handlelength=2.2,
                  columnspacing=1.0)
        ax.grid(axis="y", color="#eeeeee", lw=0.6)
    for ax in (axes[1, 0], axes[1, 1], axes[0, 2]):   # C sits above the note: its own axis labels
        ax.set_xlabel("Days after CAR-T cell infusion")
        ax.tick_params(labelbottom=True)
    for ax in axes[:, 0]:
        ax.set_ylabel("Patients with a value that day, %")
    axes[1, 2].axis("off")
    days, _, n = _curve(stats, "sn")
    note = ("Percent of the patients with a blood count on the day (nearest within +/-1 day; "
            "a day's lowest) below the threshold. A: analysis set; B: each lineage's at-risk "
            "patients (not severe before "
            "the infusion); C-E: any grade (dashed) and severe (solid)."
            + (f" Criteria: {criteria_label}." if criteria_label else "")
            + (f" Patients with an ANC value per day: {int(n.min())}-{int(n.max())}." if n.size else ""))
    axes[1, 2].text(0.0, 0.95, _wrap(note, 48), transform=axes[1, 2].transAxes, va="top",
                    fontsize=7.5)
    fig.tight_layout()
    return savefig(fig, stem)


def _wrap(text: str, width: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join(lines + [line])
