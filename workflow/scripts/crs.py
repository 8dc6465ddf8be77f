"""Wang 2021 Figures 2A-E and 4A-F: CRS statistics rows, tables and figures."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses.crs import crs_results  # noqa: E402
from cartcyto.figures import crs as fig  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import method_note, write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    labs = pd.read_parquet(snakemake.input.labs)
    res = crs_results(patients, study, labs)
    stats, tables, out = res["stats"], res["tables"], snakemake.output
    write_stats(stats, out.stats)
    log.info("crs: %d statistics rows (convention %s)", len(stats), study["conventions"])

    write_table(tables["fig2a_crs_vs_cytopenia_timing"], stem(out.timing_table),
                title="Figure 2A: CRS vs new-onset severe cytopenia, onset / peak-nadir / recovery day",
                note="Median [range]. P: {}; new-onset cytopenia patients vs patients with CRS, "
                     "treated as independent samples as in the paper.".format(
                         method_note(stats, "crs_vs_cytopenia_timing", "U").split(";")[0]))
    write_table(tables["fig2b_incidence_by_crs"], stem(out.incidence_table),
                title="Figure 2B: cytopenia and severe cytopenia after infusion by CRS group",
                note=f"n (%) of the group's patients with values after infusion. "
                     f"P: {method_note(stats, 'incidence_by_crs', 'chi2')}.")
    write_table(tables["fig2cde_kinetics_by_crs"], stem(out.kinetics_table),
                title="Figure 2C-E: ANC, hemoglobin and platelet count by day and CRS group",
                note=f"Mean ± SEM (n). P: {method_note(stats, 'kinetics_by_crs', 'H')}.")
    write_table(tables["fig4af_kruskal_crs_group"], stem(out.kruskal_table),
                title="Figure 4A-F: duration and recovery day of severe cytopenia by CRS group",
                note="Median [95% CI] (n); CI: distribution-free, binomial order statistics, "
                     "not computed for n < 6. Duration is 0 for patients without severe "
                     "cytopenia after infusion; recovery day among recovered patients. "
                     f"P: {method_note(stats, 'kruskal_crs_group', 'H').split(';')[0]}.")
    fig.fig_crs_vs_cytopenia_timing(res["points"]["timing"], stats, stem(out.timing_fig))
    fig.fig_incidence_by_crs(stats, stem(out.incidence_fig))
    fig.fig_kinetics_by_crs(stats, stem(out.kinetics_fig))
    fig.fig_kruskal_crs_group(res["points"]["kruskal"], stats, stem(out.kruskal_fig))
    log.info("crs: tables and figures written")


main(snakemake)  # noqa: F821
