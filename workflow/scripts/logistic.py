"""Wang 2021 logistic model of PHT -> statistics rows and table."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses import logistic  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    stats = logistic.logistic_pht(patients, study)
    write_stats(stats, snakemake.output.stats)
    for r in stats.itertuples():
        log.info("logistic pht %s: OR %.3f (%.3f-%.3f) p=%.3g n=%d", r.term, r.estimate,
                 r.ci_low, r.ci_high, r.p_value, r.n)
    method = stats["method"].iloc[0] if len(stats) else ""
    write_table(logistic.format_logistic(stats), Path(snakemake.output.table).with_suffix(""),
                title="Risk factors for prolonged hematological toxicity (PHT): logistic "
                      "regression", note=f"Method: {method}.")


main(snakemake)  # noqa: F821
