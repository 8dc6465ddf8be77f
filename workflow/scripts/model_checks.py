"""Checks of the cox and logistic models (PH, EPV, separation, Firth sensitivity) -> statistics
rows, the checks table (warnings in its Flag column) and the Schoenfeld residual figure."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.analyses import model_checks  # noqa: E402
from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.figures.reviewer import fig_ph_residuals  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    stats, residuals = model_checks.model_checks(patients, study)
    write_stats(stats, snakemake.output.stats)
    for message in model_checks.warnings_of(stats):
        log.warning("%s", message)
    write_table(model_checks.format_checks(stats), stem(snakemake.output.table),
                title="Model checks: proportional hazards, events per variable, separation",
                note="PH: Grambsch-Therneau score test (R cox.zph); EPV: events (Cox) or the "
                     "less frequent outcome (logistic) per covariate; separation: linear program "
                     "(Konis 2007). Firth rows are a sensitivity analysis beside the paper's "
                     "logistic model, not a replacement. Flag = a failed check.")
    fig_ph_residuals(residuals, stats, stem(snakemake.output.residuals))
    log.info("model_checks: %d rows, %d warnings", len(stats), len(model_checks.warnings_of(stats)))


main(snakemake)  # noqa: F821
