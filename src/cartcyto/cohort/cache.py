"""Validate once per content: the normalised tables of a cohort, cached by what they are made from.

Reading and validating a large cohort takes seconds, and every ``snakemake`` call (a dry run, a
report, a lint, each cluster job) parses the workflow, which validates every study's cohort before
any job runs. The tables that `read_cohort` returns depend only on

* the bytes of the cohort's table files (and which file holds which table),
* the code that reads them (this package's source files) and the pandas/pyarrow/numpy versions,
* the design keys `read_cohort` uses (``DESIGN_KEYS``),

so they are stored once under ``<cache_dir>/cohorts/<key>/`` with ``key`` the SHA-256 of all of
that, and a later call with the same key loads them instead of reading the cohort again.

* A file's SHA-256 is recomputed only when its size, mtime, ctime or inode changed since it was
  last hashed (``<cache_dir>/file-hashes.json``, as git's index does). A hash taken less than
  ``RACY_SECONDS`` after the file's last change is not reused, since a later write within the same
  timestamp tick would not show in the file's stat.
* An entry is written in a temporary folder and renamed into place, so it is complete or absent.
  Its ``manifest.json`` records each table file's size and SHA-256: `entry_is_complete` (cheap,
  used at parse time) checks the sizes, `load_entry` checks the hashes of the bytes it parses.
  An entry that fails either check is not trusted: it is removed and the cohort read again.
* A cohort that fails validation leaves nothing in the cache, so it fails again, with the same
  message, on every call.
* The cache only ever holds what ``results/<study>/cohort/*.parquet`` holds; no identifier or date
  is written to a log. Entries not validated for ``MAX_AGE_DAYS``, or beyond the ``MAX_ENTRIES``
  most recently validated, are removed when a new one is stored. Deleting the cache folder is always
  safe.

Nothing here reads the cohort itself: `cartcyto.cohort.read.read_cohort` does, on a miss.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import time
import uuid
from collections.abc import Mapping
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any, NamedTuple

CACHE_FORMAT = 2   # 2: the manifest keeps the reader's notes (test names, units and factors)
# Study keys that read_cohort uses (lymphodepletion: start_day / end_day filled where missing;
# lab_test_names: the study's own test codes; analyses and criteria: whether labs are required and
# which tests each lineage needs).
DESIGN_KEYS = ("lymphodepletion", "lab_test_names", "analyses", "criteria")
HASH_INDEX = "file-hashes.json"
ENTRIES = "cohorts"
MANIFEST = "manifest.json"
RACY_SECONDS = 2.0
MAX_ENTRIES = 32      # entries kept; beyond, the least recently validated ones are removed
MAX_AGE_DAYS = 30     # entries not validated for this long are removed
TABLES = ("patients", "labs", "crs", "markers", "treatments")
_CHUNK = 1 << 20


# ---------------------------------------------------------------- hashing inputs

def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _stat_signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class HashIndex:
    """SHA-256 of files, recomputed only when a file's stat changed (see the module docstring)."""

    def __init__(self, cache_dir: str | os.PathLike | None):
        self.path = None if cache_dir is None else Path(cache_dir) / HASH_INDEX
        self.records: dict[str, dict[str, Any]] = {}
        self.changed = False
        if self.path is not None:
            try:
                records = json.loads(self.path.read_text(encoding="utf-8"))
                self.records = records if isinstance(records, dict) else {}
            except (OSError, ValueError):
                self.records = {}

    def digest(self, path: str | os.PathLike) -> str:
        real = os.path.realpath(path)
        st = os.stat(real)
        rec = self.records.get(real)
        if (isinstance(rec, dict) and rec.get("stat") == _stat_signature(st)
                and isinstance(rec.get("sha256"), str)
                and max(st.st_mtime_ns, st.st_ctime_ns) < rec.get("hashed_at_ns", 0) - RACY_SECONDS * 1e9):
            return rec["sha256"]
        hashed_at = time.time_ns()
        sha = file_sha256(real)
        if _stat_signature(os.stat(real)) == _stat_signature(st):  # unchanged while hashing
            self.records[real] = {"stat": _stat_signature(st), "sha256": sha, "hashed_at_ns": hashed_at}
            self.changed = True
        return sha

    def save(self) -> None:
        """Write the index atomically (best effort: the index only saves time)."""
        if self.path is None or not self.changed:
            return
        records = {p: r for p, r in self.records.items() if os.path.exists(p)}
        _write_atomically(self.path, json.dumps(records, sort_keys=True, indent=0).encode())
        self.changed = False


# ---------------------------------------------------------------- the key

@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the cohort package's source files, cartcyto's version and the versions of the
    libraries that shape the tables (a change of any of them makes every entry stale)."""
    import cartcyto

    h = hashlib.sha256(f"cartcyto {cartcyto.__version__}\n".encode())
    for name in ("pandas", "pyarrow", "numpy"):
        try:
            h.update(f"{name} {metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} none\n".encode())
    package = resources.files("cartcyto.cohort")
    for source in sorted((p for p in package.iterdir() if p.name.endswith(".py")), key=lambda p: p.name):
        h.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return h.hexdigest()


def design_part(study: Mapping[str, Any] | None) -> dict[str, Any]:
    """The study keys `read_cohort` uses, as they enter the key (an absent key enters as None)."""
    given = study if study is not None else {}
    return {k: given[k] if k in given else None for k in DESIGN_KEYS}


def cohort_key(paths: Mapping[str, str], study: Mapping[str, Any] | None, index: HashIndex) -> str:
    """The cache key of a cohort: ``paths`` is ``{table: file}`` as `table_paths` returns it."""
    tables = {t: [os.path.basename(p), index.digest(p)] for t, p in sorted(paths.items())}
    text = json.dumps({"format": CACHE_FORMAT, "code": code_fingerprint(), "tables": tables,
                       "design": design_part(study)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- entries

def entry_dir(cache_dir: str | os.PathLike, key: str) -> Path:
    return Path(cache_dir) / ENTRIES / key


def _manifest(entry: Path, key: str) -> dict | None:
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(manifest, dict) and manifest.get("format") == CACHE_FORMAT
            and manifest.get("key") == key and isinstance(manifest.get("tables"), dict)
            and set(manifest["tables"]) == set(TABLES)):
        return None
    return manifest


def entry_is_complete(cache_dir: str | os.PathLike, key: str) -> bool:
    """A readable manifest for ``key`` and every table file at its recorded size (no hashing)."""
    entry = entry_dir(cache_dir, key)
    manifest = _manifest(entry, key)
    if manifest is None:
        return False
    try:
        return all(os.path.getsize(entry / f"{t}.parquet") == rec["bytes"]
                   for t, rec in manifest["tables"].items())
    except (OSError, KeyError, TypeError):
        return False


def discard_entry(cache_dir: str | os.PathLike, key: str) -> None:
    shutil.rmtree(entry_dir(cache_dir, key), ignore_errors=True)


def load_entry(cache_dir: str | os.PathLike, key: str):
    """``(cohort, {table: Parquet bytes})`` of ``key``, or None when the entry is absent or not
    intact (then it is removed). Only bytes whose SHA-256 matches the manifest are parsed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from cartcyto.cohort.read import Cohort

    entry = entry_dir(cache_dir, key)
    manifest = _manifest(entry, key)
    if manifest is None:
        if entry.exists():
            discard_entry(cache_dir, key)
        return None
    frames, parquet = {}, {}
    try:
        for table in TABLES:
            data = (entry / f"{table}.parquet").read_bytes()
            rec = manifest["tables"][table]
            if len(data) != rec["bytes"] or hashlib.sha256(data).hexdigest() != rec["sha256"]:
                raise ValueError(f"{table}: bytes differ from the manifest")
            frames[table] = _to_pandas(pq.read_table(pa.BufferReader(data)))
            parquet[table] = data
        unknown = {str(k): [str(v) for v in vs] for k, vs in manifest["unknown_names"].items()}
        notes = [str(n) for n in manifest["notes"]]
    except Exception:  # noqa: BLE001 - any failure: the entry is not trusted
        discard_entry(cache_dir, key)
        return None
    return Cohort(**frames, unknown_names=unknown, notes=notes), parquet


def _to_pandas(table):
    """The DataFrame read_cohort made: its text columns hold NaN, not None, where a cell is missing."""
    import numpy as np

    frame = table.to_pandas()
    for name, column in zip(table.column_names, table.columns):
        if column.null_count and frame[name].dtype == object:
            frame[name] = frame[name].fillna(np.nan)
    return frame


def parquet_bytes(cohort) -> dict[str, bytes]:
    """Each normalised table as the bytes of a Parquet file (``DataFrame.to_parquet``, no index)."""
    out = {}
    for table in TABLES:
        buf = io.BytesIO()
        getattr(cohort, table).to_parquet(buf, index=False)
        out[table] = buf.getvalue()
    return out


def store_entry(cache_dir: str | os.PathLike, key: str, cohort, parquet: Mapping[str, bytes] | None = None
                ) -> Path | None:
    """Write ``cohort``'s tables (``parquet``: their bytes, if already made) as the entry of
    ``key``: in a temporary folder, renamed into place when complete.

    Returns the entry folder, or None when the cache cannot be written (it is only a cache).
    """
    parquet = parquet_bytes(cohort) if parquet is None else parquet
    final = entry_dir(cache_dir, key)
    tmp = final.parent / f".tmp-{key[:16]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        tables = {}
        for table in TABLES:
            (tmp / f"{table}.parquet").write_bytes(parquet[table])
            tables[table] = {"bytes": len(parquet[table]), "sha256": hashlib.sha256(parquet[table]).hexdigest(),
                             "rows": len(getattr(cohort, table))}
        manifest = {"format": CACHE_FORMAT, "key": key, "tables": tables,
                    "unknown_names": {k: list(v) for k, v in sorted(cohort.unknown_names.items())},
                    "notes": list(cohort.notes)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=1), encoding="utf-8")
        if final.exists() and not entry_is_complete(cache_dir, key):
            discard_entry(cache_dir, key)  # a damaged entry of the same key
        try:
            os.rename(tmp, final)
        except OSError:
            if not entry_is_complete(cache_dir, key):  # not a concurrent writer's complete entry
                raise
    except OSError:
        return None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
    finally:
        if tmp.exists():
            tmp.unlink()


# ---------------------------------------------------------------- what the workflow calls

def _key(folder, study, cache_dir) -> tuple[str, HashIndex]:
    from cartcyto.cohort.read import table_paths

    index = HashIndex(cache_dir)
    return cohort_key(table_paths(folder), study, index), index


class Validation(NamedTuple):
    key: str | None  # the cohort's key (None without a cache)
    read: bool       # whether the cohort was read and validated in full by this call


def validate_cohort(folder, study: Mapping[str, Any] | None, cache_dir: str | os.PathLike | None) -> Validation:
    """Parse time: make sure the cohort is valid, reading it only when its key has no entry.

    Raises `CohortError` exactly as `read_cohort` does.
    """
    from cartcyto.cohort.read import read_cohort

    if cache_dir is None:
        read_cohort(folder, study)
        return Validation(None, True)
    key, index = _key(folder, study, cache_dir)
    read = not entry_is_complete(cache_dir, key)
    if read:
        cohort = read_cohort(folder, study)  # raises CohortError: nothing is stored
        store_entry(cache_dir, key, cohort)
        del cohort
        _release_memory()
        prune(cache_dir, keep=key)
    else:
        _touch(entry_dir(cache_dir, key) / MANIFEST)  # in use: not pruned
    index.save()
    return Validation(key, read)


def prune(cache_dir: str | os.PathLike, keep: str, max_entries: int = MAX_ENTRIES,
          max_age_days: float = MAX_AGE_DAYS) -> list[str]:
    """Remove entries unused for ``max_age_days`` and, beyond ``max_entries``, the least recently used
    (use = last validation, the manifest's mtime); never ``keep``. Returns the keys removed."""
    root = Path(cache_dir) / ENTRIES
    try:
        used = sorted(((d / MANIFEST).stat().st_mtime if (d / MANIFEST).exists() else 0.0, d.name)
                      for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    except OSError:
        return []
    cutoff = time.time() - max_age_days * 86400
    removed = []
    for rank, (mtime, key) in enumerate(reversed(used)):  # most recently used first
        if key != keep and (rank >= max_entries or mtime < cutoff):
            discard_entry(cache_dir, key)
            removed.append(key)
    return removed


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass


def _release_memory() -> None:
    """Return a large read's memory (the parsing snakemake process lives on while the jobs run)."""
    import gc
    import sys

    gc.collect()
    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()


def load_cohort(folder, study: Mapping[str, Any] | None, cache_dir: str | os.PathLike | None):
    """The first job: ``(cohort, {table: Parquet bytes})``, from the cache when its entry is
    intact, else read (and validated) again, and stored."""
    from cartcyto.cohort.read import read_cohort

    if cache_dir is None:
        cohort = read_cohort(folder, study)
        return cohort, parquet_bytes(cohort)
    key, index = _key(folder, study, cache_dir)
    cached = load_entry(cache_dir, key)
    if cached is None:
        cohort = read_cohort(folder, study)
        cached = cohort, parquet_bytes(cohort)
        store_entry(cache_dir, key, *cached)
    index.save()
    return cached


def write_tables(parquet: Mapping[str, bytes], outputs: Mapping[str, str | os.PathLike]) -> None:
    """Write each table's Parquet bytes to ``outputs[table]``."""
    for table, path in outputs.items():
        Path(path).write_bytes(parquet[table])
