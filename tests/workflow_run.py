"""Running the repository's Snakefile on a copy of the bundled data (end-to-end tests)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
EXPECTED = REPO / "tests" / "expected_scorecard.csv"
STUDIES = ("wang2021", "mullanfiroze2022")


def run_snakemake(workdir: Path, config: str | None = None, *args: str) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile with `workdir` as working directory."""
    cfg = workdir / "config.yaml"
    if config is None:
        shutil.copy(REPO / "config.yaml", cfg)
    else:
        cfg.write_text(config, encoding="utf-8")
    cmd = [str(SNAKEMAKE), *args, "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", str(cfg), "--cores", "2", "--quiet", "progress"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1800)


def bundled_copy(root: Path) -> Path:
    shutil.copytree(REPO / "data", root / "data")
    return root


def clean_run(tmp_path_factory, name: str) -> Path:
    """The bundled studies run from clean in a fresh copy of data/."""
    work = bundled_copy(tmp_path_factory.mktemp(name))
    proc = run_snakemake(work)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return work
