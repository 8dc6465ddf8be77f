"""Helpers of the simulation workflow tests: a working folder with a simulation config, and
snakemake runs of the repository's Snakefile in it (locally or through a profile)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = Path(sys.executable).with_name("snakemake")
OUTPUTS = ("replicates.csv", "statistics.csv", "tables/simulation_power.csv", "tables/simulation_power.md",
           "tables/simulation_sample_size.csv", "tables/simulation_sample_size.md",
           "figures/simulation_power.png", "figures/simulation_power.pdf",
           "figures/simulation_coverage.png", "figures/simulation_coverage.pdf")


def sim_workdir(root: Path, **simulation) -> Path:
    """``root`` with config.yaml, the bundled data (the demo studies are validated at parse time)
    and sim.yaml holding ``simulation``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.yaml").write_bytes((REPO / "config.yaml").read_bytes())
    if not (root / "data").exists():
        (root / "data").symlink_to(REPO / "data", target_is_directory=True)
    (root / "sim.yaml").write_text(yaml.safe_dump({"simulation": simulation}, sort_keys=False), encoding="utf-8")
    return root


def snakemake(workdir: Path, *args: str, sim: bool = True, env: dict | None = None,
              timeout: int = 1200) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` (with sim.yaml when ``sim``)."""
    configs = ["config.yaml", "sim.yaml"] if sim else ["config.yaml"]
    cmd = [str(SNAKEMAKE), "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           "--configfile", *configs, *args]
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), full_env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=workdir, env=full_env)


def results(workdir: Path, name: str) -> dict[str, bytes]:
    """The gather's outputs of simulation ``name``, by relative path."""
    base = workdir / "results" / "simulation" / name
    return {rel: (base / rel).read_bytes() for rel in OUTPUTS}
