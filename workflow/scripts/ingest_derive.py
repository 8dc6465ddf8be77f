"""The normalised cohort tables (cached by content at parse time) -> Parquet, then derived/patients.csv."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.cohort.cache import entry_is_complete, load_cohort, write_tables  # noqa: E402
from cartcyto.cohort.read import COHORT_TABLES  # noqa: E402
from cartcyto.derive.patients import derive_patients, write_derived  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study, cache_dir, key = snakemake.params.study, snakemake.params.cache_dir, snakemake.params.cohort_key
    cached = cache_dir is not None and key is not None and entry_is_complete(cache_dir, key)
    cohort, parquet = load_cohort(study["cohort"], study, cache_dir)
    log.info("cohort tables: %s", "the validated tables of the cache" if cached else "read and validated")
    write_tables(parquet, {name: snakemake.output[name] for name in COHORT_TABLES})
    for name in COHORT_TABLES:
        log.info("%s: %d rows", name, len(getattr(cohort, name)))
    for note in cohort.notes:  # test names translated, each unit seen and its factor, ANC from %
        log.info("%s", note)
    for where, names in sorted(cohort.unknown_names.items()):
        if names:
            log.warning("%s: names outside the known list, carried but unused: %s", where, ", ".join(names))
    patients = derive_patients(cohort, study)
    write_derived(patients, snakemake.output.derived)
    log.info("derived %d patients (%d in the analysis set)", len(patients), int(patients["in_analysis_set"].sum()))


main(snakemake)  # noqa: F821
