# Wang 2021 Supplementary Tables 1-2 and Supplementary Figure 2: onset, nadir, recovery and
# duration of severe cytopenia (all episodes, new onset, baseline vs new onset).


register(
    "timing",
    script="timing.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
    ),
    output=dict(
        stats="results/{study}/stats/timing.csv",
        all_table=report(
            "results/{study}/tables/supp_table1_timing_all.csv",
            caption="../report/timing_all.rst",
            category="3. Wang 2021",
            subcategory="Supplementary tables",
        ),
        all_table_md="results/{study}/tables/supp_table1_timing_all.md",
        new_table=report(
            "results/{study}/tables/supp_table2_timing_new_onset.csv",
            caption="../report/timing_new_onset.rst",
            category="3. Wang 2021",
            subcategory="Supplementary tables",
        ),
        new_table_md="results/{study}/tables/supp_table2_timing_new_onset.md",
        vs_table=report(
            "results/{study}/tables/supp_fig2_timing_baseline_vs_new.csv",
            caption="../report/timing_baseline_vs_new.rst",
            category="3. Wang 2021",
            subcategory="Supplementary figures",
        ),
        vs_table_md="results/{study}/tables/supp_fig2_timing_baseline_vs_new.md",
        vs_fig=report(
            "results/{study}/figures/supp_fig2_timing_baseline_vs_new.png",
            caption="../report/timing_baseline_vs_new.rst",
            category="3. Wang 2021",
            subcategory="Supplementary figures",
        ),
        vs_fig_pdf="results/{study}/figures/supp_fig2_timing_baseline_vs_new.pdf",
    ),
)
