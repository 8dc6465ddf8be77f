"""Family hematotox: ICAHT / T-ICAHT grades, CAR-HEMATOTOX risk and neutrophil recovery phenotypes."""
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import setup_logging, stem  # noqa: E402

from cartcyto.analyses import hematotox as hx  # noqa: E402
from cartcyto.analyses.hematotox_daily import anc_by_phenotype, anc_strip  # noqa: E402
from cartcyto.derive.patients import read_derived  # noqa: E402
from cartcyto.figures.hematotox import anc_heat_strip, anc_phenotype_lines, grade_by_risk_bars  # noqa: E402
from cartcyto.figures.style import savefig  # noqa: E402
from cartcyto.report.rows import write_stats  # noqa: E402
from cartcyto.report.tables import method_note, write_table  # noqa: E402


def main(snakemake):
    log = setup_logging(snakemake)
    study = snakemake.params.study
    cfg = study["hematotox"]
    out = snakemake.output
    patients = read_derived(snakemake.input.patients)
    labs = pd.read_parquet(snakemake.input.labs)

    stats = hx.hematotox_statistics(patients, cfg, convention=study["conventions"])
    write_stats(stats, out.stats)
    log.info("hematotox: %d statistics rows", len(stats))

    write_table(hx.format_grades(stats), stem(out.grades_table),
                title="ICAHT and T-ICAHT grades (EHA/EBMT; Rejeski 2023, 2025)",
                note="n (%) of the graded analysis-set patients; not gradable: % of the analysis set "
                     "(reasons in derived/patients.csv, *_not_gradable). Definitions: definitions.html.")
    write_table(hx.format_risk(stats), stem(out.risk_table),
                title="CAR-HEMATOTOX risk vs severe early ICAHT",
                note=f"Severe: early ICAHT grade >= {cfg['severe_icaht_at_least']}. "
                     f"{method_note(stats, 'hematotox_severe_icaht', 'odds_ratio')}. "
                     f"AUC: {method_note(stats, 'hematotox_roc')}. "
                     f"Days: {method_note(stats, 'hematotox_days_anc', 'U')}.")
    write_table(hx.format_phenotypes(stats), stem(out.phenotype_table),
                title="Neutrophil recovery phenotypes (Rejeski 2021)",
                note="n (%) of the classified analysis-set patients; not classified: % of the analysis set.")
    daily = anc_by_phenotype(labs, patients, cfg)
    write_table(daily, stem(out.anc_table), title="Daily ANC (x10^9/L) by recovery phenotype",
                note=f"Daily value after the gap policy ({cfg['gap_policy']}, gaps <= {cfg['max_gap_days']} days); "
                     "median, q1, q3 (R type 7) over the patients with a value that day (n).")

    savefig(grade_by_risk_bars(stats), stem(out.bars))
    ph = cfg["phenotype"]
    cuts = sorted({ph["aplastic_below"], ph["recovery_above"], ph["dip_below"]})
    savefig(anc_phenotype_lines(daily, thresholds=cuts), stem(out.lines))
    savefig(anc_heat_strip(anc_strip(labs, patients, cfg)), stem(out.strip))
    log.info("hematotox: tables and figures written")


main(snakemake)  # noqa: F821
