"""Import a study's source (dated export, SDTM, OMOP) into its cohort folder; log what was read how."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.cohort.errors import CohortError  # noqa: E402
from cartcyto.cohort.importers import import_cohort  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    try:
        imported = import_cohort(study["source"], snakemake.output[0], study,
                                 report=lambda notes: [log.info("%s", note) for note in notes])
    except CohortError as err:  # one message, no traceback, nothing left under results/
        log.error("Study '%s': %s", study["name"], err.message())
        sys.exit(1)
    for name, frame in imported.tables.items():
        log.info("%s: %d rows", name, len(frame))


main(snakemake)  # noqa: F821
