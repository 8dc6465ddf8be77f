"""cartcyto.report.provenance: hashes, config, versions, git state; byte-identical and timestamp-free."""
import hashlib
import json
import re
import shutil
import subprocess

import pytest

from cartcyto.report.provenance import (PACKAGES, git_state, provenance, sha256_file, to_json,
                                 write_provenance)

CONFIG = {"name": "wang2021", "cohort": "data/wang2021", "conventions": "spss",
          "criteria": {"name": "cibmtr", "sn": 0.5}, "marker_window": (0, 28)}


@pytest.fixture
def cohort(tmp_path):
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "patients.csv").write_bytes(b"patient_id,sex,age_years\nP1,M,31\n")
    (folder / "labs.csv").write_bytes(b"patient_id,day,test,value\nP1,0,anc,0.4\n")
    return [folder / "patients.csv", folder / "labs.csv"]


def test_sha256_file(cohort):
    assert sha256_file(cohort[0]) == hashlib.sha256(cohort[0].read_bytes()).hexdigest()
    # sha256 of "abc" (FIPS 180-2 test vector)
    abc = cohort[0].parent / "abc.txt"
    abc.write_bytes(b"abc")
    assert sha256_file(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_record_contents(cohort, tmp_path):
    rec = provenance(cohort, CONFIG, tmp_path, output_files=[cohort[1]])
    assert set(rec) == {"inputs", "outputs", "config", "python", "packages", "git"}
    assert list(rec["inputs"]) == sorted(p.as_posix() for p in cohort)
    for path, entry in rec["inputs"].items():
        assert entry == {"sha256": hashlib.sha256(open(path, "rb").read()).hexdigest(),
                         "bytes": len(open(path, "rb").read())}
    assert rec["outputs"][cohort[1].as_posix()]["sha256"] == sha256_file(cohort[1])
    assert rec["config"]["marker_window"] == [0, 28] and rec["config"]["criteria"]["sn"] == 0.5
    assert set(rec["packages"]) == set(PACKAGES)
    assert rec["packages"]["pandas"] and rec["packages"]["numpy"]
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", rec["python"]["version"])


def test_hash_changes_with_content(cohort, tmp_path):
    before = provenance(cohort, CONFIG, tmp_path)["inputs"]
    cohort[1].write_bytes(cohort[1].read_bytes().replace(b"0.4", b"0.5"))
    after = provenance(cohort, CONFIG, tmp_path)["inputs"]
    key = cohort[1].as_posix()
    assert before[key]["sha256"] != after[key]["sha256"]
    assert before[cohort[0].as_posix()] == after[cohort[0].as_posix()]


def test_byte_identical_and_no_timestamp(cohort, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    write_provenance(provenance(cohort, CONFIG, tmp_path), a)
    write_provenance(provenance(cohort, CONFIG, tmp_path), b)
    assert a.read_bytes() == b.read_bytes()
    text = a.read_text(encoding="utf-8")
    assert text.endswith("}\n") and json.loads(text)["config"]["name"] == "wang2021"
    assert text == to_json(json.loads(text))  # sorted keys, indent 2
    assert not re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}", text)
    keys = re.findall(r'"([^"]+)":', text)
    assert not [k for k in keys if re.search(r"time|date|host|user", k, re.I)]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_git_state(tmp_path):
    assert git_state(tmp_path) == {"commit": None, "dirty": None}  # not a checkout
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(git + ["init", "-q"], check=True)
    (tmp_path / "f.txt").write_text("a\n")
    subprocess.run(git + ["add", "f.txt"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "init"], check=True)
    head = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()
    assert git_state(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "untracked.txt").write_text("x\n")  # untracked files do not make the tree dirty
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "f.txt").write_text("b\n")
    assert git_state(tmp_path) == {"commit": head, "dirty": True}
