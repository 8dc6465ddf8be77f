"""Resolved designs for tests: the repository's designs folder, handed to the library explicitly
(the library never guesses it), and helpers for a design written on the fly."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Mapping

import yaml

from cartcyto import design

ROOT = Path(__file__).resolve().parents[1]
DESIGNS_DIR = ROOT / "workflow" / "designs"


def resolve_study(name: str, study: Mapping[str, Any], conventions: str = "spss",
                  designs_dir: str | Path = DESIGNS_DIR):
    """:func:`cartcyto.design.resolve_study` against the repository's designs (SPSS by default)."""
    return design.resolve_study(name, study, conventions, designs_dir)


def resolved(design: str = "wang2021", overrides: Mapping[str, Any] | None = None,
             conventions: str = "spss", name: str | None = None, cohort: str = "x",
             designs_dir: str | Path = DESIGNS_DIR, **entry: Any):
    """``resolve_study`` of a study entry ``{cohort, design, overrides, **entry}``."""
    study = {"cohort": cohort, "design": design, **entry}
    if overrides is not None:
        study["overrides"] = overrides
    return resolve_study(name or design, study, conventions, designs_dir)


def designs_folder(tmp_path: Path, **designs: Mapping[str, Any] | str) -> Path:
    """A designs folder under ``tmp_path``: the repository's criteria.yaml plus ``name=body``
    designs (a mapping dumped as YAML, or YAML text)."""
    folder = tmp_path / "designs"
    folder.mkdir(exist_ok=True)
    shutil.copy(DESIGNS_DIR / "criteria.yaml", folder / "criteria.yaml")
    for name, body in designs.items():
        text = body if isinstance(body, str) else yaml.safe_dump(dict(body), sort_keys=False)
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder
