"""Read + validate a cohort folder and write its normalised tables as Parquet."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.cohort.read import read_cohort  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    cohort = read_cohort(study["cohort"], study)
    for name in ("patients", "labs", "crs", "markers", "treatments"):
        df = getattr(cohort, name)
        df.to_parquet(snakemake.output[name], index=False)
        log.info("%s: %d rows", name, len(df))
    for note in cohort.notes:  # test names translated, each unit seen and its factor, ANC from %
        log.info("%s", note)
    for where, names in sorted(cohort.unknown_names.items()):
        if names:
            log.warning("%s: names outside the known list, carried but unused: %s", where, ", ".join(names))


main(snakemake)  # noqa: F821
