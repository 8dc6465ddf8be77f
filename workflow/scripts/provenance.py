"""Provenance: input hashes, resolved config, software versions and git state (no timestamps)."""
from cartcyto.report.provenance import provenance, write_provenance


def main(snakemake):
    inputs = list(snakemake.input.cohort) + list(snakemake.input.published)
    record = provenance(inputs, snakemake.params.study, snakemake.params.repo,
                        output_files=[snakemake.input.statistics])
    write_provenance(record, snakemake.output[0])
    with open(snakemake.log[0], "w", encoding="utf-8") as log:
        log.write(f"{len(inputs)} input files hashed; git {record['git']}\n")


main(snakemake)  # noqa: F821
