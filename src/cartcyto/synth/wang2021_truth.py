"""Wang 2021 synthetic cohort, step 1: every patient's categorical and baseline "truth".

Draws, for the 86 patients (the 76 of the analysis set first, then the 10 NR/withdrawn), the
Table 1 covariates with their exact published median [range] and counts, the CRS course
(grade, onset, peak, recovery), ICANS, tocilizumab/steroid use, peak serum markers, and which
lineages are severe in which phase. Nothing here depends on the recovery model
(``wang2021_recovery``) or on the lab trajectories (``wang2021_trajectory``).

All arrays have one entry per patient in internal order (analysis set = indices 0..75).

Other cohort sizes (simulation studies, ``cartcyto.simulation``): :class:`Wang2021Model` sets the
size of the analysis set, whether the 10 excluded patients are drawn, and a multiplier of the
published log hazard / odds ratios. Every published count (CRS grades, sex, CAR target, phases,
PHT, supportive care, outcome splits) is scaled to the analysis-set size by
:func:`cohort_counts` (largest remainder for partitions, half-up rounding otherwise); the
Table 1 medians and ranges are kept exactly. With the defaults (76, 10, 1.0) every count is the
published one and the bundled cohort's bytes are unchanged.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cartcyto.synth.common import (assign_by_score, exact_median_range, latent_score, standardise,
                                   weighted_choice)

N_ANALYSIS = 76
N_OTHER = 10
N_TOTAL = N_ANALYSIS + N_OTHER
LINEAGES = ("sn", "sa", "st")
TEST = {"sn": "anc", "sa": "hb", "st": "plt"}
THRESHOLD = {"sn": 0.5, "sa": 60.0, "st": 20.0}

# Table 1 continuous rows: column -> (median, min, max, options of exact_median_range)
TABLE1_CONTINUOUS = {
    "age_years": (31.5, 15, 74, dict(integer=True)),
    "bmi": (21.53, 14.88, 30.49, dict(decimals=2, shape_low=(1.4, 1.0), shape_high=(1.0, 1.6))),
    "prior_chemo_cycles": (4, 1, 24, dict(integer=True, shape_high=(1.0, 4.0))),
    "n_relapses": (1, 0, 8, dict(integer=True, shape_high=(1.0, 4.0))),
    "bm_blasts_pct": (31, 0, 96, dict(decimals=1, shape_low=(0.6, 1.0), shape_high=(1.0, 0.8))),
    "ldh": (271, 135, 5268, dict(integer=True, log=True, shape_high=(1.0, 2.5))),
    "ferritin": (836.9, 17.2, 24458, dict(decimals=1, log=True, shape_low=(1.8, 1.0), shape_high=(1.0, 1.8))),
    "alt": (19, 5, 449, dict(integer=True, log=True, shape_high=(1.0, 3.0))),
    "ast": (21, 8, 184, dict(integer=True, log=True, shape_high=(1.0, 2.5))),
    "gfr": (122, 59, 172.61, dict(decimals=2, shape_low=(2.0, 1.0), shape_high=(1.0, 1.5))),
    "creatinine": (59.5, 34, 97, dict(integer=True, shape_high=(1.0, 1.8))),
    "urea": (4.05, 1.4, 9, dict(decimals=2, shape_high=(1.0, 2.0))),
    "uric_acid": (327, 89, 609, dict(integer=True, shape_high=(1.0, 1.5))),
}
PRE_LD = {  # test -> (median, min, max, threshold, patients severe in T1, options)
    "anc": (2.3, 0.0, 9.1, 0.5, 4, dict(decimals=2, gap=0.1, shape_high=(1.0, 2.5))),
    "hb": (99.5, 45, 159, 60, 7, dict(integer=True, gap=3)),
    "plt": (105.5, 6, 412, 20, 8, dict(integer=True, gap=3, log=True, shape_high=(1.0, 1.6))),
}
CRS_GRADE_COUNTS = {0: 14, 1: 11, 2: 22, 3: 20, 4: 9}      # Table 1: none 14, 1: 11, 2: 22, 3-4: 29
TOCI_STEROID = {"mild": 4, "severe": 24}                     # of 33 mild and 29 severe; 0 of 14 none
COUNTS = {"male": 38, "extramedullary": 14, "prior_hsct": 21, "neurotoxicity": 9,
          "car_target": {"CD19": 50, "CD22": 4, "CD19-CD22": 22}}
OTHER_CAR_TARGET = {"CD19": 5, "CD22": 1, "CD19-CD22": 4}   # 86 enrolled: 55 / 5 / 26
# severe cytopenia by phase (analysis set): T1-and-T2, T1 only, T2 only, new onset in T3
PHASE_PATTERN = {"sn": (4, 0, 16, 39), "sa": (5, 2, 3, 35), "st": (4, 4, 4, 31)}
# log-weight of the standardised CRS grade in drawing the new-onset patients (the paper: grade
# higher with new onset, P=0.043 for SN, 0.001 for SA and ST)
NEW_ONSET_GRADE = {"sn": 0.25, "sa": 0.8, "st": 0.8}
CRS_DURATION = (7.5, 2, 26)                                  # median [range] of CRS duration, days
# peak markers: lg mean, lg sd, loading on the inflammation factor, decimals of the value
MARKERS = {
    "il2": (0.75, 0.40, 0.45, 2), "il4": (0.55, 0.30, 0.35, 2), "il6": (2.00, 0.80, 0.75, 2),
    "il10": (1.55, 0.85, 0.55, 2), "ifng": (1.90, 0.80, 0.70, 2), "tnfa": (0.65, 0.35, 0.45, 2),
    "il17": (0.80, 0.40, 0.30, 2), "ddimer": (0.95, 0.80, 0.40, 2), "crp": (1.75, 0.35, 0.60, 1),
}
MARKER_UNITS = {"il2": "pg/mL", "il4": "pg/mL", "il6": "pg/mL", "il10": "pg/mL", "ifng": "pg/mL",
                "tnfa": "pg/mL", "il17": "pg/mL", "ferritin": "ng/mL", "ddimer": "mg/L", "crp": "mg/L"}


SUPPORT_COUNTS = {"gcsf_extra": 7, "prbc": 38, "platelets": 35}   # after infusion (Table 1, supportive care)
N_PHT = 19                                                        # PHT patients (Table 1)
OUTCOME_COUNTS = {"hemorrhage": (7, 7), "infection": (2, 11), "nrm": (1, 4)}   # PHT / no PHT
N_RELAPSES = 24
MIN_ANALYSIS = 20          # below this some published counts round to zero


@dataclass(frozen=True)
class Wang2021Model:
    """Size and effect of a generated Wang 2021 cohort.

    ``n_analysis``: patients in the analysis set (published 76); ``n_excluded``: the NR /
    withdrawn patients outside it, 10 (published) or 0; ``effect``: multiplier of every published
    log hazard ratio (Figure 5) and log odds ratio (PHT model): 1 = published, 0.5 = half, 0 = none;
    ``outcomes``: draw outcomes, length of stay and costs (columns no Figure 5 / PHT model reads);
    ``unit_variants``: write a few lab rows in /uL and g/dL and same-day repeats (exercising the
    reader).
    """

    n_analysis: int = N_ANALYSIS
    n_excluded: int = N_OTHER
    effect: float = 1.0
    outcomes: bool = True
    unit_variants: bool = True

    def __post_init__(self):
        if not isinstance(self.n_analysis, int) or self.n_analysis < MIN_ANALYSIS:
            raise ValueError(f"n_analysis must be an integer >= {MIN_ANALYSIS}, got {self.n_analysis!r}")
        if self.n_excluded not in (0, N_OTHER):
            raise ValueError(f"n_excluded must be 0 or {N_OTHER}, got {self.n_excluded!r}")


PUBLISHED = Wang2021Model()


def _half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def _scaled(k: int, n: int) -> int:
    """A published count of the 76 scaled to ``n`` (half-up; exact at n = 76)."""
    return k if n == N_ANALYSIS else _half_up(k * n / N_ANALYSIS)


def _partition(counts: dict, n: int) -> dict:
    """Published category counts scaled to sum to ``n`` (largest remainder, ties to the first
    category; exact when ``n`` is their total)."""
    total = sum(counts.values())
    raw = {k: c * n / total for k, c in counts.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: -(raw[k] - out[k]))[:n - sum(out.values())]:
        out[k] += 1
    return out


def cohort_counts(n: int) -> dict:
    """Every exact count the generator imposes on an analysis set of ``n`` patients (the
    published ones at n = 76)."""
    return {
        "crs_grade": _partition(CRS_GRADE_COUNTS, n),
        "car_target": _partition(COUNTS["car_target"], n),
        **{k: _scaled(COUNTS[k], n) for k in ("male", "extramedullary", "prior_hsct", "neurotoxicity")},
        "phase": {lin: tuple(_scaled(k, n) for k in PHASE_PATTERN[lin]) for lin in LINEAGES},
        "pht": _scaled(N_PHT, n),
        "support": {k: _scaled(v, n) for k, v in SUPPORT_COUNTS.items()},
        "outcome": {k: tuple(_scaled(x, n) for x in v) for k, v in OUTCOME_COUNTS.items()},
        "relapses": _scaled(N_RELAPSES, n),
    }


def _toci_counts(grade: np.ndarray) -> dict:
    """Patients given tocilizumab / steroids among the mild and severe CRS of the analysis set:
    the published 4 of 33 and 24 of 29, scaled to the numbers of mild and severe patients."""
    mild = int(((grade >= 1) & (grade <= 2)).sum())
    severe = int((grade >= 3).sum())
    pub_mild = CRS_GRADE_COUNTS[1] + CRS_GRADE_COUNTS[2]
    pub_severe = CRS_GRADE_COUNTS[3] + CRS_GRADE_COUNTS[4]
    return {"mild": TOCI_STEROID["mild"] if mild == pub_mild else _half_up(TOCI_STEROID["mild"] * mild / pub_mild),
            "severe": (TOCI_STEROID["severe"] if severe == pub_severe
                       else _half_up(TOCI_STEROID["severe"] * severe / pub_severe))}


def _shuffle_counts(counts: dict, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.concatenate([np.full(c, k, dtype=object) for k, c in counts.items()]))


def _crs_course(grade: np.ndarray, rng: np.random.Generator, exact: bool):
    """Onset, peak and recovery day of CRS (NaN without CRS). ``exact``: the durations of the
    patients with CRS have the median [range] of ``CRS_DURATION`` exactly."""
    n = grade.size
    has = grade >= 1
    k = int(has.sum())
    onset = np.full(n, np.nan)
    peak = np.full(n, np.nan)
    recovery = np.full(n, np.nan)
    if not k:
        return onset, peak, recovery
    g = grade[has].astype(float)
    med, lo, hi = CRS_DURATION
    if exact:
        dur = exact_median_range(k, med, lo, hi, rng, integer=True, shape_high=(1.0, 1.3))
    else:
        dur = np.clip(np.round(rng.lognormal(math.log(med), 0.45, k)), lo, hi)
    dur = assign_by_score(dur, latent_score(g, 0.6, rng))
    # onset: severe CRS starts earlier; median about day 2
    on = np.clip(np.round(rng.gamma(1.5, 2.2, k) - 0.5 * (g - 2.3)), 0, 14)
    frac = rng.beta(1.2 + 0.5 * g, 2.5, k)
    off = np.where(g <= 1, 0, np.minimum(dur - 1, np.round(frac * (dur - 1))))
    onset[has], peak[has], recovery[has] = on, on + off, on + dur
    return onset, peak, recovery


def draw_truth(rng: np.random.Generator, model: Wang2021Model = PUBLISHED) -> dict:
    """The patient-level truth (see the module docstring) as a dict of arrays; ``t["counts"]``
    holds the exact counts imposed (:func:`cohort_counts`)."""
    na, no = model.n_analysis, model.n_excluded
    n = na + no
    counts = cohort_counts(na)
    t: dict = {"analysis": np.r_[np.ones(na, bool), np.zeros(no, bool)], "counts": counts}
    resp = np.empty(n, dtype=object)
    resp[:na] = np.where(rng.random(na) < 0.8, "CR", "CRi")
    if no:
        resp[na:] = rng.permutation(["NR"] * 7 + ["withdrawn"] * 3)
    t["response_d28"] = resp

    # ---- CRS grade (exact counts in the analysis set) and the inflammation factor
    grade = np.empty(n, dtype=float)
    grade[:na] = _shuffle_counts(counts["crs_grade"], rng).astype(float)
    if no:
        grade[na:] = rng.permutation([0, 1, 2, 2, 3, 3, 4, 1, 2, 0]).astype(float)
    t["crs_grade"] = grade
    zg = standardise(grade + rng.uniform(-0.3, 0.3, n))
    t["z_grade"] = zg
    infl = 0.75 * zg + math.sqrt(1 - 0.75 ** 2) * rng.standard_normal(n)
    t["inflammation"] = infl

    # ---- Table 1 covariates (exact in the analysis set; loose draws for the others)
    sex = np.empty(n, dtype=object)
    sex[:na] = rng.permutation(["M"] * counts["male"] + ["F"] * (na - counts["male"]))
    if no:
        sex[na:] = rng.permutation(["M"] * 6 + ["F"] * 4)
    t["sex"] = sex
    scores = {
        "age_years": rng.standard_normal(n),
        "bm_blasts_pct": latent_score(zg, 0.2, rng),
    }
    scores["bmi"] = latent_score(scores["age_years"], 0.35, rng)
    scores["ldh"] = latent_score(scores["bm_blasts_pct"], 0.55, rng)
    scores["uric_acid"] = latent_score(scores["ldh"], 0.45, rng)
    scores["ferritin"] = latent_score(zg, 0.25, rng)
    scores["alt"] = rng.standard_normal(n)
    scores["ast"] = latent_score(scores["alt"], 0.75, rng)
    scores["creatinine"] = latent_score(scores["age_years"], 0.3, rng)
    scores["gfr"] = latent_score(-scores["creatinine"], 0.7, rng)
    scores["urea"] = latent_score(scores["creatinine"], 0.5, rng)
    scores["prior_chemo_cycles"] = rng.standard_normal(n)
    scores["n_relapses"] = latent_score(scores["prior_chemo_cycles"], 0.5, rng)
    for col, (med, lo, hi, opts) in TABLE1_CONTINUOUS.items():
        v = np.empty(n)
        v[:na] = assign_by_score(exact_median_range(na, med, lo, hi, rng, **opts), scores[col][:na])
        # the 10 excluded patients: drawn from the analysis-set values (with replacement)
        v[na:] = rng.choice(v[:na], no)
        t[col] = v
    t["extramedullary"] = np.r_[weighted_choice(np.ones(na), counts["extramedullary"], rng),
                                rng.random(no) < 0.25]
    w_hsct = np.exp(0.5 * standardise(t["n_relapses"]))
    hsct = np.r_[weighted_choice(w_hsct[:na], counts["prior_hsct"], rng), rng.random(no) < 0.3]
    t["prior_hsct"] = hsct
    t["months_hsct_to_cart"] = np.where(hsct, np.round(rng.gamma(2.0, 7.0, n) + 2.0, 1), np.nan)
    car = np.empty(n, dtype=object)
    car[:na] = _shuffle_counts(counts["car_target"], rng)
    if no:
        car[na:] = _shuffle_counts(OTHER_CAR_TARGET, rng)
    t["car_target"] = car

    # ---- CRS course, ICANS, tocilizumab / corticosteroids
    onset = np.full(n, np.nan)
    peak = np.full(n, np.nan)
    rec = np.full(n, np.nan)
    onset[:na], peak[:na], rec[:na] = _crs_course(grade[:na], rng, exact=True)
    onset[na:], peak[na:], rec[na:] = _crs_course(grade[na:], rng, exact=False)
    t["crs_onset"], t["crs_peak"], t["crs_recovery"] = onset, peak, rec
    w_icans = np.where(grade >= 1, np.exp(0.8 * grade), 0.05)
    icans = np.r_[weighted_choice(w_icans[:na], counts["neurotoxicity"], rng),
                  rng.random(no) < 0.1 * (grade[na:] >= 2)]
    t["icans"] = icans
    t["icans_grade"] = np.where(icans, np.where(rng.random(n) < 0.65, 1, 2), 0)
    mild, severe = (grade >= 1) & (grade <= 2), grade >= 3
    toci = np.zeros(n, dtype=bool)
    dur = np.nan_to_num(rec - onset)
    n_toci = _toci_counts(grade[:na])
    toci[:na] |= weighted_choice(np.where(mild, np.exp(1.2 * (grade == 2) + 0.1 * dur), 0)[:na],
                                 n_toci["mild"], rng, eligible=mild[:na])
    toci[:na] |= weighted_choice(np.where(severe, np.exp(1.5 * (grade == 4)), 0)[:na],
                                 n_toci["severe"], rng, eligible=severe[:na])
    toci[na:] = (grade[na:] >= 3) & (rng.random(no) < 0.8)
    t["toci_or_steroid"] = toci

    # ---- peak markers (lg scale); ferritin peak rises from the baseline ferritin
    lg = {}
    for m, (mu, sd, a, _) in MARKERS.items():
        lg[m] = mu + sd * (a * infl + math.sqrt(1 - a * a) * rng.standard_normal(n))
    rise = np.clip(0.3 + 0.35 * infl + 0.25 * rng.standard_normal(n), 0.05, None)
    lg["ferritin"] = np.log10(t["ferritin"]) + 0.08 + rise
    t["lg_peak"] = lg
    peak = {}
    for m, x in lg.items():
        dec = MARKERS[m][3] if m in MARKERS else 1
        peak[m] = np.maximum(np.round(10.0 ** x, dec), 10.0 ** -dec)
    t["marker_peak"] = peak   # the values written as each marker's maximum over days 0..28

    # ---- severe cytopenia by phase
    marrow = latent_score(t["bm_blasts_pct"], 0.35, rng)
    t["marrow"] = marrow
    pattern = {}
    for lin in LINEAGES:
        both, t1_only, t2_only, new = counts["phase"][lin]
        n_base = both + t1_only + t2_only
        t1 = np.zeros(n, bool)
        t2 = np.zeros(n, bool)
        base = weighted_choice(np.exp(0.9 * marrow[:na] + 0.5 * rng.standard_normal(na)), n_base, rng)
        idx = np.flatnonzero(base)
        t1_pick = idx[weighted_choice(np.exp(1.2 * marrow[idx]), both + t1_only, rng)]
        both_pick = rng.permutation(t1_pick)[:both]
        t1[t1_pick] = True
        t2[both_pick] = True
        t2[np.setdiff1d(idx, t1_pick)] = True
        w_new = np.exp(NEW_ONSET_GRADE[lin] * zg[:na] + 0.3 * infl[:na])
        new_onset = np.zeros(n, bool)
        new_onset[:na] = weighted_choice(w_new, new, rng, eligible=~base)
        # excluded patients: loose draws
        ob = rng.random(no) < 0.25
        t1[na:] = ob & (rng.random(no) < 0.5)
        t2[na:] = ob & ~t1[na:] | (ob & (rng.random(no) < 0.5))
        new_onset[na:] = ~ob & (rng.random(no) < 0.5 + 0.1 * grade[na:])
        pattern[lin] = {"t1": t1, "t2": t2, "baseline": t1 | t2, "new": new_onset,
                        "t3": t1 | t2 | new_onset}
    t["pattern"] = pattern

    # ---- pre-lymphodepletion ANC / Hb / PLT (last T1 value); T1-severe get the values below
    pre = {}
    for test, (med, lo, hi, thr, _, opts) in PRE_LD.items():
        lin = {"anc": "sn", "hb": "sa", "plt": "st"}[test]
        k = sum(counts["phase"][lin][:2])          # severe in T1 (published 4 / 7 / 8)
        p = pattern[lin]
        vals = exact_median_range(na, med, lo, hi, rng, below=(thr, k), **opts)
        score = 0.8 * rng.standard_normal(na) - 1.2 * p["t2"][:na] - 0.4 * marrow[:na]
        score = np.where(p["t1"][:na], -1e6 + rng.random(na), score)
        v = np.empty(n)
        v[:na] = assign_by_score(vals, score)
        other = rng.choice(vals[vals >= thr], no)
        low = rng.uniform(0.3, 0.9, no) * thr
        v[na:] = np.where(p["t1"][na:], np.round(low, 2 if test == "anc" else 0), other)
        pre[test] = v
    t["pre_ld"] = pre
    return t
