# Wang 2021 Figure 6 and Supplementary Table 8: supportive care after infusion, duration of
# severe cytopenia vs length of stay and costs, outcomes by PHT.


register(
    "supportive",
    script="supportive.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
        treatments="results/{study}/cohort/treatments.parquet",
    ),
    output=dict(
        stats="results/{study}/stats/supportive.csv",
        any_table=report(
            "results/{study}/tables/supportive_any.csv",
            caption="../report/supportive_any.rst",
            category="3. Wang 2021",
            subcategory="Figure 6",
        ),
        any_table_md="results/{study}/tables/supportive_any.md",
        daily_table="results/{study}/tables/fig6ad_supportive_daily.csv",
        daily_table_md="results/{study}/tables/fig6ad_supportive_daily.md",
        cost_table=report(
            "results/{study}/tables/fig6e_cost_correlations.csv",
            caption="../report/supportive_costs.rst",
            category="3. Wang 2021",
            subcategory="Figure 6",
        ),
        cost_table_md="results/{study}/tables/fig6e_cost_correlations.md",
        pht_table=report(
            "results/{study}/tables/supp_table8_pht_outcomes.csv",
            caption="../report/supportive_pht_outcomes.rst",
            category="3. Wang 2021",
            subcategory="Supplementary Table 8",
        ),
        pht_table_md="results/{study}/tables/supp_table8_pht_outcomes.md",
        daily_figure=report(
            "results/{study}/figures/fig6ad_supportive_daily.png",
            caption="../report/supportive_daily.rst",
            category="3. Wang 2021",
            subcategory="Figure 6",
        ),
        daily_figure_pdf="results/{study}/figures/fig6ad_supportive_daily.pdf",
        cost_heatmap=report(
            "results/{study}/figures/fig6e_cost_heatmap.png",
            caption="../report/supportive_costs.rst",
            category="3. Wang 2021",
            subcategory="Figure 6",
        ),
        cost_heatmap_pdf="results/{study}/figures/fig6e_cost_heatmap.pdf",
        cost_scatter=report(
            "results/{study}/figures/fig6fi_cost_scatter.png",
            caption="../report/supportive_cost_scatter.rst",
            category="3. Wang 2021",
            subcategory="Figure 6",
        ),
        cost_scatter_pdf="results/{study}/figures/fig6fi_cost_scatter.pdf",
    ),
)
