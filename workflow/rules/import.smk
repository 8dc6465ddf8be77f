# Studies with a `source:` (dated export, CDISC SDTM, OMOP CDM): the first job turns the source into
# the study's cohort folder, results/<study>/cohort_source, which `ingest` then reads like any cohort.
# Calendar dates and source identifiers stay inside this job: neither the folder nor the log holds any.


rule import_cohort:
    input:
        source_files,  # the export's files or the DuckDB file (none for a database URL)
    output:
        directory("results/{study}/cohort_source"),
    log:
        "results/{study}/logs/import.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/import_cohort.py"
