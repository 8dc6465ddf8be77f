"""Helpers shared by the synthetic cohort generators (``cartcyto.synth.*``).

Everything here is deterministic given a ``numpy.random.Generator``; nothing reads the global
NumPy random state.

* :func:`exact_median_range` -- n values with an exact sample median, minimum and maximum
  (optionally with exactly k values below a threshold);
* :func:`assign_by_score` -- give sorted values to patients in the order of a score (a rank
  copula: induces a chosen association while keeping the values' exact summary);
* :func:`latent_score` -- ``rho * z + sqrt(1 - rho^2) * noise``, the score used with it;
* :func:`weighted_choice` -- exactly k of n, weighted, without replacement (Gumbel top-k);
* :func:`conditional_bernoulli` -- independent Bernoulli(p_i) conditioned on their sum = k
  (exact, by the Poisson-binomial recursion);
* :func:`write_table` -- a deterministic CSV writer (fixed float formatting, ``true``/``false``,
  empty cell for missing, ``\\n`` line ends), so regenerating gives identical bytes.
"""
from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["exact_median_range", "assign_by_score", "latent_score", "standardise",
           "weighted_choice", "conditional_bernoulli", "format_value", "write_table"]


def _round(x: np.ndarray, integer: bool, decimals: int | None) -> np.ndarray:
    if integer:
        return np.round(x)
    if decimals is not None:
        return np.round(x, decimals)
    return x


def _fill(rng: np.random.Generator, k: int, a: float, b: float, log: bool, shape: tuple[float, float],
          integer: bool, decimals: int | None) -> np.ndarray:
    """k values in [a, b] (beta-distributed position, optionally on the log scale), rounded and
    clipped back into [a, b]."""
    if k <= 0:
        return np.zeros(0)
    u = rng.beta(shape[0], shape[1], size=k)
    if log and a > 0:
        x = np.exp(np.log(a) + u * (np.log(b) - np.log(a)))
    else:
        x = a + u * (b - a)
    return np.clip(_round(x, integer, decimals), a, b)


def exact_median_range(n: int, median: float, lo: float, hi: float, rng: np.random.Generator,
                       integer: bool = False, decimals: int | None = None, log: bool = False,
                       below: tuple[float, int] | None = None, gap: float = 0.0,
                       shape_low: tuple[float, float] = (1.6, 1.0),
                       shape_high: tuple[float, float] = (1.0, 2.2)) -> np.ndarray:
    """``n`` values in random order whose median is exactly ``median`` and range exactly [lo, hi].

    Construction (on the sorted values v[0] <= ... <= v[n-1]): v[0] = lo, v[n-1] = hi; for even n
    the two middle values are both ``median`` (or, with ``integer`` and a half-integer median,
    floor and ceil of it, whose mean is the median); for odd n the middle one is. The others are
    drawn in [lo, lower middle] and [upper middle, hi] (beta positions, ``log`` for skewed
    quantities such as ferritin) and rounded to ``decimals`` (or integers), which cannot move them
    across the middle values. So ``np.median`` returns ``median`` exactly (as a float of the
    printed number) and ``min``/``max`` return ``lo``/``hi``.

    ``below=(threshold, k)``: exactly ``k`` values (``lo`` included) are < threshold and all the
    others are >= threshold + ``gap``; requires lo < threshold and k <= the number of values
    below the middle.
    """
    if n < 3:
        raise ValueError(f"exact_median_range needs n >= 3, got {n}")
    if not lo <= median <= hi:
        raise ValueError(f"median {median} outside [{lo}, {hi}]")
    v = np.empty(n)
    if n % 2 == 0:
        m1, m2 = n // 2 - 1, n // 2
        if integer and median != math.floor(median):
            if median * 2 != math.floor(median * 2):
                raise ValueError(f"integer values cannot have median {median}")
            v[m1], v[m2] = math.floor(median), math.ceil(median)
        else:
            v[m1] = v[m2] = median
    else:
        m1 = m2 = n // 2
        v[m1] = median
    v[0], v[-1] = lo, hi
    step = 1.0 if integer else (10.0 ** -decimals if decimals is not None else 0.0)
    if below is None:
        v[1:m1] = np.sort(_fill(rng, m1 - 1, lo, v[m1], log, shape_low, integer, decimals))
    else:
        thr, k = below
        if not (lo < thr and 1 <= k <= m1):
            raise ValueError(f"below={below} impossible with lo={lo}, {m1} values under the middle")
        if k < m1 and thr + gap > v[m1]:
            raise ValueError(f"threshold {thr} + gap {gap} above the lower middle value {v[m1]}")
        low_top = thr - step if step else np.nextafter(thr, -np.inf)
        v[1:k] = np.sort(_fill(rng, k - 1, lo, low_top, False, (1.3, 1.0), integer, decimals))
        v[k:m1] = np.sort(_fill(rng, m1 - k, thr + gap, v[m1], log, shape_low, integer, decimals))
    v[m2 + 1:n - 1] = np.sort(_fill(rng, n - 2 - m2, v[m2], hi, log, shape_high, integer, decimals))
    v = np.sort(v)
    out = rng.permutation(v)
    assert np.median(out) == median and out.min() == lo and out.max() == hi
    return out


def standardise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def latent_score(z: np.ndarray, rho: float, rng: np.random.Generator) -> np.ndarray:
    """``rho * standardise(z) + sqrt(1 - rho^2) * N(0, 1)`` (rank copula score)."""
    return rho * standardise(z) + math.sqrt(max(0.0, 1.0 - rho * rho)) * rng.standard_normal(len(z))


def assign_by_score(values: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Values re-ordered so that the patient with the k-th smallest score gets the k-th smallest
    value (ties in score broken by position, stable)."""
    out = np.empty(len(values))
    order = np.argsort(score, kind="stable")
    out[order] = np.sort(np.asarray(values, dtype=float), kind="stable")
    return out


def weighted_choice(weights: np.ndarray, k: int, rng: np.random.Generator,
                    eligible: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of exactly ``k`` indices drawn without replacement with probability
    proportional to ``weights`` (successive sampling, via the Gumbel top-k trick)."""
    w = np.asarray(weights, dtype=float)
    ok = np.ones(w.size, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if k > int(ok.sum()):
        raise ValueError(f"cannot choose {k} of {int(ok.sum())} eligible")
    keys = np.where(ok & (w > 0), np.log(np.where(w > 0, w, 1.0)) + rng.gumbel(size=w.size), -np.inf)
    keys = np.where(ok & ~(w > 0), -1e300, keys)  # zero weight: only when needed, still eligible
    mask = np.zeros(w.size, dtype=bool)
    if k:
        mask[np.argsort(-keys, kind="stable")[:k]] = True
    return mask


def conditional_bernoulli(p: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Independent Bernoulli(p_i) draws conditioned on exactly ``k`` successes (exact).

    Sequential sampling: with q[i][j] = P(sum of X_i..X_{n-1} = j), X_i = 1 with probability
    p_i q[i+1][j-1] / q[i][j] given that j successes are still needed. p_i = 0 or 1 are allowed
    (forced values); raises when k is impossible.
    """
    p = np.clip(np.asarray(p, dtype=float), 0.0, 1.0)
    n = p.size
    q = np.zeros((n + 1, k + 2))
    q[n, 0] = 1.0
    for i in range(n - 1, -1, -1):
        q[i, :k + 1] = (1 - p[i]) * q[i + 1, :k + 1]
        q[i, 1:k + 1] += p[i] * q[i + 1, :k]
        s = q[i].sum()
        if s > 0:  # rescale each row against underflow; only ratios within a row are used
            q[i] /= s
    if q[0, k] <= 0:
        raise ValueError(f"conditional_bernoulli: {k} successes impossible")
    out = np.zeros(n, dtype=bool)
    need = k
    u = rng.random(n)
    for i in range(n):
        if need == 0:
            break
        denom = (1 - p[i]) * q[i + 1, need] + p[i] * q[i + 1, need - 1]
        prob = p[i] * q[i + 1, need - 1] / denom if denom > 0 else 0.0
        if u[i] < prob:
            out[i] = True
            need -= 1
    if need:
        raise RuntimeError("conditional_bernoulli: failed to place every success")
    return out


def format_value(x) -> str:
    """One CSV cell: missing -> '', bool -> true/false, integral float -> '12', other float ->
    shortest text of the value rounded to 10 significant digits ('21.53', '0.07')."""
    if x is None or x is pd.NA:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "true" if x else "false"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if math.isnan(x):
            return ""
        if x == math.floor(x) and abs(x) < 1e15:
            return str(int(x))
        text = f"{float(x):.10g}"
        if "e" in text:
            text = f"{float(x):.10f}".rstrip("0").rstrip(".")
        return text
    return str(x)


def write_table(df: pd.DataFrame, path: str | Path, columns: Sequence[str] | None = None) -> Path:
    """Write ``df`` as UTF-8 CSV with a header row, ``\\n`` line ends and :func:`format_value`
    cells, in row order as given. Identical input gives identical bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cols = list(columns) if columns is not None else list(df.columns)
    data = [df[c].tolist() for c in cols]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(cols)
        for row in zip(*data):
            w.writerow([format_value(x) for x in row])
    return path
