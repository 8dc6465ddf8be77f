# One job per study runs all of the study's analysis families (included after every family's .smk
# file). Each family keeps its own outputs, captions and log; the job imports the libraries once
# and runs each family's thin script in turn, on `threads` forked workers
# (workflow/scripts/analyses.py). Asking for one family's file runs the study's whole job.
for _study in STUDIES:
    _names = families(_study)
    if not _names:
        continue

    rule:
        name:
            analyses_rule_name(_study)
        input:
            **family_inputs(_names),
        output:
            **family_outputs(_names),
        log:
            **{name: f"results/{{study}}/logs/{name}.log" for name in _names},
        params:
            study=study_params,
            families=family_plan(_names),
        wildcard_constraints:
            study=re.escape(_study),
        threads: analyses_threads(_names)
        # the longest jobs of the DAG: start the costliest first, the small jobs fill the gaps
        priority: len(drawing_families(_names))
        resources:
            # measured on the demo cohorts: ~250 MB for the parent (libraries imported) plus up to
            # ~450 MB per worker drawing 300-dpi figures
            mem_mb=lambda wildcards, threads: 300 + 500 * threads,
        conda:
            "../envs/cartcyto.yaml"
        script:
            "../scripts/analyses.py"
