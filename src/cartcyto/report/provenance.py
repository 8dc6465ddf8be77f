"""The audit trail of a run: what went in, with which code and which software.

``provenance(input_files, resolved_config, repo_dir)`` returns a JSON-ready dict:

* ``inputs``: ``{path: {"sha256": ..., "bytes": ...}}`` for every input file (paths as given);
* ``outputs``: the same for result files the record vouches for (e.g. ``statistics.csv``);
* ``config``: the resolved study configuration (design + overrides + criteria set + conventions);
* ``python``: interpreter version and implementation;
* ``packages``: versions of the scientific stack (``null`` when a package is not installed);
* ``git``: ``commit`` (``git rev-parse HEAD``) and ``dirty`` (tracked files modified), or nulls
  outside a git checkout.

There is deliberately no timestamp, host name or user: the same code, inputs and software give a
byte-identical file (``write_provenance`` sorts keys, indents by 2 and ends with a newline).
"""
from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

PACKAGES = ("cartcyto", "pandas", "numpy", "scipy", "statsmodels", "lifelines", "matplotlib",
            "snakemake", "pyarrow")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's bytes (read in chunks: large Parquet cohorts)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _git(repo_dir: str | Path, *args: str) -> str | None:
    try:
        res = subprocess.run(["git", "-C", str(repo_dir), *args], capture_output=True, text=True,
                             check=False, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout if res.returncode == 0 else None


def git_state(repo_dir: str | Path) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` (dirty = tracked files modified)."""
    head = _git(repo_dir, "rev-parse", "HEAD")
    if head is None:
        return {"commit": None, "dirty": None}
    status = _git(repo_dir, "status", "--porcelain", "--untracked-files=no")
    return {"commit": head.strip(), "dirty": None if status is None else bool(status.strip())}


def _jsonable(obj: Any) -> Any:
    """Config values -> JSON types (tuples to lists, paths and other objects to str)."""
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def file_hashes(files: Iterable[str | Path]) -> dict[str, dict[str, Any]]:
    """``{path: {"sha256": ..., "bytes": ...}}`` in path order."""
    out = {}
    for f in files:
        p = Path(f)
        out[p.as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    return dict(sorted(out.items()))


def provenance(input_files: Iterable[str | Path], resolved_config: Mapping[str, Any],
               repo_dir: str | Path, output_files: Iterable[str | Path] = ()) -> dict[str, Any]:
    """The provenance record of one study's run (see the module docstring)."""
    return {
        "inputs": file_hashes(input_files),
        "outputs": file_hashes(output_files),
        "config": _jsonable(resolved_config),
        "python": {"version": platform.python_version(),
                   "implementation": platform.python_implementation()},
        "packages": package_versions(),
        "git": git_state(repo_dir),
    }


def to_json(record: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, indent 2, trailing newline."""
    return json.dumps(record, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_provenance(record: Mapping[str, Any], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(to_json(record))
