"""Synthetic cohort calibrated to Wang L et al., Front Oncol 2021;11:702644 (``data/wang2021``).

THE DATA ARE SYNTHETIC. No value comes from a patient; every value is drawn by this seeded
generator. Published COUNTS, medians and ranges (Table 1, phases, PHT = 19, supportive care,
Supplementary Table 8 splits) are reproduced exactly, by construction. Published ASSOCIATIONS
(Figure 5 hazard ratios, PHT odds ratios, Figure 6F-I cost correlations) are the true
parameters of the generative model, and the data are ONE draw from it: nothing is redrawn
according to a refitted estimate or a realised correlation, so the refits differ from the
published values by sampling error, and the scorecard says so where they do.
``write_wang2021(folder, seed)`` writes the contract tables (``patients, labs, crs, markers,
treatments``; data contract section 1) and a README; the same seed gives the same bytes.

Generative model
----------------
86 patients (study codes W001..W086): 76 in the analysis set (``response_d28`` CR or CRi) and
10 excluded (7 NR, 3 withdrawn). Steps, each in its own module:

1. Truth (``wang2021_truth``), analysis set:
   * Table 1 continuous rows (age, BMI, prior chemotherapy cycles, relapses, BM blasts,
     pre-LD ANC / Hb / PLT, LDH, ferritin, ALT, AST, GFR, creatinine, urea, uric acid) with the
     exact published median [range] (``common.exact_median_range``), given to patients through a
     rank copula so that related covariates move together (blasts with CRS grade, LDH with
     blasts, AST with ALT, GFR against creatinine, ...);
   * exact counts: sex 38/38, extramedullary 14, prior allo-HSCT 21, CAR target 50/4/22, CRS
     grade 0/1/2/3/4 = 14/11/22/20/9 (none 14, mild 33, severe 29), neurotoxicity (ICANS >= 1) 9,
     tocilizumab or steroids in 0/14, 4/33, 24/29;
   * CRS course: onset (median about day 2, earlier when severe), peak, and a duration with median
     exactly 7.5 days (range 2-26, ``CRS_DURATION``) that grows with the grade;
   * peak markers (lg scale) = mean + sd x (loading x inflammation factor + noise), the factor
     being 0.75 x standardised CRS grade + noise, so every cytokine peak rises with the grade;
     the ferritin peak is the baseline ferritin raised by an inflammation-dependent amount;
   * severe cytopenia by phase, with exactly the published structure: SN 4 (T1, all also T2) /
     20 (T2) / 59 (T3), SA 7 / 8 / 45 (baseline union 10), ST 8 / 8 / 43 (union 12); every
     baseline-severe patient is also severe in T3; new onset 39 of 56, 35 of 66, 31 of 64.
     Baseline severity is drawn from a marrow-burden score (blasts), new onset from the CRS grade
     and the inflammation factor. Pre-LD values below the thresholds go exactly to the T1-severe.
2. Recovery (``wang2021_recovery``): one draw of Weibull proportional-hazards durations whose
   true log hazard ratios are the Figure 5 ones; PHT (exactly 19) from the logistic model with
   the published odds ratios, conditioned on the count only (conditional Bernoulli; patients
   whose durations force or exclude PHT under the day-28 definition are fixed); onsets placed so
   that PHT holds; follow-up. No refitted model is looked at (see that module).
3. Trajectories (``wang2021_trajectory``): lab schedules (~3 a week from about day -10 to day
   29-35 or the discharge, or 45-90 for PHT), piecewise values that realise exactly the planned phases, onsets,
   nadirs and recoveries under the contract's definitions (LD dip, CRS-time dips, biphasic
   recoveries), G-CSF while ANC < 0.5 (59 patients) plus 7 with ANC 0.5-1.0 (66), PRBC in
   exactly 38 and platelets in 35 (on the first measured day with Hb < 60 / PLT < 20, then
   weekly while at least 8 days before the recovery), tocilizumab / steroids at the CRS peak, daily CRS / ICANS grades, markers ~3 a week.
4. Outcomes (here): hemorrhage 14 (7 of 19 PHT, 7 of 57 others; more likely with severe
   thrombocytopenia), infection 13 (2 / 11; with severe neutropenia), relapse, death (non-relapse
   mortality 1 / 4, never before day 28 in the analysis set): the PHT splits are the integer
   tables closest to the published chi-square p (0.013, 0.31, 0.79); length of stay from admission
   (day -6..-9) to a discharge that grows with the summed days of severe cytopenia and of CRS, and
   costs = price x the care actually given (G-CSF days, PRBC units, platelet transfusions, oxygen
   days from the anaemia and the CRS) x lognormal noise exp(sigma Z), plus drugs and labs per day
   of stay. For the four costs Figure 6F-I plots, sigma is solved (:func:`cost_noise_sigma`) so
   that the EXPECTED Spearman r of the cost with the lineage's duration, over the noise and given
   the care, equals the published r (0.691, 0.896, 0.688, 0.805), by an exact formula
   (:func:`expected_spearman`); the noise is then drawn once. When the care alone correlates
   less than the published r (the cap is the r of the noiseless cost), sigma is ~0 and the
   shortfall stays in the data.

5. Baseline markers for CAR-HEMATOTOX (``hematotox_baseline``, its own seeded stream, drawn
   last): on each patient's last pre-lymphodepletion blood-count day, a ferritin row equal to
   the Table 1 baseline ferritin and a CRP row (assumed lognormal; no published baseline CRP).

Lab units: canonical (ANC, PLT 10^9/L; Hb g/L) except a few early pre-LD rows written in /uL
and g/dL, and a few same-day repeat measurements (the derivation keeps the day's lowest), to
exercise the ingestion rules.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.synth.common import weighted_choice, write_table
from cartcyto.synth.hematotox_baseline import draw_crp
from cartcyto.synth.hematotox_baseline import stream as hematotox_stream
from cartcyto.synth.wang2021_recovery import simulate_recovery
from cartcyto.synth.wang2021_trajectory import (Patient, choose_support, crs_rows, marker_rows,
                                                toci_rows)
from cartcyto.synth.wang2021_truth import (LINEAGES, PUBLISHED, TABLE1_CONTINUOUS, Wang2021Model,
                                           draw_truth)

__all__ = ["DEFAULT_SEED", "Wang2021Model", "build_wang2021", "cost_noise_sigma", "expected_spearman",
           "write_wang2021"]

DEFAULT_SEED = 20210630          # the paper's publication date
LD_START, LD_END = -4, -2
PATIENT_COLUMNS = [
    "patient_id", "sex", "age_years", "response_d28", "ld_start_day", "ld_end_day", "bmi",
    "extramedullary", "prior_chemo_cycles", "prior_hsct", "months_hsct_to_cart", "n_relapses",
    "bm_blasts_pct", "car_target", "ldh", "ferritin", "alt", "ast", "gfr", "creatinine", "urea",
    "uric_acid", "hemorrhage", "infection", "nrm", "los_days", "cost_total", "cost_drug",
    "cost_lab", "cost_gcsf", "cost_oxygen", "cost_prbc", "cost_platelets", "last_followup_day",
    "death_day", "relapse_day",
]
TEST_ORDER = {"anc": 0, "hb": 1, "plt": 2}
TREATMENT_ORDER = {"gcsf": 0, "prbc": 1, "platelets": 2, "tocilizumab": 3, "corticosteroid": 4}
# Supplementary Table 8 (PHT vs no PHT, 19 vs 57): integer splits whose Pearson chi-square p is
# the closest to the published ones (hemorrhage p=0.013 -> 7 vs 7 gives 0.017; infection p=0.31 ->
# 2 vs 11 gives 0.38; non-relapse mortality p=0.79 -> 1 vs 4 gives 0.789); they are
# ``wang2021_truth.OUTCOME_COUNTS``, scaled with the cohort size (``t["counts"]["outcome"]``)
OUTCOME_COLUMNS = ("hemorrhage", "infection", "nrm", "los_days", "cost_total", "cost_drug", "cost_lab",
                   "cost_gcsf", "cost_oxygen", "cost_prbc", "cost_platelets", "last_followup_day",
                   "death_day", "relapse_day")
# Figure 6F-I: Spearman r of a lineage's severe-cytopenia duration with a cost
COST_RHO = {"cost_gcsf": ("sn", 0.691), "cost_prbc": ("sa", 0.896), "cost_oxygen": ("sa", 0.688),
            "cost_platelets": ("st", 0.805)}
README = """\
# Synthetic Wang 2021 cohort (not patient data)

Every value in this folder is SYNTHETIC: drawn by `cartcyto.synth.wang2021` (seed {seed}) so that
the pipeline's derived counts, medians and ranges equal those published by Wang L et al.,
Front Oncol 2021;11:702644 (Table 1, severe cytopenia by phase, PHT, supportive care). The
published Figure 5 hazard ratios, PHT odds ratios and Figure 6 cost correlations are the true
parameters of the generating model; this folder is one draw from it, so estimates refitted on
it differ from the published ones by sampling error. No row describes a real person. Regenerate with `python -m cartcyto.synth data` (identical bytes).

Tables follow the data contract (section 1): patients.csv, labs.csv, crs.csv, markers.csv,
treatments.csv. 86 patients (W001..W086), 76 in the analysis set (response_d28 CR/CRi).
"""


def _ranks_and_expected(dur: np.ndarray, signal: np.ndarray, sigma: float):
    """Centred average ranks of ``dur``, and the centred expected ranks of
    ``signal x exp(sigma N(0, 1))`` (zeros stay tied at their mid-rank), plus the sum of squares
    of the cost ranks (fixed: zeros tied, positive costs distinct for sigma > 0)."""
    n = dur.size
    r = stats.rankdata(dur) - (n + 1) / 2.0
    pos = signal > 0
    n0 = int((~pos).sum())
    q = np.full(n, (n0 + 1) / 2.0)
    ls = np.log(signal[pos])
    diff = (ls[:, None] - ls[None, :]) / (sigma * math.sqrt(2.0))
    q[pos] = n0 + 1 + stats.norm.cdf(diff).sum(axis=1) - 0.5      # minus the j = i term
    q -= (n + 1) / 2.0
    ranks = np.r_[np.full(n0, (n0 + 1) / 2.0), np.arange(n0 + 1, n + 1)] - (n + 1) / 2.0
    return r, q, float((ranks ** 2).sum())


def expected_spearman(dur: np.ndarray, signal: np.ndarray, sigma: float) -> float:
    """E[Spearman r(dur, signal x exp(sigma Z))] over Z ~ N(0, 1) iid, given ``dur`` and
    ``signal`` >= 0 (sigma > 0), exactly: r = sum(R_i Q_i) / sqrt(sum R^2 sum Q^2) with centred
    mid-ranks R (durations) and Q (costs); the denominator is fixed (zero costs tie, positive
    ones are a.s. distinct), so E r = sum(R_i E[Q_i]) / sqrt(...), where for a positive cost
    E[Q_i] = n0 + 1 + sum_(j != i, s_j > 0) Phi((ln s_i - ln s_j) / (sigma sqrt 2))."""
    r, q, ssq = _ranks_and_expected(np.asarray(dur, float), np.asarray(signal, float), sigma)
    return float((r * q).sum() / math.sqrt((r ** 2).sum() * ssq))


def cost_noise_sigma(dur: np.ndarray, signal: np.ndarray, target: float,
                     lo: float = 1e-4, hi: float = 10.0) -> float:
    """The lognormal noise sigma in [lo, hi] whose :func:`expected_spearman` is ``target``
    (bisection; E r falls as sigma grows). ``lo`` when even almost no noise gives less than the
    target (the shortfall then shows in the scorecard), ``hi`` when even this much noise gives
    more."""
    if expected_spearman(dur, signal, lo) <= target:
        return lo
    if expected_spearman(dur, signal, hi) >= target:
        return hi
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        if expected_spearman(dur, signal, mid) > target:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


def _outcomes(t: dict, plan: dict, info: list[dict], rng: np.random.Generator) -> dict:
    analysis = t["analysis"]
    n, na = analysis.size, int(analysis.sum())
    split_counts = t["counts"]["outcome"]
    pat = t["pattern"]
    pht = plan["pht"]
    last = plan["last_lab"].astype(float)
    st3 = pat["st"]["t3"].astype(float)
    sn3 = pat["sn"]["t3"].astype(float)
    zg = t["z_grade"]
    out: dict = {}
    def split(name, weight):
        k_pht, k_other = split_counts[name]
        x = np.zeros(n, bool)
        x[:na] = (weighted_choice(weight[:na], k_pht, rng, eligible=pht[:na])
                  | weighted_choice(weight[:na], k_other, rng, eligible=~pht[:na]))
        return x

    hem = split("hemorrhage", np.exp(0.8 * st3))
    hem[na:] = rng.random(n - na) < 0.2
    inf = split("infection", np.exp(0.6 * sn3 + 0.2 * zg))
    inf[na:] = rng.random(n - na) < 0.3
    out["hemorrhage"], out["infection"] = hem, inf

    relapse = np.full(n, np.nan)
    rel = np.zeros(n, bool)
    rel[:na] = weighted_choice(np.exp(0.02 * t["bm_blasts_pct"][:na]), t["counts"]["relapses"], rng)
    relapse[rel] = np.maximum(last[rel] + 7, np.round(45 + rng.gamma(2.0, 80.0, n)[rel]))
    death = np.full(n, np.nan)
    # non-relapse mortality: PHT patients die at their last lab day (day >= 45), others later
    nrm = np.zeros(n, bool)
    nrm_pht = weighted_choice(np.ones(na), split_counts["nrm"][0], rng, eligible=pht[:na] & ~rel[:na])
    nrm_oth = weighted_choice(np.ones(na), split_counts["nrm"][1], rng, eligible=~pht[:na] & ~rel[:na])
    nrm[:na] = nrm_pht | nrm_oth
    death[:na] = np.where(nrm_pht, last[:na], death[:na])
    death[:na] = np.where(nrm_oth, last[:na] + np.round(rng.uniform(30, 300, na)), death[:na])
    rel_death = rel & (rng.random(n) < 0.4)
    death = np.where(rel_death & analysis, relapse + np.round(rng.uniform(20, 300, n)), death)
    # excluded patients: NR die of disease (some), withdrawn leave at their last lab
    resp = t["response_d28"]
    nr = resp == "NR"
    nr_death = nr & (rng.random(n) < 0.6)
    death = np.where(nr_death, np.maximum(last + 1, np.round(rng.uniform(40, 250, n))), death)
    wd_death = (resp == "withdrawn") & (rng.random(n) < 0.35)
    death = np.where(wd_death, last, death)
    out["nrm"] = nrm
    out["death_day"] = death
    out["relapse_day"] = relapse
    follow = np.where(np.isnan(death), np.maximum(last, np.round(rng.uniform(180, 1500, n))), death)
    follow = np.where(resp == "withdrawn", np.where(np.isnan(death), last, death), follow)
    out["last_followup_day"] = follow

    # length of stay: admission on day -6..-9, or 0-2 days before the first severe value when
    # already severely cytopenic before lymphodepletion; discharge from the plan
    first = np.array([x.get("first_severe", 0.0) for x in info], float)
    admission = np.minimum(-rng.integers(6, 10, n), first - rng.integers(0, 3, n))
    los = plan["discharge"] - admission
    out["los_days"] = los
    # costs (CNY) = price x the care actually given x exp(sigma N(0, 1)); sigma of the four costs
    # Figure 6F-I plots is solved so that the EXPECTED Spearman r with the durations is the
    # published one (:func:`cost_noise_sigma`); the noise is then drawn once
    gcsf = np.array([x["gcsf_days"] for x in info], float)
    prbc = np.array([x["prbc_units"] for x in info], float)
    plt_tx = np.array([x["platelet_tx"] for x in info], float)
    sa_len = np.array([x["t3_len"].get("sa", 0) for x in info], float)
    oxygen_days = np.round(np.maximum(0.0, 0.6 * sa_len + 1.5 * np.maximum(t["crs_grade"] - 1, 0)))
    care = {"cost_gcsf": 160.0 * gcsf, "cost_prbc": 420.0 * prbc, "cost_oxygen": 45.0 * oxygen_days,
            "cost_platelets": 1300.0 * plt_tx}
    costs, out["_cost_sigma"] = {}, {}
    for name, signal in care.items():
        lin, target = COST_RHO[name]
        dur = np.array([x["duration"].get(lin, np.nan) for x in info], float)
        keep = analysis & ~np.isnan(dur)
        sigma = cost_noise_sigma(dur[keep], signal[keep], target)
        costs[name] = signal * np.exp(sigma * rng.standard_normal(n))
        out["_cost_sigma"][name] = sigma
    toci_n = np.array([x["toci_doses"] for x in info], float)
    cost_drug = (costs["cost_gcsf"] + toci_n * 4200.0 + 5000.0 * rng.lognormal(0, 0.2, n)
                 + inf * 9000.0 * rng.lognormal(0, 0.5, n) + los * 700.0 * rng.lognormal(0, 0.15, n))
    cost_lab = los * 380.0 * rng.lognormal(0, 0.15, n)
    cost_total = (cost_drug + cost_lab + costs["cost_prbc"] + costs["cost_platelets"] + costs["cost_oxygen"]
                  + los * 320.0 + 15000.0 * rng.lognormal(0, 0.1, n))
    costs.update(cost_drug=cost_drug, cost_lab=cost_lab, cost_total=cost_total)
    for name, x in costs.items():
        out[name] = np.round(x, 2)
    return out


def _discharge(t: dict, plan: dict, rng: np.random.Generator) -> None:
    """Discharge day, growing with the days of severe cytopenia after infusion (summed over the
    lineages) and of CRS; inpatients have labs until discharge, so a non-PHT analysis patient's
    last lab day moves to the discharge when later (all its episodes have recovered by then)."""
    last = plan["last_lab"].astype(float)
    burden = np.zeros(last.size)
    for lin in LINEAGES:
        o, r = plan["onset"][lin], plan["recovery"][lin]
        burden += np.where(np.isnan(o), 0.0, np.where(np.isnan(r), last, r) - np.nan_to_num(o))
    crs_days = np.nan_to_num(t["crs_recovery"] - t["crs_onset"])
    discharge = np.round(10 + 0.5 * burden + 0.3 * crs_days + rng.uniform(0, 5, last.size))
    extend = t["analysis"] & ~plan["pht"]
    plan["last_lab"] = np.where(extend, np.maximum(last, discharge), last).astype(int)
    plan["discharge"] = np.minimum(discharge, plan["last_lab"])


def build_wang2021(seed: int | np.random.SeedSequence = DEFAULT_SEED,
                   model: Wang2021Model = PUBLISHED) -> dict[str, pd.DataFrame]:
    """The cohort tables (and ``_plan``/``_truth`` for inspection) for ``seed`` (an integer or a
    ``numpy.random.SeedSequence``). ``model`` sets the analysis-set size, the excluded patients,
    the effect multiplier and the optional outcome / unit-variant steps (default: the published
    cohort, whose bytes this reproduces)."""
    rng = np.random.default_rng(seed)
    t = draw_truth(rng, model)
    plan = simulate_recovery(t, rng, effect=model.effect)
    support = choose_support(t, plan, rng)
    _discharge(t, plan, rng)
    n_total = t["analysis"].size
    ids = np.array([f"W{k + 1:03d}" for k in rng.permutation(n_total)], dtype=object)

    labs, treat, crs, markers, info = [], [], [], [], []
    for i in range(n_total):
        p = Patient(i, t, plan, rng, support).build()
        labs += [(ids[i], d, test, v) for d, test, v in p.labs]
        tr = toci_rows(t, i, rng)
        p.info["toci_doses"] = sum(1 for r in tr if r[1] == "tocilizumab")
        treat += [(ids[i], d, name, dose) for d, name, dose in p.treat + tr]
        crs += [(ids[i],) + r for r in crs_rows(t, i, rng)]
        markers += [(ids[i],) + r for r in marker_rows(t, i, rng)]
        info.append(p.info)
    outc = _outcomes(t, plan, info, rng) if model.outcomes else {"_cost_sigma": {}}
    cost_sigma = outc.pop("_cost_sigma")

    pts = pd.DataFrame({"patient_id": ids, "sex": t["sex"], "response_d28": t["response_d28"],
                        "ld_start_day": LD_START, "ld_end_day": LD_END,
                        "extramedullary": t["extramedullary"], "prior_hsct": t["prior_hsct"],
                        "months_hsct_to_cart": t["months_hsct_to_cart"], "car_target": t["car_target"]})
    for col in TABLE1_CONTINUOUS:
        pts[col] = t[col]
    for col, x in outc.items():
        pts[col] = x
    columns = [c for c in PATIENT_COLUMNS if model.outcomes or c not in OUTCOME_COLUMNS]
    pts = pts[columns].sort_values("patient_id", kind="stable").reset_index(drop=True)

    lab = pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"])
    lab["unit"] = lab["test"].map({"anc": "10^9/L", "hb": "g/L", "plt": "10^9/L"})
    if model.unit_variants:
        lab = _unit_variants(lab, rng, ids[:int(t["analysis"].sum())])
    lab["_o"] = lab["test"].map(TEST_ORDER)
    lab = lab.sort_values(["patient_id", "day", "_o"], kind="stable").drop(columns="_o").reset_index(drop=True)

    tr = pd.DataFrame(treat, columns=["patient_id", "day", "treatment", "dose"])
    tr["_o"] = tr["treatment"].map(TREATMENT_ORDER)
    tr = (tr.drop_duplicates(["patient_id", "day", "treatment"]).sort_values(["patient_id", "day", "_o"], kind="stable")
          .drop(columns="_o").reset_index(drop=True))
    crs_df = pd.DataFrame(crs, columns=["patient_id", "day", "crs_grade", "icans_grade"])
    crs_df = crs_df.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    mk = pd.DataFrame(markers, columns=["patient_id", "day", "marker", "value", "unit"])
    mk = pd.concat([mk, _baseline_markers(pts, lab, seed)], ignore_index=True)
    mk = mk.sort_values(["patient_id", "day"], kind="stable").reset_index(drop=True)
    return {"patients": pts, "labs": lab, "crs": crs_df, "markers": mk, "treatments": tr,
            "_truth": t, "_plan": plan, "_ids": ids, "_cost_sigma": cost_sigma}


def _baseline_markers(pts: pd.DataFrame, lab: pd.DataFrame, seed: int | np.random.SeedSequence) -> pd.DataFrame:
    """Pre-lymphodepletion ferritin and CRP for the CAR-HEMATOTOX score, on each patient's last
    blood-count day in ``LD_START - 7 .. LD_START``: ferritin = the Table 1 baseline ferritin of
    patients.csv, CRP drawn from its own stream (``cartcyto.synth.hematotox_baseline``; no
    published baseline CRP), so no value drawn before changes."""
    win = lab[(lab["day"] <= LD_START) & (lab["day"] >= LD_START - 7)]
    day = win.groupby("patient_id")["day"].max()
    ids = [i for i in pts["patient_id"] if i in day.index]
    crp = draw_crp(hematotox_stream(seed), len(ids))
    ferritin = pts.set_index("patient_id")["ferritin"]
    rows = [(i, int(day[i]), "ferritin", float(ferritin[i]), "ng/mL") for i in ids]
    rows += [(i, int(day[i]), "crp", float(c), "mg/L") for i, c in zip(ids, crp)]
    out = pd.DataFrame(rows, columns=["patient_id", "day", "marker", "value", "unit"])
    return out.sort_values(["patient_id", "day"], kind="stable")


def _unit_variants(lab: pd.DataFrame, rng: np.random.Generator, analysis_ids) -> pd.DataFrame:
    """A few early pre-LD rows (never the pre-LD value) in /uL or g/dL, and a few same-day
    repeat platelet counts (higher than the first; the day's lowest is what counts)."""
    lab = lab.copy()
    pre_day = lab[lab["day"] < LD_START].groupby("patient_id")["day"].transform("max")
    early = (lab["day"] < LD_START) & (lab["day"] < pre_day.reindex(lab.index))
    chosen = rng.choice(np.array(sorted(analysis_ids)), 4, replace=False)
    conv = early & lab["patient_id"].isin(chosen)
    for test, unit, f, dec in (("anc", "/uL", 1000.0, 0), ("plt", "/uL", 1000.0, 0), ("hb", "g/dL", 0.1, 1)):
        m = conv & (lab["test"] == test)
        lab.loc[m, "value"] = np.round(lab.loc[m, "value"] * f, dec)
        lab.loc[m, "unit"] = unit
    late = lab[(lab["day"] >= 3) & (lab["test"] == "plt")]
    rep = late.loc[rng.choice(late.index.to_numpy(), 5, replace=False)].copy()
    rep["value"] = rep["value"] + rng.integers(4, 15, len(rep))
    return pd.concat([lab, rep], ignore_index=True)


def write_wang2021(outdir: str | Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the synthetic Wang 2021 cohort (contract CSV tables + README) into ``outdir``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tables = build_wang2021(seed)
    for name in ("patients", "labs", "crs", "markers", "treatments"):
        write_table(tables[name], outdir / f"{name}.csv")
    (outdir / "README.md").write_text(README.format(seed=seed), encoding="utf-8", newline="\n")
    return outdir
