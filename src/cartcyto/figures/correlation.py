"""Spearman correlation figures (Wang 2021 Figures 3, 4G and 6E-I), drawn from statistics rows.

* :func:`heatmap` -- outcomes x terms, cells coloured by r (diverging, -1..1) and labelled with
  r and significance stars (Figure 3A, 4G, 6E).
* :func:`scatter_panels` -- one scatter per (outcome, term) pair with its r and p (Figure 3B-J,
  6F-I); the values come from the derived table, the r and p from the statistics rows and the
  dashed guide lines from :func:`cartcyto.analyses.spearman.trend_lines`.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from cartcyto.figures.style import PALETTE, apply_style, stars

CMAP = "RdBu_r"


def _p_text(p: float) -> str:
    if p != p:
        return "p = NA"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def heatmap(stats: pd.DataFrame, outcomes: Sequence[str], terms: Sequence[str], *,
            labels: Mapping[str, str] | None = None, title: str = "",
            note: str = "Spearman r; *** p<0.001, ** p<0.01, * p<0.05, ns not significant"):
    """Heatmap of Spearman r for ``outcomes`` (rows) x ``terms`` (columns) of ``stats``.

    Cells without a row in ``stats`` (or with r missing) are grey and empty.
    """
    apply_style()
    labels = labels or {}
    key = stats.set_index(["outcome", "term"])
    r = np.full((len(outcomes), len(terms)), np.nan)
    p = np.full_like(r, np.nan)
    for i, o in enumerate(outcomes):
        for j, t in enumerate(terms):
            if (o, t) in key.index:
                r[i, j] = key.loc[(o, t), "estimate"]
                p[i, j] = key.loc[(o, t), "p_value"]
    fig, ax = plt.subplots(figsize=(0.75 * len(terms) + 2.4, 0.62 * len(outcomes) + 1.9))
    ax.set_facecolor("#eeeeee")
    im = ax.imshow(np.ma.masked_invalid(r), cmap=CMAP, norm=TwoSlopeNorm(0, -1, 1),
                   aspect="auto")
    for i in range(len(outcomes)):
        for j in range(len(terms)):
            if r[i, j] != r[i, j]:
                continue
            colour = "white" if abs(r[i, j]) > 0.55 else "black"
            ax.text(j, i + 0.05, f"{r[i, j]:.2f}", ha="center", va="bottom", fontsize=7.5,
                    color=colour)
            s = stars(p[i, j])
            ax.text(j, i + 0.05, s, ha="center", va="top", color=colour,
                    fontsize=6.5 if s == "ns" else 8, alpha=0.6 if s == "ns" else 1.0)
    ax.set_xticks(range(len(terms)), [labels.get(t, t) for t in terms], rotation=45,
                  ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(outcomes)), [labels.get(o, o) for o in outcomes])
    ax.tick_params(length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.set_xticks(np.arange(-0.5, len(terms)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(outcomes)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    cbar = fig.colorbar(im, ax=ax, fraction=0.035, pad=0.02, ticks=[-1, -0.5, 0, 0.5, 1])
    cbar.set_label("Spearman r")
    cbar.outline.set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontweight="bold", pad=16 if note else 6)
    if note:
        ax.text(0.0, 1.01, note, transform=ax.transAxes, fontsize=7, color="#555555",
                ha="left", va="bottom")
    return fig


def scatter_panels(patients: pd.DataFrame, stats: pd.DataFrame,
                   pairs: Sequence[Sequence[tuple[str, str]]], *,
                   lines: pd.DataFrame | None = None,
                   labels: Mapping[str, str] | None = None,
                   colours: Mapping[str, str] | None = None,
                   populations: Mapping[str, pd.Series] | None = None,
                   panel_letters: str = ""):
    """A grid of scatter plots: ``pairs[i][j] = (outcome, term)`` is drawn in row i, column j
    (y = outcome, x = term), annotated with r and p from ``stats``, with the dashed line of
    ``lines`` (:func:`cartcyto.analyses.spearman.trend_lines`) where it has one for the pair.

    ``colours`` maps an outcome to a colour (default: the lineage colour of its prefix);
    ``populations`` maps an outcome to the boolean mask of ``patients`` rows it rests on (so the
    points are exactly the patients of the statistics row).
    """
    apply_style()
    labels, colours, populations = labels or {}, colours or {}, populations or {}
    key = stats.set_index(["outcome", "term"])
    guide = (lines if lines is not None else pd.DataFrame(columns=["outcome", "term"])
             ).set_index(["outcome", "term"])
    nrow, ncol = len(pairs), max(len(r) for r in pairs)
    fig, axes = plt.subplots(nrow, ncol, figsize=(2.55 * ncol, 2.35 * nrow), squeeze=False)
    letters = iter(panel_letters)
    for i, row in enumerate(pairs):
        for j in range(ncol):
            ax = axes[i][j]
            if j >= len(row):
                ax.set_visible(False)
                continue
            outcome, term = row[j]
            sub = patients[populations[outcome]] if outcome in populations else patients
            x, y = sub[term].astype(float), sub[outcome].astype(float)
            ok = x.notna() & y.notna()
            colour = colours.get(outcome, PALETTE.get(outcome[:2], "#333333"))
            ax.scatter(x[ok], y[ok], s=14, color=colour, alpha=0.75, edgecolor="white",
                       linewidth=0.4)
            if (outcome, term) in guide.index:
                line = guide.loc[(outcome, term)]
                xs = np.linspace(line["x_min"], line["x_max"], 50)
                ax.plot(xs, line["intercept"] + line["slope"] * xs, color="#333333",
                        linewidth=0.9, linestyle="--")
            if (outcome, term) in key.index:
                rr = key.loc[(outcome, term)]
                ax.set_title(f"r = {rr['estimate']:.3f}, {_p_text(rr['p_value'])}, "
                             f"n = {int(rr['n'])}", loc="right", fontsize=7.5)
            ax.set_xlabel(labels.get(term, term))
            ax.set_ylabel(labels.get(outcome, outcome))
            letter = next(letters, "")
            if letter:
                ax.set_title(letter, loc="left", fontweight="bold")
    fig.tight_layout()
    return fig
