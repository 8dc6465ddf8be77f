# Checks of the project's models a statistical reviewer asks for (family model_checks): PH tests
# (cox.zph) and scaled Schoenfeld residuals of the Figure 5 Cox models, events per variable,
# separation in the PHT logistic model, Firth sensitivity analysis. Warnings are rows with
# statistic 'warning' and the Flag column of the table.


register(
    "model_checks",
    script="model_checks.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/model_checks.csv",
        table=report(
            "results/{study}/tables/model_checks.csv",
            caption="../report/model_checks.rst",
            category="4. Sensitivity analyses and model checks",
            subcategory="Model checks",
        ),
        table_md="results/{study}/tables/model_checks.md",
        residuals=report(
            "results/{study}/figures/cox_ph_residuals.png",
            caption="../report/cox_ph_residuals.rst",
            category="4. Sensitivity analyses and model checks",
            subcategory="Model checks",
        ),
        residuals_pdf="results/{study}/figures/cox_ph_residuals.pdf",
    ),
)
