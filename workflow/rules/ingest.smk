# The study's first job: the validated, normalised cohort tables (from the cache that parse-time
# validation filled; read again only if its entry is missing or damaged) -> cohort/<table>.parquet,
# then derivation -> derived/patients.csv. The patient x lineage table derived/episodes.csv is a job
# of its own, so that asking for derived/patients.csv does not derive it.


rule ingest_derive:
    input:
        cohort_inputs,
    output:
        derived=report(
            "results/{study}/derived/patients.csv",
            caption="../report/derived.rst",
            category="5. Derived data",
        ),
        **{table: f"results/{{study}}/cohort/{table}.parquet" for table in COHORT_TABLES},
    log:
        "results/{study}/logs/ingest_derive.log",
    params:
        study=study_params,
        cache_dir=CACHE_DIR,
        cohort_key=cohort_key,
    threads: 1  # pandas work, one thread
    resources:
        # measured: ~300 MB for a demo cohort, 1.4 GB for 100,000 patients given as 32 MB of
        # Parquet (9.2M lab rows); CSV holds fewer rows per MB
        mem_mb=lambda wildcards: int(400 + 50 * cohort_mb(wildcards)),
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/ingest_derive.py"


rule episodes:
    input:
        **{table: f"results/{{study}}/cohort/{table}.parquet" for table in COHORT_TABLES},
    output:
        "results/{study}/derived/episodes.csv",
    log:
        "results/{study}/logs/episodes.log",
    params:
        study=study_params,
    resources:
        mem_mb=lambda wildcards: int(400 + 50 * cohort_mb(wildcards)),
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/episodes.py"
