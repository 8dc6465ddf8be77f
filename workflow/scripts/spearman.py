"""Wang 2021 Figures 3 and 4G: Spearman correlations -> statistics rows, tables, figures."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses import spearman as sp  # noqa: E402
from cartcyto.vocabulary import LABELS, LINEAGES  # noqa: E402
from cartcyto.figures.correlation import heatmap, scatter_panels  # noqa: E402
from cartcyto.figures.style import savefig  # noqa: E402
from cartcyto.report.rows import stat_frame, write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402

NOTE = "Spearman r (p; n). Analysis set, pairwise complete; {who}. Method: {method}."


def main(snakemake):
    log = setup_logging(snakemake)
    convention = snakemake.params.study["conventions"]
    patients = read_derived(snakemake.input.patients)
    nadir = sp.nadir_markers(patients, convention=convention)
    recovery = sp.recovery(patients, convention=convention)
    write_stats(stat_frame(pd.concat([nadir, recovery], ignore_index=True)),
                snakemake.output.stats)
    log.info("spearman: %d nadir x marker rows, %d recovery rows (convention %s)",
             len(nadir), len(recovery), convention)

    out = snakemake.output
    method = nadir["method"].iloc[0].split(";")[0] if len(nadir) else ""
    write_table(sp.format_matrix(nadir, LABELS), Path(out.nadir_table).with_suffix(""),
                title="Figure 3A: nadir blood counts after infusion vs peak markers",
                note=NOTE.format(who="nadir = lowest value from day 0", method=method))
    write_table(sp.format_matrix(recovery, LABELS), Path(out.recovery_table).with_suffix(""),
                title="Figure 4G: duration and recovery day of severe cytopenia vs CRS and markers",
                note=NOTE.format(who="durations of all patients, 0 without severe cytopenia after "
                                    "infusion (as Figure 4A-C); recovery days of recovered "
                                    "patients", method=method))

    outcomes = [f"{lin}_nadir_value" for lin in LINEAGES]
    terms = list(dict.fromkeys(nadir["term"]))
    savefig(heatmap(nadir, outcomes, terms, labels=LABELS,
                    title="Nadir blood counts vs peak cytokines/markers"),
            Path(out.nadir_heatmap).with_suffix(""))
    pairs = [[(o, t) for t in sp.strongest(nadir, o, 3)] for o in outcomes]
    labels = {**LABELS, "sn_nadir_value": "Nadir ANC (×10⁹/L)",
              "sa_nadir_value": "Nadir Hb (g/L)", "st_nadir_value": "Nadir PLT (×10⁹/L)"}
    analysis = sp.analysis_set(patients)
    savefig(scatter_panels(analysis, nadir, pairs, lines=sp.trend_lines(analysis, pairs),
                           labels=labels, panel_letters="BCDEFGHIJ"),
            Path(out.nadir_scatter).with_suffix(""))
    savefig(heatmap(recovery, sp.recovery_outcomes(), list(dict.fromkeys(recovery["term"])),
                    labels=LABELS,
                    title="Severe cytopenia duration/recovery vs CRS profile and markers"),
            Path(out.recovery_heatmap).with_suffix(""))
    log.info("spearman: tables and figures written")


main(snakemake)  # noqa: F821
