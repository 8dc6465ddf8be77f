"""Write the definitions/conventions page of one study."""
from cartcyto.report.definitions import definitions_html


def main(snakemake):
    with open(snakemake.output[0], "w", encoding="utf-8") as fh:
        fh.write(definitions_html(snakemake.params.study))
    with open(snakemake.log[0], "w", encoding="utf-8") as fh:
        fh.write("definitions written\n")


main(snakemake)  # noqa: F821
