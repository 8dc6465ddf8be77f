"""Resolve a study: config.yaml entry + its design file + the criteria set, merged into one dict.

The resolved dict is what every rule passes to its script through ``params:``; scripts never
read the global config.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

import yaml

DESIGNS_DIR = Path(__file__).resolve().parents[2] / "workflow" / "designs"


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any] | None) -> dict:
    """Recursively merge ``override`` into a copy of ``base`` (override wins; lists are replaced)."""
    out = copy.deepcopy(dict(base))
    for key, value in (override or {}).items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_yaml(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def resolve_study(name: str, study: Mapping[str, Any], conventions: str = "spss",
                  designs_dir: str | Path = DESIGNS_DIR) -> dict:
    """Merge design defaults, study overrides and the chosen criteria set.

    Returns a dict with at least: ``name``, ``cohort``, ``design``, ``conventions`` and every key
    of the design, where ``criteria`` has been replaced by the full criteria-set dict (with its
    ``name``).
    """
    designs_dir = Path(designs_dir)
    design_name = study["design"]
    design_file = designs_dir / f"{design_name}.yaml"
    if not design_file.exists():
        known = sorted(p.stem for p in designs_dir.glob("*.yaml") if p.stem != "criteria")
        raise ValueError(f"study '{name}': unknown design '{design_name}'; known designs: {known}")
    design = deep_merge(load_yaml(design_file), study.get("overrides"))
    criteria_sets = load_yaml(designs_dir / "criteria.yaml")
    crit = design.get("criteria", "cibmtr")
    if isinstance(crit, str):
        if crit not in criteria_sets:
            raise ValueError(f"study '{name}': unknown criteria set '{crit}'; known: {sorted(criteria_sets)}")
        crit = dict(criteria_sets[crit], name=crit)
    else:  # a dict: override of a named set, {name: ..., ...}
        base = criteria_sets.get(crit.get("name", "cibmtr"), {})
        crit = deep_merge(base, crit)
    design["criteria"] = crit
    design.update(name=name, cohort=str(study["cohort"]), design=design_name,
                  conventions=study.get("conventions", conventions))
    return design
