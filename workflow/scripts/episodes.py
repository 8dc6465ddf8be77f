"""The patient x lineage episode table, from the normalised cohort tables."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.cohort.read import COHORT_TABLES, Cohort  # noqa: E402
from cartcyto.derive.patients import derive_episodes, write_derived  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    cohort = Cohort(**{name: pd.read_parquet(snakemake.input[name]) for name in COHORT_TABLES}, unknown_names={})
    episodes = derive_episodes(cohort, snakemake.params.study)
    write_derived(episodes, snakemake.output[0])
    log.info("derived %d episodes (patients x lineages)", len(episodes))


main(snakemake)  # noqa: F821
