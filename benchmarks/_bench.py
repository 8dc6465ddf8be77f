"""Shared by the benchmarks: run a command and measure it (wall, CPU, peak memory), fresh folders.

Nothing here asserts anything: the benchmarks print what they measure.
"""
from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil  # a dependency of snakemake

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
STACK = "import pandas, scipy.stats, statsmodels.api, matplotlib.pyplot"


@dataclass
class Run:
    wall: float        # seconds
    cpu: float         # CPU-seconds of the command and every process it waited for
    peak_mb: float     # highest sum of the RSS of the command's process tree (sampled every 20 ms)
    peak_one_mb: float  # highest RSS of any single process of the tree (ru_maxrss)
    returncode: int
    stderr: str


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> Run:
    """Run ``cmd`` and measure it; the tree's memory is sampled from a thread while it runs."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = [0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
                total = 0
                for p in procs:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
                peak[0] = max(peak[0], total / 2**20)
            except psutil.Error:
                pass
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, peak[0], after.ru_maxrss / 1024, proc.returncode, stderr)


def checked(result: Run, what: str) -> Run:
    if result.returncode != 0:
        raise SystemExit(f"{what} failed:\n{result.stderr[-3000:]}")
    return result


def workdir(prefix: str) -> Path:
    """A fresh folder holding a copy of data/ and config.yaml (no results, no cache, no .snakemake)."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    shutil.copytree(REPO / "data", work / "data")
    shutil.copy(REPO / "config.yaml", work / "config.yaml")
    return work


def snakemake(work: Path, *args: str) -> list[str]:
    return [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(work), "--quiet", "all", *args]


def reset(work: Path, keep_cache: bool = False) -> None:
    """Remove results, snakemake's metadata and (unless ``keep_cache``) the validated-cohort cache."""
    for name in ("results", ".snakemake", *([] if keep_cache else [".cartcyto-cache"])):
        shutil.rmtree(work / name, ignore_errors=True)


def median(values) -> float:
    return statistics.median(values)


def stack_import() -> Run:
    """One interpreter importing the scientific stack."""
    return checked(run([sys.executable, "-c", STACK]), "importing the stack")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def fmt(values, unit="s") -> str:
    """The values, then their minimum (the least disturbed run on a shared machine)."""
    return ", ".join(f"{v:.1f}" for v in values) + f" {unit} (min {min(values):.1f})"
