"""Wang 2021 synthetic cohort, step 2: recovery times, PHT and the day-28 structure.

Generative model (see also ``cartcyto.synth.wang2021``). Every random quantity here is drawn
ONCE from the model below; nothing is redrawn according to a fitted hazard ratio, odds ratio,
p-value or correlation. The refitted estimates in the cohort are whatever this one draw gives
(sampling error included) and the scorecard reports them as they are.

* **Recovery of a new-onset episode** (lineage L): the duration T (days from onset to recovery)
  follows a Weibull proportional-hazards model
  ``h(t | x) = lambda_L k_L t^(k_L - 1) exp(beta_L' (x - xbar))`` whose TRUE log hazard ratios
  ``beta_L`` are the published Figure 5 ones (SN: max lg D-dimer, CRS peak day, BM blasts,
  tocilizumab / steroids; SA: max lg IL-10, CRS recovery day; ST: max lg ferritin) and whose
  ``lambda_L`` is set by the median duration at the mean covariates (``WEIBULL``).
  ``T = (E / (lambda exp(lp)))^(1/k)``, E ~ Exp(1); a patient's E of the three lineages, and of
  its baseline episodes, are tied by a Gaussian copula with correlation ``SHARED_RHO`` (a shared
  marrow reserve: each margin is still Exp(1) and independent of the covariates, so each
  lineage's PH model holds with the published coefficients, but a patient slow in one lineage
  tends to be slow in the others). The written duration is ``ceil(T)`` days (the trajectory
  generator puts a lab on the onset and on the recovery day); whole days create ties, which
  pull a Breslow fit (the pipeline's SPSS convention) about 5-10% of each log-HR towards 0
  (an Efron fit recovers the published values; see the pooled tests). A patient without CRS has no CRS day: its CRS
  term is 0 (such patients are not in the SN / SA models, which need the CRS day).
* **PHT** (severe cytopenia ongoing on day 28): a latent logistic model whose TRUE log odds
  ratios are the published ones,
  ``logit P = a + log(1.317) crs_onset_day + log(1.167) crs_recovery_day + log(5.312) crs_max_grade``
  (patients without CRS: P = ``P_PHT_NO_CRS``), with two structural exceptions imposed by the
  day-28 definition: a patient whose new-onset duration cannot end by day 26 (T > 25 days) is
  PHT (P = 1), and a patient with no baseline episode and no new-onset episode that can be
  ongoing on day 28 (>= 10 days, or naturally ongoing) cannot be PHT (P = 0). The analysis set's
  PHT indicators are these independent Bernoulli(P) draws conditioned on exactly ``N_PHT`` = 19
  (Table 1) by :func:`cartcyto.synth.common.conditional_bernoulli`, the intercept ``a`` solved so
  that the expected count is 19. The structural ones and zeros make the cohort's PHT model
  differ from a pure logistic model and dilute it: pooled over 100 generated cohorts the refit
  gives ORs of about 1.20, 1.16 and 4.9 instead of 1.317, 1.167 and 5.312 (printed by
  ``tests/test_synth_wang2021.py``), so a refit on one cohort is expected a little below the
  published ORs.
* **Onset days**: a new-onset episode starts at its natural day ``crs_onset + lag`` (cytopenia
  follows CRS; lag ~ LAG + Poisson). Without PHT the onset is moved earlier when needed so that
  the episode recovers by day 26; a PHT patient carries PHT on an episode that is naturally
  ongoing on day 28, else on a baseline episode (recovery moved to day >= 31), else on its
  longest new-onset episode, started late enough (``31 - T``, at most day 21) to be ongoing.
  The onset day is free in the Cox model (which is about the duration only), so these moves do
  not change any duration.
* **Follow-up**: PHT patients have labs to day 45..90, extended to 4 days after their last
  recovery but never beyond day 90 (a later recovery is censored at day 90); others to day
  29..35, after every recovery (the generator later extends it to the discharge day).
* **Exact count only**: the lags and baseline-episode lengths are redrawn (durations kept)
  only when a draw leaves fewer than 19 patients who can be PHT, i.e. when the published PHT
  count is impossible; no fitted quantity is ever looked at. If the durations alone force more
  than 19 patients into PHT the generator stops with an error rather than redraw them.

:func:`model_fits` refits Figure 5 and the PHT model on a plan; it is a diagnostic (tests,
reports) and is never used to accept or reject a draw.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import expit
from scipy.stats import norm
from statsmodels.discrete.discrete_model import Logit
from statsmodels.duration.hazard_regression import PHReg

from cartcyto.synth.common import conditional_bernoulli
from cartcyto.synth.wang2021_truth import LINEAGES, N_PHT

HR = {  # Figure 5 (published hazard ratios of recovery)
    "sn": {"lg_max_ddimer": 0.536, "crs_peak_day": 0.89, "bm_blasts_pct": 0.987, "toci_or_steroid": 0.36},
    "sa": {"lg_max_il10": 0.533, "crs_recovery_day": 0.946},
    "st": {"lg_max_ferritin": 0.547},
}
OR_PHT = {"crs_onset_day": 1.317, "crs_recovery_day": 1.167, "crs_max_grade": 5.312}
P_PHT_NO_CRS = 0.08
WEIBULL = {"sn": (2.0, 7.0), "sa": (2.0, 10.0), "st": (1.8, 9.0)}   # shape k, median days at xbar
# Weibull (shape, median days) of the T3 part of a baseline episode: longer than new onset (the
# paper: baseline severe cytopenia lasts longer; new-onset ST recovers earlier than baseline ST)
BASELINE_T3 = {"sn": (1.3, 18.0), "sa": (1.3, 18.0), "st": (1.3, 26.0)}
LAG = {"sn": 1, "sa": 2, "st": 2}   # onset = crs_onset + LAG + Poisson(LAG_POISSON)
LAG_POISSON = 2.0
LAST_RECOVERY_NO_PHT = 26          # every episode of a non-PHT patient recovers by this day
FIRST_RECOVERY_PHT = 31            # the PHT-carrying episode recovers on this day or later
LATEST_NEW_ONSET = 21
RUN_DAYS = 4                       # days after recovery needed for the confirming measurements
TRANSFUSION_FREE = 8               # a transfused SA/ST episode lasts at least this long
LAST_LAB_PHT = 90                  # PHT follow-up ends by day 90 (a later recovery is censored)
MAX_PLACEMENTS = 150               # lag draws allowed to make exactly 19 PHT possible (count only)
SHARED_RHO = 0.6                   # copula correlation of a patient's recovery variates across lineages


def covariates(t: dict) -> dict[str, np.ndarray]:
    """Model covariates as the derivation computes them (markers from the rounded peaks)."""
    grade = t["crs_grade"]
    return {
        "lg_max_ddimer": np.log10(t["marker_peak"]["ddimer"]),
        "lg_max_il10": np.log10(t["marker_peak"]["il10"]),
        "lg_max_ferritin": np.log10(t["marker_peak"]["ferritin"]),
        "crs_peak_day": t["crs_peak"],
        "crs_recovery_day": t["crs_recovery"],
        "crs_onset_day": t["crs_onset"],
        "crs_max_grade": grade,
        "bm_blasts_pct": t["bm_blasts_pct"],
        "toci_or_steroid": t["toci_or_steroid"].astype(float),
    }


def true_log_hr(lin: str, effect: float = 1.0) -> dict[str, float]:
    """The generating log hazard ratios of ``lin``: ``effect`` x the published (Figure 5) ones."""
    return {name: math.log(hr) * effect for name, hr in HR[lin].items()}


def true_log_or(effect: float = 1.0) -> dict[str, float]:
    """The generating log odds ratios of PHT: ``effect`` x the published ones."""
    return {name: math.log(odds) * effect for name, odds in OR_PHT.items()}


def linear_predictor(lin: str, cov: dict, analysis: np.ndarray, effect: float = 1.0) -> np.ndarray:
    lp = np.zeros(analysis.size)
    for name, beta in true_log_hr(lin, effect).items():
        x = cov[name]
        centre = np.nanmean(x[analysis])
        lp += beta * np.nan_to_num(x - centre, nan=0.0)
    return lp


def weibull_days(rng: np.random.Generator, shape: float, median: float, lp: np.ndarray,
                 shared: np.ndarray | None = None) -> np.ndarray:
    """ceil of a Weibull PH time; with ``shared`` (a standard normal per patient) the Exp(1)
    variate is -log(1 - Phi(z)), z = rho shared + sqrt(1 - rho^2) N(0, 1) (Gaussian copula: each
    margin stays Exp(1) and independent of the covariates, so the PH model holds exactly)."""
    lam = math.log(2.0) / median ** shape
    if shared is None:
        e = rng.exponential(size=lp.size)
    else:
        z = SHARED_RHO * shared + math.sqrt(1 - SHARED_RHO ** 2) * rng.standard_normal(lp.size)
        e = -norm.logsf(z)
    return np.maximum(1.0, np.ceil((e / (lam * np.exp(lp))) ** (1.0 / shape)))


def _solve_intercept(z: np.ndarray, free: np.ndarray, fixed_p: np.ndarray, target: float) -> float:
    lo, hi = -60.0, 30.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        p = np.where(np.isnan(z), fixed_p, expit(mid + np.nan_to_num(z)))
        if p[free].sum() < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _fit_cox(time, event, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = PHReg(time, X, status=event, ties="breslow").fit(disp=False)
    return np.asarray(res.params), np.asarray(res.bse)


def _fit_logit(y, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = Logit(y, np.column_stack([np.ones(len(y)), X])).fit(disp=0, maxiter=100, tol=1e-10)
    return np.asarray(res.params)[1:], np.asarray(res.bse)[1:]


def model_fits(t: dict, plan: dict) -> dict:
    """Refit Figure 5 and the PHT logistic model on a plan's realised durations (analysis set)."""
    cov = covariates(t)
    na = int(t["analysis"].sum())
    out = {}
    for lin, hrs in HR.items():
        new = plan["new"][lin][:na]
        names = list(hrs)
        X = np.column_stack([cov[c][:na] for c in names])
        keep = new & np.all(np.isfinite(X), axis=1)
        params, bse = _fit_cox(plan["duration"][lin][:na][keep], plan["event"][lin][:na][keep].astype(float),
                               X[keep])
        out[lin] = {"terms": names, "beta": params, "se": bse, "n": int(keep.sum()),
                    "events": int(plan["event"][lin][:na][keep].sum()),
                    "target": np.log([hrs[c] for c in names])}
    names = list(OR_PHT)
    X = np.column_stack([cov[c][:na] for c in names])
    keep = np.all(np.isfinite(X), axis=1)
    params, bse = _fit_logit(plan["pht"][:na][keep].astype(float), X[keep])
    out["pht"] = {"terms": names, "beta": params, "se": bse, "n": int(keep.sum()),
                  "events": int(plan["pht"][:na][keep].sum()),
                  "target": np.log([OR_PHT[c] for c in names])}
    return out


def p_values(f: dict) -> np.ndarray:
    """Wald p of each coefficient of a fit of :func:`model_fits`."""
    return 2.0 * norm.sf(np.abs(f["beta"] / f["se"]))


def draw_durations(t: dict, rng: np.random.Generator, cov: dict, effect: float = 1.0) -> dict:
    """One draw of the Weibull-PH new-onset durations of every lineage (true log-HRs = Figure 5),
    with the shared marrow-reserve normal of the copula. Never redrawn."""
    analysis = t["analysis"]
    shared = rng.standard_normal(analysis.size)     # marrow reserve: slow in one lineage, slow in all
    out = {"shared": shared}
    for lin in LINEAGES:
        shape, med = WEIBULL[lin]
        out[lin] = weibull_days(rng, shape, med, linear_predictor(lin, cov, analysis, effect), shared)
    return out


def pht_linear_predictor(cov: dict, effect: float = 1.0) -> np.ndarray:
    """Generating log odds ratios (``effect`` x published) x covariates (NaN without CRS)."""
    return sum(beta * cov[c] for c, beta in true_log_or(effect).items())


def pht_probabilities(z: np.ndarray, free: np.ndarray, fixed_p: np.ndarray, need: float) -> np.ndarray:
    """P(PHT) = expit(a + z) (``fixed_p`` where z is NaN: no CRS), with the intercept ``a``
    solved so that the expected number among ``free`` is ``need``."""
    a = _solve_intercept(z, free, fixed_p, need)
    return np.where(np.isnan(z), fixed_p, expit(a + np.nan_to_num(z)))


class Impossible(Exception):
    """More than ``N_PHT`` patients are forced into PHT by these durations."""


def _place(t: dict, rng: np.random.Generator, cov: dict, d_new: dict, effect: float) -> dict | None:
    """Lags, baseline episodes, PHT, onsets and follow-up for given durations (None when this
    draw leaves fewer than 19 possible PHT patients; raises :class:`Impossible` when the
    durations force more than 19)."""
    analysis = t["analysis"]
    n = analysis.size
    pat = t["pattern"]
    onset_crs = t["crs_onset"]
    o_nat, r_base, o3 = {}, {}, {}
    for lin in LINEAGES:
        base_on = np.where(np.isnan(onset_crs), rng.integers(2, 8, n), onset_crs)
        o_nat[lin] = np.clip(base_on + LAG[lin] + rng.poisson(LAG_POISSON, n), 1, LATEST_NEW_ONSET)
        # baseline episodes: severe from day 0 (T2-severe) or from a few days in (T1 only)
        o3[lin] = np.where(pat[lin]["t2"], 0, 1 + rng.poisson(1.5, n))
        r_base[lin] = o3[lin] + np.maximum(TRANSFUSION_FREE, weibull_days(rng, *BASELINE_T3[lin], np.zeros(n),
                                                                           d_new["shared"]))
    new = {lin: pat[lin]["new"].copy() for lin in LINEAGES}
    base = {lin: pat[lin]["baseline"].copy() for lin in LINEAGES}
    any_base = np.any([base[lin] for lin in LINEAGES], axis=0)
    max_new = np.max([np.where(new[lin], d_new[lin], 0) for lin in LINEAGES], axis=0)
    natural = np.any([new[lin] & (o_nat[lin] + d_new[lin] >= FIRST_RECOVERY_PHT) & (d_new[lin] > 3)
                      for lin in LINEAGES], axis=0)
    forced1 = max_new > LAST_RECOVERY_NO_PHT - 1
    can = any_base | (max_new >= FIRST_RECOVERY_PHT - LATEST_NEW_ONSET) | natural
    # PHT: logistic model, conditioned on N_PHT among the analysis set
    z = np.full(n, np.nan)
    has_crs = ~np.isnan(onset_crs)
    z[has_crs] = pht_linear_predictor(cov, effect)[has_crs]
    fixed = np.full(n, P_PHT_NO_CRS)
    free = analysis & can & ~forced1
    n_pht = t["counts"]["pht"]
    need = n_pht - int((forced1 & analysis).sum())
    if need < 0:
        raise Impossible
    if need > int(free.sum()):
        return None
    p = pht_probabilities(z, free, fixed, need)
    p = np.where(forced1, 1.0, np.where(can, p, 0.0))
    pht = np.zeros(n, dtype=bool)
    idx = np.flatnonzero(analysis)
    pht[idx] = conditional_bernoulli(p[idx], n_pht, rng)
    # excluded patients: PHT only where it happens naturally
    other = ~analysis
    pht[other] = (forced1 | natural)[other]

    onset = {lin: np.full(n, np.nan) for lin in LINEAGES}
    recov = {lin: np.full(n, np.nan) for lin in LINEAGES}
    carrier = np.full(n, "", dtype=object)
    for i in range(n):
        if pht[i] and analysis[i]:
            nat = [lin for lin in LINEAGES if new[lin][i] and o_nat[lin][i] + d_new[lin][i] >= FIRST_RECOVERY_PHT
                   and d_new[lin][i] > 3]
            bl = [lin for lin in LINEAGES if base[lin][i]]
            if nat:
                carrier[i] = max(nat, key=lambda x: d_new[x][i])
            elif bl:
                carrier[i] = bl[int(rng.integers(len(bl)))]
            else:
                carrier[i] = max((x for x in LINEAGES if new[x][i]), key=lambda x: d_new[x][i])
        for lin in LINEAGES:
            if new[lin][i]:
                o = o_nat[lin][i]
                d = d_new[lin][i]
                if not pht[i]:
                    o = max(1.0, min(o, LAST_RECOVERY_NO_PHT - d))
                elif carrier[i] == lin:
                    o = min(LATEST_NEW_ONSET, max(o, FIRST_RECOVERY_PHT - d))
                onset[lin][i], recov[lin][i] = o, o + d
            elif base[lin][i]:
                onset[lin][i] = o3[lin][i]
                r = r_base[lin][i]
                if not pht[i]:
                    r = min(r, LAST_RECOVERY_NO_PHT - int(rng.integers(0, 5)))
                    if lin != "sn":
                        r = max(r, o3[lin][i] + TRANSFUSION_FREE)
                elif carrier[i] == lin:
                    r = max(r, FIRST_RECOVERY_PHT + rng.poisson(4.0))
                recov[lin][i] = r
    # follow-up (last lab day)
    last_rec = np.nanmax(np.vstack([np.where(np.isnan(recov[lin]), 0, recov[lin]) for lin in LINEAGES]), axis=0)
    last = np.where(pht, np.clip(np.maximum(rng.integers(45, 91, n), last_rec + RUN_DAYS), None, LAST_LAB_PHT),
                    np.maximum(29 + rng.integers(0, 7, n), last_rec + RUN_DAYS))
    withdrawn = t["response_d28"] == "withdrawn"
    last = np.where(withdrawn, np.minimum(last, rng.integers(12, 28, n)), last)
    duration, event = {}, {}
    for lin in LINEAGES:
        gone = new[lin] & (onset[lin] >= last)          # withdrawn before a planned onset
        new[lin] &= ~gone
        onset[lin] = np.where(gone, np.nan, onset[lin])
        recov[lin] = np.where(gone, np.nan, recov[lin])
        ep = new[lin] | base[lin]
        ok = ep & (recov[lin] + RUN_DAYS <= last)
        recov[lin] = np.where(ok, recov[lin], np.nan)
        event[lin] = ok
        duration[lin] = np.where(ep, np.where(ok, recov[lin], last) - onset[lin], np.nan)
        # duration of a baseline episode counts from its T1/T2 onset (set by the trajectories);
        # here only new-onset durations are used
    return {"new": new, "base": base, "onset": onset, "recovery": recov, "event": event,
            "duration": duration, "pht": pht, "carrier": carrier, "last_lab": last,
            "d_new": d_new, "o_nat": o_nat}


def simulate_recovery(t: dict, rng: np.random.Generator, max_placements: int = MAX_PLACEMENTS,
                      effect: float = 1.0) -> dict:
    """One draw of the durations, then lags / PHT / onsets / follow-up; the latter are drawn
    again only while the exact PHT count (19, or ``t["counts"]["pht"]``) is impossible (see the
    module docstring). ``effect`` multiplies every published log-HR and log-OR.
    Returns the plan with ``placements`` (the number of those draws)."""
    cov = covariates(t)
    d_new = draw_durations(t, rng, cov, effect)
    n_pht = t["counts"]["pht"]
    for attempt in range(1, max_placements + 1):
        try:
            plan = _place(t, rng, cov, d_new, effect)
        except Impossible:
            raise RuntimeError(f"these durations force more than {n_pht} patients into PHT; "
                               "the published PHT count is impossible for this seed") from None
        if plan is not None:
            plan["placements"] = attempt
            return plan
    raise RuntimeError(f"no lag draw in {max_placements} leaves {n_pht} possible PHT patients")
