# Wang 2021 Supplementary Tables 3-5: univariate factors of new-onset SN, SA and ST among
# at-risk patients (Mann-Whitney U for continuous factors and CRS grade, Pearson chi-square
# for categorical factors).


register(
    "univariate",
    script="univariate.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/univariate.csv",
        sn=report(
            "results/{study}/tables/supp_table3_univariate_sn.csv",
            caption="../report/univariate.rst",
            category="3. Wang 2021",
            subcategory="Supplementary tables",
        ),
        sn_md="results/{study}/tables/supp_table3_univariate_sn.md",
        sa=report(
            "results/{study}/tables/supp_table4_univariate_sa.csv",
            caption="../report/univariate.rst",
            category="3. Wang 2021",
            subcategory="Supplementary tables",
        ),
        sa_md="results/{study}/tables/supp_table4_univariate_sa.md",
        st=report(
            "results/{study}/tables/supp_table5_univariate_st.csv",
            caption="../report/univariate.rst",
            category="3. Wang 2021",
            subcategory="Supplementary tables",
        ),
        st_md="results/{study}/tables/supp_table5_univariate_st.md",
    ),
)
