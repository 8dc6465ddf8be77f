# Hematotoxicity as the field grades it since 2023: ICAHT / T-ICAHT grades (EHA/EBMT, Rejeski
# 2023/2025), the CAR-HEMATOTOX score and the neutrophil recovery phenotypes (Rejeski 2021).
# Any design switches it on by listing `hematotox` under `analyses` (definitions: its hematotox block).


register(
    "hematotox",
    script="hematotox.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
        labs="results/{study}/cohort/labs.parquet",
    ),
    output=dict(
        stats="results/{study}/stats/hematotox.csv",
        grades_table=report(
            "results/{study}/tables/hematotox_grades.csv",
            caption="../report/hematotox_grades.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="ICAHT and T-ICAHT",
        ),
        grades_table_md="results/{study}/tables/hematotox_grades.md",
        risk_table=report(
            "results/{study}/tables/hematotox_risk.csv",
            caption="../report/hematotox_risk.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="CAR-HEMATOTOX",
        ),
        risk_table_md="results/{study}/tables/hematotox_risk.md",
        phenotype_table=report(
            "results/{study}/tables/hematotox_phenotypes.csv",
            caption="../report/hematotox_phenotypes.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="Recovery phenotypes",
        ),
        phenotype_table_md="results/{study}/tables/hematotox_phenotypes.md",
        anc_table="results/{study}/tables/hematotox_anc_by_phenotype.csv",
        anc_table_md="results/{study}/tables/hematotox_anc_by_phenotype.md",
        bars=report(
            "results/{study}/figures/hematotox_icaht_by_risk.png",
            caption="../report/hematotox_icaht_by_risk.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="CAR-HEMATOTOX",
        ),
        bars_pdf="results/{study}/figures/hematotox_icaht_by_risk.pdf",
        lines=report(
            "results/{study}/figures/hematotox_anc_by_phenotype.png",
            caption="../report/hematotox_anc_by_phenotype.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="Recovery phenotypes",
        ),
        lines_pdf="results/{study}/figures/hematotox_anc_by_phenotype.pdf",
        strip=report(
            "results/{study}/figures/hematotox_anc_strip.png",
            caption="../report/hematotox_anc_strip.rst",
            category="7. Hematotoxicity (ICAHT, CAR-HEMATOTOX)",
            subcategory="ICAHT and T-ICAHT",
        ),
        strip_pdf="results/{study}/figures/hematotox_anc_strip.pdf",
    ),
)
