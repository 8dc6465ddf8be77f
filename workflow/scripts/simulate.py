"""Simulation: one job's block of replicates (generate, derive, fit) -> its replicate rows (CSV)."""
import os
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.simulation.design import Scenario  # noqa: E402
from cartcyto.simulation.replicate import run_replicates, write_replicates  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    scenario = Scenario(**snakemake.params.scenario)
    start, stop = snakemake.params.chunk
    slurm_job = os.environ.get("SLURM_JOB_ID")
    log.info("scenario %s (n = %d, effect x%g): replicates %d-%d; %s", scenario.name, scenario.n,
             scenario.effect, start, stop - 1, f"Slurm job {slurm_job}" if slurm_job else "not in a Slurm job")
    rows = run_replicates(scenario, start, stop, snakemake.params.seed, snakemake.params.study,
                          progress=log.info)
    write_replicates(rows, snakemake.output[0])
    log.info("fits: %s", ", ".join(f"{k} {v}" for k, v in rows["status"].value_counts().sort_index().items()))


main(snakemake)  # noqa: F821
