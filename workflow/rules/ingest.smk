# The study's first job: the validated, normalised cohort tables (from the cache that parse-time
# validation filled; read again only if its entry is missing or damaged) -> cohort/<table>.parquet,
# then derivation -> derived/patients.csv and derived/episodes.csv.


rule ingest_derive:
    input:
        cohort_inputs,
    output:
        derived=report(
            "results/{study}/derived/patients.csv",
            caption="../report/derived.rst",
            category="5. Derived data",
        ),
        episodes="results/{study}/derived/episodes.csv",
        **{table: f"results/{{study}}/cohort/{table}.parquet" for table in COHORT_TABLES},
    log:
        "results/{study}/logs/ingest_derive.log",
    params:
        study=study_params,
        cache_dir=CACHE_DIR,
        cohort_key=cohort_key,
    threads: 1
    resources:
        # measured: ~300 MB for a 100-patient demo cohort, ~2.4 GB for 100,000 patients given as
        # 32 MB of Parquet (9.2M lab rows); CSV holds fewer rows per MB
        mem_mb=lambda wildcards, input: 400 + 65 * input.size_mb,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/ingest_derive.py"
