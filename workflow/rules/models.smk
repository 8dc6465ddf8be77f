# Wang 2021 multivariable models: Cox models of recovery from new-onset severe cytopenia
# (Figure 5) and the logistic model of prolonged hematological toxicity (PHT).


register(
    "cox",
    script="cox.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
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
    ),
)


register(
    "logistic",
    script="logistic.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/logistic.csv",
        table=report(
            "results/{study}/tables/logistic_pht.csv",
            caption="../report/logistic_pht.rst",
            category="3. Wang 2021",
            subcategory="PHT",
        ),
        table_md="results/{study}/tables/logistic_pht.md",
    ),
)
