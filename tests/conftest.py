"""Fixtures shared across test modules."""
from __future__ import annotations

import pytest

from workflow_run import clean_run


@pytest.fixture(scope="session")
def bundled_run(tmp_path_factory):
    """The bundled studies (config.yaml) run once from clean in a copy of data/; the folder.
    Used by the end-to-end checks (test_integration.py) and the refit of every statistics row
    (test_refit.py)."""
    return clean_run(tmp_path_factory, "bundled_run")
