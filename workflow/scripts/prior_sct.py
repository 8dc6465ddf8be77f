"""Mullanfiroze 2022: persistent grade 3-4 cytopenia by prior SCT (2x2, three tests)."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived, write_derived  # noqa: E402
from cartcyto.analyses.prior_sct import format_prior_sct, prior_sct_patients, prior_sct_stats  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    out = snakemake.output
    derived = read_derived(snakemake.input.patients)
    stats = prior_sct_stats(derived, study)
    write_stats(stats, out.stats)
    write_derived(prior_sct_patients(derived, study), out.per_patient)
    table, note = format_prior_sct(stats)
    write_table(table, Path(out.table).with_suffix(""),
                title="Persistent CTCAE grade 3-4 cytopenia (after day "
                      f"{study['persistent_after_day']}) by prior SCT, evaluable patients",
                note=note)
    log.info("prior_sct: %d statistics rows; %s", len(stats), note)


main(snakemake)  # noqa: F821
