"""Simulation library: generator scaling, seeds independent of job splitting, in-memory cohorts
that derive exactly like files read back, replicate rows, and the gather's metrics.

Reference values: tests/reference/simulation.R (R 4.x ``binom.test`` for Clopper-Pearson CIs,
``qnorm`` for the bias CI).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartcyto.cohort.read import read_cohort
from cartcyto.derive.patients import derive_patients, write_derived
from cartcyto.design import resolve_study
from cartcyto.simulation.cohort import cohort_from_tables
from cartcyto.simulation.design import (Scenario, chunk_name, chunks, parse_chunk, replicate_seed,
                                        scenario_key, scenarios)
from cartcyto.simulation.replicate import COLUMNS, fit_methods, run_replicate, run_replicates, write_replicates
from cartcyto.simulation.summary import n_for_power, scenario_rows, summarise
from cartcyto.synth.common import write_table
from cartcyto.synth.wang2021 import Wang2021Model, build_wang2021
from cartcyto.synth.wang2021_recovery import HR, OR_PHT
from cartcyto.synth.wang2021_truth import CRS_GRADE_COUNTS, N_ANALYSIS, PHASE_PATTERN, cohort_counts

REPO = Path(__file__).resolve().parents[1]

DESIGNS = REPO / "workflow" / "designs"
SEED_GUARD = 1219620023      # first integers(0, 2**31) draw of replicate_seed(7, "n40_published", 3)
SIM = {"cohort_sizes": [40, 76], "effects": {"published": 1.0, "zero": 0.0}, "alpha": 0.05,
       "target_power": 0.8}


@pytest.fixture(scope="module")
def study():
    return resolve_study("sim", {"cohort": "(generated)", "design": "wang2021"}, "spss", DESIGNS)


# ---------------------------------------------------------------- generator parameterisation

def test_published_counts_at_76():
    c = cohort_counts(N_ANALYSIS)
    assert c["crs_grade"] == CRS_GRADE_COUNTS
    assert c["phase"] == PHASE_PATTERN
    assert (c["pht"], c["male"], c["extramedullary"], c["prior_hsct"]) == (19, 38, 14, 21)
    assert c["support"] == {"gcsf_extra": 7, "prbc": 38, "platelets": 35}


@pytest.mark.parametrize("n", [40, 77, 150, 300])
def test_counts_scale_with_the_cohort(n):
    c = cohort_counts(n)
    assert sum(c["crs_grade"].values()) == n and sum(c["car_target"].values()) == n
    assert c["pht"] == math.floor(19 * n / 76 + 0.5)
    for lin, (both, t1, t2, new) in c["phase"].items():
        assert both + t1 >= 1 and both + t1 + t2 + new <= n


def test_model_rejects_sizes_it_cannot_draw():
    with pytest.raises(ValueError, match="n_analysis"):
        Wang2021Model(n_analysis=10)
    with pytest.raises(ValueError, match="n_excluded"):
        Wang2021Model(n_excluded=3)


@pytest.mark.parametrize("n", [40, 150])
def test_generated_cohort_has_the_scaled_counts(n, study):
    model = Wang2021Model(n_analysis=n, n_excluded=0, outcomes=False, unit_variants=False)
    tables = build_wang2021(np.random.SeedSequence(3, spawn_key=(1, 2)), model)
    derived = derive_patients(cohort_from_tables(tables), study)
    c = cohort_counts(n)
    assert len(derived) == n
    assert derived["in_analysis_set"].all()
    assert int(derived["pht"].sum()) == c["pht"]
    grades = derived["crs_max_grade"].value_counts().to_dict()
    assert {int(k): v for k, v in grades.items()} == {k: v for k, v in c["crs_grade"].items() if v}
    assert "cost_total" not in derived.columns and "hemorrhage" not in derived.columns


def test_effect_multiplier_scales_the_true_log_effects(study):
    from cartcyto.simulation.replicate import models
    half = {m["model"]: m for m in models(study, 0.5)}
    zero = {m["model"]: m for m in models(study, 0.0)}
    assert half["cox_sn"]["truth"] == pytest.approx([0.5 * math.log(HR["sn"][c]) for c in half["cox_sn"]["covariates"]])
    assert half["logistic_pht"]["truth"] == pytest.approx([0.5 * math.log(OR_PHT[c]) for c in OR_PHT])
    assert all(t == 0 for m in zero.values() for t in m["truth"])


# ---------------------------------------------------------------- in-memory cohort = files read back

@pytest.mark.parametrize("n, seed", [(40, 11), (76, 12)])
def test_in_memory_cohort_derives_like_the_files_read_back(tmp_path, study, n, seed):
    model = Wang2021Model(n_analysis=n, n_excluded=0, outcomes=False, unit_variants=False)
    tables = build_wang2021(seed, model)
    folder = tmp_path / "cohort"
    for name in ("patients", "labs", "crs", "markers", "treatments"):
        write_table(tables[name], folder / f"{name}.csv")
    from_files = derive_patients(read_cohort(folder, study), study)
    in_memory = derive_patients(cohort_from_tables(tables), study)
    write_derived(from_files, tmp_path / "a.csv")
    write_derived(in_memory, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_in_memory_cohort_refuses_non_canonical_units():
    tables = build_wang2021(5, Wang2021Model(n_analysis=40, n_excluded=0, outcomes=False))
    with pytest.raises(ValueError, match="canonical units"):
        cohort_from_tables(tables)


# ---------------------------------------------------------------- seeds and job splitting

def test_seeds_depend_on_seed_scenario_and_replicate_only():
    a = replicate_seed(7, "n40_published", 3).generate_state(4)
    assert (a == replicate_seed(7, "n40_published", 3).generate_state(4)).all()
    for other in (replicate_seed(8, "n40_published", 3), replicate_seed(7, "n76_published", 3),
                  replicate_seed(7, "n40_published", 4)):
        assert not (a == other.generate_state(4)).all()
    assert scenario_key("n40_published") != scenario_key("n40_half")


def test_seed_derivation_is_stable():
    """Published simulation results rest on these seeds: a change of the derivation shows here."""
    rng = np.random.default_rng(replicate_seed(7, "n40_published", 3))
    assert rng.integers(0, 2**31) == SEED_GUARD


def test_chunks_cover_every_replicate_once():
    parts = chunks(1000, 300)
    assert parts == [(0, 300), (300, 600), (600, 900), (900, 1000)]
    assert [parse_chunk(chunk_name(a, b)) for a, b in parts] == parts
    with pytest.raises(ValueError):
        chunks(10, 0)


def test_scenarios_cross_sizes_and_effects():
    names = [s.name for s in scenarios(SIM)]
    assert names == ["n40_published", "n76_published", "n40_zero", "n76_zero"]


def test_results_do_not_depend_on_job_splitting(tmp_path, study):
    scen = Scenario("n40_published", 40, "published", 1.0)
    whole = run_replicates(scen, 0, 6, 99, study)
    split = pd.concat([run_replicates(scen, 0, 2, 99, study), run_replicates(scen, 2, 5, 99, study),
                       run_replicates(scen, 5, 6, 99, study)], ignore_index=True)
    write_replicates(whole, tmp_path / "whole.csv")
    write_replicates(split, tmp_path / "split.csv")
    assert (tmp_path / "whole.csv").read_bytes() == (tmp_path / "split.csv").read_bytes()
    # and a replicate alone gives its rows again
    again = run_replicate(scen, 4, 99, study)
    pd.testing.assert_frame_equal(again, whole[whole["replicate"] == 4].reset_index(drop=True))


def test_replicate_rows(study):
    rows = run_replicate(Scenario("n76_published", 76, "published", 1.0), 0, 1, study)
    assert list(rows.columns) == COLUMNS
    assert rows["model"].tolist() == ["cox_sn"] * 4 + ["cox_sa"] * 2 + ["cox_st"] + ["logistic_pht"] * 3
    ok = rows[rows["status"] == "ok"]
    assert len(ok) >= 7
    # SE is the Wald SE the CI was built from; estimate = exp(log estimate)
    z = 1.959963984540054
    assert np.allclose(np.exp(ok["log_estimate"] - z * ok["se"]), ok["ci_low"], rtol=1e-12)
    assert np.allclose(np.exp(ok["log_estimate"]), ok["estimate"], rtol=1e-12)
    cox = rows[rows["model"] == "cox_sn"]
    assert (cox["epv"] == cox["events"] / 4).all()
    pht = rows[rows["model"] == "logistic_pht"]
    assert (pht["epv"] == np.minimum(pht["events"], pht["n"] - pht["events"]) / 3).all()


# ---------------------------------------------------------------- gather metrics

def _reps(estimates, ps, truth=math.log(0.5), se=0.2, status=None):
    k = len(estimates)
    est = np.asarray(estimates, float)
    return pd.DataFrame({
        "scenario": "n40_published", "cohort_size": 40, "effect": 1.0, "replicate": range(k),
        "model": "cox_st", "outcome": "st_duration_days", "term": "lg_max_ferritin", "statistic": "HR",
        "true_log": truth, "log_estimate": est, "se": se, "estimate": np.exp(est),
        "ci_low": np.exp(est - 1.959963984540054 * se), "ci_high": np.exp(est + 1.959963984540054 * se),
        "p_value": ps, "n": 40.0, "events": 20.0, "covariates": 1, "epv": np.arange(k, dtype=float),
        "status": status or ["ok"] * k, "note": ""})


def test_power_bias_and_coverage_by_hand():
    truth = math.log(0.5)
    # 20 replicates: 7 significant on the true side, 1 significant on the wrong side, rest not
    est = [truth] * 7 + [0.5] + [truth + 0.1] * 12
    ps = [0.01] * 7 + [0.001] + [0.2] * 12
    rows = scenario_rows(_reps(est, ps), 0.05, {"cox_st": "Cox"})
    get = rows.set_index("statistic")
    assert get.loc["power", "estimate"] == 7 / 20
    # R: binom.test(7, 20)$conf.int
    assert get.loc["power", "ci_low"] == pytest.approx(0.1539092048, abs=1e-9)
    assert get.loc["power", "ci_high"] == pytest.approx(0.5921885345, abs=1e-9)
    bias = np.mean(np.asarray(est) - truth)
    assert get.loc["bias", "estimate"] == pytest.approx(bias, abs=1e-12)
    assert get.loc["relative_bias", "estimate"] == pytest.approx(bias / abs(truth), abs=1e-12)
    # the wrong-side estimate (0.5, CI 0.11-0.89 on the log scale) misses the truth; the others cover it
    assert get.loc["coverage", "estimate"] == 19 / 20
    # R: binom.test(19, 20)$conf.int
    assert get.loc["coverage", "ci_low"] == pytest.approx(0.7512672372, abs=1e-9)
    assert get.loc["median_epv", "estimate"] == 9.5
    assert get.loc["power", "method"].startswith("Simulation power (Cox)")


def test_bias_ci_is_the_normal_interval():
    truth = 0.0
    est = [-0.2, 0.1, 0.05, -0.15, 0.3]
    rows = scenario_rows(_reps(est, [0.5] * 5, truth=truth), 0.05, {"cox_st": "Cox"}).set_index("statistic")
    # R: mean(x) + c(-1, 1) * qnorm(0.975) * sd(x) / sqrt(length(x))
    assert rows.loc["bias", "ci_low"] == pytest.approx(-0.1569403555, abs=1e-9)
    assert rows.loc["bias", "ci_high"] == pytest.approx(0.1969403555, abs=1e-9)
    assert math.isnan(rows.loc["relative_bias", "estimate"])       # no relative bias of a null effect
    assert "type I error" in rows.loc["power", "method"]


def test_failed_fits_count_against_power_and_are_reported():
    truth = math.log(0.5)
    status = ["ok"] * 10 + ["separated"] * 5 + ["not_converged"] * 3 + ["generation_failed"] * 2
    est = [truth] * 10 + [np.nan] * 10
    ps = [0.01] * 10 + [np.nan] * 10
    reps = _reps(est, ps, status=status)
    rows = scenario_rows(reps, 0.05, {"cox_st": "Cox"}).set_index("statistic")
    assert rows.loc["power", "estimate"] == 10 / 20
    # R: binom.test(10, 20)$conf.int
    assert rows.loc["power", "ci_low"] == pytest.approx(0.2719578496, abs=1e-9)
    assert rows.loc["coverage", "n"] == 10
    assert rows.loc["share_separated", "estimate"] == 5 / 20
    assert rows.loc["share_not_converged", "estimate"] == 3 / 20
    assert rows.loc["share_generation_failed", "estimate"] == 2 / 20
    assert rows.loc["median_epv", "n"] == 18


def test_n_for_power_interpolates_between_sizes():
    p = pd.DataFrame({"cohort_size": [40, 76, 150, 300], "power": [0.3, 0.6, 0.9, 1.0]})
    assert n_for_power(p, 0.8) == pytest.approx(76 + (0.2 / 0.3) * 74)
    assert n_for_power(p, 0.2) == 40
    assert math.isnan(n_for_power(p.assign(power=[0.1, 0.2, 0.3, 0.4]), 0.8))


def test_summarise_end_to_end(study):
    reps = pd.concat([run_replicates(s, 0, 3, 5, study) for s in scenarios(SIM)], ignore_index=True)
    out = summarise(reps, SIM, fit_methods(study))
    stats = out["statistics"]
    assert set(stats["level"]) >= {"n40_published", "n76_zero", "published"}
    assert stats["method"].ne("").all()
    assert "Breslow" in stats.loc[stats["outcome"] == "sn_duration_days", "method"].iloc[0]
    assert len(out["power_table"]) == 4 * 10
    assert len(out["sample_size_table"]) == 10          # published effect only (zero has no target)
