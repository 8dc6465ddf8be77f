# Simulation study of power and parameter recovery (config `simulation:`, e.g.
# config/simulation_wang2021.yaml). Without that section no rule is defined here and the demo's
# `rule all` is unchanged; with it, the Snakefile's `rule simulation` (simulation_targets()) is the
# default target.
# Jobs: one per scenario (cohort size x effect) and block of `replicates_per_job` replicates;
# each generates, derives and fits its replicates (scripts/simulate.py); the gather writes the
# statistics rows, tables and figures (scripts/simulate_gather.py).
import math

from cartcyto.simulation.design import NAME_PATTERN, chunk_name, chunks, parse_chunk
from cartcyto.simulation.design import scenarios as simulation_scenarios

# Runtime allowance of a job: 2 s per replicate at 76 patients (about 10 x the measured cost,
# benchmarks/simulation.py), linear in the cohort size, plus 5 minutes of start-up.
SIM_SECONDS_PER_REPLICATE_AT_76 = 2.0

SIMULATION = config.get("simulation")

if SIMULATION:
    SIM_DIR = f"results/simulation/{SIMULATION['name']}"
    SIM_SCENARIOS = {s.name: s for s in simulation_scenarios(SIMULATION)}
    SIM_CHUNKS = [chunk_name(a, b) for a, b in chunks(SIMULATION["replicates"], SIMULATION["replicates_per_job"])]
    SIM_STUDY = resolve_study(
        SIMULATION["name"],
        {"cohort": "(generated in memory)", "design": SIMULATION["design"],
         "conventions": SIMULATION["conventions"]},
        CONVENTIONS,
        designs_dir=Path(workflow.basedir) / "workflow" / "designs",
    )

    def simulation_runtime(wildcards):
        start, stop = parse_chunk(wildcards.chunk)
        n = SIM_SCENARIOS[wildcards.scenario].n
        return 5 + math.ceil((stop - start) * SIM_SECONDS_PER_REPLICATE_AT_76 * n / 76 / 60)

    rule simulation_replicates:
        output:
            SIM_DIR + "/replicates/{scenario}/{chunk}.csv",
        log:
            SIM_DIR + "/logs/replicates/{scenario}/{chunk}.log",
        wildcard_constraints:
            scenario=NAME_PATTERN,
            chunk=r"r[0-9]{5}-[0-9]{5}",
        params:
            scenario=lambda wildcards: SIM_SCENARIOS[wildcards.scenario].as_dict(),
            chunk=lambda wildcards: parse_chunk(wildcards.chunk),
            seed=SIMULATION["seed"],
            study=SIM_STUDY,
        threads: 1
        resources:
            runtime=simulation_runtime,
            mem_mb=1000,
        conda:
            "../envs/cartcyto.yaml"
        script:
            "../scripts/simulate.py"

    rule simulation_gather:
        input:
            expand(SIM_DIR + "/replicates/{scenario}/{chunk}.csv", scenario=SIM_SCENARIOS, chunk=SIM_CHUNKS),
        output:
            replicates=SIM_DIR + "/replicates.csv",
            stats=SIM_DIR + "/statistics.csv",
            table=report(
                SIM_DIR + "/tables/simulation_power.csv",
                caption="../report/simulation_table.rst",
                category="5. Simulation",
            ),
            table_md=SIM_DIR + "/tables/simulation_power.md",
            sizes=report(
                SIM_DIR + "/tables/simulation_sample_size.csv",
                caption="../report/simulation_sample_size.rst",
                category="5. Simulation",
            ),
            sizes_md=SIM_DIR + "/tables/simulation_sample_size.md",
            power=report(
                SIM_DIR + "/figures/simulation_power.png",
                caption="../report/simulation_power.rst",
                category="5. Simulation",
            ),
            power_pdf=SIM_DIR + "/figures/simulation_power.pdf",
            coverage=report(
                SIM_DIR + "/figures/simulation_coverage.png",
                caption="../report/simulation_coverage.rst",
                category="5. Simulation",
            ),
            coverage_pdf=SIM_DIR + "/figures/simulation_coverage.pdf",
        log:
            SIM_DIR + "/logs/gather.log",
        params:
            simulation=SIMULATION,
            study=SIM_STUDY,
        threads: 1
        resources:
            runtime=15,
            mem_mb=2000,
        conda:
            "../envs/cartcyto.yaml"
        script:
            "../scripts/simulate_gather.py"


def simulation_targets():
    """The gather's outputs (the Snakefile's `rule simulation`), or [] without a simulation."""
    return list(rules.simulation_gather.output) if SIMULATION else []
