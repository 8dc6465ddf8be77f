# Wang 2021 Figures 3 and 4G: Spearman correlations of nadir counts and of recovery with CRS
# timing and peak markers.


register(
    "spearman",
    script="spearman.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/spearman.csv",
        nadir_table=report(
            "results/{study}/tables/fig3a_nadir_markers.csv",
            caption="../report/spearman_nadir_table.rst",
            category="3. Wang 2021",
            subcategory="Figure 3",
        ),
        nadir_table_md="results/{study}/tables/fig3a_nadir_markers.md",
        recovery_table=report(
            "results/{study}/tables/fig4g_recovery_correlations.csv",
            caption="../report/spearman_recovery.rst",
            category="3. Wang 2021",
            subcategory="Figure 4",
        ),
        recovery_table_md="results/{study}/tables/fig4g_recovery_correlations.md",
        nadir_heatmap=report(
            "results/{study}/figures/fig3a_nadir_markers_heatmap.png",
            caption="../report/spearman_nadir_heatmap.rst",
            category="3. Wang 2021",
            subcategory="Figure 3",
        ),
        nadir_heatmap_pdf="results/{study}/figures/fig3a_nadir_markers_heatmap.pdf",
        nadir_scatter=report(
            "results/{study}/figures/fig3bj_nadir_markers_scatter.png",
            caption="../report/spearman_nadir_scatter.rst",
            category="3. Wang 2021",
            subcategory="Figure 3",
        ),
        nadir_scatter_pdf="results/{study}/figures/fig3bj_nadir_markers_scatter.pdf",
        recovery_heatmap=report(
            "results/{study}/figures/fig4g_recovery_heatmap.png",
            caption="../report/spearman_recovery.rst",
            category="3. Wang 2021",
            subcategory="Figure 4",
        ),
        recovery_heatmap_pdf="results/{study}/figures/fig4g_recovery_heatmap.pdf",
    ),
)
