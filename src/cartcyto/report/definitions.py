"""The definitions and method conventions in force for a study, drawn from its resolved config.

Reviewers read this page of the report to know exactly which thresholds, windows and tests made
every number; it is generated from the same dict the analyses receive, so it cannot drift.
"""
from __future__ import annotations

import html

import pandas as pd

from cartcyto.report.definitions_hematotox import hematotox_rows

CONVENTION_TEXT = {
    "spss": {
        "chi-square": "Pearson chi-square, no continuity correction (SPSS 20)",
        "Mann-Whitney": "asymptotic normal approximation, tie-corrected, no continuity correction, two-sided",
        "Kruskal-Wallis": "chi-square approximation, tie-corrected",
        "Spearman": "p from the t approximation with n-2 df, two-sided",
        "Cox": "Breslow ties, Wald 95% CI, Wald p",
        "logistic": "maximum likelihood, Wald 95% CI, Wald p",
        "Kaplan-Meier median": "Brookmeyer-Crowley 95% CI on the log(-log S) scale (SAS PROC LIFETEST default)",
    },
    "r": {
        "chi-square": "chisq.test: Yates continuity correction on 2x2 tables, none otherwise",
        "Mann-Whitney": "wilcox.test: exact when both n < 50 without ties, else normal approximation with continuity correction",
        "Kruskal-Wallis": "kruskal.test: chi-square approximation, tie-corrected",
        "Spearman": "cor.test: exact p (AS 89) for n < 1290 without ties, else t approximation",
        "Cox": "coxph: Efron ties, Wald 95% CI, Wald p",
        "logistic": "glm binomial, Wald 95% CI (confint.default), Wald p",
        "Kaplan-Meier median": "survfit: Brookmeyer-Crowley 95% CI on the log S scale (conf.type = \"log\")",
    },
}

SENSITIVITY_TEXT = {
    "univariate": ("multiplicity", "Holm and Benjamini-Hochberg adjusted p (R p.adjust) beside the paper's "
                   "unadjusted P; one family per Supplementary Table (every Mann-Whitney and chi-square p of it)"),
    "competing_risks": ("competing risks", "death before recovery as a competing event: Aalen-Johansen "
                        "cumulative incidence, Gray's test, Fine-Gray and cause-specific Cox; beside them "
                        "Kaplan-Meier median days to recovery and the log-rank test, death censored"),
    "model_checks": ("model diagnostics", "Schoenfeld-residual PH tests (cox.zph), events per variable, "
                     "separation checks, and Firth's penalised logistic regression where they call for it"),
}


def definitions_table(study: dict) -> pd.DataFrame:
    """Rows (section, item, value) describing the criteria, windows and tests of ``study``."""
    crit = study["criteria"]
    rows = [("study", "name", study["name"]), ("study", "cohort", study["cohort"]),
            ("study", "design", study["design"]), ("study", "criteria set", f"{crit['name']}: {crit['label']}")]
    for lin, spec in crit["lineages"].items():
        rule = (f"severe: {spec['test']} < {spec['severe_below']}; recovery: first of "
                f"{spec['recovery_consecutive']} consecutive measurement(s) on distinct days with "
                f"{spec['test']} > {spec['recovery_above']} after the nadir")
        if spec["transfusion"]:
            rule += (f", no {spec['transfusion']} on days d-{crit['transfusion_free_window']}..d "
                     "of any of them")
        rows.append(("lineage", lin, rule))
    c = crit["cytopenia"]
    rows.append(("lineage", "any-grade cytopenia",
                 f"ANC < {c['anc']}; Hb < {c['hb_male']} (M) / {c['hb_female']} (F); PLT < {c['plt']}"))
    ld = study["lymphodepletion"]
    ph = study["phases"]
    rows += [
        ("phases", "T1", "day < ld_start_day"),
        ("phases", "T2", f"{'ld_end_day' if ph['t2_start'] == 'ld_end' else 'ld_start_day'}..-1"),
        ("phases", "T3", f"day >= {ph['t3_start']}" + (f" and <= {ph['t3_end']}" if ph["t3_end"] is not None else "")),
        ("phases", "lymphodepletion defaults", f"start {ld['start_day']}, end {ld['end_day']}"),
        ("episodes", "new onset", "not severe in T1 or T2, severe in T3"),
        ("episodes", "onset", "first severe day from the infusion on (T3), for every patient"),
        ("episodes", "episode", "a run of severe values closed by the lineage's recovery rule; the "
                                "episode holding the onset starts on its first severe day (negative "
                                "when it runs across the infusion); one that recovered before the "
                                "infusion does not merge with a later one"),
        ("episodes", "duration", "recovery day - onset day (episode duration: - episode start); no "
                                 "recovery: censored at the last measurement, or at death when the "
                                 "patient died within "
                                 f"{study['death_competes_within_days']} days of it"),
        ("episodes", "recovery status", "1 recovered, 2 died before recovery (death within "
                                        f"{study['death_competes_within_days']} days of the last "
                                        "measurement), 0 censored"),
        ("episodes", "PHT", f"severe cytopenia ongoing on day {study['pht_day']}"),
        ("episodes", "persistent", f"severe on a measurement after day {study['persistent_after_day']}"),
        ("markers", "peak", f"max over days {study['marker_window']}; lg_ = log10"),
        ("analysis set", "day-28 responses", ", ".join(study["analysis_set"]["response_d28"])),
    ]
    if "hematotox" in study["analyses"]:
        rows += hematotox_rows(study["hematotox"])
    conv = study["conventions"]
    for test, text in CONVENTION_TEXT[conv].items():
        rows.append((f"tests ({conv})", test, text))
    for family, (item, text) in SENSITIVITY_TEXT.items():
        if family in study["analyses"]:
            rows.append(("sensitivity analyses (not the paper's)", item, text))
    return pd.DataFrame(rows, columns=["section", "item", "value"])


def definitions_html(study: dict) -> str:
    """A standalone HTML page of `definitions_table`."""
    df = definitions_table(study)
    body = "\n".join(
        f"<tr><td>{html.escape(str(s))}</td><td>{html.escape(str(i))}</td><td>{html.escape(str(v))}</td></tr>"
        for s, i, v in df.itertuples(index=False))
    return ("<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>Definitions: "
            f"{html.escape(study['name'])}</title><style>body{{font-family:sans-serif;margin:2em}}"
            "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}"
            "table{border-collapse:collapse}</style></head><body>"
            f"<h1>Definitions and conventions in force: {html.escape(study['name'])}</h1>"
            "<table><tr><th>section</th><th>item</th><th>definition</th></tr>\n"
            f"{body}\n</table></body></html>\n")
