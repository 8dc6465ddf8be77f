"""Concatenate every family's statistics rows into statistics.csv."""
import pandas as pd

from cartcyto.report.rows import stat_frame, write_stats


def main(snakemake):
    parts = [pd.read_csv(p, dtype={"level": str}, keep_default_na=False, na_values=[""])
             for p in snakemake.input]
    df = stat_frame(pd.concat(parts, ignore_index=True)) if parts else stat_frame([])
    write_stats(df, snakemake.output[0])
    with open(snakemake.log[0], "w", encoding="utf-8") as fh:
        fh.write(f"{len(df)} statistics rows from {len(parts)} families\n")


main(snakemake)  # noqa: F821
