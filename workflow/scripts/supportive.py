"""Wang 2021 Figure 6 and Supplementary Table 8: supportive care, costs, PHT outcomes."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging  # noqa: E402

from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.analyses import supportive as sup  # noqa: E402
from cartcyto.analyses.columns import analysis_set  # noqa: E402
from cartcyto.analyses.spearman import format_matrix, trend_lines  # noqa: E402
from cartcyto.vocabulary import LABELS, LINEAGES  # noqa: E402
from cartcyto.figures.correlation import heatmap, scatter_panels  # noqa: E402
from cartcyto.figures.style import savefig  # noqa: E402
from cartcyto.figures.supportive import daily_bars  # noqa: E402
from cartcyto.report.rows import stat_frame, write_stats  # noqa: E402
from cartcyto.report.tables import write_table  # noqa: E402

DAYS = (0, 30)


def _stem(path):
    return Path(path).with_suffix("")


def main(snakemake):
    log = setup_logging(snakemake)
    convention = snakemake.params.study["conventions"]
    out = snakemake.output
    patients = read_derived(snakemake.input.patients)
    treatments = pd.read_parquet(snakemake.input.treatments)

    any_use = sup.any_use(patients)
    daily = sup.daily_use(treatments, patients, DAYS)
    costs = sup.cost_correlations(patients, convention=convention)
    pht = sup.pht_outcomes(patients, convention=convention)
    stats = stat_frame(pd.concat([any_use, sup.peak_days(daily), costs, pht], ignore_index=True))
    write_stats(stats, out.stats)
    log.info("supportive: %d rows (%d any-use, %d cost correlations, %d PHT outcome rows)",
             len(stats), len(any_use), len(costs), len(pht))

    write_table(sup.format_any_use(any_use), _stem(out.any_table),
                title="Supportive care after CAR-T cell infusion",
                note="Patients of the analysis set treated on any day from the infusion on.")
    write_table(daily, _stem(out.daily_table),
                title=f"Figure 6A-D: patients treated per day (days {DAYS[0]}-{DAYS[1]})",
                note="count = distinct analysis-set patients treated that day; percent of n; "
                     "count_<group> by CRS group (none/mild/severe).")
    method = costs["method"].iloc[0].split(";")[0] if len(costs) else ""
    write_table(format_matrix(costs, LABELS), _stem(out.cost_table),
                title="Figure 6E: duration of severe cytopenia vs length of stay and costs",
                note=f"Spearman r (p; n); patients with a severe episode of the lineage, "
                     f"pairwise complete. Method: {method}.")
    chi = pht.loc[pht["statistic"] == "chi2", "method"]
    chi_method = chi.iloc[0].split(";")[0] if len(chi) else ""
    write_table(sup.format_pht_outcomes(pht), _stem(out.pht_table),
                title="Supplementary Table 8: outcomes by prolonged hematological toxicity (PHT)",
                note=f"n (%) of the analysis set. P: {chi_method}.")

    savefig(daily_bars(daily, sup.TREATMENT_LABELS), _stem(out.daily_figure))
    outcomes = [f"{lin}_duration_days" for lin in LINEAGES]
    savefig(heatmap(costs, outcomes, list(dict.fromkeys(costs["term"])), labels=LABELS,
                    title="Duration of severe cytopenia vs length of stay and costs"),
            _stem(out.cost_heatmap))
    df = analysis_set(patients)
    pairs = [[(f"{lin}_duration_days", term) for lin, term in sup.HIGHLIGHTED_COSTS]]
    labels = {**LABELS, **{f"{lin}_duration_days": f"{lin.upper()} duration (days)"
                           for lin in LINEAGES}}
    savefig(scatter_panels(df, costs, pairs, lines=trend_lines(df, pairs), labels=labels,
                           panel_letters="FGHI"),
            _stem(out.cost_scatter))


main(snakemake)  # noqa: F821
