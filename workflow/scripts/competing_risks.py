"""Competing-risk recovery (sensitivity analysis) and KM medians / log-rank (descriptive) ->
statistics rows, table, two CIF figures."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.analyses import competing_risks as cr  # noqa: E402
from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.figures.reviewer import fig_cumulative_incidence_cr  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    res = cr.competing_risks(patients, study)
    write_stats(res["stats"], snakemake.output.stats)
    group = study["competing_risks"]["group_column"]
    write_table(cr.format_competing(res["stats"]), stem(snakemake.output.table),
                title="Recovery with death before recovery as a competing event "
                      "(sensitivity analysis, not the paper's), and Kaplan-Meier medians with "
                      "the log-rank test (descriptive, not in the paper)",
                note=cr.table_note(res["stats"], group))
    curve, at_risk = res["curve"], res["at_risk"]
    pooled = curve[curve["panel"] == "all"]
    fig_cumulative_incidence_cr(
        pooled.assign(group=pooled["lineage"], lineage="all"),
        at_risk[at_risk["panel"] == "all"].assign(
            group=at_risk.loc[at_risk["panel"] == "all", "lineage"], lineage="all"),
        res["stats"], stem(snakemake.output.by_lineage),
        title="Cumulative incidence of recovery by lineage (death before recovery competing)")
    fig_cumulative_incidence_cr(
        curve[curve["panel"] != "all"], at_risk[at_risk["panel"] != "all"], res["stats"],
        stem(snakemake.output.by_group), gray_analysis=cr.GRAY,
        title=f"Cumulative incidence of recovery by {group} (death before recovery competing)")
    log.info("competing_risks: %d rows", len(res["stats"]))


main(snakemake)  # noqa: F821
