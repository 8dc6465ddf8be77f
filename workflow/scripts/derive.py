"""Derive the contract's patient table and the patient x lineage episode table."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import derive_episodes, derive_patients, write_derived  # noqa: E402
from cartcyto.cohort.read import Cohort  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    tables = {name: pd.read_parquet(snakemake.input[name]) for name in
              ("patients", "labs", "crs", "markers", "treatments")}
    cohort = Cohort(**tables, unknown_names={})
    patients = derive_patients(cohort, study)
    episodes = derive_episodes(cohort, study)
    write_derived(patients, snakemake.output.patients)
    write_derived(episodes, snakemake.output.episodes)
    log.info("derived %d patients (%d in the analysis set), %d episodes",
             len(patients), int(patients["in_analysis_set"].sum()), len(episodes))


main(snakemake)  # noqa: F821
