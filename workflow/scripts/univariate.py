"""Wang 2021 Supplementary Tables 3-5: univariate statistics rows and one table per lineage."""
import sys
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses.univariate import multiplicity_note, univariate_results  # noqa: E402
from cartcyto.vocabulary import LINEAGE_SHORT  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import method_note, write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    patients = read_derived(snakemake.input.patients)
    res = univariate_results(patients, study)
    stats, out = res["stats"], snakemake.output
    write_stats(stats, out.stats)
    log.info("univariate: %d statistics rows (convention %s)", len(stats), study["conventions"])
    note = ("Median [range] or n (%) among at-risk patients (not severe before infusion, with "
            "values after infusion). P: {mw} (continuous factors and CRS grade); {chi} "
            "(categorical factors).").format(
        mw=method_note(stats, None, "U").split(";")[0],
        chi=method_note(stats, None, "chi2").split(";")[0])
    for k, (lin, path) in enumerate((("sn", out.sn), ("sa", out.sa), ("st", out.st)), start=3):
        write_table(res["tables"][f"supp_table{k}_univariate_{lin}"], Path(path).with_suffix(""),
                    title=f"Supplementary Table {k}: univariate factors of new-onset {LINEAGE_SHORT[lin]}",
                    note=f"{note} {multiplicity_note(stats, lin)}")
    log.info("univariate: tables written")


main(snakemake)  # noqa: F821
