"""Scale benchmark of the hematotoxicity grading (prints figures; not a timed test).

    .venv/bin/python benchmarks/hematotox_scale.py --patients 100000 --days 100

1. generates N synthetic patients with NumPy (no per-patient loop): ANC and PLT on every day of
   ``--days`` days from day -5 (a dip with recovery or an aplastic course, 2% same-day repeats,
   10% of days dropped at random so that gaps of every length occur), Hb on the pre-LD days,
   pre-LD CRP and ferritin markers, and censoring (death, progression, next therapy,
   last follow-up) for some patients;
2. times ``hematotoxicity_columns`` (early/late ICAHT and T-ICAHT, CAR-HEMATOTOX, phenotype) and
   its parts, wall and CPU time, and the peak resident memory of the process;
3. times the per-patient reference loop of ``tests/test_derive_icaht.py`` (``loop_section``) on
   ``--loop-sample`` patients for early ICAHT and scales it up to N.
"""
from __future__ import annotations

import argparse
import importlib.util
import resource
import sys
import time
import types
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from cartcyto.design import resolve_study  # noqa: E402
from cartcyto.derive.episodes import daily_series  # noqa: E402
from cartcyto.derive.hematotox import hematotox_score  # noqa: E402
from cartcyto.derive.hematotoxicity import grade_columns, hematotoxicity_columns  # noqa: E402
from cartcyto.derive.phenotype import recovery_phenotype  # noqa: E402


def make_cohort(n: int, days: int, seed: int = 7):
    """Cohort tables (patients, labs, markers) in the ingested form; categorical ids keep it small."""
    rng = np.random.default_rng(seed)
    ids = pd.Index(np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object))
    cens = {c: np.where(rng.random(n) < p, rng.integers(-2, days, n).astype(float), np.nan)
            for c, p in (("death_day", 0.06), ("relapse_day", 0.15), ("next_therapy_day", 0.05),
                         ("last_followup_day", 0.3))}
    patients = pd.DataFrame({"patient_id": ids.to_numpy(), "sex": "M", "age_years": 50.0,
                             "ld_start_day": -5.0, "ld_end_day": -3.0, **cens})
    day = np.arange(-5, -5 + days)
    dip_start, dip_len = rng.integers(0, 8, n), rng.integers(0, 35, n)
    in_dip = (day[None, :] >= dip_start[:, None]) & (day[None, :] < (dip_start + dip_len)[:, None])
    frames = []
    for test, (base, low) in {"anc": (2.5, 0.25), "plt": (150.0, 25.0)}.items():
        level = np.where(in_dip, low, base) * np.exp(rng.normal(0, 0.5, (n, days)))
        keep = rng.random((n, days)) > 0.10
        p_idx, d_idx = np.nonzero(keep)
        frames.append(pd.DataFrame({"patient_id": pd.Categorical.from_codes(p_idx, ids),
                                    "day": day[d_idx].astype(np.int64), "test": test,
                                    "value": np.round(level[p_idx, d_idx], 2)}))
    rep = frames[0].sample(frac=0.02, random_state=seed)
    frames.append(rep.assign(value=rep["value"] * 1.1))
    pre = np.arange(n)
    frames.append(pd.DataFrame({"patient_id": pd.Categorical.from_codes(pre, ids), "day": np.int64(-6),
                                "test": "hb", "value": np.round(rng.normal(105, 20, n), 0)}))
    labs = pd.concat(frames, ignore_index=True)
    labs["test"] = labs["test"].astype("category")
    markers = pd.DataFrame({"patient_id": pd.Categorical.from_codes(np.r_[pre, pre], ids), "day": np.int64(-6),
                            "marker": np.repeat(["crp", "ferritin"], n),
                            "value": np.r_[np.exp(rng.normal(2.1, 1.1, n)), np.exp(rng.normal(6.3, 1.0, n))],
                            "unit": np.repeat(["mg/L", "ng/mL"], n)})
    return types.SimpleNamespace(patients=patients, labs=labs, markers=markers)


def clock(label: str, fn, results: dict):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    results[label] = (time.perf_counter() - w0, time.process_time() - c0)
    print(f"{label:<48} wall {results[label][0]:7.2f} s   CPU {results[label][1]:7.2f} s", flush=True)
    return out


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def loop_reference(cohort, cfg, sample: int) -> float:
    """CPU seconds of the test's per-patient loop (early ICAHT) on the first ``sample`` patients."""
    spec = importlib.util.spec_from_file_location("t_icaht", ROOT / "tests" / "test_derive_icaht.py")
    sys.path.insert(0, str(ROOT / "tests"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pts = cohort.patients.iloc[:sample]
    keep = set(pts["patient_id"])
    labs = cohort.labs[cohort.labs["patient_id"].isin(keep) & (cohort.labs["test"] == "anc")]
    section = cfg["icaht"]["early"]
    c0 = time.process_time()
    for pid, part in labs.groupby("patient_id", observed=True, sort=False):
        meas = part.groupby("day")["value"].min().to_dict()
        row = pts[pts["patient_id"] == pid].iloc[0]
        ends = [row[c] for c in cfg["censor_at"] if not np.isnan(row[c])]
        mod.loop_section(meas, *section["window"], min(ends) if ends else float("nan"), section, cfg)
    return time.process_time() - c0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--loop-sample", type=int, default=300)
    args = ap.parse_args(argv)
    study = resolve_study("bench", {"cohort": "x", "design": "wang2021"}, "spss", ROOT / "workflow" / "designs")
    cfg = study["hematotox"]
    res: dict = {}
    print(f"rss after imports: {rss_mb():.0f} MB")
    cohort = clock("generate cohort", lambda: make_cohort(args.patients, args.days), res)
    print(f"{args.patients:,} patients, {len(cohort.labs):,} lab rows "
          f"({args.days} days of ANC and PLT), rss {rss_mb():.0f} MB")
    ids = pd.Index(cohort.patients["patient_id"].astype(str))
    series = clock("daily_series (anc, plt, hb)", lambda: daily_series(cohort.labs, ids, {"anc", "plt", "hb"}), res)
    pts = cohort.patients
    clock("ICAHT early + late (grades, day counts)", lambda: grade_columns(series, pts, cfg, "icaht"), res)
    clock("T-ICAHT early + late", lambda: grade_columns(series, pts, cfg, "ticaht"), res)
    clock("CAR-HEMATOTOX score", lambda: hematotox_score(cohort, series, cfg["score"]), res)
    clock("recovery phenotype", lambda: recovery_phenotype(series["anc"], pts, cfg["phenotype"], cfg), res)
    out = clock("hematotoxicity_columns (all, from the labs)", lambda: hematotoxicity_columns(cohort, study), res)
    print(f"peak rss: {rss_mb():.0f} MB; output {out.shape[0]:,} x {out.shape[1]}")
    print("early ICAHT grades:", out["icaht_early_grade"].value_counts(dropna=False).sort_index().to_dict())
    loop_cpu = loop_reference(cohort, cfg, args.loop_sample)
    scaled = loop_cpu * args.patients / args.loop_sample
    kernel = res["ICAHT early + late (grades, day counts)"][1]
    print(f"reference loop (early ICAHT only): {loop_cpu:.2f} s CPU for {args.loop_sample} patients, "
          f"scaled to {args.patients:,}: {scaled:.0f} s CPU; the vectorised early + late ICAHT: "
          f"{kernel:.2f} s CPU ({scaled / kernel:.0f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
