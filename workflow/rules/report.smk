# The report's page of definitions and conventions, drawn from each study's resolved config.


rule definitions:
    output:
        report(
            "results/{study}/definitions.html",
            caption="../report/definitions.rst",
            category="2. Definitions and conventions",
        ),
    log:
        "results/{study}/logs/definitions.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/definitions.py"
