# The study's last job: every family's statistics rows -> statistics.csv; the scorecard (published
# values joined to it), the provenance record and the page of definitions and conventions.


rule summary:
    input:
        stats=stats_parts,
        published=published_csv,
        cohort=cohort_inputs,
    output:
        statistics=report(
            "results/{study}/statistics.csv",
            caption="../report/statistics.rst",
            category="6. All statistics",
        ),
        scorecard=report(
            "results/{study}/scorecard.csv",
            caption="../report/scorecard.rst",
            category="1. Scorecard",
        ),
        provenance="results/{study}/provenance.json",
        definitions=report(
            "results/{study}/definitions.html",
            caption="../report/definitions.rst",
            category="2. Definitions and conventions",
        ),
    log:
        "results/{study}/logs/summary.log",
    params:
        study=study_params,
        repo=workflow.basedir,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/summary.py"
