# Mullanfiroze 2022 (Blood Adv 6(16):4715): persistent CTCAE grade 3-4 cytopenia by prior SCT,
# and recovery after a CD34+-selected stem-cell boost (Table 1, recovery days, swimmer plot).


rule prior_sct:
    input:
        patients="results/{study}/derived/patients.csv",
    output:
        stats="results/{study}/stats/prior_sct.csv",
        per_patient="results/{study}/derived/prior_sct_patients.csv",
        table=report(
            "results/{study}/tables/prior_sct.csv",
            caption="../report/prior_sct.rst",
            category="4. Mullanfiroze 2022",
            subcategory="Prior SCT",
        ),
        table_md="results/{study}/tables/prior_sct.md",
    log:
        "results/{study}/logs/prior_sct.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/prior_sct.py"


rule scb:
    input:
        patients="results/{study}/derived/patients.csv",
        labs="results/{study}/cohort/labs.parquet",
        treatments="results/{study}/cohort/treatments.parquet",
        crs="results/{study}/cohort/crs.parquet",
    output:
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
    log:
        "results/{study}/logs/scb.log",
    params:
        study=study_params,
    conda:
        "../envs/cartcyto.yaml"
    script:
        "../scripts/scb.py"


register(
    "prior_sct",
    lambda s: [
        f"results/{s}/tables/prior_sct.csv",
        f"results/{s}/tables/prior_sct.md",
        f"results/{s}/derived/prior_sct_patients.csv",
    ],
)
register(
    "scb",
    lambda s: [
        f"results/{s}/tables/scb_table1.csv",
        f"results/{s}/tables/scb_table1.md",
        f"results/{s}/tables/scb_recovery.csv",
        f"results/{s}/tables/scb_recovery.md",
        f"results/{s}/figures/scb_swimmer.png",
        f"results/{s}/figures/scb_swimmer.pdf",
        f"results/{s}/derived/scb_patients.csv",
    ],
)
