# Scorecard (published values joined to statistics.csv) and the provenance record of each study.
# The lead includes this file after the analysis families and adds scorecard_targets() to rule all.
rule scorecard:
    input:
        statistics="results/{study}/statistics.csv",
        published=published_csv,
    output:
        report(
            "results/{study}/scorecard.csv",
            caption="../report/scorecard.rst",
            category="1. Scorecard",
        ),
    log:
        "results/{study}/logs/scorecard.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/scorecard.py"


rule provenance:
    input:
        cohort=cohort_inputs,
        published=published_csv,
        statistics="results/{study}/statistics.csv",
    output:
        "results/{study}/provenance.json",
    log:
        "results/{study}/logs/provenance.log",
    params:
        study=study_params,
        repo=workflow.basedir,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/provenance.py"

