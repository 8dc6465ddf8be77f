# Simulation study (config `simulation:`): the design's scenarios and job blocks, paths and
# resources, shared by the rules of simulation.smk and the Snakefile's `rule simulation`.
import math

from cartcyto.simulation.design import NAME_PATTERN, chunk_name, chunks, parse_chunk
from cartcyto.simulation.design import scenarios as simulation_scenarios

# Runtime allowance of a job: 2 s per replicate at 76 patients (about 10 x the measured cost,
# benchmarks/simulation.py), linear in the cohort size, plus 5 minutes of start-up.
SIM_SECONDS_PER_REPLICATE_AT_76 = 2.0

SIMULATION = config.get("simulation")
SIM_DIR = f"results/simulation/{SIMULATION['name']}" if SIMULATION else None
SIM_SCENARIOS = {s.name: s for s in simulation_scenarios(SIMULATION)} if SIMULATION else {}
SIM_CHUNKS = ([chunk_name(a, b) for a, b in chunks(SIMULATION["replicates"], SIMULATION["replicates_per_job"])]
              if SIMULATION else [])
SIM_STUDY = (
    resolve_study(
        SIMULATION["name"],
        {"cohort": "(generated in memory)", "design": SIMULATION["design"],
         "conventions": SIMULATION["conventions"]},
        config["conventions"],
        designs_dir=Path(workflow.basedir) / "workflow" / "designs",
    )
    if SIMULATION
    else None
)


def sim_path(relative):
    """A path under results/simulation/<name>/."""
    return f"{SIM_DIR}/{relative}"


def simulation_runtime(wildcards):
    """Minutes a block of replicates may take (see SIM_SECONDS_PER_REPLICATE_AT_76)."""
    start, stop = parse_chunk(wildcards.chunk)
    n = SIM_SCENARIOS[wildcards.scenario].n
    return 5 + math.ceil((stop - start) * SIM_SECONDS_PER_REPLICATE_AT_76 * n / 76 / 60)


def simulation_targets():
    """The gather's outputs (the Snakefile's `rule simulation`), or [] without a simulation."""
    return list(rules.simulation_gather.output) if SIMULATION else []
