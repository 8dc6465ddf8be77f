# Wang 2021 Table 1: characteristics of the analysis set.


rule table1:
    input:
        "results/{study}/derived/patients.csv",
    output:
        stats="results/{study}/stats/table1.csv",
        csv=report(
            "results/{study}/tables/table1.csv",
            caption="../report/table1.rst",
            category="3. Wang 2021",
            subcategory="Table 1",
        ),
        md="results/{study}/tables/table1.md",
    log:
        "results/{study}/logs/table1.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/table1.py"


register(
    "table1",
    lambda s: [
        f"results/{s}/tables/table1.csv",
        f"results/{s}/tables/table1.md",
    ],
)
