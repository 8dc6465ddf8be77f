"""One replicate: generate a cohort, derive it, fit the Figure 5 Cox models and the PHT logistic model.

Everything a study run does to a real cohort is done here with the project's own functions:
``cartcyto.synth.wang2021.build_wang2021`` (the generator that carries the published effects,
scaled by the scenario's effect multiplier), ``cartcyto.derive.derive_patients``, and for each
model the analysis's own model frame (``analyses.cox.model_frame`` of the new-onset patients of
the analysis set; ``analyses.logistic.model_frame`` of the analysis set) fitted by
``stats.survival.cox_ph`` / ``stats.regression.logistic`` with the design's options.

Rows (:data:`COLUMNS`), one per replicate and model term: the true and estimated log-HR / log-OR,
its standard error (from the Wald CI: (log ci_high - log ci_low) / (2 x 1.959964)), HR / OR with
Wald 95% CI, Wald p, patients and events in the model, EPV (events per covariate; for the logistic
model the rarer outcome class per covariate), and ``status``: ``ok``, ``separated`` (monotone
likelihood or complete / quasi-complete separation: the estimate does not exist),
``not_converged``, ``not_estimable`` (no events, constant covariate...) or ``generation_failed``
(the generator could not meet the exact counts for this seed); ``note`` gives the reason.
"""
from __future__ import annotations

import math
import time
import warnings
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses import cox as cox_analysis
from cartcyto.analyses import logistic as logistic_analysis
from cartcyto.derive.patients import derive_patients
from cartcyto.simulation.cohort import cohort_from_tables
from cartcyto.simulation.design import Scenario, replicate_seed
from cartcyto.stats import regression, survival
from cartcyto.synth.wang2021 import Wang2021Model, build_wang2021
from cartcyto.synth.wang2021_recovery import true_log_hr, true_log_or
from cartcyto.vocabulary import LINEAGES

COLUMNS = ["scenario", "cohort_size", "effect", "replicate", "model", "outcome", "term", "statistic",
           "true_log", "log_estimate", "se", "estimate", "ci_low", "ci_high", "p_value", "n", "events",
           "covariates", "epv", "status", "note"]
Z975 = 1.959963984540054
SEPARATION = ("monotone likelihood", "complete or quasi-complete separation", "quasi-complete separation")


def models(study: Mapping[str, Any], effect: float) -> list[dict]:
    """The fitted models: name, outcome, statistic, covariates and each covariate's true log effect."""
    opts = cox_analysis.cox_options(study)
    out = []
    for lin in LINEAGES:
        covs = list(opts["covariates"].get(lin) or [])
        if covs:
            truth = true_log_hr(lin, effect)
            out.append({"model": f"cox_{lin}", "lineage": lin, "outcome": f"{lin}_duration_days",
                        "statistic": "HR", "covariates": covs, "truth": [truth.get(c, 0.0) for c in covs]})
    covs = logistic_analysis.pht_covariates(study)
    truth = true_log_or(effect)
    out.append({"model": "logistic_pht", "lineage": None, "outcome": logistic_analysis.OUTCOME,
                "statistic": "OR", "covariates": covs, "truth": [truth.get(c, 0.0) for c in covs]})
    return out


def fit_methods(study: Mapping[str, Any]) -> dict[str, str]:
    """model -> the method string of its fit (ties of the design's convention for Cox)."""
    ties = cox_analysis.cox_options(study)["ties"]
    return {**{f"cox_{lin}": survival.cox_method(ties) for lin in LINEAGES},
            "logistic_pht": regression.LOGISTIC}


def _status(method: str) -> tuple[str, str]:
    if ": not estimable: " not in method:
        return "ok", ""
    reason = method.split(": not estimable: ", 1)[1]
    if reason.startswith(SEPARATION):
        return "separated", reason
    if "did not converge" in reason:
        return "not_converged", reason
    return "not_estimable", reason


def _fit(patients: pd.DataFrame, spec: dict, study: Mapping[str, Any]) -> pd.DataFrame:
    covs = spec["covariates"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # a failed fit is a row with its reason
        if spec["lineage"] is not None:
            lin = spec["lineage"]
            data, _ = cox_analysis.model_frame(cox_analysis.new_onset_frame(patients, lin), lin, covs)
            fit = survival.cox_ph(data, spec["outcome"], f"{lin}_recovered", covs,
                                  ties=cox_analysis.cox_options(study)["ties"])
        else:
            data, _ = logistic_analysis.model_frame(patients, covs)
            fit = regression.logistic(data, spec["outcome"], covs)
    return fit


def _rows(fit: pd.DataFrame, spec: dict) -> list[dict]:
    k = len(spec["covariates"])
    rows = []
    for r, truth in zip(fit.itertuples(), spec["truth"]):
        status, note = _status(r.method)
        events = float(r.events)
        rarer = events if spec["lineage"] is not None else min(events, float(r.n) - events)
        se = (math.log(r.ci_high) - math.log(r.ci_low)) / (2 * Z975) if status == "ok" else np.nan
        rows.append({"model": spec["model"], "outcome": spec["outcome"], "term": r.term,
                     "statistic": spec["statistic"], "true_log": truth,
                     "log_estimate": math.log(r.estimate) if status == "ok" else np.nan, "se": se,
                     "estimate": r.estimate, "ci_low": r.ci_low, "ci_high": r.ci_high,
                     "p_value": r.p_value, "n": float(r.n), "events": events, "covariates": k,
                     "epv": rarer / k, "status": status, "note": note})
    return rows


def _failed_rows(specs: list[dict], reason: str) -> list[dict]:
    return [{"model": s["model"], "outcome": s["outcome"], "term": c, "statistic": s["statistic"],
             "true_log": t, "covariates": len(s["covariates"]), "status": "generation_failed",
             "note": reason} for s in specs for c, t in zip(s["covariates"], s["truth"])]


def run_replicate(scenario: Scenario, replicate: int, seed: int, study: Mapping[str, Any]) -> pd.DataFrame:
    """The rows (:data:`COLUMNS`) of one replicate of ``scenario``."""
    specs = models(study, scenario.effect)
    model = Wang2021Model(n_analysis=scenario.n, n_excluded=0, effect=scenario.effect,
                          outcomes=False, unit_variants=False)
    try:
        tables = build_wang2021(replicate_seed(seed, scenario.name, replicate), model)
    except RuntimeError as exc:       # the exact counts are impossible for this draw
        rows = _failed_rows(specs, str(exc))
    else:
        patients = derive_patients(cohort_from_tables(tables), study)
        rows = [row for spec in specs for row in _rows(_fit(patients, spec, study), spec)]
    out = pd.DataFrame(rows)
    out.insert(0, "replicate", replicate)
    out.insert(0, "effect", scenario.effect)
    out.insert(0, "cohort_size", scenario.n)
    out.insert(0, "scenario", scenario.name)
    return out.reindex(columns=COLUMNS)


def run_replicates(scenario: Scenario, start: int, stop: int, seed: int, study: Mapping[str, Any],
                   progress: Callable[[str], None] | None = None, every: int = 10) -> pd.DataFrame:
    """Rows of replicates ``start .. stop - 1`` of ``scenario``; ``progress`` receives a line every
    ``every`` replicates (count, elapsed seconds, seconds per replicate)."""
    t0 = time.perf_counter()
    parts = []
    for done, r in enumerate(range(start, stop), start=1):
        parts.append(run_replicate(scenario, r, seed, study))
        if progress is not None and (done % every == 0 or r == stop - 1):
            took = time.perf_counter() - t0
            progress(f"{scenario.name}: {done}/{stop - start} replicates ({took:.1f} s, "
                     f"{took / done:.3f} s per replicate)")
    return pd.concat(parts, ignore_index=True)


def write_replicates(rows: pd.DataFrame, path) -> None:
    """Write replicate rows deterministically (fixed float format, ``\\n`` line ends)."""
    rows.reindex(columns=COLUMNS).to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_replicates(path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""])
