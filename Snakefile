# CAR-T cytopenia: from de-identified cohort tables to the tables, figures and scorecard of
# Wang 2021 (Front Oncol) and Mullanfiroze 2022 (Blood Adv). See README.md.
from snakemake.utils import min_version

min_version("9.16.3")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/import.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/table1.smk"
include: "workflow/rules/incidence.smk"
include: "workflow/rules/timing.smk"
include: "workflow/rules/univariate.smk"
include: "workflow/rules/crs.smk"
include: "workflow/rules/spearman.smk"
include: "workflow/rules/models.smk"
include: "workflow/rules/supportive.smk"
include: "workflow/rules/mullanfiroze.smk"
include: "workflow/rules/hematotox.smk"
include: "workflow/rules/model_checks.smk"
include: "workflow/rules/competing_risks.smk"
include: "workflow/rules/analyses.smk"
include: "workflow/rules/summary.smk"
include: "workflow/rules/simulation.smk"


rule all:
    input:
        all_targets(),
        scorecard_targets(),
    default_target: True


# A simulation config (`simulation:` section, e.g. config/simulation_wang2021.yaml) replaces the
# demo as the default target; without one this rule does not exist.
if SIMULATION:

    rule simulation:
        input:
            simulation_targets(),
        default_target: True
