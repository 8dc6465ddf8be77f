"""Formatting helpers for publication tables (CSV + Markdown), without extra dependencies.

Generic: used by every analysis family and by Table 1.

* :func:`format_number` -- a number with at most ``decimals`` decimals, trailing zeros stripped.
* :func:`format_median_range` -- ``"31.5 [15-74]"`` (the papers' ``median [range]``).
* :func:`format_count_percent` -- ``"14 (18.42%)"``.
* :func:`format_p` -- ``"<0.001"`` or ``"0.043"``.
* :func:`to_markdown` -- a GitHub-flavoured pipe table (no ``tabulate`` needed).
* :func:`write_table` -- ``<stem>.csv`` and ``<stem>.md`` from one DataFrame.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

MISSING = ""


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value: Any, decimals: int | None = 2, strip: bool = True) -> str:
    """Format ``value`` with ``decimals`` decimals; ``strip`` drops trailing zeros (``50.00`` -> ``50``).

    ``decimals=None`` keeps up to 6 significant decimals (for values that are already rounded).
    Missing values give ``""``.
    """
    if _is_missing(value):
        return MISSING
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = f"{value:.{6 if decimals is None else decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        text = "0"
    return text


def format_median_range(med: Any, lo: Any, hi: Any, decimals: int | None = 2) -> str:
    """``median [min-max]`` as in the papers' tables, e.g. ``"31.5 [15-74]"``.

    A negative bound switches the separator to ``" to "`` (``"-3 [-4 to -2]"``) so that a minus
    sign is never read as the range dash. Missing median gives ``""``.
    """
    if _is_missing(med):
        return MISSING
    m, a, b = (format_number(v, decimals) for v in (med, lo, hi))
    if a == MISSING and b == MISSING:
        return m
    sep = " to " if (a.startswith("-") or b.startswith("-")) else "-"
    return f"{m} [{a}{sep}{b}]"


def format_count_percent(count: Any, pct: Any, decimals: int = 2, strip: bool = True) -> str:
    """``n (pct%)``, e.g. ``format_count_percent(14, 18.4211)`` -> ``"14 (18.42%)"``.

    ``pct`` is a percentage (0-100). With ``strip`` (default, as in the papers) ``50.00`` prints
    as ``50``. A missing percent (empty denominator) prints the count alone.
    """
    if _is_missing(count):
        return MISSING
    c = format_number(count, 0)
    if _is_missing(pct):
        return c
    return f"{c} ({format_number(pct, decimals, strip)}%)"


def format_p(p: Any, decimals: int = 3, floor: float = 0.001) -> str:
    """A p-value for a table: ``"<0.001"`` below ``floor``, else ``decimals`` decimals (not stripped)."""
    if _is_missing(p):
        return MISSING
    p = float(p)
    if p < floor:
        return f"<{format_number(floor, decimals, strip=True)}"
    return f"{p:.{decimals}f}"


def _cell(value: Any) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, float):
        return format_number(value, None)
    return str(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(df: pd.DataFrame, index: bool = False) -> str:
    """A Markdown pipe table of ``df`` (strings as-is, floats without trailing zeros, NaN empty).

    Numeric columns are right-aligned, others left-aligned.
    """
    if index:
        df = df.reset_index()
    cols = [str(c) for c in df.columns]
    rows = [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
               for c in df.columns]
    header = "| " + " | ".join(c.replace("|", "\\|") for c in cols) + " |"
    rule = "| " + " | ".join("---:" if num else "---" for num in numeric) + " |"
    body = ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join([header, rule, *body]) + "\n"


def write_table(df: pd.DataFrame, stem: str | Path, title: str | None = None,
                note: str | None = None) -> list[str]:
    """Write ``df`` to ``<stem>.csv`` and ``<stem>.md``; returns the two paths.

    The Markdown file carries an optional ``title`` (as a heading) and ``note`` (a footnote line
    below the table, e.g. the tests used).
    """
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    csv, md = stem.with_suffix(".csv"), stem.with_suffix(".md")
    df.to_csv(csv, index=False, lineterminator="\n")
    parts = []
    if title:
        parts.append(f"### {title}\n")
    parts.append(to_markdown(df))
    if note:
        parts.append(f"\n{note}\n")
    md.write_text("\n".join(parts) if title else "".join(parts), encoding="utf-8")
    return [str(csv), str(md)]


def method_note(stats: pd.DataFrame, analysis: str | None, statistic: str | None = None) -> str:
    """The ``method`` of the first computed test row of ``analysis`` (None: any analysis) with
    ``statistic`` (None: any), for a table's footnote.

    Prefers a row with a p-value, so a footnote never quotes a "not computed" message when
    another row of the analysis was computed; "" when the analysis has no rows.
    """
    sel = pd.Series(True, index=stats.index) if analysis is None else stats["analysis"] == analysis
    if statistic is not None:
        sel &= stats["statistic"] == statistic
    rows = stats[sel]
    if rows.empty:
        return ""
    computed = rows[rows["p_value"].notna()]
    return str((computed if len(computed) else rows)["method"].iloc[0])
