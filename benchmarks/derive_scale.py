"""Scale benchmark of the derivation (prints figures; not a timed test).

    .venv/bin/python benchmarks/derive_scale.py --patients 100000

1. generates N synthetic patients, vectorised (about 90 lab rows each over days -10..30 for
   anc/hb/plt with some same-day duplicates, plus treatments, CRS rows and markers), written as
   Parquet to a temporary folder;
2. times ``cartcyto.cohort.read.read_cohort`` (when the module exists) and ``derive_patients``, and
   ``derive_episodes`` alone, reporting the peak resident memory of the process;
3. times ``loop_episodes``, a straightforward per-patient reference implementation (pandas
   per patient for the daily minimum, then plain Python), on a sample of patients, extrapolates
   it to N patients and prints the speed ratio.

``make_cohort_frames`` and ``loop_episodes`` are also used by ``tests/test_derive_episodes.py``
to check the vectorised derivation against the loop on random patients.
"""
from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd

DESIGNS_DIR = Path(__file__).resolve().parents[1] / "workflow" / "designs"
TESTS = ("anc", "hb", "plt")
# baseline median, log-sd, unit scale of each test's synthetic trajectory
TRAJ = {"anc": (2.0, 0.8), "hb": (95.0, 0.3), "plt": (90.0, 0.9)}


# ------------------------------------------------------------------ synthetic cohort (vectorised)
def make_cohort_frames(n: int, seed: int = 1, day_range=(-10, 30), keep_prob: float = 0.73,
                       dup_prob: float = 0.03) -> dict[str, pd.DataFrame]:
    """Synthetic cohort tables in ingest's normalised form (patient_id str, day int64, ...)."""
    rng = np.random.default_rng(seed)
    ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    death = np.where(rng.random(n) < 0.08, rng.integers(5, 40, n), np.nan)
    patients = pd.DataFrame({
        "patient_id": ids,
        "sex": np.where(rng.random(n) < 0.5, "M", "F"),
        "age_years": rng.integers(15, 75, n).astype(float),
        "response_d28": pd.array(rng.choice(np.array(["CR", "CRi", "NR", "withdrawn", "NE", None],
                                                     dtype=object), n,
                                            p=[.6, .15, .1, .05, .05, .05]), dtype="string"),
        "ld_start_day": rng.choice([-5.0, -4.0], n),
        "ld_end_day": np.full(n, -2.0),
        "bm_blasts_pct": rng.uniform(0, 96, n).round(1),
        "ldh": np.exp(rng.normal(np.log(270), 0.6, n)).round(0),
        "prior_hsct": pd.array(rng.random(n) < 0.28, dtype="boolean"),
        "death_day": death,
    })
    # labs: patient x test x day grid, thinned
    days = np.arange(day_range[0], day_range[1] + 1)
    nd, nt = days.size, len(TESTS)
    pi = np.repeat(np.arange(n), nt * nd)
    ti = np.tile(np.repeat(np.arange(nt), nd), n)
    di = np.tile(days, n * nt)
    keep = rng.random(pi.size) < keep_prob
    pi, ti, di = pi[keep], ti[keep], di[keep]
    base = np.stack([np.exp(rng.normal(np.log(TRAJ[t][0]), TRAJ[t][1], n)) for t in TESTS], 1)
    depth = rng.uniform(0.3, 0.995, (n, nt))
    nadir = rng.uniform(2, 14, (n, nt))
    width = rng.uniform(2, 12, (n, nt))
    drop = depth[pi, ti] * np.exp(-np.maximum(di - nadir[pi, ti], -(di - nadir[pi, ti]) * 2.5) ** 2
                                  / (2 * width[pi, ti] ** 2))
    value = base[pi, ti] * (1 - drop) * np.exp(rng.normal(0, 0.25, pi.size))
    dup = rng.random(pi.size) < dup_prob
    pi = np.r_[pi, pi[dup]]
    ti = np.r_[ti, ti[dup]]
    di = np.r_[di, di[dup]]
    value = np.r_[value, value[dup] * np.exp(rng.normal(0, 0.3, int(dup.sum())))]
    decimals = np.array([2, 0, 0])[ti]
    value = np.round(value * 10.0 ** decimals) / 10.0 ** decimals
    order = np.lexsort((di, ti, pi))
    labs = pd.DataFrame({"patient_id": ids[pi[order]], "day": di[order].astype(np.int64),
                         "test": np.array(TESTS, dtype=object)[ti[order]],
                         "value": value[order].astype(np.float64)})
    # treatments: transfusion/G-CSF on some low days, tocilizumab/steroid for some patients
    low = {0: 0.5, 1: 60.0, 2: 20.0}
    prod = np.array(["gcsf", "prbc", "platelets"], dtype=object)
    lowcut = np.array([low[0] * 1.6, low[1] * 1.2, low[2] * 1.6])
    give = (value < lowcut[ti]) & (rng.random(value.size) < 0.45) & (di >= -3)
    tp, tday, tname = pi[give], di[give] + rng.integers(-1, 2, int(give.sum())), prod[ti[give]]
    nts = rng.random(n) < 0.35
    tp2 = np.flatnonzero(nts)
    tname2 = np.where(rng.random(tp2.size) < 0.6, "tocilizumab", "corticosteroid").astype(object)
    tday2 = rng.integers(2, 8, tp2.size)
    treatments = (pd.DataFrame({"patient_id": ids[np.r_[tp, tp2]], "day": np.r_[tday, tday2].astype(np.int64),
                                "treatment": np.r_[tname, tname2], "dose": 1.0})
                  .drop_duplicates(["patient_id", "day", "treatment"]).reset_index(drop=True))
    # CRS: graded days around a peak, sometimes a listed grade-0 day after, sometimes a gap
    grade = rng.choice([0, 1, 2, 3, 4], n, p=[.18, .15, .29, .3, .08])
    length = np.where(grade > 0, rng.integers(2, 10, n), 0)
    cp = np.repeat(np.arange(n), length)
    k = np.arange(cp.size) - np.repeat(np.cumsum(length) - length, length)
    onset = rng.integers(0, 6, n)
    peak_at = (rng.random(n) * length).astype(int)
    g = np.clip(grade[cp] - np.abs(k - peak_at[cp]), 1, None)
    cday = onset[cp] + k + (rng.random(cp.size) < 0.05)  # occasional gap
    tail = np.flatnonzero((grade > 0) & (rng.random(n) < 0.3))
    crs = pd.DataFrame({"patient_id": ids[np.r_[cp, tail]],
                        "day": np.r_[cday, onset[tail] + length[tail] + 1].astype(np.int64),
                        "crs_grade": np.r_[g, np.zeros(tail.size)].astype(float),
                        "icans_grade": np.r_[np.where(rng.random(cp.size) < 0.05, 1, 0),
                                             np.zeros(tail.size)].astype(float)})
    crs = crs.drop_duplicates(["patient_id", "day"]).reset_index(drop=True)
    # markers: 6 markers on 5 days
    mk = np.array(["il6", "il10", "ifng", "ferritin", "ddimer", "crp"], dtype=object)
    mday = np.array([-1, 3, 7, 14, 21])
    mp = np.repeat(np.arange(n), mk.size * mday.size)
    markers = pd.DataFrame({"patient_id": ids[mp], "day": np.tile(np.repeat(mday, mk.size), n).astype(np.int64),
                            "marker": np.tile(mk, n * mday.size),
                            "value": np.exp(rng.normal(3, 1.5, mp.size)).round(2) + 0.01,
                            "unit": "pg/mL"})
    return {"patients": patients, "labs": labs, "crs": crs, "markers": markers, "treatments": treatments}


def write_cohort(n: int, seed: int, folder: Path) -> None:
    frames = make_cohort_frames(n, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        df.to_parquet(folder / f"{name}.parquet", index=False)
    print(f"generated {n:,} patients: {len(frames['labs']):,} lab rows, "
          f"{len(frames['treatments']):,} treatments, {len(frames['crs']):,} crs rows, "
          f"{len(frames['markers']):,} marker rows", flush=True)


def as_cohort(frames: dict[str, pd.DataFrame]) -> types.SimpleNamespace:
    return types.SimpleNamespace(unknown_names={}, **frames)


# ------------------------------------------------------------------ reference loop (one patient at a time)
def loop_lineage(daily: dict[int, float], tx_days: list[int], cfg: dict, study: dict,
                 ld_start: float, ld_end: float, death: float | None) -> dict:
    """The episode fields of one patient and lineage, straight from the definitions."""
    ph = study["phases"]
    t3_start, t3_end = ph["t3_start"], ph["t3_end"]
    days = sorted(d for d in daily if t3_end is None or d <= t3_end)
    t2_from = ld_end if ph["t2_start"] == "ld_end" else ld_start
    below, above = cfg["severe_below"], cfg["recovery_above"]
    phase = {"t1": [d for d in days if d < ld_start], "t2": [d for d in days if t2_from <= d <= -1],
             "t3": [d for d in days if d >= t3_start]}
    r = {k: (any(daily[d] < below for d in v) if v else None) for k, v in phase.items()}
    baseline = bool(r["t1"]) or bool(r["t2"])
    new_onset = not baseline and bool(r["t3"])
    onset = next((d for d in phase["t3"] if daily[d] < below), None)
    nadir_day = nadir_value = None
    for d in phase["t3"]:
        if nadir_value is None or daily[d] < nadir_value:
            nadir_day, nadir_value = d, daily[d]
    window = study["criteria"]["transfusion_free_window"]
    k = cfg["recovery_consecutive"]

    def ok(m):
        if daily[m] <= above:
            return False
        return not (cfg["transfusion"] and any(m - window <= t <= m for t in tx_days))

    def run_starts(i):
        return i + k <= len(days) and all(ok(days[i + j]) for j in range(k))

    recovery = censor = duration = recovered = start = episode_duration = status = None
    if onset is not None:
        # walk the days up to the onset: an episode opens on a severe day, closes on a run
        is_open = False
        for i, d in enumerate(days):
            if d == onset:
                start = start if is_open else onset
                break
            if not is_open and daily[d] < below:
                is_open, start = True, d
            elif is_open and run_starts(i):
                is_open = False
        begin = max(onset, nadir_day)
        recovery = next((d for i, d in enumerate(days) if d > begin and run_starts(i)), None)
        recovered = recovery is not None
        if recovered:
            end, status = recovery, 1
        else:
            within = study["death_competes_within_days"]
            died = death is not None and death <= days[-1] + within and (t3_end is None or death <= t3_end)
            censor = max(death if died else days[-1], onset)
            end, status = censor, 2 if died else 0
        duration, episode_duration = end - onset, end - start
    or_zero = duration if onset is not None else (0 if phase["t3"] else None)
    pht_day = study["pht_day"]
    pht = onset is not None and onset <= pht_day and (
        recovery > pht_day if recovered else censor >= pht_day)
    after = study["persistent_after_day"]
    r.update(baseline=baseline, new_onset=new_onset, onset_day=onset, nadir_day=nadir_day,
             nadir_value=nadir_value, recovery_day=recovery, recovered=recovered,
             duration_days=duration, censor_day=censor, episode_start_day=start,
             episode_duration_days=episode_duration, recovery_status=status,
             duration_days_or_zero=or_zero, last_t3_day=phase["t3"][-1] if phase["t3"] else None,
             at_risk=not baseline and bool(phase["t3"]),
             pht=bool(pht), persistent=any(daily[d] < below for d in phase["t3"] if d > after))
    return r


def loop_episodes(cohort, study: dict) -> pd.DataFrame:
    """Reference: the long patient x lineage table, one patient at a time."""
    labs = {pid: g for pid, g in cohort.labs.groupby("patient_id", sort=False)}
    tr = {pid: g for pid, g in cohort.treatments.groupby("patient_id", sort=False)}
    lins = study["criteria"]["lineages"]
    ld = study["lymphodepletion"]
    rows = []
    for _, pt in cohort.patients.iterrows():
        pid = pt["patient_id"]
        g = labs.get(pid, cohort.labs.iloc[:0])
        t = tr.get(pid, cohort.treatments.iloc[:0])
        ld_start = pt.get("ld_start_day")
        ld_start = ld["start_day"] if pd.isna(ld_start) else ld_start
        ld_end = pt.get("ld_end_day")
        ld_end = ld["end_day"] if pd.isna(ld_end) else ld_end
        death = pt.get("death_day")
        death = None if death is None or pd.isna(death) else death
        for name, cfg in lins.items():
            daily = g[g["test"] == cfg["test"]].groupby("day")["value"].min().to_dict()
            tx = t.loc[t["treatment"] == cfg["transfusion"], "day"].tolist()
            rec = loop_lineage(daily, tx, cfg, study, ld_start, ld_end, death)
            rows.append({"patient_id": pid, "lineage": name, "test": cfg["test"], **rec})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ benchmark
class Clock:
    """Wall and CPU seconds of a block (CPU time is what to compare on a loaded machine)."""

    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu = time.perf_counter() - self.w, time.process_time() - self.c

    def __str__(self):
        return f"{self.wall:7.2f} s wall, {self.cpu:7.2f} s CPU"


def peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024.0


def time_cached_ingest(folder: Path, study: dict, cache_dir: Path, cohort) -> Clock | None:
    """Store ``cohort`` as the validated-cohort cache entry of ``folder``, then time loading it back
    as the ingest_derive job does (`cartcyto.cohort.cache.load_cohort`, a cache hit)."""
    try:
        from cartcyto.cohort import cache
        from cartcyto.cohort.read import table_paths
    except Exception as exc:  # noqa: BLE001 - not there yet, or broken by a parallel change
        print(f"cartcyto.cohort.cache unusable ({type(exc).__name__}: {exc})")
        return None
    index = cache.HashIndex(cache_dir)
    cache.store_entry(cache_dir, cache.cohort_key(table_paths(folder), study, index), cohort)
    index.save()
    with Clock() as t_load:
        loaded, _ = cache.load_cohort(str(folder), study, cache_dir)
    print(f"cached ingest (load_cohort, a cache hit): {t_load}  ({len(loaded.labs):,} lab rows)")
    return t_load


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--loop-sample", type=int, default=500)
    ap.add_argument("--design", default="wang2021")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-ingest", action="store_true", help="time the derivation alone")
    args = ap.parse_args(argv)

    from cartcyto.design import resolve_study
    from cartcyto.derive.patients import derive_episodes, derive_patients
    print(f"peak RSS with modules imported: {peak_rss_mb():,.0f} MB")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cohort"
        # generate in a child process so that the peak memory below is the reader's + derivation's
        t0 = time.perf_counter()
        child = multiprocessing.get_context("fork").Process(target=write_cohort,
                                                            args=(args.patients, args.seed, folder))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit("generating the synthetic cohort failed")
        print(f"generated + wrote Parquet in {time.perf_counter() - t0:.1f} s (child process)")
        study = resolve_study("bench", {"cohort": str(folder), "design": args.design}, "spss", DESIGNS_DIR)
        read_cohort = None
        if not args.no_ingest:
            try:
                from cartcyto.cohort.read import read_cohort
            except Exception as exc:  # not written yet, or broken mid-edit by a parallel change
                print(f"cartcyto.cohort.read unusable ({type(exc).__name__}: {exc})")
        if read_cohort is not None:
            with Clock() as t_ingest:
                cohort = read_cohort(str(folder), study)
            print(f"ingest.read_cohort:        {t_ingest}")
            t_cached = time_cached_ingest(folder, study, Path(tmp) / "cache", cohort)
        else:
            print("cartcyto.cohort.read not available: reading the Parquet files directly (derivation timed alone)")
            cohort = as_cohort({n: pd.read_parquet(folder / f"{n}.parquet")
                                for n in ("patients", "labs", "crs", "markers", "treatments")})
            t_ingest = t_cached = None
    print(f"peak RSS after reading:    {peak_rss_mb():,.0f} MB")
    with Clock() as t_derive:
        derived = derive_patients(cohort, study)
    print(f"derive_patients:           {t_derive}  ({derived.shape[0]:,} rows x {derived.shape[1]} columns)")
    if t_ingest is not None:
        print(f"ingest + derive_patients:  {t_ingest.wall + t_derive.wall:7.2f} s wall, "
              f"{t_ingest.cpu + t_derive.cpu:7.2f} s CPU")
    if t_cached is not None:
        print(f"cached ingest + derive_patients (the ingest_derive job once parse time validated the "
              f"cohort): {t_cached.wall + t_derive.wall:7.2f} s wall, {t_cached.cpu + t_derive.cpu:7.2f} s CPU")
    print(f"peak RSS after derive_patients: {peak_rss_mb():,.0f} MB")
    with Clock() as t_epi:
        derive_episodes(cohort, study)
    print(f"derive_episodes alone:     {t_epi}")

    m = min(args.loop_sample, len(cohort.patients))
    sample_ids = set(cohort.patients["patient_id"].iloc[:m])
    sub = as_cohort({"patients": cohort.patients.iloc[:m],
                     "labs": cohort.labs[cohort.labs["patient_id"].isin(sample_ids)],
                     "treatments": cohort.treatments[cohort.treatments["patient_id"].isin(sample_ids)]})
    with Clock() as t_loop:
        loop_episodes(sub, study)
    scale = len(cohort.patients) / m
    print(f"reference loop on {m} patients: {t_loop}; extrapolated to {len(cohort.patients):,}: "
          f"{t_loop.wall * scale:7.1f} s wall, {t_loop.cpu * scale:7.1f} s CPU")
    print(f"speed-up of derive_episodes over the loop (same output): {t_loop.wall * scale / t_epi.wall:6.1f}x wall, "
          f"{t_loop.cpu * scale / t_epi.cpu:6.1f}x CPU")
    print(f"speed-up of derive_patients over the loop (which does less): "
          f"{t_loop.wall * scale / t_derive.wall:6.1f}x wall, {t_loop.cpu * scale / t_derive.cpu:6.1f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
