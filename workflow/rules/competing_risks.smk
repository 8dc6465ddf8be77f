# Recovery with death before recovery as a competing event (family competing_risks): a
# sensitivity analysis beside the Figure 5 Cox models, with the Kaplan-Meier median days to
# recovery and the log-rank test (death censored; descriptive). Needs L_recovery_status in
# derived/patients.csv (1 recovered, 2 died before recovery, 0 censored).


register(
    "competing_risks",
    script="competing_risks.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/competing_risks.csv",
        table=report(
            "results/{study}/tables/competing_risks_recovery.csv",
            caption="../report/competing_risks_table.rst",
            category="4. Sensitivity analyses and model checks",
            subcategory="Competing risks",
        ),
        table_md="results/{study}/tables/competing_risks_recovery.md",
        by_lineage=report(
            "results/{study}/figures/cr_recovery_by_lineage.png",
            caption="../report/competing_risks_by_lineage.rst",
            category="4. Sensitivity analyses and model checks",
            subcategory="Competing risks",
        ),
        by_lineage_pdf="results/{study}/figures/cr_recovery_by_lineage.pdf",
        by_group=report(
            "results/{study}/figures/cr_recovery_by_group.png",
            caption="../report/competing_risks_by_group.rst",
            category="4. Sensitivity analyses and model checks",
            subcategory="Competing risks",
        ),
        by_group_pdf="results/{study}/figures/cr_recovery_by_group.pdf",
    ),
)
