"""Mullanfiroze 2022: stem-cell boost Table 1, recovery days and swimmer plot."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived, write_derived  # noqa: E402
from cartcyto.figures.swimmer import write_swimmer  # noqa: E402
from cartcyto.analyses.scb import (format_scb_listing, format_scb_table1, scb_patients,  # noqa: E402
                                   scb_stats)
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    out = snakemake.output
    derived = read_derived(snakemake.input.patients)
    labs = pd.read_parquet(snakemake.input.labs)
    treatments = pd.read_parquet(snakemake.input.treatments)
    crs = pd.read_parquet(snakemake.input.crs)
    table = scb_patients(derived, labs, treatments, crs, study)
    stats = scb_stats(table, derived, study)
    write_stats(stats, out.stats)
    write_derived(table, out.per_patient)
    cfg = study["scb"]
    write_table(format_scb_table1(stats), Path(out.table1).with_suffix(""),
                title=f"Patients who received a CD34+-selected stem-cell boost (n = {len(table)})",
                note="median [range], n; counts as n/N. Months of 30.4375 days. Recovery days counted "
                     "from the SCB, responders only.")
    write_table(format_scb_listing(table), Path(out.recovery).with_suffix(""),
                title="Recovery after the stem-cell boost, per patient (days from the SCB)",
                note=f"ANC: first of {cfg['anc_consecutive']} consecutive measurements > {cfg['anc_above']} "
                     f"x10^9/L with no G-CSF in the {cfg['gcsf_free_window']} days before each. Transfusion "
                     "independence: first day after the last transfusion (not before the SCB) followed by "
                     f">= {cfg['transfusion_free_days']} transfusion-free days of follow-up. n/a = not "
                     "transfusion dependent / not neutropenic around the SCB; follow-up ends at death, "
                     "relapse or last follow-up.")
    write_swimmer(table, derived, treatments, str(Path(out.swimmer).with_suffix("")))
    log.info("scb: %d boosted patients, responses %s; %d statistics rows", len(table),
             table["response"].value_counts().to_dict(), len(stats))


main(snakemake)  # noqa: F821
