# Wang 2021 multivariable models: Cox models of recovery from new-onset severe cytopenia
# (Figure 5) and the logistic model of prolonged hematological toxicity (PHT).


rule cox:
    input:
        patients="results/{study}/derived/patients.csv",
    output:
        stats="results/{study}/stats/cox.csv",
        table=report(
            "results/{study}/tables/fig5_cox_recovery.csv",
            caption="../report/cox_table.rst",
            category="3. Wang 2021",
            subcategory="Figure 5",
        ),
        table_md="results/{study}/tables/fig5_cox_recovery.md",
        forest=report(
            "results/{study}/figures/fig5_cox_forest.png",
            caption="../report/cox_forest.rst",
            category="3. Wang 2021",
            subcategory="Figure 5",
        ),
        forest_pdf="results/{study}/figures/fig5_cox_forest.pdf",
    log:
        "results/{study}/logs/cox.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/cox.py"


rule logistic:
    input:
        patients="results/{study}/derived/patients.csv",
    output:
        stats="results/{study}/stats/logistic.csv",
        table=report(
            "results/{study}/tables/logistic_pht.csv",
            caption="../report/logistic_pht.rst",
            category="3. Wang 2021",
            subcategory="PHT",
        ),
        table_md="results/{study}/tables/logistic_pht.md",
    log:
        "results/{study}/logs/logistic.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/logistic.py"


register(
    "cox",
    lambda s: [
        f"results/{s}/tables/fig5_cox_recovery.csv",
        f"results/{s}/tables/fig5_cox_recovery.md",
        f"results/{s}/figures/fig5_cox_forest.png",
        f"results/{s}/figures/fig5_cox_forest.pdf",
    ],
)
register(
    "logistic",
    lambda s: [
        f"results/{s}/tables/logistic_pht.csv",
        f"results/{s}/tables/logistic_pht.md",
    ],
)
