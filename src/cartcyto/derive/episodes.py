"""Severe-cytopenia episodes per patient x lineage, vectorised over patients.

Every rule works on sorted NumPy arrays: a lab row is ``(patient code, day, value)`` where the
patient code is the row position of the patient in ``cohort.patients``; rows are sorted by
patient then day, so "first/last row of a patient" is a comparison with the neighbouring row.
There is no per-patient Python loop (see ``benchmarks/derive_scale.py`` for the reference loop
this module is tested against).

Definitions (data contract section 2; every threshold and window comes from the resolved study):

* daily value: the lowest measurement of the day (per patient and test);
* phases: T1 ``day < ld_start_day``; T2 ``t2_start..-1`` with ``t2_start`` = ``ld_end_day``
  (``phases.t2_start: ld_end``) or ``ld_start_day``; T3 ``t3_start <= day (<= t3_end)``.
  Rows after ``t3_end`` (when set) are dropped before anything else, so ``t3_end`` also ends the
  recovery search and the censoring;
* ``t1, t2, t3``: severe on any day of the phase (<NA> when the phase has no value);
  ``baseline`` = severe in T1 or T2; ``new_onset`` = not baseline and severe in T3;
  ``at_risk`` = not baseline and has T3 values (the lineage's analysis set);
* ``onset_day``: first severe T3 day, for every patient (baseline-severe ones too); the
  episode fields below (recovery, censoring, duration, status, PHT) are those of the episode
  that holds it, and are empty without a severe T3 day;
* ``nadir_value``/``nadir_day``: lowest T3 value and its first day (every patient with T3 values);
* ``recovery_day``: first day d > max(nadir_day, onset_day) where the daily values of d and of
  the next ``recovery_consecutive - 1`` measurement days are all ``> recovery_above`` and, when
  the lineage names a transfusion product, none of those days m has that product on days
  ``m - transfusion_free_window .. m`` (a "qualifying run" starting on d);
* episodes: a run of severe values closed by the recovery rule. Before the onset day they are
  cut greedily: an episode opens on a severe day and closes on the first qualifying run that
  starts after it; the next severe day opens the next one. ``episode_start_day`` is the start of
  the episode open on the onset day: the first severe day after the last qualifying run that
  starts before the onset and after a severe day (negative when the episode runs across the
  infusion; the onset day itself when the earlier episode recovered). An episode that
  recovered before the infusion therefore never merges with a later one;
* not recovered: ``recovery_status`` 2 (died before recovery, the competing event) when the
  patient died at most ``death_competes_within_days`` after the lineage's last measurement
  (and within T3): censored at the death day; otherwise 0 (censored at the last measurement
  day of the test). ``recovery_status`` 1 = recovered. The censor day is never before the
  onset. ``duration_days`` = recovery or censor day - onset day; ``episode_duration_days`` =
  recovery or censor day - ``episode_start_day``;
* ``duration_days_or_zero``: ``duration_days``, 0 for a patient with T3 values none of which is
  severe (Wang 2021 Figure 4: "the duration of patients without cytopenia after CAR-T cell
  infusion was defined as 0"), empty without T3 values;
* ``last_t3_day``: the last T3 day with a value of the test (censors Figure 1D's cumulative
  incidence of new onset);
* ``pht``: an episode ongoing on ``pht_day``: onset <= pht_day and (recovery_day > pht_day, or
  not recovered and censored on or after pht_day);
* ``persistent``: a severe T3 value on a day > ``persistent_after_day``.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.arrays import (
    any_by,
    event_within,
    first_by,
    group_starts,
    last_by,
    name_codes,
    nullable_bool,
    nullable_int,
    numbers,
    patient_codes,
    sort_key,
)

EPISODE_FIELDS = ("baseline", "new_onset", "onset_day", "nadir_day", "nadir_value",
                  "recovery_day", "recovered", "duration_days", "censor_day",
                  "episode_start_day", "episode_duration_days", "recovery_status",
                  "duration_days_or_zero", "last_t3_day",
                  "t1", "t2", "t3", "at_risk", "pht", "persistent")
INT_FIELDS = ("onset_day", "nadir_day", "recovery_day", "duration_days", "censor_day",
              "episode_start_day", "episode_duration_days", "recovery_status",
              "duration_days_or_zero", "last_t3_day")
RECOVERED, DIED_BEFORE_RECOVERY, CENSORED = 1, 2, 0
"""``recovery_status`` codes (data contract section 2)."""
BOOL_FIELDS = ("baseline", "new_onset", "recovered", "t1", "t2", "t3", "at_risk", "pht", "persistent")
ANY_GRADE = {"anc": "neutropenia_t3", "hb": "anemia_t3", "plt": "thrombocytopenia_t3"}
PRE_LD_TESTS = ("anc", "hb", "plt")


# ---------------------------------------------------------------- inputs
def lineages(study: Mapping[str, Any]) -> dict[str, dict]:
    return dict(study["criteria"]["lineages"])


def daily_series(labs: pd.DataFrame, ids: pd.Index, tests) -> dict[str, tuple]:
    """``{test: (p, day, value)}``: one row per patient-day (the day's lowest value), sorted."""
    out = {}
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if labs is None or len(labs) == 0:
        return {t: empty for t in tests}
    p_all = patient_codes(ids, labs["patient_id"])
    tcode, tnames = name_codes(labs["test"])
    day_all = labs["day"].to_numpy(dtype=np.int64)
    val_all = labs["value"].to_numpy(dtype=np.float64)
    for test in tests:
        k = np.flatnonzero(tnames == test)
        if k.size == 0:
            out[test] = empty
            continue
        m = ((tcode == k[0]) if k.size == 1 else np.isin(tcode, k)) & (p_all >= 0) & ~np.isnan(val_all)
        p, d, v = p_all[m], day_all[m], val_all[m]
        key = sort_key(p, d)
        if key.size > 1 and not (key[1:] >= key[:-1]).all():
            order = np.argsort(key, kind="stable")
            p, d, v, key = p[order], d[order], v[order], key[order]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
        if starts.size < key.size:  # same-day duplicates: keep the day's minimum
            v = np.minimum.reduceat(v, starts)
            p, d = p[starts], d[starts]
        out[test] = (p, d, v)
    return out


def patient_context(cohort, study: Mapping[str, Any]) -> dict[str, np.ndarray]:
    pts = cohort.patients
    n = len(pts)
    ld = study["lymphodepletion"]

    def col(name, default=np.nan):
        if name in pts.columns:
            x = numbers(pts[name])
            return np.where(np.isnan(x), default, x)
        return np.full(n, default, dtype=float)

    return {"ld_start": col("ld_start_day", ld["start_day"]),
            "ld_end": col("ld_end_day", ld["end_day"]),
            "death": col("death_day")}


def transfusions(cohort, ids: pd.Index) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    tr = getattr(cohort, "treatments", None)
    if tr is None or len(tr) == 0:
        return {}
    p = patient_codes(ids, tr["patient_id"])
    d = numbers(tr["day"])
    code, names = name_codes(tr["treatment"])
    ok = (p >= 0) & ~np.isnan(d) & (code >= 0)
    out = {}
    for t in set(names):
        m = ok & np.isin(code, np.flatnonzero(names == t))
        out[t] = (p[m], d[m].astype(np.int64))
    return out


# ---------------------------------------------------------------- one lineage
def qualifying_runs(p: np.ndarray, d: np.ndarray, v: np.ndarray, cfg: Mapping[str, Any],
                    study: Mapping[str, Any], transf: Mapping[str, tuple]) -> np.ndarray:
    """Per row: a qualifying recovery run starts on it (this and the next
    ``recovery_consecutive - 1`` measurements of the patient are ``> recovery_above`` and, for a
    lineage with a transfusion product, product-free on ``m - window .. m``)."""
    ok = v > cfg["recovery_above"]
    product = cfg["transfusion"]
    if product:
        ev_p, ev_d = transf.get(product, (np.zeros(0, np.int64), np.zeros(0, np.int64)))
        ok &= ~event_within(p, d, ev_p, ev_d, int(study["criteria"]["transfusion_free_window"]))
    run = ok.copy()
    for j in range(1, int(cfg["recovery_consecutive"])):
        nxt = np.zeros(ok.size, dtype=bool)
        nxt[:-j] = ok[j:] & (p[j:] == p[:-j])
        run &= nxt
    return run


def episode_start(p: np.ndarray, df: np.ndarray, sev: np.ndarray, run: np.ndarray,
                  onset: np.ndarray, n: int) -> np.ndarray:
    """Start of the episode open on each patient's onset day (NaN without an onset).

    Cutting the days before the onset greedily (open on a severe day, close on the first
    qualifying run after it), the last episode closed before the onset is closed by the last run
    that starts before the onset and after some severe day; the episode holding the onset starts
    on the first severe day after that run (the patient's first severe day when there is none).
    """
    count = np.cumsum(sev)
    first = group_starts(p)
    before = count - sev                      # severe rows before this one, all patients so far
    before = before - np.maximum.accumulate(np.where(first, before, 0))
    with np.errstate(invalid="ignore"):
        closing = run & (before > 0) & (df < onset[p])
    last_close = last_by(p, closing, df, n)
    with np.errstate(invalid="ignore"):
        after = np.isnan(last_close[p]) | (df > last_close[p])
    return np.where(np.isnan(onset), np.nan, first_by(p, sev & after, df, n))


def episode_end(p: np.ndarray, df: np.ndarray, onset: np.ndarray, recovery: np.ndarray,
                ctx: Mapping[str, np.ndarray], study: Mapping[str, Any], n: int):
    """``(status, censor)`` of each patient's episode: status 1 recovered, 2 died before
    recovery (death at most ``death_competes_within_days`` after the last measurement of the
    test, within T3: censored at death), 0 censored at the last measurement; NaN without an
    episode. The censor day (NaN when recovered) is never before the onset."""
    episode = ~np.isnan(onset)
    recovered = ~np.isnan(recovery)
    last_day = last_by(p, np.ones(p.size, dtype=bool), df, n)
    death, t3_end = ctx["death"], study["phases"]["t3_end"]
    with np.errstate(invalid="ignore"):
        died = (death <= last_day + int(study["death_competes_within_days"])) & (
            True if t3_end is None else death <= t3_end)
    died &= episode & ~recovered
    status = np.where(recovered, RECOVERED, np.where(died, DIED_BEFORE_RECOVERY, CENSORED))
    censor = np.fmax(np.where(died, death, last_day), onset)
    return (np.where(episode, status, np.nan),
            np.where(episode & ~recovered, censor, np.nan))


def lineage_episodes(series: tuple, n: int, ctx: Mapping[str, np.ndarray], cfg: Mapping[str, Any],
                     study: Mapping[str, Any], transf: Mapping[str, tuple]) -> dict[str, np.ndarray]:
    """Episode fields of one lineage as arrays of length ``n`` (float with NaN for days/values,
    bool for flags; ``t1/t2/t3/recovered`` come with a ``<field>_missing`` mask)."""
    p, d, v = series
    phases = study["phases"]
    t3_start, t3_end = phases["t3_start"], phases["t3_end"]
    if t3_end is not None:
        keep = d <= t3_end
        p, d, v = p[keep], d[keep], v[keep]
    if phases["t2_start"] not in ("ld_end", "ld_start"):
        raise ValueError(f"phases.t2_start must be 'ld_end' or 'ld_start', got {phases['t2_start']!r}")
    t2_from = ctx["ld_end"] if phases["t2_start"] == "ld_end" else ctx["ld_start"]
    in1 = d < ctx["ld_start"][p]
    in2 = (d >= t2_from[p]) & (d <= -1)
    in3 = d >= t3_start
    sev = v < cfg["severe_below"]

    out: dict[str, np.ndarray] = {}
    for name, phase in (("t1", in1), ("t2", in2), ("t3", in3)):
        out[name] = any_by(p, phase & sev, n)
        out[name + "_missing"] = ~any_by(p, phase, n)
    baseline = out["t1"] | out["t2"]
    has3 = ~out["t3_missing"]
    new_onset = ~baseline & out["t3"]
    episode = out["t3"]                       # an episode holds a severe T3 day
    df = d.astype(float)
    onset = first_by(p, in3 & sev, df, n)

    # nadir: lowest T3 value, first day on which it occurs
    idx3 = np.flatnonzero(in3)
    nadir_value = np.full(n, np.nan)
    if idx3.size:
        starts = np.flatnonzero(group_starts(p[idx3]))
        nadir_value[p[idx3[starts]]] = np.minimum.reduceat(v[idx3], starts)
    nadir_day = first_by(p, in3 & (v == nadir_value[p]), df, n)

    # recovery: first qualifying run strictly after the nadir and the onset
    run = qualifying_runs(p, d, v, cfg, study, transf)
    search_from = np.fmax(nadir_day, onset)
    with np.errstate(invalid="ignore"):
        recovery = first_by(p, run & episode[p] & (df > search_from[p]), df, n)
    recovered = ~np.isnan(recovery)
    status, censor = episode_end(p, df, onset, recovery, ctx, study, n)
    end = np.where(recovered, recovery, censor)
    start = episode_start(p, df, sev, run, onset, n)
    pht_day = study["pht_day"]
    with np.errstate(invalid="ignore"):
        pht = episode & (onset <= pht_day) & np.where(recovered, recovery > pht_day, censor >= pht_day)
    after = study["persistent_after_day"]
    duration = end - onset
    or_zero = np.where(episode, duration, np.where(has3, 0.0, np.nan))
    out.update(baseline=baseline, new_onset=new_onset, at_risk=~baseline & has3, onset_day=onset,
               nadir_day=nadir_day, nadir_value=nadir_value, recovery_day=recovery,
               recovered=recovered, recovered_missing=~episode, duration_days=duration,
               censor_day=censor, episode_start_day=start, episode_duration_days=end - start,
               recovery_status=status, duration_days_or_zero=or_zero,
               last_t3_day=last_by(p, in3, df, n), pht=pht,
               persistent=any_by(p, in3 & sev & (d > after), n))
    return out


def to_frame_columns(arrays: Mapping[str, np.ndarray], prefix: str = "") -> dict[str, Any]:
    """Episode arrays -> pandas columns (Int64 days, boolean flags, float values)."""
    cols = {}
    for f in EPISODE_FIELDS:
        x = arrays[f]
        if f in INT_FIELDS:
            cols[prefix + f] = nullable_int(x)
        elif f in BOOL_FIELDS:
            cols[prefix + f] = nullable_bool(x, arrays.get(f + "_missing"))
        else:
            cols[prefix + f] = x
    return cols


# ---------------------------------------------------------------- cohort level
def episode_arrays(cohort, study: Mapping[str, Any], series: dict | None = None):
    """``(ids, {lineage: arrays})`` for every lineage of the study's criteria set."""
    ids = pd.Index(cohort.patients["patient_id"].astype(str))
    lins = lineages(study)
    if series is None:
        series = daily_series(cohort.labs, ids, {c["test"] for c in lins.values()})
    ctx = patient_context(cohort, study)
    transf = transfusions(cohort, ids)
    return ids, {name: lineage_episodes(series[cfg["test"]], len(ids), ctx, cfg, study, transf)
                 for name, cfg in lins.items()}


def derive_episodes(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """The long patient x lineage table.

    Returns one row per patient (in ``cohort.patients`` order) and lineage (criteria order):
    ``patient_id, lineage, test`` then ``EPISODE_FIELDS`` (days Int64, flags boolean,
    ``nadir_value`` float64; missing = <NA>/NaN).
    """
    ids, arrays = episode_arrays(cohort, study)
    lins = lineages(study)
    names = list(lins)
    n, k = len(ids), len(names)
    frames = [pd.DataFrame(to_frame_columns(arrays[name])) for name in names]
    long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(EPISODE_FIELDS))
    order = (np.arange(k)[None, :] * n + np.arange(n)[:, None]).ravel()  # patient-major
    long = long.iloc[order].reset_index(drop=True)
    long.insert(0, "test", np.tile([lins[x]["test"] for x in names], n))
    long.insert(0, "lineage", np.tile(names, n))
    long.insert(0, "patient_id", np.repeat(ids.to_numpy(), k))
    return long


def lab_summaries(cohort, study: Mapping[str, Any], series: Mapping[str, tuple]) -> pd.DataFrame:
    """Any-grade T3 cytopenia flags and pre-lymphodepletion values, one row per patient.

    ``neutropenia_t3, anemia_t3, thrombocytopenia_t3`` (<NA> without T3 values of the test or,
    for anemia, without a sex M/F) and ``pre_ld_anc, pre_ld_hb, pre_ld_plt`` (last T1 daily value).
    """
    pts = cohort.patients
    n = len(pts)
    ctx = patient_context(cohort, study)
    cyt = study["criteria"]["cytopenia"]
    t3_start, t3_end = study["phases"]["t3_start"], study["phases"]["t3_end"]
    sex = pts["sex"].astype("string").str.upper().to_numpy(dtype=object, na_value=None) \
        if "sex" in pts.columns else np.full(n, None, dtype=object)
    hb_cut = np.where(sex == "M", cyt["hb_male"],
                      np.where(sex == "F", cyt["hb_female"], np.nan)).astype(float)
    cut = {"anc": np.full(n, float(cyt["anc"])), "hb": hb_cut,
           "plt": np.full(n, float(cyt["plt"]))}
    cols: dict[str, Any] = {}
    for test, name in ANY_GRADE.items():
        p, d, v = series.get(test, (np.zeros(0, np.int64),) * 2 + (np.zeros(0),))
        in3 = (d >= t3_start) & ((d <= t3_end) if t3_end is not None else True)
        below = any_by(p, in3 & (v < cut[test][p]), n)
        cols[name] = nullable_bool(below, ~any_by(p, in3, n) | np.isnan(cut[test]))
    pre = study["pre_ld_labs"]
    if pre != "last_before_ld":
        raise ValueError(f"pre_ld_labs: only 'last_before_ld' is implemented, got {pre!r}")
    for test in PRE_LD_TESTS:
        p, d, v = series.get(test, (np.zeros(0, np.int64),) * 2 + (np.zeros(0),))
        cols[f"pre_ld_{test}"] = last_by(p, d < ctx["ld_start"][p], v, n)
    return pd.DataFrame(cols)
