# Mullanfiroze 2022 (Blood Adv 6(16):4715): persistent CTCAE grade 3-4 cytopenia by prior SCT,
# and recovery after a CD34+-selected stem-cell boost (Table 1, recovery days, swimmer plot).


register(
    "prior_sct",
    script="prior_sct.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/prior_sct.csv",
        per_patient="results/{study}/derived/prior_sct_patients.csv",
        table=report(
            "results/{study}/tables/prior_sct.csv",
            caption="../report/prior_sct.rst",
            category="4. Mullanfiroze 2022",
            subcategory="Prior SCT",
        ),
        table_md="results/{study}/tables/prior_sct.md",
    ),
)


register(
    "scb",
    script="scb.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
        labs="results/{study}/cohort/labs.parquet",
        treatments="results/{study}/cohort/treatments.parquet",
        crs="results/{study}/cohort/crs.parquet",
    ),
    output=dict(
        stats="results/{study}/stats/scb.csv",
        per_patient="results/{study}/derived/scb_patients.csv",
        table1=report(
            "results/{study}/tables/scb_table1.csv",
            caption="../report/scb_table1.rst",
            category="4. Mullanfiroze 2022",
            subcategory="Stem-cell boost",
        ),
        table1_md="results/{study}/tables/scb_table1.md",
        recovery=report(
            "results/{study}/tables/scb_recovery.csv",
            caption="../report/scb_recovery.rst",
            category="4. Mullanfiroze 2022",
            subcategory="Stem-cell boost",
        ),
        recovery_md="results/{study}/tables/scb_recovery.md",
        swimmer=report(
            "results/{study}/figures/scb_swimmer.png",
            caption="../report/scb_swimmer.rst",
            category="4. Mullanfiroze 2022",
            subcategory="Stem-cell boost",
        ),
        swimmer_pdf="results/{study}/figures/scb_swimmer.pdf",
    ),
)
