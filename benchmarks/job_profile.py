"""Where the demo DAG's time goes: wall, CPU, start-up and peak memory of every job.

    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/job_profile.py [--cores 2] [--runs 1]

Runs `snakemake --cores N` on a fresh copy of data/ and config.yaml in a temporary folder. A
`sitecustomize` hook (put first on PYTHONPATH for the run only) records, for every Python process
(the snakemake scheduler and each job's script), its wall and CPU seconds, its peak RSS and the
moment it first opened a file under data/, results/ or the cache: the time before that is
interpreter start-up plus imports, the time after it is the job's work. It then prints one row per
job, the totals, and what the imports of the scientific stack cost on their own.
Nothing here is a test: it prints figures.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

HOOK = textwrap.dedent('''
    """Job profiler hook (benchmarks/job_profile.py): one JSON line per Python process at exit."""
    import atexit, json, os, resource, sys, time
    _t0, _first = time.time(), []
    _MARKS = ("/results/", "/data/", ".cartcyto-cache")

    def _audit(event, args):
        if event == "open" and not _first and isinstance(args[0], str):
            path = args[0] if args[0].startswith("/") else "/" + args[0]
            if any(m in path for m in _MARKS):
                _first.append((time.time(), path))
    sys.addaudithook(_audit)

    @atexit.register
    def _record():
        cpu = os.times()
        first = _first[0] if _first else (None, None)
        # CPU and peak RSS include the job's forked workers (waited-for children)
        rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        rec = {"argv": sys.argv[:3], "start": _t0, "wall": time.time() - _t0, "cpu_self": cpu.user + cpu.system,
               "cpu": cpu.user + cpu.system + cpu.children_user + cpu.children_system,
               "startup": None if first[0] is None else first[0] - _t0, "first_file": first[1],
               "rss_mb": rss / 1024}
        with open(os.environ["CARTCYTO_JOB_PROFILE"], "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\\n")
''')


def job_name(rec: dict, workdir: str) -> tuple[str, str]:
    """(script or 'snakemake', study) of a record."""
    argv = rec["argv"]
    first = rec.get("first_file") or ""
    study = ""
    if "/results/" in first:
        study = first.split("/results/", 1)[1].split("/", 1)[0]
    elif "/data/" in first:
        study = "data:" + first.split("/data/", 1)[1].split("/", 1)[0]
    if argv and argv[0].endswith("snakemake"):
        return "snakemake (parse, schedule)", ""
    script = Path(argv[0]).name if argv else "?"
    if script.startswith("tmp") and script.count(".") >= 2:  # .snakemake/scripts/tmpXXXX.<script>.py
        script = script.split(".", 1)[1]
    return script, study


def profile_once(cores: int, keep: Path | None) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="cartcyto-profile-"))
    try:
        shutil.copytree(REPO / "data", work / "data")
        shutil.copy(REPO / "config.yaml", work / "config.yaml")
        hook = work / ".hook"
        hook.mkdir()
        (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
        records = work / "profile.jsonl"
        env = dict(os.environ, CARTCYTO_JOB_PROFILE=str(records),
                   PYTHONPATH=os.pathsep.join([str(hook), os.environ.get("PYTHONPATH", "")]))
        cmd = [str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "--directory", str(work),
               "--cores", str(cores), "--quiet", "all"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"snakemake failed:\n{proc.stderr[-3000:]}")
        rows = [json.loads(line) for line in records.read_text(encoding="utf-8").splitlines()]
        for r in rows:
            r["job"], r["study"] = job_name(r, str(work))
        if keep is not None:
            shutil.copytree(work, keep, dirs_exist_ok=True)
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_jobs(rows: list[dict]) -> None:
    print(f"{'job':34} {'study':18} {'from s':>7} {'wall s':>7} {'CPU s':>7} {'start-up s':>10} {'work s':>7} "
          f"{'RSS MB':>7}")
    jobs = [r for r in rows if not r["job"].startswith("snakemake")]
    t0 = min(r["start"] for r in rows)
    for r in sorted(jobs, key=lambda r: r["start"]):
        startup = r["startup"] if r["startup"] is not None else r["wall"]
        print(f"{r['job']:34} {r['study']:18} {r['start'] - t0:7.2f} {r['wall']:7.2f} {r['cpu']:7.2f} {startup:10.2f} "
              f"{r['wall'] - startup:7.2f} {r['rss_mb']:7.0f}")
    sched = [r for r in rows if r["job"].startswith("snakemake")]
    startup = sum(r["startup"] if r["startup"] is not None else r["wall"] for r in jobs)
    print(f"{len(jobs)} jobs: {sum(r['wall'] for r in jobs):.1f} s wall summed, {sum(r['cpu'] for r in jobs):.1f} "
          f"CPU-s; start-up (interpreter + imports, before the first data file is opened) "
          f"{startup:.1f} s summed, {startup / max(len(jobs), 1):.2f} s per job")
    for r in sched:  # cpu includes every process it waited for; cpu_self is its own
        print(f"snakemake scheduler: {r['wall']:.1f} s wall (the whole run), {r['cpu_self']:.1f} CPU-s of its "
              f"own (parse, DAG, bookkeeping); {r['cpu']:.1f} CPU-s with every job")


def import_costs() -> None:
    """Wall seconds of `python -c <imports>` (median of 3), one line per part of a job's start-up."""
    parts = {
        "interpreter alone": "pass",
        "snakemake script preamble": "from snakemake import script; from snakemake.logging import logger",
        "pandas": "import pandas",
        "pyarrow.parquet": "import pyarrow.parquet",
        "scipy.stats": "import scipy.stats",
        "statsmodels.api": "import statsmodels.api",
        "matplotlib.pyplot": "import matplotlib.pyplot",
        "lifelines": "import lifelines",
        "pandas+scipy+statsmodels+matplotlib": "import pandas, scipy.stats, statsmodels.api, matplotlib.pyplot",
    }
    import time
    print("\nimport costs (python -c, median of 3 runs):")
    for label, code in parts.items():
        times = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            times.append(time.perf_counter() - t)
        print(f"  {label:40} {statistics.median(times):5.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="copy the run's folder (results, profile.jsonl) here")
    ap.add_argument("--no-imports", action="store_true", help="skip the import-cost table")
    args = ap.parse_args(argv)
    print_jobs(profile_once(args.cores, args.keep))
    if not args.no_imports:
        import_costs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
