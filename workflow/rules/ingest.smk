# Ingestion and derivation: cohort folder -> normalised tables -> derived/patients.csv,
# then every family's stats/<family>.csv -> statistics.csv.


rule ingest:
    input:
        cohort_inputs,
    output:
        patients="results/{study}/cohort/patients.parquet",
        labs="results/{study}/cohort/labs.parquet",
        crs="results/{study}/cohort/crs.parquet",
        markers="results/{study}/cohort/markers.parquet",
        treatments="results/{study}/cohort/treatments.parquet",
    log:
        "results/{study}/logs/ingest.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/ingest.py"


rule derive:
    input:
        patients="results/{study}/cohort/patients.parquet",
        labs="results/{study}/cohort/labs.parquet",
        crs="results/{study}/cohort/crs.parquet",
        markers="results/{study}/cohort/markers.parquet",
        treatments="results/{study}/cohort/treatments.parquet",
    output:
        patients=report(
            "results/{study}/derived/patients.csv",
            caption="../report/derived.rst",
            category="5. Derived data",
        ),
        episodes="results/{study}/derived/episodes.csv",
    log:
        "results/{study}/logs/derive.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/derive.py"


rule collect_statistics:
    input:
        stats_parts,
    output:
        report(
            "results/{study}/statistics.csv",
            caption="../report/statistics.rst",
            category="6. All statistics",
        ),
    log:
        "results/{study}/logs/collect_statistics.log",
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/collect_statistics.py"
