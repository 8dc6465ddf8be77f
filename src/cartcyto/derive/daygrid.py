"""Daily grids of one blood count per patient over a window, and the day-counting kernels of the
ICAHT-type gradings, vectorised over patients (NumPy arrays, no per-patient Python loop).

A grid is an ``n x W`` array: row = patient (position in ``cohort.patients``), column = day of the
window ``[lo, hi]``. It is built from the daily series of ``cartcyto.derive.episodes.daily_series``
(one value per patient-day: the day's lowest, contract section 1) in four steps:

1. **Censoring**: measurements after the patient's last window day ``end`` (``<= hi``; the day of
   progression, next therapy or death is itself included) are dropped before anything else, so
   they are neither counted nor used to fill a gap.
2. **Gaps**: for a day without a measurement, ``P`` and ``Q`` are the nearest measured days before
   and after it (any day up to ``end``, also outside the window). Its gap has ``Q - P - 1`` missing
   days; at an edge of the data (no ``P`` at all, or no ``Q`` up to ``end``) the gap is the run of
   missing window days up to the window start (``Q - lo``) or end (``end - P``).
3. **Gap policy** (``interpolate`` | ``locf`` | ``measured``): a day in a gap of at most
   ``max_gap`` days gets, for ``interpolate``, the straight line between the values of ``P`` and
   ``Q`` (rounded to 9 decimals so that a line through 0.4 and 0.6 gives exactly 0.5), or the
   single neighbour's value at an edge; for ``locf`` the value of ``P`` (of ``Q`` at the leading
   edge); for ``measured`` nothing (only measured days carry a value). A day in a longer gap has
   no value under every policy; the values of its ``P`` and ``Q`` are kept (``long_gaps``) for
   the not-gradable rule.
4. **Crop** to the window days ``lo..hi``; ``inside`` marks ``lo <= day <= end``.

Counting (:func:`counted_days`), for one threshold ("at or below" or "below"): a day counts when
its value meets the threshold, or when it lies in a run of days that do not meet it, that run has
a qualifying day on both sides within the window and is shorter than ``recovery_days`` (an
unstable recovery is joined and its days are counted; a day of such a run counts only when it
has a value). ``cumulative`` sums the counted days; ``longest_episode`` takes the longest run of
consecutive counted days.

The reference loop these kernels are tested against lives in ``tests/test_derive_icaht.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from cartcyto.derive.arrays import first_by, last_by

GAP_POLICIES = ("interpolate", "locf", "measured")
COUNTING_RULES = ("cumulative", "longest_episode")
COMPARISONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "at_most": np.less_equal,   # "<=" (ICAHT, Rejeski 2023: ANC <= 500/uL, inclusive)
    "below": np.less,           # "<"  (T-ICAHT, Rejeski 2025: PLT < 50 x10^9/L)
}
COMPARISON_SIGN = {"at_most": "<=", "below": "<"}


@dataclass
class DayGrid:
    """One test on the window days ``lo..hi`` of ``n`` patients (see the module docstring)."""

    lo: int
    hi: int
    end: np.ndarray        # (n,) last window day per patient (float; < lo: empty window)
    values: np.ndarray     # (n, W) value after the gap policy, NaN where none
    measured: np.ndarray   # (n, W) a measurement on that day
    inside: np.ndarray     # (n, W) lo <= day <= end
    long_gaps: tuple       # (row, left, right) of each inside day in a gap longer than max_gap
                           # (one entry for a patient without any value on the grid's days): the
                           # patient and the values of the measurements before / after the gap
                           # (NaN: none; none after it up to end)

    @property
    def days(self) -> np.ndarray:
        return np.arange(self.lo, self.hi + 1)


def check_policy(policy: str, counting: str | None = None) -> None:
    if policy not in GAP_POLICIES:
        raise ValueError(f"hematotox.gap_policy must be one of {', '.join(GAP_POLICIES)}, got {policy!r}")
    if counting is not None and counting not in COUNTING_RULES:
        raise ValueError(f"hematotox.counting must be one of {', '.join(COUNTING_RULES)}, got {counting!r}")


def day_grid(series: tuple, n: int, lo: int, hi: int, end: np.ndarray, max_gap: int,
             policy: str) -> DayGrid:
    """The grid of ``series = (p, day, value)`` (sorted by patient then day, one row per
    patient-day) on days ``lo..hi`` with per-patient last day ``end`` (float; NaN = ``hi``).

    Gaps, fills and the neighbours of long gaps are worked out on the missing cells only."""
    check_policy(policy)
    gap_max = int(max_gap)
    p, d, v = series
    end = np.asarray(end, dtype=float)
    end = np.where(np.isnan(end), hi, np.minimum(end, hi))    # no censoring: the window's end
    keep = d <= end[p]
    p, d, v = p[keep], d[keep], v[keep]
    g0, g1 = lo - gap_max - 1, hi + gap_max + 1          # anchors up to max_gap + 1 days outside
    width = g1 - g0 + 1
    grid = np.full((n, width), np.nan)
    ing = (d >= g0) & (d <= g1)
    grid[p[ing], d[ing] - g0] = v[ing]
    measured = ~np.isnan(grid)
    col = np.arange(width)
    prev = np.maximum.accumulate(np.where(measured, col, -1), axis=1)
    nxt = np.minimum.accumulate(np.where(measured, col, width)[:, ::-1], axis=1)[:, ::-1]
    before, after = last_by(p, d < g0, v, n), first_by(p, d > g1, v, n)
    some = measured.any(axis=1)
    r, c = np.nonzero(~measured & some[:, None])           # the missing cells of rows with a value
    cell = _missing_cells(grid, r, prev[r, c], nxt[r, c], before[r], after[r], lo - g0,
                          (end - g0)[r], gap_max)
    fill = _fill(cell, c, policy)
    values = grid                                           # filled in place (grid is ours)
    values[r[fill[0]], c[fill[0]]] = fill[1]
    win = slice(lo - g0, lo - g0 + hi - lo + 1)
    inside = np.arange(lo, hi + 1)[None, :] <= end[:, None]
    gap_day = ~cell["short"] & (c >= lo - g0) & (c <= lo - g0 + hi - lo) & (c + g0 <= end[r])
    empty = np.flatnonzero(~some & (end >= lo))             # no value on any grid day: one long gap
    return DayGrid(lo=lo, hi=hi, end=end, values=np.where(inside, values[:, win], np.nan),
                   measured=measured[:, win] & inside, inside=inside,
                   long_gaps=(np.r_[r[gap_day], empty], np.r_[cell["left"][gap_day], before[empty]],
                              np.r_[cell["right"][gap_day], after[empty]]))


def _missing_cells(grid: np.ndarray, r: np.ndarray, prev: np.ndarray, nxt: np.ndarray,
                   before: np.ndarray, after: np.ndarray, col_lo: int, col_end: np.ndarray,
                   gap_max: int) -> dict[str, np.ndarray]:
    """Per missing cell (row ``r``): its neighbours' columns and values and whether its gap is
    short (module docstring, step 2). ``before`` / ``after``: the row's nearest measurement
    outside the grid (NaN: none)."""
    width = grid.shape[1]
    has_prev, has_next = prev >= 0, nxt < width
    far_prev = ~has_prev & ~np.isnan(before)
    far_next = ~has_next & ~np.isnan(after)
    big = np.iinfo(np.int64).max // 4
    gap = np.where(has_prev & has_next, nxt - prev - 1, big)
    gap = np.where(~has_prev & ~far_prev & has_next, nxt - col_lo, gap)                   # leading edge
    gap = np.where(has_prev & ~has_next & ~far_next, col_end.astype(np.int64) - prev, gap)  # trailing edge
    left = np.where(has_prev, grid[r, np.clip(prev, 0, width - 1)], before)
    right = np.where(has_next, grid[r, np.clip(nxt, 0, width - 1)], after)
    return {"prev": prev, "nxt": nxt, "has_prev": has_prev, "has_next": has_next,
            "left": left, "right": right, "short": gap <= gap_max}


def _fill(cell: dict[str, np.ndarray], c: np.ndarray, policy: str) -> tuple[np.ndarray, np.ndarray]:
    """``(mask, values)``: which missing cells the gap policy fills (step 3), and with what."""
    short, hp, hn = cell["short"], cell["has_prev"], cell["has_next"]
    left, right = cell["left"], cell["right"]
    if policy == "measured":
        return np.zeros(c.size, bool), np.zeros(0)
    if policy == "interpolate":
        both = short & hp & hn
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = (c - cell["prev"]) / np.where(both, cell["nxt"] - cell["prev"], 1)
        out = np.where(both, np.round(left + frac * (right - left), 9), np.nan)
        out = np.where(short & hp & ~hn, left, out)
    else:                                                   # locf
        out = np.where(short & hp, left, np.nan)
    out = np.where(short & ~hp & hn, right, out)
    mask = short & (hp | hn)
    return mask, out[mask]


def meets(values: np.ndarray, comparison: str, threshold: float) -> np.ndarray:
    """``values`` at or below (``at_most``) / below (``below``) ``threshold``; NaN never meets."""
    if comparison not in COMPARISONS:
        raise ValueError(f"a threshold rule needs 'at_most' or 'below', got {comparison!r}")
    with np.errstate(invalid="ignore"):
        return COMPARISONS[comparison](values, threshold)


def longest_run(mask: np.ndarray) -> np.ndarray:
    """Per row of a boolean ``(n, W)`` array: the length of its longest run of True."""
    n, width = mask.shape
    padded = np.zeros((n, width + 1), dtype=np.int8)
    padded[:, :width] = mask
    step = np.diff(np.r_[np.int8(0), padded.ravel(), np.int8(0)])
    starts, ends = np.flatnonzero(step == 1), np.flatnonzero(step == -1)
    out = np.zeros(n, dtype=np.int64)
    np.maximum.at(out, starts // (width + 1), ends - starts)
    return out


def counted_days(grid: DayGrid, comparison: str, threshold: float, recovery_days: int,
                 counting: str) -> tuple[np.ndarray, np.ndarray]:
    """``(days, counted)``: per patient the counted days at the threshold (see the module
    docstring) and the ``(n, W)`` mask of counted days."""
    check_policy("interpolate", counting)
    low = meets(grid.values, comparison, threshold) & grid.inside
    width = low.shape[1]
    col = np.arange(width)
    prev_low = np.maximum.accumulate(np.where(low, col, -1), axis=1)
    next_low = np.minimum.accumulate(np.where(low, col, width)[:, ::-1], axis=1)[:, ::-1]
    interior = ~low & (prev_low >= 0) & (next_low < width)
    joined = interior & (next_low - prev_low - 1 < int(recovery_days)) & ~np.isnan(grid.values)
    counted = low | joined
    days = counted.sum(axis=1) if counting == "cumulative" else longest_run(counted)
    return days.astype(np.int64), counted


def long_gap_next_to(grid: DayGrid, condition: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Per patient: a day inside the window lies in a gap longer than ``max_gap`` whose
    measurement on either side meets ``condition`` (the not-gradable rule)."""
    row, left, right = grid.long_gaps
    flagged = condition(left) | condition(right)
    return np.bincount(row[flagged], minlength=grid.end.size) > 0


def window_rows(series: tuple, lo: int, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(p, value)`` of the measured days in ``lo..end[p]`` (selected once per section)."""
    p, d, v = series
    m = (d >= lo) & (d <= end[p])
    return p[m], v[m]


def measured_count(rows: tuple[np.ndarray, np.ndarray], n: int,
                   condition: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Per patient: measured days of ``rows`` (:func:`window_rows`) whose value meets ``condition``."""
    p, v = rows
    with np.errstate(invalid="ignore"):
        m = condition(v)
    return np.bincount(p[m], minlength=n).astype(np.int64)
