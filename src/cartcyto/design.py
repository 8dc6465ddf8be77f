"""Resolve a study: its design file, the study's overrides and the criteria set, validated and frozen.

``resolve_study(name, study, conventions, designs_dir)`` merges ``<designs_dir>/<design>.yaml``,
the study's ``overrides:`` (config.yaml) and the chosen set of ``<designs_dir>/criteria.yaml``,
validates the result against the design schema shipped with the library
(``cartcyto/schemas/design.schema.yaml``), fills every missing key from the schema's defaults (the
only place a design key gets a default) and returns it frozen: a :class:`FrozenDict` whose
sections are :class:`FrozenDict` and whose lists are :class:`FrozenList`.

The caller names the designs folder (the workflow passes ``<repo>/workflow/designs``); the library
never guesses a path outside its own package.

A design that does not fit the schema (an unknown key or analysis family, a wrong type, a missing
threshold) raises :class:`DesignError`, naming the file and the key: the design file, the criteria
file, or the config file for a study's overrides.

The frozen types live in :mod:`cartcyto.frozen` (see there why a read-only dict, not dataclasses).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from cartcyto.frozen import FrozenDict, FrozenList, freeze, thaw  # noqa: F401 (re-exported)

SCHEMA_FILE = "design.schema.yaml"
CRITERIA_FILE = "criteria.yaml"
STUDY_KEYS = ("name", "cohort", "design", "conventions")
COHORT_KEYS = ("source", "lab_test_names")
"""Study-entry keys about the cohort itself (config.schema.yaml validates them); carried into the resolved
study when the entry gives them."""
"""Keys resolve_study adds from the config (not written in a design file)."""
CONVENTIONS = ("spss", "r")


# ------------------------------------------------------------------------------ errors
@dataclass
class DesignError(Exception):
    """A design that does not fit the schema, explained for the person who edits the file.

    ``file``: the design file, criteria file or config file (overrides) that holds the problem;
    ``key``: the dotted key in that file (``analyses[9]``, ``cibmtr.lineages.sn.severe_below``);
    ``problem`` / ``fix``: one sentence each; ``others``: keys of further problems, if any.
    """

    file: str
    key: str | None
    problem: str
    fix: str
    study: str | None = None
    others: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message())

    def message(self) -> str:
        where = self.file if not self.key else f"{self.file}, key '{self.key}'"
        who = "" if self.study is None else f" of study '{self.study}'"
        lines = [f"Invalid design{who}: {where}: {self.problem}"]
        if self.fix:
            lines.append(f"  how to fix: {self.fix}")
        if self.others:
            lines.append(f"  {len(self.others)} more problem(s): " + "; ".join(self.others))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message()


# ------------------------------------------------------------------------------ schema
@lru_cache(maxsize=None)
def design_schema() -> dict:
    """The design schema (package data ``cartcyto/schemas/design.schema.yaml``). Do not mutate."""
    text = (resources.files("cartcyto") / "schemas" / SCHEMA_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def _filling_validator_class():
    """Draft 2020-12, extended so that ``properties`` first sets every missing property that has a
    ``default`` (also in a ``then`` branch, when its ``if`` holds), then validates."""
    from jsonschema import Draft202012Validator, validators

    check_properties = Draft202012Validator.VALIDATORS["properties"]

    def properties(validator, props, instance, subschema):
        if validator.is_type(instance, "object"):
            for key, sub in props.items():
                if key not in instance and isinstance(sub, Mapping) and "default" in sub:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from check_properties(validator, props, instance, subschema)

    return validators.extend(Draft202012Validator, {"properties": properties})


def _validator(schema: Mapping, fill_defaults: bool):
    if fill_defaults:
        return _filling_validator_class()(schema)
    from jsonschema import Draft202012Validator
    return Draft202012Validator(schema)


@lru_cache(maxsize=None)
def schema_defaults() -> FrozenDict:
    """The keys every design gets by default (criteria aside), e.g. for reading a cohort without a
    study: ``schema_defaults()["lymphodepletion"]["start_day"]``."""
    filled: dict = {}
    list(_validator(design_schema(), fill_defaults=True).iter_errors(filled))
    return freeze(filled)


def analysis_families() -> list[str]:
    """The analysis families a design may list (the schema's ``analyses`` enum)."""
    return list(design_schema()["properties"]["analyses"]["items"]["enum"])


def families_needing_labs(study: Mapping[str, Any] | None = None) -> list[str]:
    """The families that read the cohort's blood counts (the schema's ``analyses.x-needs-labs``);
    with a resolved ``study``, those of them the study runs (in its order)."""
    declared = list(design_schema()["properties"]["analyses"]["x-needs-labs"])
    return declared if study is None else [f for f in study["analyses"] if f in declared]


# ------------------------------------------------------------------------------ merging
def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict:
    """Recursively merge ``override`` into a copy of ``base`` (override wins; lists are replaced)."""
    out = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        if isinstance(value, Mapping) and key in out and isinstance(out[key], Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_yaml(path: str | Path) -> Any:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _shown(path: str | Path) -> str:
    """A path as the user reads it: relative to the working directory when inside it."""
    p = Path(path)
    try:
        return p.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(p)


def _dotted(keys: Iterable[Any]) -> str:
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


@dataclass
class _Source:
    """A file's contribution to the resolved design: ``tree`` as written, mounted at ``root`` of
    the resolved design, found under ``prefix`` inside ``file``."""

    file: str
    tree: Any
    prefix: tuple
    root: tuple = ()

    def key_of(self, path: tuple) -> tuple | None:
        """The key path inside the file of resolved ``path``, or None if this source lacks it."""
        if path[:len(self.root)] != self.root:
            return None
        node, rest = self.tree, path[len(self.root):]
        for i, k in enumerate(rest):
            if isinstance(node, str) and rest[i:] == ("name",) and path[:1] == ("criteria",):
                return self.prefix + rest[:i]       # `criteria: <name>` written as a string
            if isinstance(node, Mapping) and k in node:
                node = node[k]
            elif isinstance(node, list) and isinstance(k, int) and 0 <= k < len(node):
                node = node[k]
            else:
                return None
        return self.prefix + rest


def _locate(sources: list[_Source], path: tuple, missing_key: Any = None) -> tuple[str, str]:
    """(file, dotted key) of resolved ``path``: the last source that wrote it, or for a missing key
    the first source that holds its parent object (``path``)."""
    holders = [(s, k) for s in sources if (k := s.key_of(path)) is not None]
    if missing_key is not None:
        src, key = holders[0] if holders else (sources[0], sources[0].prefix + path)
        return src.file, _dotted(key + (missing_key,))
    src, key = holders[-1] if holders else (sources[0], sources[0].prefix + path)
    return src.file, _dotted(key)


def _criteria_spec(value: Any) -> Any:
    return {"name": value} if isinstance(value, str) else value


def _merge_criteria(design: Mapping, overrides: Mapping) -> tuple[Any, bool]:
    """The design's criteria spec with the override applied; True when the override replaced it
    (a set named differently) rather than refined it."""
    spec = _criteria_spec(design["criteria"]) if "criteria" in design else None
    if "criteria" not in overrides:
        return spec, False
    over = _criteria_spec(overrides["criteria"])
    same_set = (isinstance(over, Mapping) and isinstance(spec, Mapping) and
                ("name" not in over or ("name" in spec and over["name"] == spec["name"])))
    if same_set:
        return deep_merge(spec, over), False
    return copy.deepcopy(over), True


# ------------------------------------------------------------------------------ validation
def _description(schema: Mapping, path: tuple) -> str:
    """The description ``schema`` gives the instance at ``path`` (following $ref, properties,
    additionalProperties and items; references resolve in the design schema)."""
    root = design_schema()
    node: Any = schema
    for k in path:
        while isinstance(node, Mapping) and "$ref" in node and "properties" not in node:
            node = _deref(root, node["$ref"])
        if not isinstance(node, Mapping):
            return ""
        if isinstance(k, int):
            node = node["items"] if "items" in node else {}
        elif "properties" in node and k in node["properties"]:
            node = node["properties"][k]
        elif "additionalProperties" in node and isinstance(node["additionalProperties"], Mapping):
            node = node["additionalProperties"]
        else:
            return ""
    while isinstance(node, Mapping) and "description" not in node and "$ref" in node:
        node = _deref(root, node["$ref"])
    return str(node["description"]).strip() if isinstance(node, Mapping) and "description" in node else ""


def _deref(root: Mapping, ref: str) -> Any:
    node: Any = root
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _needed_because(error, schema: Mapping) -> str:
    """Why a key without a default is missing: a family the design runs needs it (the ``if`` of a
    top-level ``allOf`` branch), a sibling's value needs it (``if: {properties: {k: {const: v}}}``,
    e.g. a score component's source), or it simply has no default. ``schema``: the one validated
    (its references resolve in the design schema)."""
    root = design_schema()
    node, cond, at = schema, None, None
    for i, k in enumerate(error.absolute_schema_path):
        while isinstance(node, Mapping) and k not in node and "$ref" in node:
            node = _deref(root, node["$ref"])
        cond, at = (node["if"], i) if k == "then" else (cond, at)
        node = node[k]
    if at == 2 and schema is root:                       # allOf/<i>/then at the top: a family
        return f"the {cond['properties']['analyses']['contains']['const']} family, which this design runs, needs it"
    const = [(k, v["const"]) for k, v in (cond or {}).get("properties", {}).items() if "const" in v]
    return f"needed when {const[0][0]} is {const[0][1]!r}" if const else "it has no default"


def _problems(error, schema: Mapping, sources: list[_Source]) -> list[tuple[str, str, str, str]]:
    """(file, key, problem, fix) for one jsonschema error of an instance of ``schema``."""
    path = tuple(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties" and error.validator_value is False:
        allowed = list(error.schema["properties"]) if "properties" in error.schema else []
        out = []
        for extra in [k for k in error.instance if k not in allowed]:
            file, key = _locate(sources, path + (extra,))
            out.append((file, key, "unknown key",
                        "remove it or correct its spelling; the keys allowed here are: " + ", ".join(allowed)))
        return out
    if kind == "required":
        out = []
        for missing in [k for k in error.validator_value if k not in error.instance]:
            file, key = _locate(sources, path, missing_key=missing)
            why = _needed_because(error, schema)
            meaning = _description(schema, path + (missing,))
            out.append((file, key, f"missing ({why})", f"add it{': ' + meaning if meaning else ''}"))
        return out
    file, key = _locate(sources, path)
    meaning = _description(schema, path)
    if kind == "enum" and path[:1] == ("analyses",):
        return [(file, key, f"unknown analysis family {error.instance!r}",
                 "use one of " + ", ".join(error.validator_value)
                 + " (the families the rule files in workflow/rules/ register)")]
    if kind == "enum":
        problem = f"{error.instance!r} is not one of {', '.join(map(repr, error.validator_value))}"
    elif kind == "oneOf":
        problem = f"fits {'none' if error.context else 'more than one'} of the alternatives allowed here"
    elif kind == "type":
        wanted = error.validator_value if isinstance(error.validator_value, str) else " or ".join(error.validator_value)
        problem = f"must be {wanted}, got {error.instance!r}"
    else:
        problem = error.message
    return [(file, key, problem, meaning)]


def _raise_first(problems: list[tuple[str, str, str, str]], study: str | None) -> None:
    seen, unique = set(), []
    for p in problems:
        if (p[0], p[1]) not in seen:
            seen.add((p[0], p[1]))
            unique.append(p)
    if unique:
        file, key, problem, fix = unique[0]
        others = [f"{f}, key '{k}': {pr}" for f, k, pr, _ in unique[1:]]
        raise DesignError(file, key, problem, fix, study=study, others=others)


def _check(instance: Any, schema: Mapping, sources: list[_Source], study: str | None,
           fill_defaults: bool) -> None:
    errors = list(_validator(schema, fill_defaults).iter_errors(instance))
    _raise_first([p for e in errors for p in _problems(e, schema, sources)], study)


def _read_design_yaml(path: Path, study: str) -> Any:
    try:
        return load_yaml(path)
    except yaml.YAMLError as exc:
        raise DesignError(_shown(path), None, f"not valid YAML ({exc})".replace("\n", " "),
                          "correct the YAML syntax at the line named", study=study) from None


def load_criteria_sets(designs_dir: str | Path, study: str | None = None) -> dict:
    """``<designs_dir>/criteria.yaml`` validated against the schema's ``criteria_file``."""
    path = Path(designs_dir) / CRITERIA_FILE
    if not path.is_file():
        raise DesignError(_shown(path), None, "the criteria file does not exist",
                          "pass the folder holding the designs and criteria.yaml as designs_dir",
                          study=study)
    sets = _read_design_yaml(path, study)
    schema = {"$ref": "#/$defs/criteria_file", "$defs": design_schema()["$defs"]}
    _check(sets, schema, [_Source(_shown(path), sets, ())], study, fill_defaults=False)
    return sets


# ------------------------------------------------------------------------------ resolve
def resolve_study(name: str, study: Mapping[str, Any], conventions: str, designs_dir: str | Path,
                  *, config_file: str = "config.yaml") -> FrozenDict:
    """The resolved, validated and frozen design of one study.

    ``study`` is the study's config entry (``cohort``, ``design``, optional ``conventions`` and
    ``overrides``); ``conventions`` the global convention (a study's own one wins);
    ``designs_dir`` the folder of ``<design>.yaml`` and ``criteria.yaml``; ``config_file`` names
    where the study entry was written, for error messages (e.g. ``--config`` on the command line).

    Returns every key of the design schema that applies (defaults filled), ``criteria`` replaced
    by the full criteria set (with its ``name``), then ``name``, ``cohort``, ``design`` and
    ``conventions``, and the entry's cohort keys (``source``, ``lab_test_names``) where given.
    Raises :class:`DesignError` naming the file and key of the first problem.
    """
    designs_dir = Path(designs_dir)
    entry = ("studies", name)
    design_name = study["design"]
    design_file = designs_dir / f"{design_name}.yaml"
    if design_name == Path(CRITERIA_FILE).stem or not design_file.is_file():
        known = sorted(p.stem for p in designs_dir.glob("*.yaml") if p.name != CRITERIA_FILE)
        raise DesignError(config_file, _dotted(entry + ("design",)),
                          f"unknown design '{design_name}' (no {_shown(design_file)})",
                          f"use one of {', '.join(known) or '(none found)'}, or add the design file",
                          study=name)
    shown_design = _shown(design_file)
    design = _read_design_yaml(design_file, name)
    overrides = study["overrides"] if "overrides" in study and study["overrides"] is not None else {}
    for raw, file, key in ((design, shown_design, None),
                           (overrides, config_file, _dotted(entry + ("overrides",)))):
        if not isinstance(raw, Mapping):
            raise DesignError(file, key, f"must be a mapping of design keys, got {type(raw).__name__}",
                              "write one `key: value` per line", study=name)
    conv = study["conventions"] if "conventions" in study else conventions
    if conv not in CONVENTIONS:
        where = _dotted(entry + ("conventions",)) if "conventions" in study else "conventions"
        raise DesignError(config_file, where, f"unknown convention {conv!r}",
                          f"use one of {', '.join(CONVENTIONS)}", study=name)

    merged = deep_merge(design, overrides)
    sources = [_Source(shown_design, design, ()), _Source(config_file, overrides, entry + ("overrides",))]
    if "criteria" in merged:
        spec, replaced = _merge_criteria(design, overrides)
        if replaced:   # an override naming another set: the design's own criteria no longer apply
            sources[0] = _Source(shown_design, {k: v for k, v in design.items() if k != "criteria"}, ())
        criteria_file = designs_dir / CRITERIA_FILE
        sets = load_criteria_sets(designs_dir, name)
        merged["criteria"] = _criteria_set(spec, sets, sources, name, _shown(criteria_file))
        set_name = spec["name"] if isinstance(spec, Mapping) and "name" in spec else None
        if isinstance(set_name, str) and set_name in sets:
            sources.insert(0, _Source(_shown(criteria_file), sets[set_name], (set_name,), ("criteria",)))

    clash = [k for k in STUDY_KEYS if k in merged]
    if clash:
        file, key = _locate(sources, (clash[0],))
        raise DesignError(file, key, "set by the study's config entry, not by a design",
                          "remove it from the design", study=name)
    _check(merged, design_schema(), sources, name, fill_defaults=True)
    merged.update(name=name, cohort=str(study["cohort"]), design=design_name, conventions=conv)
    merged.update({key: study[key] for key in COHORT_KEYS if key in study and study[key]})
    return freeze(merged)


def _criteria_set(spec: Any, sets: Mapping, sources: list[_Source], study: str,
                  criteria_file: str) -> Any:
    """The full criteria set named by ``spec`` (a name or ``{name: ..., overrides...}``)."""
    if not isinstance(spec, Mapping) or "name" not in spec or not isinstance(spec["name"], str):
        return spec                                      # the schema reports it
    name = spec["name"]
    if name not in sets and set(spec) == {"name"}:
        file, key = _locate(sources, ("criteria",))
        raise DesignError(file, key, f"unknown criteria set '{name}' (not in {criteria_file})",
                          f"use one of {', '.join(sets)}, or give the whole set inline", study=study)
    base = sets[name] if name in sets else {}
    out = deep_merge(base, {k: v for k, v in spec.items() if k != "name"})
    out["name"] = name
    return out
