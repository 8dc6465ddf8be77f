"""Scorecard: join the study's published values to statistics.csv and judge each item."""
from cartcyto.report.scorecard import (build_scorecard, empty_scorecard, read_published, read_statistics,
                                summarise, validate_published, write_scorecard)


def main(snakemake):
    published = list(snakemake.input.published)
    with open(snakemake.log[0], "w", encoding="utf-8") as log:
        if not published:
            write_scorecard(empty_scorecard(), snakemake.output[0])
            log.write(f"{snakemake.wildcards.study}: no published values; empty scorecard written\n")
            return
        pub = read_published(published[0])
        problems = validate_published(pub)
        if problems:
            raise SystemExit(f"{published[0]} is malformed:\n  " + "\n  ".join(problems))
        scorecard = build_scorecard(pub, read_statistics(snakemake.input.statistics))
        write_scorecard(scorecard, snakemake.output[0])
        log.write(summarise(scorecard, snakemake.wildcards.study) + "\n")


main(snakemake)  # noqa: F821
