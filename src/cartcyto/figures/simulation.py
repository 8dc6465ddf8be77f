"""Simulation figures: power and CI coverage against cohort size, one panel per model.

Drawn from the simulation's statistics rows (``cartcyto.simulation.summary``): a line per model
term (colour) and effect (line style), points at the simulated cohort sizes with their 95% Monte
Carlo CI, and a reference line (the target power; the nominal 95% coverage).
"""
from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cartcyto.figures.style import apply_style

TERM_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
EFFECT_STYLES = ["-", "--", ":", "-."]


def _frame(stats: pd.DataFrame, reps: pd.DataFrame, statistic: str) -> pd.DataFrame:
    info = reps[["scenario", "cohort_size", "effect", "model", "outcome", "term"]].drop_duplicates()
    rows = stats[stats["statistic"] == statistic]
    return rows.merge(info, left_on=["level", "outcome", "term"], right_on=["scenario", "outcome", "term"])


def _panels(data: pd.DataFrame, model_labels: Mapping[str, str], term_labels: Mapping[str, str],
            effect_names: Mapping[float, str], ylabel: str, reference: float, ylim: tuple[float, float],
            title: str, legend_loc: str):
    apply_style()
    models = list(dict.fromkeys(data["model"]))
    effects = sorted(data["effect"].unique(), reverse=True)
    ncol = 2 if len(models) > 1 else 1
    nrow = int(np.ceil(len(models) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(3.7 * ncol, 3.1 * nrow + 0.6), sharey=True,
                             squeeze=False, layout="constrained")
    sizes = sorted(data["cohort_size"].unique())
    for ax, model in zip(axes.flat, models):
        sub = data[data["model"] == model]
        for ti, term in enumerate(dict.fromkeys(sub["term"])):
            colour = TERM_COLOURS[ti % len(TERM_COLOURS)]
            for ei, effect in enumerate(effects):
                g = sub[(sub["term"] == term) & (sub["effect"] == effect)].sort_values("cohort_size")
                if g.empty:
                    continue
                x = g["cohort_size"].to_numpy(float)
                label = term_labels.get(term, term) if ei == 0 else None
                ax.fill_between(x, g["ci_low"].to_numpy(float), g["ci_high"].to_numpy(float),
                                color=colour, alpha=0.12, linewidth=0)
                ax.plot(x, g["estimate"].to_numpy(float), color=colour, marker="o", markersize=3,
                        linestyle=EFFECT_STYLES[ei % len(EFFECT_STYLES)], linewidth=1.2, label=label)
        ax.axhline(reference, color="#555555", linestyle=(0, (4, 3)), linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([str(int(s)) for s in sizes])
        ax.minorticks_off()
        ax.set_ylim(*ylim)
        ax.set_title(model_labels.get(model, model))
        ax.set_xlabel("Cohort size (analysis set, log scale)")
        ax.set_ylabel(ylabel)
        ax.legend(loc=legend_loc, fontsize=7)
    for ax in list(axes.flat)[len(models):]:
        ax.set_visible(False)
    if len(effects) > 1:
        handles = [plt.Line2D([], [], color="#333333", linestyle=EFFECT_STYLES[i % len(EFFECT_STYLES)])
                   for i in range(len(effects))]
        fig.legend(handles, [f"{effect_names.get(float(e), e)} effect (x{e:g})" for e in effects],
                   loc="outside lower center", ncol=len(effects), fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def power_curves(stats: pd.DataFrame, reps: pd.DataFrame, *, model_labels: Mapping[str, str],
                 term_labels: Mapping[str, str], effect_names: Mapping[float, str], target: float,
                 alpha: float):
    """Power (share of replicates with p < alpha in the true direction) against cohort size."""
    data = _frame(stats, reps, "power")
    return _panels(data, model_labels, term_labels, effect_names,
                   f"Power (Wald p < {alpha:g}, true direction)", target, (0, 1.02),
                   "Simulated power against cohort size (band: 95% Monte Carlo CI; dashed: target power)",
                   "lower right")


def coverage_curves(stats: pd.DataFrame, reps: pd.DataFrame, *, model_labels: Mapping[str, str],
                    term_labels: Mapping[str, str], effect_names: Mapping[float, str]):
    """Coverage of the Wald 95% CI against cohort size."""
    data = _frame(stats, reps, "coverage")
    low = float(np.nanmin(data["ci_low"])) if len(data) else 0.8
    return _panels(data, model_labels, term_labels, effect_names, "Coverage of the Wald 95% CI",
                   0.95, (min(0.8, np.floor(low * 20) / 20), 1.005),
                   "Simulated CI coverage against cohort size (band: 95% Monte Carlo CI; dashed: nominal 95%)",
                   "lower left")
