"""Figures draw; they never compute a statistic. A figures module may take constants (labels,
group and measure names) from an analysis module, never a function: the values it draws come
from statistics rows, the analyses' points frames and the derived table."""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

FIGURES = Path(__file__).resolve().parents[1] / "src" / "cartcyto" / "figures"


@pytest.mark.parametrize("path", sorted(FIGURES.glob("*.py")), ids=lambda p: p.name)
def test_figures_import_no_analysis_or_stats_function(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad = [a.name for a in node.names if a.name.startswith(("cartcyto.analyses", "cartcyto.stats"))]
            assert not bad, f"{path.name} imports {bad}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cartcyto.stats"):
            raise AssertionError(f"{path.name} imports from {node.module}")
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cartcyto.analyses"):
            module = importlib.import_module(node.module)
            for alias in node.names:
                value = getattr(module, alias.name)
                assert not callable(value), f"{path.name} imports {node.module}.{alias.name}"
