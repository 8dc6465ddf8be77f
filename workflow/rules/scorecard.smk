# Scorecard (published values joined to statistics.csv) and the provenance record of each study.
# The lead includes this file after the analysis families and adds scorecard_targets() to rule all.
from pathlib import Path


def published_csv(wildcards):
    """The study's published values, config["published_dir"]/<study>.csv, or [] (a user's cohort)."""
    path = Path(config.get("published_dir", "data/published")) / f"{wildcards.study}.csv"
    return [str(path)] if path.exists() else []


def scorecard_targets():
    """Scorecard and provenance of every study in config (for rule all)."""
    return [
        path
        for study in STUDIES
        for path in (f"results/{study}/scorecard.csv", f"results/{study}/provenance.json")
    ]


rule scorecard:
    input:
        statistics="results/{study}/statistics.csv",
        published=published_csv,
    output:
        report(
            "results/{study}/scorecard.csv",
            caption="../report/scorecard.rst",
            category="Scorecard",
        ),
    log:
        "results/{study}/logs/scorecard.log",
    params:
        study=study_params,
    script:
        "../scripts/scorecard.py"


rule provenance:
    input:
        cohort=cohort_inputs,
        published=published_csv,
        statistics="results/{study}/statistics.csv",
    output:
        "results/{study}/provenance.json",
    log:
        "results/{study}/logs/provenance.log",
    params:
        study=study_params,
        repo=workflow.basedir,
    script:
        "../scripts/provenance.py"


register(
    "scorecard",
    lambda s: [f"results/{s}/scorecard.csv", f"results/{s}/provenance.json"],
)
