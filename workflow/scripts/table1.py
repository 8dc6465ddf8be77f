"""Table 1: statistics rows + the formatted table (CSV and Markdown)."""
from pathlib import Path

import pandas as pd

from cartcyto.derive.patients import read_derived
from cartcyto.analyses.table1 import crs_treatment_stats, format_table1, table1_stats
from cartcyto.report.rows import write_stats
from cartcyto.report.tables import write_table


def main(snakemake):
    derived = read_derived(snakemake.input[0])
    stats = table1_stats(derived)
    write_stats(pd.concat([stats, crs_treatment_stats(derived)]), snakemake.output.stats)
    write_table(format_table1(stats), Path(snakemake.output.csv).with_suffix(""))
    with open(snakemake.log[0], "w", encoding="utf-8") as fh:
        fh.write(f"table1: {len(stats)} statistics rows\n")


main(snakemake)  # noqa: F821
