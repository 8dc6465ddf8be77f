"""cartcyto.design: the design schema, resolve_study, the frozen result and DesignError.

(That no code reads a design key with a default of its own: tests/test_design_reads.py.)

* the bundled designs resolve to exactly their files (nothing added: provenance.json unchanged);
* defaults come from the schema (and only from it), family settings only where the family runs;
* overrides merge over the design; a criteria override refines or replaces the set;
* an unknown family or key, a wrong type or a missing threshold raises DesignError naming the
  file and the key; `snakemake` prints it and stops at parse time;
* the result is read-only, picklable, JSON-ready and a dict to Snakemake;
* the library finds its schema as package data and never guesses the repository's paths;
"""
from __future__ import annotations

import copy
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from cartcyto import design as design_module
from cartcyto.design import (DesignError, FrozenDict, FrozenList, design_schema, resolve_study,
                             schema_defaults, thaw)
from design_fixtures import DESIGNS_DIR, ROOT, designs_folder, resolved

BARE = {"criteria": "cibmtr"}


def _error(call, *args, **kwargs) -> DesignError:
    with pytest.raises(DesignError) as info:
        call(*args, **kwargs)
    return info.value


# ------------------------------------------------------------------ bundled designs, defaults
@pytest.mark.parametrize("name", ["wang2021", "mullanfiroze2022"])
def test_bundled_designs_resolve_to_their_files_as_written(name):
    """Every key the schema would fill is written in the bundled designs, except the hematotox
    block, which they write only where it differs from the published defaults (the schema's): the
    resolved config is the files' merge (key order included, so Snakemake params stay stable),
    plus the hematotox block the schema fills."""
    raw = yaml.safe_load((DESIGNS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    sets = yaml.safe_load((DESIGNS_DIR / "criteria.yaml").read_text(encoding="utf-8"))
    hematotox = design_module.deep_merge(HEMATOTOX_DEFAULTS(), raw.pop("hematotox", {}))
    expected = {**raw, "criteria": {**sets[raw["criteria"]], "name": raw["criteria"]},
                "name": name, "cohort": "x", "design": name, "conventions": "spss"}
    got = thaw(resolved(name))
    assert got.pop("hematotox") == hematotox
    assert got == expected
    assert repr(got) == repr(expected)          # same key order everywhere: same params hash


def HEMATOTOX_DEFAULTS() -> dict:
    """The hematotox block of a design that lists the family and writes nothing of it."""
    folder_free = {"criteria": "cibmtr", "analyses": ["hematotox"]}
    return thaw(design_module.resolve_study("d", {"cohort": "x", "design": "d"}, "spss",
                                            _designs(d=folder_free)))["hematotox"]


def _designs(**designs) -> Path:
    import tempfile
    return designs_folder(Path(tempfile.mkdtemp()), **designs)


def test_defaults_are_filled_from_the_schema(tmp_path):
    study = resolved("bare", designs_dir=designs_folder(tmp_path, bare=BARE))
    assert study["pht_day"] == 28 and study["persistent_after_day"] == 28
    assert thaw(study["phases"]) == {"t2_start": "ld_end", "t3_start": 0, "t3_end": None}
    assert thaw(study["lymphodepletion"]) == {"start_day": -4, "end_day": -2}
    assert thaw(study["analysis_set"]) == {"response_d28": ["CR", "CRi"], "missing_response": "include"}
    assert study["marker_window"] == [0, 28] and study["pre_ld_labs"] == "last_before_ld"
    assert thaw(study["crs_groups"]) == {"none": [0, 0], "mild": [1, 2], "severe": [3, 4]}
    assert study["analyses"] == []
    # a family's settings appear only when the design runs the family
    for key in ("cox", "logistic_pht", "kinetics_days", "cumulative_incidence_days", "bonferroni",
                "evaluable_after_day", "scb", "hematotox"):
        assert key not in study, key
    assert thaw(schema_defaults()) == {k: thaw(v) for k, v in study.items()
                                       if k not in ("criteria", "name", "cohort", "design", "conventions")}


def test_family_settings_filled_when_the_family_runs(tmp_path):
    folder = designs_folder(tmp_path, bare={"criteria": "ctcae5", "analyses": [
        "incidence", "crs", "cox", "logistic", "prior_sct"]})
    study = resolved("bare", designs_dir=folder)
    assert study["cumulative_incidence_days"] == [0, 30] and study["bonferroni"] is True
    assert study["kinetics_days"] == [-5, 0, 1, 3, 5, 7, 9, 11, 14, 21, 28]
    assert study["evaluable_after_day"] == 28
    assert thaw(study["cox"]) == {"ties": None, "stepwise": False, "covariates": {
        "sn": ["lg_max_ddimer", "crs_peak_day", "bm_blasts_pct", "toci_or_steroid"],
        "sa": ["lg_max_il10", "crs_recovery_day"], "st": ["lg_max_ferritin"]}}
    assert study["logistic_pht"]["covariates"] == ["crs_onset_day", "crs_recovery_day", "crs_max_grade"]
    stepwise = resolved("bare", {"cox": {"stepwise": True}}, designs_dir=folder)["cox"]
    assert (stepwise["stepwise_p_remove"], stepwise["stepwise_p_enter"],
            stepwise["stepwise_screen_p"]) == (0.10, 0.05, 0.05)          # SPSS Backward: LR
    assert thaw(stepwise["stepwise_candidates"]) == {"sn": None, "sa": None, "st": None}


def test_hematotox_block_is_the_published_reading_filled_when_the_family_runs(tmp_path):
    folder = designs_folder(tmp_path, bare={"criteria": "cibmtr", "analyses": ["hematotox"]})
    hx = thaw(resolved("bare", designs_dir=folder)["hematotox"])
    assert (hx["counting"], hx["recovery_days"], hx["gap_policy"], hx["max_gap_days"]) == (
        "cumulative", 3, "interpolate", 7)
    assert hx["censor_at"] == ["relapse_day", "next_therapy_day", "death_day"]
    rules = lambda section: [(r["grade"], r["at_most"], r["below"], r["days"]) for r in section["rules"]]  # noqa: E731
    # Rejeski 2023 Table 2 (ICAHT): ANC <= 0.5 for 1 / 7 / 14 / 31 days, <= 0.1 for 7 / 14 days
    assert rules(hx["icaht"]["early"]) == [(1, 0.5, None, 1), (2, 0.5, None, 7), (3, 0.5, None, 14),
                                           (4, 0.5, None, 31), (3, 0.1, None, 7), (4, 0.1, None, 14)]
    assert hx["icaht"]["early"]["window"] == [0, 30] and hx["icaht"]["early"]["min_measurements"] == 1
    assert hx["icaht"]["early"]["day_columns"] == {"icaht_days_anc_le500": 0.5, "icaht_days_anc_le100": 0.1}
    assert rules(hx["icaht"]["late"]) == [(1, 1.5, None, None), (2, 1.0, None, None), (3, 0.5, None, None),
                                          (4, 0.1, None, None)]
    assert (hx["icaht"]["late"]["window"], hx["icaht"]["late"]["min_measurements"],
            hx["icaht"]["late"]["end_at_last_followup"]) == ([31, 100], 2, True)
    # T-ICAHT (Blood 2025, Table 1): strict "<"
    assert rules(hx["ticaht"]["early"]) == [(1, None, 50, 1), (2, None, 50, 7), (3, None, 20, 1), (4, None, 20, 14)]
    assert rules(hx["ticaht"]["late"]) == [(1, None, 100, None), (2, None, 50, None), (3, None, 20, None),
                                           (4, None, 20, 14)]
    score = hx["score"]
    assert (score["anchor"], score["window_days"], score["high_at_least"], score["undated_columns"]) == (
        "ld_start_day", 7, 2, {})
    assert {k: c["points"] for k, c in score["components"].items()} == {
        "plt": [["<", 75, 2], ["<=", 175, 1]], "anc": [["<", 1.2, 1]], "hb": [["<", 90, 1]],
        "crp": [[">", 30, 1]], "ferritin": [[">", 2000, 2], [">=", 650, 1]]}
    assert hx["phenotype"] == {"test": "anc", "window": [0, 60], "aplastic_below": 0.5, "aplastic_days": 14,
                               "recovery_above": 1.0, "dip_below": 1.0, "dip_after_day": 21}
    assert hx["severe_icaht_at_least"] == 3
    # one nested override keeps every other default
    over = thaw(resolved("bare", {"hematotox": {"icaht": {"late": {"min_measurements": 1}},
                                                "score": {"components": {"crp": {
                                                    "source": "markers", "marker": "crp", "units": ["mg/dL"],
                                                    "points": [[">", 3, 1]]}}}}}, designs_dir=folder)["hematotox"])
    assert over["icaht"]["late"]["min_measurements"] == 1
    assert over["icaht"]["late"]["rules"] == hx["icaht"]["late"]["rules"]
    assert over["icaht"]["early"] == hx["icaht"]["early"]
    assert over["score"]["components"]["crp"]["units"] == ["mg/dL"]
    assert over["score"]["components"]["ferritin"] == hx["score"]["components"]["ferritin"]


def test_hematotox_rules_and_components_are_checked():
    both = {"hematotox": {"icaht": {"early": {"rules": [{"grade": 1, "at_most": 0.5, "below": 0.5}]}}}}
    err = _error(resolved, "wang2021", both)
    assert err.key == "studies.wang2021.overrides.hematotox.icaht.early.rules[0]"
    assert err.problem == "fits more than one of the alternatives allowed here"
    assert "exactly one of at_most and below" in err.fix
    neither = {"hematotox": {"icaht": {"early": {"rules": [{"grade": 1, "days": 3}]}}}}
    assert _error(resolved, "wang2021", neither).problem == "fits none of the alternatives allowed here"
    no_unit = {"hematotox": {"score": {"components": {"crp": {"source": "markers", "marker": "crp",
                                                              "points": [[">", 30, 1]]}}}}}
    err = _error(resolved, "wang2021", no_unit)
    assert err.key == "studies.wang2021.overrides.hematotox.score.components.crp.units"
    assert err.problem == "missing (needed when source is 'markers')"
    err = _error(resolved, "wang2021", {"hematotox": {"score": {"undated_columns": {"ldh": "ldh"}}}})
    assert err.key == "studies.wang2021.overrides.hematotox.score.undated_columns"
    err = _error(resolved, "wang2021", {"hematotox": {"icaht": {"early": {"day_columns": {"days_low": 0.5}}}}})
    assert "'days_low' is not one of" in err.problem


def _properties(node, where=()):
    """(parent schema, key, property schema, location) of every `properties` entry outside `then`."""
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            yield node, key, sub, where + (key,)
        for key, sub in node.items():
            if key not in ("then", "if"):
                yield from _properties(sub, where + (key,))
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            yield from _properties(sub, where + (i,))


def _then_keys(schema) -> set[str]:
    """Keys that an `if`/`then` branch fills with a default or requires (at any depth)."""
    out = set()
    for node in _walk(schema):
        if isinstance(node, dict) and "then" in node:
            for sub in _walk(node["then"]):
                if isinstance(sub, dict):
                    out |= set(sub.get("properties", {})) | set(sub.get("required", []))
    return out


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for sub in children:
        yield from _walk(sub)


def _deref(sub):
    schema = design_schema()
    while "$ref" in sub and "description" not in sub:
        sub = schema["$defs"][sub["$ref"].split("/")[-1]]
    return sub


def test_every_key_has_type_description_and_default_or_is_required():
    schema = design_schema()
    conditional = _then_keys(schema)
    for parent, key, sub, where in _properties(schema):
        target = _deref(sub)
        assert target.get("description"), f"{where}: no description"
        assert {"type", "enum", "$ref"} & set(target) | {"$ref"} & set(sub), f"{where}: no type"
        # `name` of a criteria set is written by resolve_study (required in the design's criteria)
        has_default = "default" in sub or key in parent.get("required", []) or key in conditional
        assert has_default or key == "name", f"{where}: neither a default nor required"


def test_schema_defaults_are_valid_values_of_their_keys():
    """A default fills a key without being validated first, so each must fit its key's schema
    (a default in a `then` branch is checked against the key's schema in `properties`)."""
    from jsonschema import Draft202012Validator
    schema = design_schema()
    checked = 0
    for node in _walk(schema):
        if not isinstance(node, dict):
            continue
        conditional = {k: p for sub in _walk(node.get("then", {})) if isinstance(sub, dict)
                       for k, p in sub.get("properties", {}).items()} if "then" in node else {}
        plain = {k: p for k, p in node.get("properties", {}).items()}
        for key, prop in [*plain.items(), *conditional.items()]:
            if "default" in prop:
                home = node["properties"][key] if key in node.get("properties", {}) else prop
                target = {**{k: v for k, v in home.items() if k != "default"}, "$defs": schema["$defs"]}
                errors = list(Draft202012Validator(target).iter_errors(prop["default"]))
                assert not errors, (key, errors[0].message)
                checked += 1
    assert checked > 40


# ------------------------------------------------------------------ overrides
def test_overrides_are_merged_over_the_design():
    study = resolved("wang2021", {"pht_day": 21, "phases": {"t3_end": 60}, "crs_groups": {"mild": [1, 1]},
                                  "criteria": {"lineages": {"sn": {"severe_below": 1.0}}}},
                     conventions="r")
    assert study["pht_day"] == 21
    assert thaw(study["phases"]) == {"t2_start": "ld_end", "t3_start": 0, "t3_end": 60}  # siblings kept
    assert thaw(study["crs_groups"]) == {"none": [0, 0], "mild": [1, 1], "severe": [3, 4]}
    sn = study["criteria"]["lineages"]["sn"]
    assert (sn["severe_below"], sn["recovery_above"], sn["test"]) == (1.0, 0.5, "anc")
    assert study["criteria"]["name"] == "cibmtr" and study["conventions"] == "r"
    own = resolve_study("w", {"cohort": "x", "design": "wang2021", "conventions": "spss"}, "r", DESIGNS_DIR)
    assert own["conventions"] == "spss"                              # a study's own convention wins


def test_criteria_override_refines_the_designs_set_or_names_another():
    # without a name, an override refines the design's own set (ctcae5 here), not a fixed one
    refined = resolved("mullanfiroze2022", {"criteria": {"transfusion_free_window": 5}})
    assert refined["criteria"]["name"] == "ctcae5" and refined["criteria"]["transfusion_free_window"] == 5
    assert refined["criteria"]["lineages"]["sn"]["severe_below"] == 1.0
    other = resolved("wang2021", {"criteria": "ctcae5"})
    assert other["criteria"]["name"] == "ctcae5" and "grades" in other["criteria"]


# ------------------------------------------------------------------ errors: key and file
def test_unknown_family_names_the_key_and_the_config_file():
    err = _error(resolved, "wang2021", {"analyses": ["table1", "survival"]})
    assert (err.file, err.key) == ("config.yaml", "studies.wang2021.overrides.analyses[1]")
    assert err.problem == "unknown analysis family 'survival'"
    assert err.message().startswith("Invalid design of study 'wang2021': config.yaml, key "
                                    "'studies.wang2021.overrides.analyses[1]': unknown analysis family 'survival'")
    assert "use one of table1, incidence," in err.message()


def test_unknown_family_in_the_design_file_names_the_design_file(tmp_path):
    folder = designs_folder(tmp_path, bare={"criteria": "cibmtr", "analyses": ["table1", "sankey"]})
    err = _error(resolved, "bare", designs_dir=folder)
    assert err.file.endswith("designs/bare.yaml") and err.key == "analyses[1]"
    assert err.problem == "unknown analysis family 'sankey'"


def test_unknown_key_names_the_key_and_the_file(tmp_path):
    err = _error(resolved, "wang2021", {"cox": {"stepwize": True}})
    assert (err.file, err.key, err.problem) == ("config.yaml", "studies.wang2021.overrides.cox.stepwize",
                                                "unknown key")
    assert "stepwise" in err.fix                                    # the allowed keys are listed
    folder = designs_folder(tmp_path, bare={**BARE, "pht_dya": 30})
    err = _error(resolved, "bare", designs_dir=folder)
    assert err.file.endswith("designs/bare.yaml") and err.key == "pht_dya"


def test_missing_threshold_names_the_criteria_file_and_key(tmp_path):
    folder = designs_folder(tmp_path, bare=BARE)
    sets = yaml.safe_load((folder / "criteria.yaml").read_text(encoding="utf-8"))
    del sets["cibmtr"]["lineages"]["sa"]["severe_below"]
    (folder / "criteria.yaml").write_text(yaml.safe_dump(sets, sort_keys=False), encoding="utf-8")
    err = _error(resolved, "bare", designs_dir=folder)
    assert err.file.endswith("designs/criteria.yaml") and err.key == "cibmtr.lineages.sa.severe_below"
    assert err.problem == "missing (it has no default)"
    assert "Severe when a value is below this threshold" in err.fix


def test_missing_threshold_of_an_inline_set_names_the_config_file():
    crit = {"name": "mine", "lineages": {lin: {"test": t, "severe_below": 1, "recovery_above": 1}
                                         for lin, t in (("sn", "anc"), ("sa", "hb"), ("st", "plt"))},
            "cytopenia": {"anc": 1.5, "hb_male": 120, "hb_female": 110}}
    err = _error(resolved, "wang2021", {"criteria": crit})
    assert (err.file, err.key) == ("config.yaml", "studies.wang2021.overrides.criteria.cytopenia.plt")


def test_a_family_needs_its_thresholds(tmp_path):
    folder = designs_folder(tmp_path, bare={"criteria": "ctcae5", "analyses": ["scb"]})
    err = _error(resolved, "bare", designs_dir=folder)
    assert err.file.endswith("designs/bare.yaml") and err.key == "scb"
    assert err.problem == "missing (the scb family, which this design runs, needs it)"
    err = _error(resolved, "wang2021", {"analyses": ["prior_sct"]})    # cibmtr has no CTCAE grades
    assert err.file.endswith("designs/criteria.yaml")
    assert err.key == "cibmtr.grades"


def test_wrong_type_bounds_unknown_set_and_unknown_design():
    err = _error(resolved, "wang2021", {"pht_day": "28"})
    assert err.key == "studies.wang2021.overrides.pht_day" and err.problem == "must be integer, got '28'"
    err = _error(resolved, "wang2021", {"criteria": {"lineages": {"sn": {"severe_below": -1}}}})
    assert err.key == "studies.wang2021.overrides.criteria.lineages.sn.severe_below"
    err = _error(resolved, "wang2021", {"criteria": "ctcae6"})
    assert err.key == "studies.wang2021.overrides.criteria" and "ctcae6" in err.problem
    err = _error(resolved, "wang3")
    assert err.key == "studies.wang3.design" and "wang2021" in err.fix
    err = _error(resolved, "wang2021", {"name": "other"})
    assert err.key == "studies.wang2021.overrides.name"


# ------------------------------------------------------------------ frozen
def test_resolved_design_is_read_only():
    study = resolved("wang2021")
    with pytest.raises(TypeError):
        study["pht_day"] = 1
    with pytest.raises(TypeError):
        study["criteria"]["lineages"]["sn"]["severe_below"] = 1.0
    with pytest.raises(TypeError):
        study["analyses"].append("scb")
    with pytest.raises(TypeError):
        study["marker_window"][0] = 3
    with pytest.raises(TypeError):
        study.update(pht_day=1)
    with pytest.raises(TypeError):
        study.pht_day = 1
    with pytest.raises(TypeError):
        del study["phases"]
    assert study.pht_day == study["pht_day"] == 28 and study.criteria.lineages.sn.test == "anc"
    with pytest.raises(KeyError, match="no design key 'pht_dya'"):
        study["pht_dya"]


def test_resolved_design_pickles_serialises_and_is_a_dict_for_snakemake():
    study = resolved("wang2021")
    back = pickle.loads(pickle.dumps(study))
    assert back == study and type(back) is FrozenDict and type(back["analyses"]) is FrozenList
    assert type(back["criteria"]["lineages"]["sn"]) is FrozenDict
    assert copy.deepcopy(study) is study
    assert json.dumps(study, sort_keys=True) == json.dumps(thaw(study), sort_keys=True)
    # snakemake/persistence.py compares params by repr() of builtin types only (dict, list, ...)
    assert isinstance(study, dict) and isinstance(study["analyses"], list)
    assert repr(study) == repr(thaw(study))


# ------------------------------------------------------------------ no repository paths
def test_designs_dir_is_required_and_the_library_guesses_no_path():
    with pytest.raises(TypeError):
        resolve_study("w", {"cohort": "x", "design": "wang2021"}, "spss")   # no designs_dir
    assert not hasattr(design_module, "DESIGNS_DIR")
    for path in (ROOT / "src" / "cartcyto").rglob("*.py"):
        assert "__file__" not in path.read_text(encoding="utf-8"), path


def _installed_copy(site: Path) -> None:
    """What a wheel holds: every package's modules plus pyproject's package-data globs."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = project["tool"]["setuptools"]["package-data"]["cartcyto"]
    src = ROOT / "src"
    for init in (src / "cartcyto").rglob("__init__.py"):
        for module in init.parent.glob("*.py"):
            target = site / module.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(module, target)
    for pattern in package_data:
        for data in (src / "cartcyto").glob(pattern):
            target = site / data.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(data, target)


def test_non_editable_install_validates_with_its_packaged_schema(tmp_path):
    site, elsewhere = tmp_path / "site-packages", tmp_path / "cwd"
    elsewhere.mkdir()
    _installed_copy(site)
    designs = shutil.copytree(DESIGNS_DIR, tmp_path / "my-designs")     # not the repository's path
    code = ("import json, sys, cartcyto, cartcyto.design as d\n"
            "assert cartcyto.__file__.startswith(sys.argv[1]), cartcyto.__file__\n"
            "s = d.resolve_study('w', {'cohort': 'x', 'design': 'wang2021'}, 'spss', sys.argv[2])\n"
            "try:\n"
            "    d.resolve_study('w', {'cohort': 'x', 'design': 'wang2021', 'overrides': {'pht_dya': 1}},"
            " 'spss', sys.argv[2])\n"
            "except d.DesignError as e:\n"
            "    print(json.dumps([s, e.key]))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    proc = subprocess.run([sys.executable, "-c", code, str(site), str(designs)], cwd=elsewhere,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    study, key = json.loads(proc.stdout)
    assert study == json.loads(json.dumps(resolved("wang2021", name="w")))
    assert key == "studies.w.overrides.pht_dya"


# ------------------------------------------------------------------ families
def test_schema_families_are_the_families_the_rule_files_register():
    registered = set()
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        registered |= set(re.findall(r"^register\(\s*\"(\w+)\"", smk.read_text(encoding="utf-8"), re.M))
    assert registered, "no register(...) call found: the pattern no longer matches the rule files"
    assert sorted(design_module.analysis_families()) == sorted(registered)


# ------------------------------------------------------------------ snakemake stops at parse time
@pytest.mark.slow
def test_snakemake_stops_at_parse_time_on_a_bad_override(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("studies:\n  mine:\n    cohort: data/mine\n    design: wang2021\n"
                   "    overrides:\n      criteria: {lineages: {sn: {severe_bellow: 0.5}}}\n", encoding="utf-8")
    cmd = [str(Path(sys.executable).with_name("snakemake")), "-n", "-s", str(ROOT / "Snakefile"),
           "--directory", str(tmp_path), "--configfile", str(cfg), "--cores", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert ("Invalid design of study 'mine': config.yaml, key "
            "'studies.mine.overrides.criteria.lineages.sn.severe_bellow': unknown key") in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "results").exists()
