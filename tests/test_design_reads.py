"""No design key is read with a default in code: defaults live only in the design schema
(src/cartcyto/schemas/design.schema.yaml), filled in by cartcyto.design.resolve_study.

An AST scan of the library, the workflow scripts and the benchmarks (plus a line scan of the rule
files) flags ``X.get(key[, default])`` and ``getattr(X, key, default)`` where X holds a design value
(``study`` and what a function reads from it) or the key is a design key found nowhere else. The
scanner's own test shows what it catches and what it leaves alone.
"""
from __future__ import annotations

import ast
import re

from cartcyto import design as design_module
from cartcyto.design import design_schema
from design_fixtures import ROOT


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for sub in children:
        yield from _walk(sub)


GENERIC_KEYS = {"name", "label", "test", "anc", "hb", "plt", "sn", "sa", "st", "M", "F", "cohort",
                "design", "conventions"}
"""Design keys that also name other things (columns, tests, lineages): flagged only on values that
come from the design, not as a bare literal."""


def design_keys() -> set[str]:
    keys = set(design_module.STUDY_KEYS)
    for node in _walk(design_schema()):
        if isinstance(node, dict) and isinstance(node.get("properties"), dict):
            keys |= set(node["properties"])
    return keys


def _from_design(expr: ast.AST, names: set[str]) -> bool:
    """Is ``expr`` (a receiver or an assigned value) a design value: a name holding one, a
    subscript or attribute of one, ``dict()``/``list()`` of one, or ``x or {}`` of one?"""
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, (ast.Subscript, ast.Attribute)):
        chain = ast.unparse(expr)
        return chain.startswith("snakemake.params.study") or _from_design(expr.value, names)
    if isinstance(expr, ast.BoolOp):
        return any(_from_design(v, names) for v in expr.values)
    if isinstance(expr, ast.IfExp):
        return _from_design(expr.body, names) or _from_design(expr.orelse, names)
    if isinstance(expr, ast.Call):
        f = expr.func
        if isinstance(f, ast.Name) and f.id in ("dict", "list") and expr.args:
            return _from_design(expr.args[0], names)
        if isinstance(f, ast.Attribute) and f.attr in ("items", "values", "get", "copy"):
            return _from_design(f.value, names)
    return False


def _bound(target: ast.AST) -> set[str]:
    """Names an assignment target binds (``x``, ``a, b``), not the bases of ``x[k] = ...``."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        return {n for t in target.elts for n in _bound(t)}
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return set()


def _design_names(scope: ast.AST) -> set[str]:
    """Names bound to design values in ``scope`` (``study`` and what is read from it), to a fixed point."""
    names = {"study"}
    while True:
        before = len(names)
        for node in ast.walk(scope):
            if isinstance(node, ast.Assign) and _from_design(node.value, names):
                names |= {n for t in node.targets for n in _bound(t)}
            elif isinstance(node, (ast.For, ast.comprehension)) and _from_design(node.iter, names):
                names |= _bound(node.target)
        if len(names) == before:
            return names


def design_gets(source: str) -> list[tuple[int, str]]:
    """(line, code) of every read of a design key with a fallback: ``X.get(key[, default])`` or
    ``getattr(X, key, default)`` where X holds a design value, or the key is a design key literal."""
    tree = ast.parse(source)
    keys, specific = design_keys(), design_keys() - GENERIC_KEYS
    scopes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda)))]
    hits = set()
    for scope in scopes:
        names = _design_names(scope)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            f, first = node.func, node.args[0]
            if isinstance(f, ast.Attribute) and f.attr == "get":
                receiver, key = f.value, first
            elif isinstance(f, ast.Name) and f.id == "getattr" and len(node.args) == 3:
                receiver, key = first, node.args[1]
            else:
                continue
            literal = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            if _from_design(receiver, names) and (literal is None or literal in keys) or literal in specific:
                hits.add((node.lineno, ast.unparse(node)))
    return sorted(hits)


def test_scanner_finds_design_reads_with_a_default_and_nothing_else():
    bad = '''
def f(study, cfg, snakemake):
    a = study.get("pht_day", 28)
    b = (study or {}).get("phases", {})
    crit = study["criteria"]
    c = crit.get("label", "")
    for lin, spec in study["criteria"]["lineages"].items():
        spec.get("transfusion")
    d = cfg.get("pre_scb_window_days", 28)
    e = snakemake.params.study.get("name")
    g = getattr(study, "bonferroni", True)
'''
    assert [line for line, _ in design_gets(bad)] == [3, 4, 6, 8, 9, 10, 11]
    fine = '''
def f(study, df, row):
    a = LABELS.get(term, term)
    b = row.get("test")
    c = df.get("crs_max_grade")
    d = derive(study).get("anc")
    e = study["pht_day"]
'''
    assert design_gets(fine) == []


def test_no_design_key_is_read_with_a_default_in_code():
    files = [*(ROOT / "src" / "cartcyto").rglob("*.py"), *(ROOT / "workflow" / "scripts").glob("*.py"),
             *(ROOT / "benchmarks").glob("*.py")]
    found = [f"{path.relative_to(ROOT)}:{line}: {code}" for path in files
             for line, code in design_gets(path.read_text(encoding="utf-8"))]
    specific = "|".join(sorted(design_keys() - GENERIC_KEYS))
    smk = re.compile(rf"STUDIES\[[^\]]+\]\.get\(|\.get\(\s*[\"']({specific})[\"']")
    for path in (ROOT / "workflow" / "rules").glob("*.smk"):
        for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if smk.search(text):
                found.append(f"{path.relative_to(ROOT)}:{i}: {text.strip()}")
    assert not found, ("design keys read with a default in code; defaults belong in "
                       "src/cartcyto/schemas/design.schema.yaml:\n" + "\n".join(found))
