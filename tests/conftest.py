"""Fixtures shared across test modules."""
from __future__ import annotations

import os

import pytest

from import_helpers import Postgres
from workflow_run import clean_run


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory):
    """The bundled studies (config.yaml) run once from clean in a copy of data/; the folder.
    Used by the end-to-end checks (test_integration.py) and the refit of every statistics row
    (test_refit.py)."""
    return clean_run(tmp_path_factory, "bundled_run")


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL server for the OMOP importer tests (one per test module); skips
    without the server binaries, fails under CI (.ci/run installs them)."""
    try:
        server = Postgres()
    except FileNotFoundError as missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must test the PostgreSQL path: {missing} (.ci/run installs the postgresql package)")
        pytest.skip(f"{missing}: install the postgresql package to run the PostgreSQL importer test")
    yield server
    server.stop()
