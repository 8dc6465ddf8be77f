# Simulation study of power and parameter recovery (config `simulation:`, e.g.
# config/simulation_wang2021.yaml). Without that section no rule is defined here and the demo's
# `rule all` is unchanged; with it, the Snakefile's `rule simulation` (simulation_targets()) is the
# default target.
# Jobs: one per scenario (cohort size x effect) and block of `replicates_per_job` replicates;
# each generates, derives and fits its replicates (scripts/simulate.py); the gather writes the
# statistics rows, tables and figures (scripts/simulate_gather.py).


include: "simulation_common.smk"


if SIMULATION:

    rule simulation_replicates:
        output:
            sim_path("replicates/{scenario}/{chunk}.csv"),
        log:
            sim_path("logs/replicates/{scenario}/{chunk}.log"),
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
            expand(sim_path("replicates/{scenario}/{chunk}.csv"), scenario=SIM_SCENARIOS, chunk=SIM_CHUNKS),
        output:
            replicates=sim_path("replicates.csv"),
            stats=sim_path("statistics.csv"),
            table=report(
                sim_path("tables/simulation_power.csv"),
                caption="../report/simulation_table.rst",
                category="5. Simulation",
            ),
            table_md=sim_path("tables/simulation_power.md"),
            sizes=report(
                sim_path("tables/simulation_sample_size.csv"),
                caption="../report/simulation_sample_size.rst",
                category="5. Simulation",
            ),
            sizes_md=sim_path("tables/simulation_sample_size.md"),
            power=report(
                sim_path("figures/simulation_power.png"),
                caption="../report/simulation_power.rst",
                category="5. Simulation",
            ),
            power_pdf=sim_path("figures/simulation_power.pdf"),
            coverage=report(
                sim_path("figures/simulation_coverage.png"),
                caption="../report/simulation_coverage.rst",
                category="5. Simulation",
            ),
            coverage_pdf=sim_path("figures/simulation_coverage.pdf"),
        log:
            sim_path("logs/gather.log"),
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

