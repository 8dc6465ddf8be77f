# Shared set-up: config validation, study resolution, cohort validation (once, at parse time,
# before any job runs) and the target registry that `rule all` reads.
import sys
from pathlib import Path

from snakemake.utils import validate

# Parse time imports the library from the checkout; jobs import the installed package
# (`make run` and environment.yml install it with `pip install -e .`).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from cartcyto.design import DesignError, resolve_study  # noqa: E402
from cartcyto.cohort.errors import CohortError  # noqa: E402
from cartcyto.cohort.read import COHORT_TABLES, cohort_files, read_cohort  # noqa: E402
from cartcyto.cohort.importers.common import check_source, source_input_files  # noqa: E402


# `--config studies=...` names the studies to run: replace (not merge into) those of config.yaml.
_cli_config = dict(workflow.config_settings.config or {})
if "studies" in _cli_config:
    config["studies"] = _cli_config["studies"]

validate(config, "../schemas/config.schema.yaml")

# The designs folder is the workflow's; the library never guesses it.
DESIGNS_DIR = Path(workflow.basedir) / "workflow" / "designs"


def _config_source(study):
    """Where a study's entry (and its overrides) was written, for design error messages: --config,
    else the last config file naming it (--configfile files override the Snakefile's configfile)."""
    from snakemake.common.configfile import load_configfile

    if "studies" in _cli_config:
        return "--config studies=... (command line)"
    cli = list(workflow.config_settings.configfiles or [])
    here = Path.cwd().resolve()
    for path in [*reversed(cli), *reversed(workflow.configfiles[len(cli):])]:
        if study in ((load_configfile(str(path)) or {}).get("studies") or {}):
            path = Path(path).resolve()
            return path.relative_to(here).as_posix() if path.is_relative_to(here) else str(path)
    return "the config"


# A design that does not fit the design schema (cartcyto/schemas/) stops the run here, naming
# the file and the key, with no traceback.
# A study with a `source:` reads the cohort folder its import job writes (workflow/rules/import.smk);
# its options (and that its files exist) are checked here, the import itself is a job.
SOURCES = {name: study["source"] for name, study in config["studies"].items() if "source" in study}
try:
    STUDIES = {
        name: resolve_study(
            name,
            dict(study, cohort=f"results/{name}/cohort_source", source=check_source(SOURCES[name]))
            if name in SOURCES else study,
            config["conventions"], DESIGNS_DIR, config_file=_config_source(name))
        for name, study in config["studies"].items()
    }
except CohortError as _err:
    sys.stderr.write(f"\nStudy source: {_err.message()}\n\n")
    sys.exit(1)
except DesignError as _err:
    sys.stderr.write(f"\n{_err.message()}\n\n")
    sys.exit(1)

# Bad input stops the run here, before any job, with one message and no traceback. A source is
# imported by a job; here its options (and that its files exist) are checked.
for _name, _study in STUDIES.items():
    try:
        if _name not in SOURCES:
            read_cohort(_study["cohort"], _study)
    except CohortError as _err:
        sys.stderr.write(f"\nStudy '{_name}': {_err.message()}\n\n")
        sys.exit(1)

# Analysis families register their outputs here: ANALYSES[family] = function(study) -> [paths].
# Each family also writes results/<study>/stats/<family>.csv, concatenated into statistics.csv.
ANALYSES = {}


def register(family, targets):
    """Register an analysis family; `targets(study)` lists its result files for one study."""
    ANALYSES[family] = targets


def study_params(wildcards):
    """The resolved study dict, passed to scripts through params."""
    return STUDIES[wildcards.study]


def source_files(wildcards):
    """The source's files (export folder tables, the DuckDB file); none for a database URL."""
    return source_input_files(SOURCES[wildcards.study])


def cohort_inputs(wildcards):
    """The cohort's table files (CSV or Parquet) that exist, or the folder a source's import writes;
    scripts read the folder."""
    if wildcards.study in SOURCES:
        return [STUDIES[wildcards.study]["cohort"]]
    return cohort_files(STUDIES[wildcards.study]["cohort"])


def families(study):
    return list(STUDIES[study]["analyses"])


def stats_parts(wildcards):
    return [f"results/{wildcards.study}/stats/{f}.csv" for f in families(wildcards.study)]


def all_targets():
    out = []
    for study in STUDIES:
        out.append(f"results/{study}/derived/patients.csv")
        out.append(f"results/{study}/statistics.csv")
        out.append(f"results/{study}/definitions.html")
        for family in families(study):
            out.extend(ANALYSES[family](study))
    return out


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


wildcard_constraints:
    study="|".join(sorted(STUDIES)) if STUDIES else "[^/]+",
