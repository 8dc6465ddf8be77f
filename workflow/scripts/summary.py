"""A study's summary: statistics.csv (every family's rows), the scorecard, provenance and definitions."""
import pandas as pd

from cartcyto.report.definitions import definitions_html
from cartcyto.report.provenance import provenance, write_provenance
from cartcyto.report.rows import stat_frame, write_stats
from cartcyto.report.scorecard import (build_scorecard, empty_scorecard, read_published, read_statistics,
                                       summarise, validate_published, write_scorecard)


def collect_statistics(parts, path) -> str:
    frames = [pd.read_csv(p, dtype={"level": str}, keep_default_na=False, na_values=[""]) for p in parts]
    df = stat_frame(pd.concat(frames, ignore_index=True)) if frames else stat_frame([])
    write_stats(df, path)
    return f"{len(df)} statistics rows from {len(frames)} families"


def scorecard(published, statistics, path, study_name) -> str:
    if not published:
        write_scorecard(empty_scorecard(), path)
        return f"{study_name}: no published values; empty scorecard written"
    pub = read_published(published[0])
    problems = validate_published(pub)
    if problems:
        raise SystemExit(f"{published[0]} is malformed:\n  " + "\n  ".join(problems))
    card = build_scorecard(pub, read_statistics(statistics))
    write_scorecard(card, path)
    return summarise(card, study_name)


def main(snakemake):
    inp, out, study = snakemake.input, snakemake.output, snakemake.params.study
    lines = [collect_statistics(list(inp.stats), out.statistics),
             scorecard(list(inp.published), out.statistics, out.scorecard, snakemake.wildcards.study)]
    inputs = list(inp.cohort) + list(inp.published)
    record = provenance(inputs, study, snakemake.params.repo, output_files=[out.statistics])
    write_provenance(record, out.provenance)
    lines.append(f"provenance: {len(inputs)} input files hashed; git {record['git']}")
    with open(out.definitions, "w", encoding="utf-8") as fh:
        fh.write(definitions_html(study))
    lines.append("definitions written")
    with open(snakemake.log[0], "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


main(snakemake)  # noqa: F821
