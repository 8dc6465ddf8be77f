"""Validate once per content (cartcyto.cohort.cache): the cached tables are read_cohort's tables, a
cohort is read again only when what it is made from changes, bad input is never cached, and a
damaged or partial entry is never trusted."""
from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from ingest_fixtures import set_cell, write_clean_cohort

import cartcyto.cohort.read as read_module
from cartcyto.cohort import cache
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.read import read_cohort
from cartcyto.derive.patients import derive_episodes, derive_patients
from design_fixtures import resolve_study, resolved

# assert_frame_equal only warns when one side has None and the other NaN: make that a failure
pytestmark = pytest.mark.filterwarnings("error::FutureWarning")
REPO = Path(__file__).resolve().parents[1]
STUDY = resolved("wang2021", overrides={"lymphodepletion": {"start_day": -5, "end_day": -3}})


def assert_same_cohort(got, expected):
    for table in cache.TABLES:
        a, b = getattr(got, table), getattr(expected, table)
        assert list(a.columns) == list(b.columns), table
        assert list(a.dtypes) == list(b.dtypes), table
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=table)
    assert got.unknown_names == expected.unknown_names


@pytest.fixture
def folder(tmp_path):
    return write_clean_cohort(tmp_path / "cohort")


@pytest.fixture
def cache_dir(tmp_path):
    return tmp_path / "cache"


class Reads:
    """Counts read_cohort calls (the full read the cache exists to avoid)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = read_module.read_cohort

        def counting(*args, **kwargs):
            self.n += 1
            return real(*args, **kwargs)
        monkeypatch.setattr(read_module, "read_cohort", counting)


@pytest.fixture
def reads(monkeypatch):
    return Reads(monkeypatch)


def entries(cache_dir):
    root = Path(cache_dir) / cache.ENTRIES
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def age_hash_index(cache_dir, seconds=60):
    """Pretend every file was hashed `seconds` ago, long after it last changed (no racy re-hash)."""
    path = Path(cache_dir) / cache.HASH_INDEX
    records = json.loads(path.read_text())
    for rec in records.values():
        rec["hashed_at_ns"] = max(rec["stat"][1], rec["stat"][2]) + int(seconds * 1e9)
    path.write_text(json.dumps(records))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_cached_tables_are_read_cohorts_tables(tmp_path, fmt):
    folder = write_clean_cohort(tmp_path / "cohort", fmt=fmt)
    expected = read_cohort(folder, STUDY)
    key = cache.validate_cohort(folder, STUDY, tmp_path / "cache").key
    cohort, parquet = cache.load_entry(tmp_path / "cache", key)
    assert_same_cohort(cohort, expected)
    assert set(parquet) == set(cache.TABLES)


def test_absent_optional_tables_round_trip_as_empty_typed_tables(tmp_path):
    folder = write_clean_cohort(tmp_path / "cohort", tables=("patients", "labs"))
    expected = read_cohort(folder, STUDY)
    cohort, _ = cache.load_cohort(folder, STUDY, tmp_path / "cache")  # first call: read and stored
    again, _ = cache.load_cohort(folder, STUDY, tmp_path / "cache")   # second: from the entry
    assert_same_cohort(cohort, expected)
    assert_same_cohort(again, expected)
    assert len(again.markers) == 0


@pytest.mark.parametrize("name", ["wang2021", "mullanfiroze2022"])
def test_demo_cohorts_derive_the_same_from_the_cache(tmp_path, name):
    study = resolve_study(name, {"cohort": str(REPO / "data" / name), "design": name})
    direct = read_cohort(study["cohort"], study)
    cache.validate_cohort(study["cohort"], study, tmp_path)
    cached, _ = cache.load_cohort(study["cohort"], study, tmp_path)
    assert_same_cohort(cached, direct)
    pd.testing.assert_frame_equal(derive_patients(cached, study), derive_patients(direct, study))
    pd.testing.assert_frame_equal(derive_episodes(cached, study), derive_episodes(direct, study))


def test_an_unchanged_cohort_is_read_once(folder, cache_dir, reads):
    key, read = cache.validate_cohort(folder, STUDY, cache_dir)
    assert read and reads.n == 1 and entries(cache_dir) == [key]
    assert cache.validate_cohort(folder, STUDY, cache_dir) == (key, False)  # parse time again (dry run, report)
    cohort, _ = cache.load_cohort(folder, STUDY, cache_dir)            # the ingest_derive job
    assert reads.n == 1
    assert len(cohort.patients) == 4


def test_unchanged_files_are_not_hashed_again(folder, cache_dir, monkeypatch):
    cache.validate_cohort(folder, STUDY, cache_dir)
    age_hash_index(cache_dir)
    calls = []
    real = cache.file_sha256
    monkeypatch.setattr(cache, "file_sha256", lambda p: calls.append(p) or real(p))
    cache.validate_cohort(folder, STUDY, cache_dir)
    assert calls == []


def test_a_hash_taken_right_after_a_change_is_not_reused(folder, cache_dir, monkeypatch):
    cache.validate_cohort(folder, STUDY, cache_dir)  # the files were written just now: racy
    calls = []
    real = cache.file_sha256
    monkeypatch.setattr(cache, "file_sha256", lambda p: calls.append(p) or real(p))
    cache.validate_cohort(folder, STUDY, cache_dir)
    assert len(calls) == 5  # every table hashed again


def test_changed_content_is_read_and_validated_again(folder, cache_dir, reads):
    first = cache.validate_cohort(folder, STUDY, cache_dir).key
    age_hash_index(cache_dir)
    set_cell(folder, "labs", 2, "value", "2.2")
    second = cache.validate_cohort(folder, STUDY, cache_dir).key
    assert second != first and reads.n == 2
    cohort, _ = cache.load_cohort(folder, STUDY, cache_dir)
    assert sorted(cohort.labs.query("patient_id == 'P01' and day == -7 and test == 'anc'")["value"]) == [2.2]


def test_content_changed_behind_a_restored_mtime_is_seen(folder, cache_dir, reads):
    first = cache.validate_cohort(folder, STUDY, cache_dir).key
    age_hash_index(cache_dir)
    labs = folder / "labs.csv"
    st = labs.stat()
    labs.write_bytes(labs.read_bytes().replace(b"P01,-7,anc,2.1", b"P01,-7,anc,2.9"))  # same size
    os.utime(labs, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime as before; ctime moves on
    assert labs.stat().st_size == st.st_size
    assert cache.validate_cohort(folder, STUDY, cache_dir).key != first and reads.n == 2


def test_key_follows_the_lymphodepletion_defaults_not_other_design_keys(folder, cache_dir):
    index = cache.HashIndex(cache_dir)
    paths = read_module.table_paths(folder)
    key = cache.cohort_key(paths, STUDY, index)
    assert cache.cohort_key(paths, dict(STUDY, pht_day=21), index) == key
    assert cache.cohort_key(paths, dict(STUDY, lymphodepletion={"start_day": -6, "end_day": -3}), index) != key


def test_key_follows_the_reading_code(folder, cache_dir, monkeypatch):
    index = cache.HashIndex(cache_dir)
    paths = read_module.table_paths(folder)
    key = cache.cohort_key(paths, STUDY, index)
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "another version of the reader")
    assert cache.cohort_key(paths, STUDY, index) != key


def test_bad_input_fails_every_time_with_read_cohorts_message_and_is_not_cached(folder, cache_dir):
    set_cell(folder, "labs", 6, "value", "low")
    with pytest.raises(CohortError) as direct:
        read_cohort(folder, STUDY)
    for _ in range(2):
        with pytest.raises(CohortError) as cached:
            cache.validate_cohort(folder, STUDY, cache_dir)
        assert cached.value.message() == direct.value.message()
    assert entries(cache_dir) == []
    assert not (cache_dir / cache.HASH_INDEX).exists()


def test_missing_folder_gets_read_cohorts_message(tmp_path):
    with pytest.raises(CohortError, match="does not exist"):
        cache.validate_cohort(tmp_path / "nowhere", STUDY, tmp_path / "cache")


def test_a_damaged_entry_is_not_trusted(folder, cache_dir, reads):
    key = cache.validate_cohort(folder, STUDY, cache_dir).key
    labs = cache.entry_dir(cache_dir, key) / "labs.parquet"
    data = bytearray(labs.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size: passes the parse-time check, fails the hash
    labs.write_bytes(bytes(data))
    assert cache.entry_is_complete(cache_dir, key)
    assert cache.load_entry(cache_dir, key) is None
    assert entries(cache_dir) == []  # removed
    cohort, _ = cache.load_cohort(folder, STUDY, cache_dir)  # read again, stored again
    assert reads.n == 2 and entries(cache_dir) == [key]
    assert_same_cohort(cohort, read_cohort(folder, STUDY))
    assert cache.load_entry(cache_dir, key) is not None


def test_a_truncated_entry_is_read_again_at_parse_time(folder, cache_dir, reads):
    key = cache.validate_cohort(folder, STUDY, cache_dir).key
    labs = cache.entry_dir(cache_dir, key) / "labs.parquet"
    labs.write_bytes(labs.read_bytes()[:100])
    assert not cache.entry_is_complete(cache_dir, key)
    cache.validate_cohort(folder, STUDY, cache_dir)
    assert reads.n == 2
    assert cache.entry_is_complete(cache_dir, key)


@pytest.mark.parametrize("damage", ["no manifest", "manifest of another key", "manifest not json", "file missing"])
def test_a_partial_entry_is_not_complete(folder, cache_dir, damage):
    key = cache.validate_cohort(folder, STUDY, cache_dir).key
    entry = cache.entry_dir(cache_dir, key)
    manifest = entry / cache.MANIFEST
    if damage == "no manifest":
        manifest.unlink()
    elif damage == "manifest of another key":
        manifest.write_text(manifest.read_text().replace(key, "0" * 64))
    elif damage == "manifest not json":
        manifest.write_text(manifest.read_text()[:40])
    else:
        (entry / "crs.parquet").unlink()
    assert not cache.entry_is_complete(cache_dir, key)
    assert cache.load_entry(cache_dir, key) is None


def test_an_interrupted_write_leaves_no_entry(folder, cache_dir, monkeypatch):
    def crash(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(cache.os, "rename", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.validate_cohort(folder, STUDY, cache_dir)
    assert entries(cache_dir) == []  # neither the entry nor its temporary folder


def test_an_unwritable_cache_still_validates(folder, tmp_path, reads):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder would be")
    cache.validate_cohort(folder, STUDY, blocker)
    cohort, parquet = cache.load_cohort(folder, STUDY, blocker)
    assert reads.n == 2 and len(cohort.labs) == 11 and set(parquet) == set(cache.TABLES)


def test_no_cache_dir_reads_every_time(folder, reads):
    assert cache.validate_cohort(folder, STUDY, None) == (None, True)
    _, parquet = cache.load_cohort(folder, STUDY, None)
    assert reads.n == 2 and set(parquet) == set(cache.TABLES)


def test_write_tables_writes_the_entrys_bytes(folder, cache_dir, tmp_path):
    key = cache.validate_cohort(folder, STUDY, cache_dir).key
    _, parquet = cache.load_cohort(folder, STUDY, cache_dir)
    out = {t: tmp_path / "out" / f"{t}.parquet" for t in cache.TABLES}
    (tmp_path / "out").mkdir()
    cache.write_tables(parquet, out)
    for table, path in out.items():
        assert path.read_bytes() == (cache.entry_dir(cache_dir, key) / f"{table}.parquet").read_bytes()
        old_ingest = io.BytesIO()  # what the ingest job wrote before the cache existed
        getattr(read_cohort(folder, STUDY), table).to_parquet(old_ingest, index=False)
        assert path.read_bytes() == old_ingest.getvalue()


def test_the_cache_holds_no_copy_of_the_inputs(folder, cache_dir):
    cache.validate_cohort(folder, STUDY, cache_dir)
    names = {p.name for p in Path(cache_dir).rglob("*") if p.is_file()}
    assert names == {cache.HASH_INDEX, cache.MANIFEST, *(f"{t}.parquet" for t in cache.TABLES)}
    shutil.rmtree(cache_dir)  # deleting it is always safe: the next call reads again
    cache.validate_cohort(folder, STUDY, cache_dir)


def test_old_and_surplus_entries_are_pruned_never_the_new_one(folder, cache_dir, tmp_path):
    keys = []
    for i in range(4):  # four contents of the same cohort
        set_cell(folder, "labs", 2, "value", str(2.0 + i))
        keys.append(cache.validate_cohort(folder, STUDY, cache_dir).key)
    assert len(set(keys)) == 4 and entries(cache_dir) == sorted(keys)  # all recent, fewer than 32
    for i, key in enumerate(keys):  # last used in this order, long ago
        os.utime(cache.entry_dir(cache_dir, key) / cache.MANIFEST, (1000.0 + i, 1000.0 + i))
    assert cache.prune(cache_dir, keep=keys[0], max_entries=2, max_age_days=1e9) == [keys[1]]
    assert entries(cache_dir) == sorted([keys[0], keys[2], keys[3]])
    assert sorted(cache.prune(cache_dir, keep=keys[2], max_entries=10, max_age_days=30)) == sorted([keys[0], keys[3]])
    assert entries(cache_dir) == [keys[2]]


def test_a_hit_marks_the_entry_as_used(folder, cache_dir):
    key = cache.validate_cohort(folder, STUDY, cache_dir).key
    manifest = cache.entry_dir(cache_dir, key) / cache.MANIFEST
    os.utime(manifest, (1000.0, 1000.0))
    cache.validate_cohort(folder, STUDY, cache_dir)
    assert manifest.stat().st_mtime > 1000.0
