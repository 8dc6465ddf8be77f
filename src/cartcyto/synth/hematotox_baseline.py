"""SYNTHETIC pre-lymphodepletion CRP and ferritin for the CAR-HEMATOTOX score of the bundled cohorts.

Drawn from their OWN seeded stream (``numpy.random.default_rng([seed, HEMATOTOX_STREAM])``), after
and apart from everything else, so that every value the generators wrote before stays identical
(the main generator's stream is never touched).

What the papers give, and what is assumed:

* Rejeski 2021 (Blood 138:2499, Table 3) gives the share of CAR-HEMATOTOX high-risk patients:
  32/55 (training), 42/80 (European validation), 41/100 (US validation): 115/235 = 48.9% pooled
  (:data:`PUBLISHED_HIGH_SHARE`). It gives no distribution of baseline CRP or ferritin that
  could be retrieved, and neither Wang 2021 nor Mullanfiroze 2022 reports a baseline CRP.
* Assumed shapes (not published): ln CRP ~ N(ln 8 mg/L + shift, 1.1^2), ln ferritin ~
  N(ln 500 ng/mL + shift + 0.4 x prior allo-SCT, 1.0^2), independent.
* Mullanfiroze 2022: CRP and ferritin are both drawn; ``shift`` is solved
  (:func:`solve_shift`) so that the EXPECTED high-risk share over the patients whose blood-count
  components are known equals the published pooled share, given their (already generated)
  pre-lymphodepletion ANC, Hb and PLT; then drawn once.
* Wang 2021: ferritin is the published-calibrated Table 1 baseline ferritin already in
  patients.csv (written again as a dated marker row); only CRP is drawn, with ``shift`` 0: the
  Table 1 blood counts and ferritin alone already put about 77% of the cohort at score >= 2, so
  the published share is not reachable by CRP and nothing is tuned toward it (the figure is
  reported by the hematotox family, not hidden).
"""
from __future__ import annotations

import math

import numpy as np
from scipy import stats

HEMATOTOX_STREAM = 20211216          # Rejeski 2021 publication date: the stream's own key
PUBLISHED_HIGH_SHARE = 115 / 235     # Rejeski 2021 Table 3, training + both validation cohorts
CRP_MEDIAN, CRP_SIGMA = 8.0, 1.1     # assumed (mg/L)
FERRITIN_MEDIAN, FERRITIN_SIGMA, FERRITIN_SCT = 500.0, 1.0, 0.4   # assumed (ng/mL)


def stream(seed: int | np.random.SeedSequence) -> np.random.Generator:
    """The independent generator of the baseline markers for a cohort seed (an integer, as the
    bundled cohorts, or a simulation replicate's SeedSequence: its own child stream)."""
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(np.random.SeedSequence(
            seed.entropy, spawn_key=(*seed.spawn_key, HEMATOTOX_STREAM)))
    return np.random.default_rng([int(seed), HEMATOTOX_STREAM])


def lab_points(plt: np.ndarray, anc: np.ndarray, hb: np.ndarray) -> np.ndarray:
    """CAR-HEMATOTOX points of the blood counts (NaN when one is missing): PLT < 75: 2, <= 175: 1;
    ANC < 1.2: 1; Hb < 90 g/L: 1 (the default design rules)."""
    pts = np.where(plt < 75, 2.0, np.where(plt <= 175, 1.0, 0.0)) + (anc < 1.2) + (hb < 90)
    return np.where(np.isnan(plt) | np.isnan(anc) | np.isnan(hb), np.nan, pts)


def _band_probs(mu: np.ndarray, sigma: float, cuts) -> np.ndarray:
    """P(ln X < ln cut) for each cut, per patient."""
    return np.stack([stats.norm.cdf((math.log(c) - mu) / sigma) for c in cuts], axis=-1)


def expected_high_share(fixed: np.ndarray, shift: float, sct: np.ndarray) -> float:
    """Expected share of score >= 2 over patients with known blood-count points ``fixed``."""
    ok = ~np.isnan(fixed)
    f, s = fixed[ok], sct[ok]
    mu_f = math.log(FERRITIN_MEDIAN) + shift + FERRITIN_SCT * s
    pf = _band_probs(mu_f, FERRITIN_SIGMA, (650.0, 2000.0))   # < 650, <= 2000 (continuous)
    p_f = np.stack([pf[:, 0], pf[:, 1] - pf[:, 0], 1 - pf[:, 1]], axis=1)   # 0, 1, 2 points
    p_crp1 = 1 - stats.norm.cdf((math.log(30.0) - (math.log(CRP_MEDIAN) + shift)) / CRP_SIGMA)
    total = 0.0
    for fp in range(3):
        for cp, pc in ((0, 1 - p_crp1), (1, p_crp1)):
            total = total + p_f[:, fp] * pc * (f + fp + cp >= 2)
    return float(np.mean(total)) if f.size else float("nan")


def solve_shift(fixed: np.ndarray, sct: np.ndarray, target: float = PUBLISHED_HIGH_SHARE,
                lo: float = -6.0, hi: float = 6.0) -> float:
    """The common log-shift of CRP and ferritin whose expected high-risk share is ``target``
    (bisection; the share grows with the shift)."""
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if expected_high_share(fixed, mid, sct) < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def draw_crp(rng: np.random.Generator, n: int, shift: float = 0.0) -> np.ndarray:
    return np.round(np.exp(math.log(CRP_MEDIAN) + shift + CRP_SIGMA * rng.standard_normal(n)), 1)


def draw_ferritin(rng: np.random.Generator, sct: np.ndarray, shift: float = 0.0) -> np.ndarray:
    mu = math.log(FERRITIN_MEDIAN) + shift + FERRITIN_SCT * np.asarray(sct, float)
    return np.round(np.exp(mu + FERRITIN_SIGMA * rng.standard_normal(mu.size)), 1)
