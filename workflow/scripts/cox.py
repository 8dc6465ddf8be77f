"""Wang 2021 Figure 5: multivariable Cox models of recovery -> statistics, table, forest plot."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses import cox  # noqa: E402
from cartcyto.vocabulary import LABELS, LINEAGE_LABEL  # noqa: E402
from cartcyto.figures.forest import forest  # noqa: E402
from cartcyto.figures.style import savefig  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    stats = cox.cox_recovery(patients, study)
    write_stats(stats, snakemake.output.stats)
    final = stats[stats["analysis"] == cox.ANALYSIS]
    for r in final.itertuples():
        log.info("cox %s %s: HR %.3f (%.3f-%.3f) p=%.3g n=%d", r.outcome, r.term, r.estimate,
                 r.ci_low, r.ci_high, r.p_value, r.n)
    opts = cox.cox_options(study)
    methods = "; ".join(dict.fromkeys(m.split(";")[0] for m in final["method"]))
    write_table(cox.format_cox(stats), Path(snakemake.output.table).with_suffix(""),
                title="Figure 5: multivariable Cox analysis of recovery from new-onset severe "
                      "cytopenia",
                note=f"{methods}. Time = duration of the episode (onset to recovery or "
                     f"censoring), event = recovery; new-onset patients of the analysis set, "
                     f"complete cases. HR < 1 = slower recovery."
                     + (" Covariates selected by backward LR." if opts["stepwise"] else ""))
    groups = [(f"{lin}_duration_days", f"Recovery of {LINEAGE_LABEL[lin].lower()}", lin)
              for lin in ("sn", "sa", "st")]
    savefig(forest(final, groups, labels=LABELS,
                   title="Multivariable Cox analysis: recovery from severe cytopenia"),
            Path(snakemake.output.forest).with_suffix(""))


main(snakemake)  # noqa: F821
