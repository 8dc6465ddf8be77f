"""Gather a simulation: power, bias, coverage, EPV and failed fits per scenario and term.

For every scenario and model term, over its ``R`` replicates (rows of
``cartcyto.simulation.replicate``):

* ``power``: share of the R replicates with Wald p < alpha and the estimate on the side of the
  true effect (a failed fit counts as no detection); with a true effect of 0 it is the share with
  p < alpha in either direction (the type I error). 95% Monte Carlo CI: Clopper-Pearson exact.
* ``bias``: mean of (estimated - true) log-HR / log-OR over the fits that converged; 95% CI:
  mean -/+ 1.959964 x SD / sqrt(m). ``relative_bias``: bias / |true log effect| (none when the
  true effect is 0).
* ``coverage``: share of converged fits whose Wald 95% CI contains the true HR / OR;
  Clopper-Pearson 95% CI.
* ``median_epv``: median events per covariate (logistic: rarer outcome class per covariate) over
  the generated replicates.
* ``share_separated``, ``share_not_converged`` (not converged or not estimable),
  ``share_generation_failed``: shares of the R replicates.

:func:`n_for_power` interpolates, per effect and term, the cohort size at which power reaches a
target (linearly between the simulated sizes). Rows follow ``cartcyto.report.rows`` with
``analysis`` = ``simulation``, ``outcome``/``term`` = the model's, ``level`` = the scenario
(or, for the sample size, the effect name), ``n`` = replicates the number rests on.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.vocabulary import LABELS, LINEAGE_SHORT

ANALYSIS = "simulation"
Z975 = 1.959963984540054
MODEL_LABEL = {**{f"cox_{lin}": f"Cox, {short} recovery" for lin, short in LINEAGE_SHORT.items()},
               "logistic_pht": "Logistic, PHT"}
SOURCE = "over the replicates of replicates.csv"


def _exact_ci(k: int, n: int) -> tuple[float, float]:
    if n == 0:
        return np.nan, np.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def _mean_ci(x: np.ndarray) -> tuple[float, float, float]:
    if x.size == 0:
        return np.nan, np.nan, np.nan
    m = float(x.mean())
    half = Z975 * float(x.std(ddof=1)) / math.sqrt(x.size) if x.size > 1 else np.nan
    return m, m - half, m + half


def term_metrics(g: pd.DataFrame, alpha: float) -> dict[str, Any]:
    """Every metric of one scenario x term (``g``: its replicate rows)."""
    truth = float(g["true_log"].iloc[0])
    ok = g[g["status"] == "ok"]
    est, p = ok["log_estimate"].to_numpy(float), ok["p_value"].to_numpy(float)
    same_side = np.sign(est) == np.sign(truth) if truth != 0 else np.ones(est.size, bool)
    detected = int(((p < alpha) & same_side).sum())
    bias, b_lo, b_hi = _mean_ci(est - truth)
    lo, hi = np.log(ok["ci_low"].to_numpy(float)), np.log(ok["ci_high"].to_numpy(float))
    covered = int(((lo <= truth) & (truth <= hi)).sum())
    generated = g[g["status"] != "generation_failed"]
    return {"replicates": len(g), "converged": len(ok), "generated": len(generated), "truth": truth,
            "detected": detected, "bias": (bias, b_lo, b_hi), "covered": covered,
            "median_epv": float(generated["epv"].median()) if len(generated) else np.nan,
            "separated": int((g["status"] == "separated").sum()),
            "not_converged": int(g["status"].isin(["not_converged", "not_estimable"]).sum()),
            "generation_failed": int((g["status"] == "generation_failed").sum())}


def _methods(alpha: float, statistic: str, truth: float, fit: str) -> dict[str, str]:
    test = f"Wald p < {alpha:g}"
    power = (f"share of replicates with {test} and the estimate on the side of the true effect "
             "(failed fits count as not detected)" if truth != 0 else
             f"share of replicates with {test} in either direction (true effect 0: type I error)")
    cp = "95% CI Clopper-Pearson exact (Monte Carlo)"
    return {
        "power": f"Simulation power ({fit}): {power}; {cp}; {SOURCE}",
        "bias": (f"Simulation bias ({fit}) of the log-{statistic}: mean(estimate - true) over "
                 f"converged fits; 95% CI mean -/+ 1.959964 SD/sqrt(m) (Monte Carlo); {SOURCE}"),
        "relative_bias": (f"Simulation relative bias of the log-{statistic}: bias / |true log-{statistic}|, "
                          f"over converged fits; 95% CI from the bias CI; {SOURCE}"),
        "coverage": (f"Simulation coverage of the Wald 95% CI of the {statistic}: share of converged "
                     f"fits whose CI contains the true {statistic}; {cp}; {SOURCE}"),
        "median_epv": (f"Median events per covariate ({'events' if statistic == 'HR' else 'rarer outcome class'}"
                       f" / number of covariates) over generated replicates; {SOURCE}"),
        "share_separated": f"Share of replicates whose fit separated (monotone likelihood / separation); {SOURCE}",
        "share_not_converged": f"Share of replicates whose fit did not converge or was not estimable; {SOURCE}",
        "share_generation_failed": (f"Share of replicates the generator could not draw (exact counts "
                                    f"impossible for the seed); {SOURCE}"),
    }


def scenario_rows(reps: pd.DataFrame, alpha: float, fit_methods: Mapping[str, str]) -> pd.DataFrame:
    """Statistics rows of every scenario x term (see the module docstring); ``fit_methods``:
    model -> the method string of its fit."""
    rows = []
    keys = ["scenario", "cohort_size", "effect", "model", "outcome", "term", "statistic"]
    for key, g in reps.groupby(keys, sort=False):
        scen, _, _, model, outcome, term, statistic = key
        m = term_metrics(g, alpha)
        meth = _methods(alpha, statistic, m["truth"], fit_methods[model])
        R, conv = m["replicates"], m["converged"]
        common = {"outcome": outcome, "term": term, "level": scen}
        rows.append(stat_row(ANALYSIS, "power", m["detected"] / R, ci_low=_exact_ci(m["detected"], R)[0],
                             ci_high=_exact_ci(m["detected"], R)[1], n=R, method=meth["power"], **common))
        bias, b_lo, b_hi = m["bias"]
        rows.append(stat_row(ANALYSIS, "bias", bias, ci_low=b_lo, ci_high=b_hi, n=conv,
                             method=meth["bias"], **common))
        t = abs(m["truth"])
        rel = (bias / t, b_lo / t, b_hi / t) if t > 0 else (np.nan, np.nan, np.nan)
        rows.append(stat_row(ANALYSIS, "relative_bias", rel[0], ci_low=rel[1], ci_high=rel[2], n=conv,
                             method=meth["relative_bias"], **common))
        c_lo, c_hi = _exact_ci(m["covered"], conv)
        rows.append(stat_row(ANALYSIS, "coverage", m["covered"] / conv if conv else np.nan,
                             ci_low=c_lo, ci_high=c_hi, n=conv, method=meth["coverage"], **common))
        rows.append(stat_row(ANALYSIS, "median_epv", m["median_epv"], n=m["generated"],
                             method=meth["median_epv"], **common))
        for name in ("separated", "not_converged", "generation_failed"):
            rows.append(stat_row(ANALYSIS, f"share_{name}", m[name] / R, n=R,
                                 method=meth[f"share_{name}"], **common))
    return stat_frame(rows)


def n_for_power(power: pd.DataFrame, target: float) -> float:
    """Smallest cohort size at which ``power`` (columns cohort_size, power; one effect and term)
    reaches ``target``, interpolated linearly between simulated sizes; the smallest size when it
    is already reached there; NaN when no simulated size reaches it."""
    p = power.sort_values("cohort_size")
    n, y = p["cohort_size"].to_numpy(float), p["power"].to_numpy(float)
    above = np.flatnonzero(y >= target)
    if above.size == 0:
        return np.nan
    i = int(above[0])
    if i == 0:
        return float(n[0])
    return float(n[i - 1] + (target - y[i - 1]) * (n[i] - n[i - 1]) / (y[i] - y[i - 1]))


def sample_size_rows(reps: pd.DataFrame, scen_stats: pd.DataFrame, effects: Mapping[str, float],
                     target: float) -> pd.DataFrame:
    """Per effect and term: the cohort size reaching ``target`` power (level = effect name)."""
    pw = scen_stats[scen_stats["statistic"] == "power"].merge(
        reps[["scenario", "cohort_size", "effect"]].drop_duplicates(), left_on="level", right_on="scenario")
    name_of = {float(v): k for k, v in effects.items()}
    rows = []
    for (effect, outcome, term), g in pw.groupby(["effect", "outcome", "term"], sort=False):
        if float(effect) == 0:
            continue
        sizes = sorted(g["cohort_size"].astype(int))
        rows.append(stat_row(
            ANALYSIS, f"n_for_{round(target * 100)}pct_power",
            n_for_power(g.rename(columns={"estimate": "power"}), target), outcome=outcome, term=term,
            level=name_of.get(float(effect), str(effect)), n=float(g["n"].min()),
            method=(f"Cohort size at which simulated power reaches {target:.0%}: linear interpolation "
                    f"between the simulated sizes {sizes} (the smallest when already reached; empty "
                    f"when not reached at {sizes[-1]}); n = replicates per size")))
    return stat_frame(rows)


def _pct(x: float, digits: int = 1) -> str:
    return "" if x != x else f"{100 * x:.{digits}f}"


def power_table(reps: pd.DataFrame, scen_stats: pd.DataFrame) -> pd.DataFrame:
    """One printed row per scenario and term."""
    wide = scen_stats.set_index(["level", "outcome", "term", "statistic"])
    info = reps[["scenario", "cohort_size", "effect", "model", "outcome", "term", "statistic",
                 "true_log"]].drop_duplicates(["scenario", "outcome", "term"])
    lines = []
    for r in info.itertuples():
        def get(field, stat, k=(r.scenario, r.outcome, r.term)):
            return float(wide.at[(*k, stat), field])
        lines.append({
            "Scenario": r.scenario, "Cohort size": int(r.cohort_size), "Effect": f"{r.effect:g}",
            "Model": MODEL_LABEL.get(r.model, r.model), "Factor": LABELS.get(r.term, r.term),
            "True HR/OR": f"{math.exp(r.true_log):.3f}",
            "Power, % (95% CI)": f"{_pct(get('estimate', 'power'))} ({_pct(get('ci_low', 'power'))}-"
                                 f"{_pct(get('ci_high', 'power'))})",
            "Bias (log scale)": f"{get('estimate', 'bias'):.3f}",
            "Relative bias, %": _pct(get("estimate", "relative_bias")),
            "Coverage, % (95% CI)": f"{_pct(get('estimate', 'coverage'))} ({_pct(get('ci_low', 'coverage'))}-"
                                    f"{_pct(get('ci_high', 'coverage'))})",
            "Median EPV": f"{get('estimate', 'median_epv'):.1f}",
            "Separated, %": _pct(get("estimate", "share_separated")),
            "Not converged, %": _pct(get("estimate", "share_not_converged")),
            "Replicates": int(get("n", "power")),
        })
    return pd.DataFrame(lines)


def sample_size_table(sizes: pd.DataFrame, reps: pd.DataFrame) -> pd.DataFrame:
    """Printed cohort sizes for the target power, one row per effect and term."""
    model = reps.drop_duplicates(["outcome", "term"]).set_index(["outcome", "term"])["model"]
    largest = int(reps["cohort_size"].max())
    return pd.DataFrame([{
        "Effect": r.level, "Model": MODEL_LABEL.get(model[(r.outcome, r.term)], r.outcome),
        "Factor": LABELS.get(r.term, r.term),
        "Cohort size": f"not reached at {largest}" if r.estimate != r.estimate else f"{math.ceil(r.estimate)}",
    } for r in sizes.itertuples()], columns=["Effect", "Model", "Factor", "Cohort size"])


def summarise(reps: pd.DataFrame, simulation: Mapping[str, Any],
              fit_methods: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Statistics rows (scenario metrics + sample sizes) and the two printed tables."""
    alpha, target = float(simulation["alpha"]), float(simulation["target_power"])
    scen = scenario_rows(reps, alpha, fit_methods)
    sizes = sample_size_rows(reps, scen, simulation["effects"], target)
    return {"statistics": stat_frame(pd.concat([scen, sizes], ignore_index=True)),
            "power_table": power_table(reps, scen), "sample_size_table": sample_size_table(sizes, reps)}
