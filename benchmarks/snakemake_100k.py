"""A 100,000-patient Parquet cohort through snakemake to derived/patients.csv, and the dry run with
it configured (prints figures; not a timed test).

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/snakemake_100k.py [--patients 100000] [--runs 3]

1. Generates the synthetic cohort of benchmarks/derive_scale.py (about 92 lab rows per patient,
   9.2M at 100,000) as Parquet under data/big/ of a fresh folder, next to a copy of data/ and
   config.yaml, in a child process (its memory is not counted).
2. `snakemake --cores 2 results/big/derived/patients.csv` with only that study configured:
   * cold: nothing validated yet (parse time reads and validates the cohort and fills the cache;
     the ingest_derive job loads the cached tables and derives);
   * cache kept: results removed, the validated tables still cached (every later call).
   Wall seconds, CPU-seconds of every process, and peak memory: the highest sum of the RSS of the
   snakemake process tree (sampled every 20 ms) and the highest RSS of any one process.
3. Dry runs (`snakemake -n`, cohorts validated) of the demo config and of the demo config plus the
   100k study, and their ratio.
"""
from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
from pathlib import Path

from _bench import checked, fmt, load, median, reset, run, snakemake, workdir

BIG = "big"


def write_config(work: Path, demo: bool, big: bool) -> None:
    lines = ["conventions: spss", "published_dir: data/published", "cache_dir: .cartcyto-cache", "studies:"]
    if demo:
        lines += ["  wang2021: {cohort: data/wang2021, design: wang2021}",
                  "  mullanfiroze2022: {cohort: data/mullanfiroze2022, design: mullanfiroze2022}"]
    if big:
        lines += [f"  {BIG}: {{cohort: data/{BIG}, design: wang2021}}"]
    (work / "config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(n: int, folder: Path) -> None:
    from derive_scale import write_cohort

    child = multiprocessing.get_context("fork").Process(target=write_cohort, args=(n, 1, folder))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit("generating the synthetic cohort failed")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--patients", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args(argv)
    print(load())
    work = workdir("cartcyto-100k-")
    try:
        generate(args.patients, work / "data" / BIG)
        size = sum(f.stat().st_size for f in (work / "data" / BIG).iterdir()) / 2**20
        print(f"cohort: {size:.1f} MB of Parquet")
        target = f"results/{BIG}/derived/patients.csv"
        cold, warm = [], []
        for i in range(args.runs):
            write_config(work, demo=False, big=True)
            reset(work)
            cold.append(checked(run(snakemake(work, "--cores", str(args.cores), target)), "cold run"))
            reset(work, keep_cache=True)
            warm.append(checked(run(snakemake(work, "--cores", str(args.cores), target)), "run, cache kept"))
            print(f"run {i + 1}: cold {cold[-1].wall:.1f} s ({cold[-1].cpu:.1f} CPU-s, tree peak "
                  f"{cold[-1].peak_mb:,.0f} MB, largest process {cold[-1].peak_one_mb:,.0f} MB); cache kept "
                  f"{warm[-1].wall:.1f} s ({warm[-1].cpu:.1f} CPU-s, tree peak {warm[-1].peak_mb:,.0f} MB); "
                  f"{load()}", flush=True)
        dry_demo, dry_big = [], []
        for _ in range(args.runs):
            write_config(work, demo=True, big=False)
            dry_demo.append(checked(run(snakemake(work, "-n")), "demo dry run"))
            write_config(work, demo=True, big=True)
            checked(run(snakemake(work, "-n")), "dry run")  # validates the demo cohorts if not yet
            dry_big.append(checked(run(snakemake(work, "-n")), "dry run with 100k"))
        print()
        print(f"{args.patients:,} patients to {target}, --cores {args.cores}:")
        for label, runs in (("cold (validated at parse time)", cold), ("cache kept", warm)):
            print(f"  {label:31} {fmt([r.wall for r in runs])}; median {median([r.wall for r in runs]):.1f} s, "
                  f"{median([r.cpu for r in runs]):.1f} CPU-s; peak memory of the process tree "
                  f"{max(r.peak_mb for r in runs):,.0f} MB (largest process {max(r.peak_one_mb for r in runs):,.0f} MB)")
        d0, d1 = median([r.wall for r in dry_demo]), median([r.wall for r in dry_big])
        print(f"dry run, demo config:            {fmt([r.wall for r in dry_demo])}; median {d0:.2f} s")
        print(f"dry run, demo + {args.patients:,} patients: {fmt([r.wall for r in dry_big])}; median {d1:.2f} s "
              f"= {d1 / d0:.2f}x the demo's")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
