"""Wang 2021 Figure 1B-D and Supplementary Figure 1A-E: incidence statistics rows, tables and
figures."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses.incidence import incidence_results  # noqa: E402
from cartcyto.figures import incidence as fig  # noqa: E402
from cartcyto.figures.incidence_daily import fig_daily_incidence  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import method_note, write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    labs = pd.read_parquet(snakemake.input.labs)
    res = incidence_results(patients, study, labs)
    stats, out = res["stats"], snakemake.output
    write_stats(stats, out.stats)
    log.info("incidence: %d statistics rows (convention %s)", len(stats), study["conventions"])

    write_table(res["tables"]["fig1b_incidence_phase"], stem(out.phase_table),
                title="Figure 1B: severe cytopenia before lymphodepletion (T1), between chemotherapy "
                      "and infusion (T2) and after infusion (T3)",
                note=f"n (%) of the analysis set. P (Pearson, the paper's test): "
                     f"{method_note(stats, 'incidence_phase_test', 'chi2')}. P (McNemar exact, "
                     f"the paired test): {method_note(stats, 'incidence_phase_test', 'mcnemar_exact')}.")
    write_table(res["tables"]["fig1b_incidence_phase_tests"], stem(out.tests_table),
                title="Figure 1B: every phase comparison, the paper's unpaired Pearson chi-square "
                      "and the paired McNemar tests",
                note="Each row's exact method is its statistics.csv row (analysis "
                     "incidence_phase_test; statistics chi2, mcnemar_exact, mcnemar_chi2, "
                     "mcnemar_chi2_cc). 'Conclusion differs': the paired test is significant at "
                     "0.05 where the paper's test is not, or the reverse.")
    write_table(res["tables"]["fig1c_new_onset"], stem(out.onset_table),
                title="Figure 1C: severe cytopenia with onset before vs after CAR-T cell infusion",
                note="New onset: not severe in T1/T2 and severe in T3, among at-risk patients "
                     "(not severe in T1/T2, with T3 values).")
    write_table(res["tables"]["fig1d_cumulative_incidence"], stem(out.curve_table),
                title="Figure 1D: cumulative incidence of new-onset severe cytopenia and CRS",
                note="; ".join(f"{o}: {m}" for o, m in
                               res["curve"].groupby("outcome", sort=False)["method"].first().items()))
    fig.fig_incidence_phase(stats, stem(out.phase_fig))
    fig.fig_new_onset(stats, stem(out.onset_fig))
    fig.fig_cumulative_incidence(res["curve"], stats, stem(out.curve_fig))
    write_table(res["tables"]["supp_fig1_daily_incidence"], stem(out.daily_table),
                title="Supplementary Figure 1A-E: daily incidence of cytopenia after infusion",
                note="count/n (%): patients below the threshold among those with a value of the "
                     "test on the day (the value nearest the day within +/-1 day, ties to the "
                     "earlier day; a day's value is its lowest). A: severe, analysis set; B: severe "
                     "among each "
                     "lineage's at-risk patients (new onset); C-E: any grade. Thresholds: "
                     f"{study['criteria']['label']}; each column's exact definition is the method "
                     "of its incidence_daily rows. Last row: first day with the highest percent.")
    fig_daily_incidence(stats, stem(out.daily_fig), criteria_label=study["criteria"]["label"])
    log.info("incidence: tables and figures written")


main(snakemake)  # noqa: F821
