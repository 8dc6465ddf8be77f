# Wang 2021 Figure 1B-D: incidence of severe cytopenia by phase (the paper's Pearson tests and the
# paired McNemar tests), new onset after infusion, cumulative incidence of new-onset SN/SA/ST
# and CRS, and Supplementary Figure 1A-E (daily incidence curves).


register(
    "incidence",
    script="incidence.py",
    input=dict(
        patients="results/{study}/derived/patients.csv",
        labs="results/{study}/cohort/labs.parquet",
    ),
    output=dict(
        stats="results/{study}/stats/incidence.csv",
        phase_table=report(
            "results/{study}/tables/fig1b_incidence_phase.csv",
            caption="../report/incidence_phase.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        phase_table_md="results/{study}/tables/fig1b_incidence_phase.md",
        tests_table=report(
            "results/{study}/tables/fig1b_incidence_phase_tests.csv",
            caption="../report/incidence_phase_tests.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        tests_table_md="results/{study}/tables/fig1b_incidence_phase_tests.md",
        onset_table=report(
            "results/{study}/tables/fig1c_new_onset.csv",
            caption="../report/incidence_new_onset.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        onset_table_md="results/{study}/tables/fig1c_new_onset.md",
        curve_table=report(
            "results/{study}/tables/fig1d_cumulative_incidence.csv",
            caption="../report/cumulative_incidence.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        curve_table_md="results/{study}/tables/fig1d_cumulative_incidence.md",
        phase_fig=report(
            "results/{study}/figures/fig1b_incidence_phase.png",
            caption="../report/incidence_phase.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        phase_fig_pdf="results/{study}/figures/fig1b_incidence_phase.pdf",
        onset_fig=report(
            "results/{study}/figures/fig1c_new_onset.png",
            caption="../report/incidence_new_onset.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        onset_fig_pdf="results/{study}/figures/fig1c_new_onset.pdf",
        curve_fig=report(
            "results/{study}/figures/fig1d_cumulative_incidence.png",
            caption="../report/cumulative_incidence.rst",
            category="3. Wang 2021",
            subcategory="Figure 1",
        ),
        curve_fig_pdf="results/{study}/figures/fig1d_cumulative_incidence.pdf",
        daily_table=report(
            "results/{study}/tables/supp_fig1_daily_incidence.csv",
            caption="../report/incidence_daily.rst",
            category="3. Wang 2021",
            subcategory="Supplementary figures",
        ),
        daily_table_md="results/{study}/tables/supp_fig1_daily_incidence.md",
        daily_fig=report(
            "results/{study}/figures/supp_fig1_daily_incidence.png",
            caption="../report/incidence_daily.rst",
            category="3. Wang 2021",
            subcategory="Supplementary figures",
        ),
        daily_fig_pdf="results/{study}/figures/supp_fig1_daily_incidence.pdf",
    ),
)
