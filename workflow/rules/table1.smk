# Wang 2021 Table 1: characteristics of the analysis set.


register(
    "table1",
    script="table1.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/table1.csv",
        csv=report(
            "results/{study}/tables/table1.csv",
            caption="../report/table1.rst",
            category="3. Wang 2021",
            subcategory="Table 1",
        ),
        md="results/{study}/tables/table1.md",
    ),
)
