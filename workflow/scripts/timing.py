"""Wang 2021 Supplementary Tables 1-2 and Figure 2: timing statistics rows, tables, figure."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses.timing import timing_results  # noqa: E402
from cartcyto.figures.incidence import fig_timing_baseline_vs_new  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import method_note, write_table  # noqa: E402

NOTE = ("Median [range] of days from infusion (duration in days); n = patients with a value. "
        "Recovery day only for recovered episodes; duration of an unrecovered episode runs to "
        "its censoring day.")
EPISODE_NOTE = ("Episodes (derived columns <L>_episode_start_day, <L>_episode_duration_days): "
                "the episode holding the first severe day after infusion; its start is negative "
                "when it began before the infusion, and an episode that recovered before the "
                "infusion is not merged with it. A baseline-severe patient never severe after "
                "the infusion has no episode here.")


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    res = timing_results(patients, study)
    stats, tables, out = res["stats"], res["tables"], snakemake.output
    write_stats(stats, out.stats)
    log.info("timing: %d statistics rows (convention %s)", len(stats), study["conventions"])
    write_table(tables["supp_table1_timing_all"], stem(out.all_table),
                title="Supplementary Table 1: temporal characteristics of severe cytopenia "
                      "(baseline + new onset)", note=f"{NOTE} {EPISODE_NOTE}")
    write_table(tables["supp_table2_timing_new_onset"], stem(out.new_table),
                title="Supplementary Table 2: temporal characteristics of new-onset severe cytopenia",
                note=NOTE)
    write_table(tables["supp_fig2_timing_baseline_vs_new"], stem(out.vs_table),
                title="Supplementary Figure 2: baseline-severe vs new-onset severe cytopenia",
                note=f"{NOTE} {EPISODE_NOTE} P: {method_note(stats, 'timing_baseline_vs_new')}.")
    fig_timing_baseline_vs_new(res["points"], stats, stem(out.vs_fig))
    log.info("timing: tables and figure written")


main(snakemake)  # noqa: F821
