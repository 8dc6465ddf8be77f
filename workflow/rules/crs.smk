# Wang 2021 Figures 2A-E and 4A-F: CRS vs severe cytopenia (timing, incidence by CRS group,
# blood-count kinetics by CRS group, duration and recovery by CRS group).


register(
    "crs",
    script="crs.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
        labs="results/{study}/cohort/labs.parquet",
    ),
    output=dict(
        stats="results/{study}/stats/crs.csv",
        timing_table=report(
            "results/{study}/tables/fig2a_crs_vs_cytopenia_timing.csv",
            caption="../report/crs_timing.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        timing_table_md="results/{study}/tables/fig2a_crs_vs_cytopenia_timing.md",
        incidence_table=report(
            "results/{study}/tables/fig2b_incidence_by_crs.csv",
            caption="../report/crs_incidence.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        incidence_table_md="results/{study}/tables/fig2b_incidence_by_crs.md",
        kinetics_table=report(
            "results/{study}/tables/fig2cde_kinetics_by_crs.csv",
            caption="../report/crs_kinetics.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        kinetics_table_md="results/{study}/tables/fig2cde_kinetics_by_crs.md",
        kruskal_table=report(
            "results/{study}/tables/fig4af_kruskal_crs_group.csv",
            caption="../report/crs_kruskal.rst",
            category="3. Wang 2021",
            subcategory="Figure 4",
        ),
        kruskal_table_md="results/{study}/tables/fig4af_kruskal_crs_group.md",
        timing_fig=report(
            "results/{study}/figures/fig2a_crs_vs_cytopenia_timing.png",
            caption="../report/crs_timing.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        timing_fig_pdf="results/{study}/figures/fig2a_crs_vs_cytopenia_timing.pdf",
        incidence_fig=report(
            "results/{study}/figures/fig2b_incidence_by_crs.png",
            caption="../report/crs_incidence.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        incidence_fig_pdf="results/{study}/figures/fig2b_incidence_by_crs.pdf",
        kinetics_fig=report(
            "results/{study}/figures/fig2cde_kinetics_by_crs.png",
            caption="../report/crs_kinetics.rst",
            category="3. Wang 2021",
            subcategory="Figure 2",
        ),
        kinetics_fig_pdf="results/{study}/figures/fig2cde_kinetics_by_crs.pdf",
        kruskal_fig=report(
            "results/{study}/figures/fig4af_kruskal_crs_group.png",
            caption="../report/crs_kruskal.rst",
            category="3. Wang 2021",
            subcategory="Figure 4",
        ),
        kruskal_fig_pdf="results/{study}/figures/fig4af_kruskal_crs_group.pdf",
    ),
)
