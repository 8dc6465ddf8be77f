# Shared set-up: config validation, study resolution, cohort validation (at parse time, before any
# job runs, once per cohort content: see cartcyto.cohort.cache) and the family registry that the
# per-study analyses rules and `rule all` read.
import hashlib
import os
import re
import sys
import time
from pathlib import Path

from snakemake.utils import validate

# Parse time imports the library from the checkout; jobs import the installed package
# (`make run` and environment.yml install it with `pip install -e .`).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from cartcyto.design import DesignError, resolve_study  # noqa: E402
from cartcyto.cohort.cache import validate_cohort  # noqa: E402
from cartcyto.cohort.errors import CohortError  # noqa: E402
from cartcyto.cohort.read import COHORT_TABLES, cohort_files  # noqa: E402
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
# the file and the key, with no traceback. A study with a `source:` reads the cohort folder its import job writes (workflow/rules/import.smk);
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

CACHE_DIR = config["cache_dir"]

# Bad input stops the run here, before any job, with one message and no traceback. A cohort whose
# files, reading code and lymphodepletion defaults are unchanged since it was last validated is not
# read again: its normalised tables wait in CACHE_DIR for the ingest_derive job. A source is
# imported by a job (its options were checked above); ingest_derive validates what it writes.
COHORT_KEYS = {name: None for name in SOURCES}
for _name, _study in STUDIES.items():
    _started = time.perf_counter()
    try:
        if _name in SOURCES:
            continue
        COHORT_KEYS[_name], _read = validate_cohort(_study["cohort"], _study, CACHE_DIR)
    except CohortError as _err:
        sys.stderr.write(f"\nStudy '{_name}': {_err.message()}\n\n")
        sys.exit(1)
    if _read:
        sys.stderr.write(f"Study '{_name}': cohort read and validated in {time.perf_counter() - _started:.1f} s"
                         + (f"; later calls find it in {CACHE_DIR}/\n" if CACHE_DIR else "\n"))

# Analysis families register here (one .smk file each, see register()); the per-study rules of
# workflow/rules/analyses.smk run a study's families in one job.
ANALYSES = {}


def register(family, script, input, output):
    """Register an analysis family.

    `script` is its thin script under workflow/scripts/; `input` and `output` map names to paths
    with the {study} wildcard, as a rule's named input and output would (wrap an output in report()
    to put it in the report). Output `stats` is results/{study}/stats/<family>.csv; the family's log
    is results/{study}/logs/<family>.log.
    """
    ANALYSES[family] = {"script": script, "input": dict(input), "output": dict(output)}


def family_plan(names):
    """What the job's script needs to run each family as if alone: its script, named inputs and
    outputs, and the script's SHA-256 (so that a changed script reruns the job)."""
    scripts = Path(workflow.basedir) / "workflow" / "scripts"
    return [
        {
            "family": name,
            "script": ANALYSES[name]["script"],
            "source_sha256": hashlib.sha256((scripts / ANALYSES[name]["script"]).read_bytes()).hexdigest(),
            "input": {k: str(v) for k, v in ANALYSES[name]["input"].items()},
            "output": {k: str(v) for k, v in ANALYSES[name]["output"].items()},
        }
        for name in names
    ]


def family_inputs(names):
    """Union of the families' named inputs (one entry per distinct file)."""
    out = {}
    for name in names:
        for key, path in ANALYSES[name]["input"].items():
            if out.setdefault(key, path) != path:
                out[f"{name}_{key}"] = path
    return out


def family_outputs(names):
    """Every family's named outputs, as <family>_<name> (captions kept)."""
    return {f"{name}_{key}": path for name in names for key, path in ANALYSES[name]["output"].items()}


def drawing_families(names):
    """The families that draw figures: drawing is most of a family's cost."""
    return [n for n in names if any(str(p).endswith(".png") for p in ANALYSES[n]["output"].values())]


def analyses_threads(names):
    """Families run at a time in a study's analyses job: one per family that draws figures, at most
    4; snakemake caps it at --cores."""
    return min(4, max(1, len(drawing_families(names))))


def analyses_rule_name(study):
    """The name of the job that runs one study's families (analyses_<study>)."""
    safe = re.sub(r"\W", "_", study)
    return f"analyses_{safe}"


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


def cohort_mb(wildcards):
    """Size of the study's cohort files in MB (memory requests scale with it)."""
    return sum(os.path.getsize(f) for f in cohort_inputs(wildcards)) / 2**20


def cohort_key(wildcards):
    """The validated content of the study's cohort (a change reruns ingest_derive, whatever the mtimes)."""
    return COHORT_KEYS[wildcards.study]


def families(study):
    return list(STUDIES[study]["analyses"])


def stats_parts(wildcards):
    return [f"results/{wildcards.study}/stats/{f}.csv" for f in families(wildcards.study)]


def family_targets(family, study):
    """The result files of one family for one study."""
    return [str(path).format(study=study) for path in ANALYSES[family]["output"].values()]


def all_targets():
    out = []
    for study in STUDIES:
        out.append(f"results/{study}/derived/patients.csv")
        out.append(f"results/{study}/derived/episodes.csv")
        out.append(f"results/{study}/statistics.csv")
        out.append(f"results/{study}/definitions.html")
        for family in families(study):
            out.extend(family_targets(family, study))
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
    study="|".join(re.escape(s) for s in sorted(STUDIES)) if STUDIES else "[^/]+",
