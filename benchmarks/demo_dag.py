"""The demo DAG, cold, against its floor (prints figures; not a timed test).

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/demo_dag.py [--runs 3] [--cores 2]

Each run starts from a fresh copy of data/ and config.yaml: no results, no validated-cohort cache,
no .snakemake. It times

* the floor: a dry run (`snakemake -n`, the cohorts already validated, as every later call finds
  them) plus one interpreter importing pandas, scipy, statsmodels and matplotlib;
* the cold dry run (first call: both cohorts read and validated);
* the run: `snakemake --cores N` from nothing, and again with the results removed but the cache
  kept (the usual re-run after a change of design or code).

Wall seconds are what the targets speak of; CPU-seconds (every process waited for) are printed next
to them because on a shared machine they vary less. Medians over --runs.
"""
from __future__ import annotations

import argparse
import shutil
import sys

from _bench import checked, fmt, load, median, reset, run, snakemake, stack_import, workdir


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cores", type=int, default=2)
    args = ap.parse_args(argv)
    print(load())
    rows = {k: [] for k in ("dry_cold", "dry", "stack", "cold", "cold_cpu", "warm", "warm_cpu", "peak")}
    for i in range(args.runs):
        work = workdir("cartcyto-demo-")
        try:
            rows["dry_cold"].append(checked(run(snakemake(work, "-n")), "cold dry run").wall)
            rows["dry"].append(checked(run(snakemake(work, "-n")), "dry run").wall)
            rows["stack"].append(stack_import().wall)
            reset(work)
            cold = checked(run(snakemake(work, "--cores", str(args.cores))), "cold run")
            reset(work, keep_cache=True)
            warm = checked(run(snakemake(work, "--cores", str(args.cores))), "run with the cache kept")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        rows["cold"].append(cold.wall)
        rows["cold_cpu"].append(cold.cpu)
        rows["warm"].append(warm.wall)
        rows["warm_cpu"].append(warm.cpu)
        rows["peak"].append(cold.peak_mb)
        print(f"run {i + 1}: cold {cold.wall:.1f} s ({cold.cpu:.1f} CPU-s), cache kept {warm.wall:.1f} s "
              f"({warm.cpu:.1f} CPU-s); dry run {rows['dry'][-1]:.2f} s (cold {rows['dry_cold'][-1]:.2f} s); "
              f"stack import {rows['stack'][-1]:.2f} s; {load()}", flush=True)
    floor = median(rows["dry"]) + median(rows["stack"])
    print()
    print(f"dry run (cohorts validated):      {fmt(rows['dry'])}; median {median(rows['dry']):.2f} s")
    print(f"dry run, cold (cohorts read):      {fmt(rows['dry_cold'])}; median {median(rows['dry_cold']):.2f} s")
    print(f"interpreter importing the stack:  {fmt(rows['stack'])}; median {median(rows['stack']):.2f} s")
    print(f"floor = dry run + stack import:    {floor:.2f} s")
    print(f"demo DAG cold, --cores {args.cores}:         {fmt(rows['cold'])}; median {median(rows['cold']):.1f} s "
          f"= {median(rows['cold']) / floor:.1f}x the floor; CPU median {median(rows['cold_cpu']):.1f} CPU-s; "
          f"peak memory of the process tree {max(rows['peak']):.0f} MB")
    print(f"demo DAG, cache kept:              {fmt(rows['warm'])}; median {median(rows['warm']):.1f} s "
          f"= {median(rows['warm']) / floor:.1f}x the floor; CPU median {median(rows['warm_cpu']):.1f} CPU-s")
    best_floor = min(rows["dry"]) + min(rows["stack"])
    print(f"least disturbed runs (minima): cold {min(rows['cold']):.1f} s against a floor of {best_floor:.2f} s "
          f"= {min(rows['cold']) / best_floor:.1f}x")
    print(load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
