# CAR-T cytopenia: from de-identified cohort tables to the tables, figures and scorecard of
# Wang 2021 (Front Oncol) and Mullanfiroze 2022 (Blood Adv). See README.md.
from snakemake.utils import min_version

min_version("8.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/table1.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        all_targets(),
    default_target: True
