"""The scorecard: every published number of a study joined to the pipeline's ``statistics.csv``.

A published item (one row of ``data/published/<study>.csv``, see ``data/published/README.md``) names
the statistics row it is compared with by the key ``analysis, outcome, term, level, statistic``
and the column of that row by ``field`` (``estimate``, ``ci_low``, ``ci_high``, ``p_value`` or ``n``).

Statuses (one principle for every rule)
----------------------------------------
* ``match``: the printed statement is reproduced: the same count, the same digits after rounding
  the reproduced number half-up to the printed decimals, or the printed inequality (``<0.001``)
  holds.
* ``within_tolerance``: the printed digits are not reproduced, but the reproduced number lies within
  the item's documented tolerance (below). It never means "close enough by eye".
* ``discrepant``: neither; or the reproduced value contradicts the published one.
* ``not_reproducible``: no statistics row has the item's key (analysis not implemented or not
  computable on this cohort), several rows share it, or the row has no value in ``field``.

Rules
-----
* ``exact`` (counts, denominators): match iff equal; no tolerance.
* ``rounded`` (medians, ranges, percents, printed p-values, CI bounds, rho): match iff
  ``round_half_up(reproduced, decimals) == published``; within_tolerance iff
  ``|reproduced - published| <= tolerance``, where ``tolerance`` is the item's column, or, when
  empty, one unit in the last printed decimal (``10**-decimals``: an off-by-one in the last digit,
  as intermediate rounding or a tie convention produces).
* ``p_category`` (p-values the paper prints as an inequality, and model p-values): a printed
  inequality (``<0.001``) matches iff it holds for the reproduced p; a printed number matches iff
  its digits are reproduced. Otherwise within_tolerance iff the reproduced p leads to the paper's
  own conclusion at ``ALPHA`` = 0.05 (Wang 2021 Methods: P <= 0.05 significant), else discrepant.
* ``within_ci`` (HR, OR): match iff the printed digits are reproduced; within_tolerance iff the
  published estimate lies inside the reproduced 95% CI [ci_low, ci_high] and on the same side of
  the null (1 for HR/OR, 0 otherwise) as the reproduced estimate; else discrepant.

Percent items (``unit`` = ``percent``) are on the 0-100 scale; a reproduced value <= 1 for a
published percent > 1 is read as a proportion and multiplied by 100 (said in ``detail``). Items with
``unit`` ``days``/``months``/``years`` come from a statistics row in days and are converted to the
printed unit (month = 30.4375 days, year = 365.25 days) before the rule is applied.
"""
from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from cartcyto.report.rows import KEY_COLUMNS, stat_frame

PUBLISHED_COLUMNS = [
    "item", "analysis", "outcome", "term", "level", "statistic", "field", "published", "value",
    "rule", "decimals", "tolerance", "unit", "alternatives", "source", "note", "reason",
]
SCORECARD_COLUMNS = [
    "item", "source", "published", "reproduced", "rule", "status", "detail", "reason",
    "method", "n", "ci_low", "ci_high", "analysis", "outcome", "term", "level", "statistic", "field",
]
RULES = ("exact", "rounded", "p_category", "within_ci")
FIELDS = ("estimate", "ci_low", "ci_high", "p_value", "n")
STATUSES = ("match", "within_tolerance", "discrepant", "not_reproducible")
UNITS = ("", "percent", "days", "months", "years")
DAYS_PER_UNIT = {"days": 1.0, "months": 30.4375, "years": 365.25}
ALPHA = 0.05
NULL_VALUE = {"HR": 1.0, "OR": 1.0, "RR": 1.0}
NO_ROW = "no statistics row (analysis not implemented or not computable)"
_NUMBER = re.compile(r"([<>]=?|[≤≥])?\s*(\d+\.?\d*|\.\d+)")
_TEXT = ["item", "analysis", "outcome", "term", "level", "statistic", "field", "published", "rule",
         "unit", "alternatives", "source", "note", "reason"]


def parse_published(text: str) -> tuple[str, Decimal, int]:
    """``"18.42%"`` -> ``("", Decimal("18.42"), 2)``; ``"<0.001"`` -> ``("<", Decimal("0.001"), 3)``.

    Returns the comparator (``""``, ``<``, ``<=``, ``>``, ``>=``), the first number as printed and
    its number of printed decimals. Raises ValueError when the text holds no number.
    """
    m = _NUMBER.search(str(text))
    if not m:
        raise ValueError(f"published value {text!r} holds no number")
    comp = {"≤": "<=", "≥": ">="}.get(m.group(1) or "", m.group(1) or "")
    digits = m.group(2)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return comp, Decimal(digits), decimals


def round_half_up(x: float, decimals: int) -> Decimal:
    """Round as a person reading the shortest decimal form of ``x`` would (2.675 -> 2.68)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-int(decimals)), rounding=ROUND_HALF_UP)


def read_published(path: str) -> pd.DataFrame:
    """Read a ``data/published/<study>.csv`` (text columns as text, empty = "")."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return normalise_published(df)


def normalise_published(df: pd.DataFrame) -> pd.DataFrame:
    """Published rows with every column of PUBLISHED_COLUMNS (missing ones empty), typed."""
    df = df.copy()
    for col in PUBLISHED_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    for col in _TEXT:
        df[col] = df[col].fillna("").astype(str).str.strip()
    for col in ("value", "decimals", "tolerance"):
        text = df[col].astype(str).str.strip()
        df[col] = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
    return df[PUBLISHED_COLUMNS].reset_index(drop=True)


def read_statistics(path: str) -> pd.DataFrame:
    """Read a ``statistics.csv`` keeping key columns as text ("none", "1", "" stay as written)."""
    df = pd.read_csv(path, dtype={c: str for c in KEY_COLUMNS + ["method"]},
                     keep_default_na=False, na_values=[""])
    return stat_frame(df)


def validate_published(df: pd.DataFrame) -> list[str]:
    """Problems of a published table (empty list = well-formed). Used by tests and before scoring."""
    df = normalise_published(df)
    problems = []
    dup = df.loc[df["item"].duplicated(), "item"].tolist()
    if dup:
        problems.append(f"duplicate item keys: {dup}")
    keyed = df[KEY_COLUMNS + ["field"]].apply(tuple, axis=1)
    if keyed.duplicated().any():
        problems.append(f"duplicate (key, field): {df.loc[keyed.duplicated(), 'item'].tolist()}")
    for _, r in df.iterrows():
        where = f"item {r['item'] or '<empty>'}"
        if not r["item"] or not r["analysis"] or not r["statistic"] or not r["source"]:
            problems.append(f"{where}: item, analysis, statistic and source are required")
        if r["rule"] not in RULES:
            problems.append(f"{where}: rule {r['rule']!r} not in {RULES}")
        if r["field"] not in FIELDS:
            problems.append(f"{where}: field {r['field']!r} not in {FIELDS}")
        if r["unit"] not in UNITS:
            problems.append(f"{where}: unit {r['unit']!r} not in {UNITS}")
        try:
            comp, number, decimals = parse_published(r["published"])
        except ValueError as err:
            problems.append(f"{where}: {err}")
            continue
        if not (math.isfinite(r["value"]) and Decimal(repr(r["value"])) == number):
            problems.append(f"{where}: value {r['value']} is not the number printed in {r['published']!r}")
        if comp and r["rule"] != "p_category":
            problems.append(f"{where}: an inequality ({r['published']!r}) needs rule p_category")
        if r["rule"] == "rounded" or (r["rule"] in ("p_category", "within_ci") and not comp):
            if r["decimals"] != decimals:
                problems.append(f"{where}: decimals {r['decimals']} but {r['published']!r} prints {decimals}")
        if r["rule"] == "within_ci" and r["field"] != "estimate":
            problems.append(f"{where}: within_ci applies to field estimate only")
        if math.isfinite(r["tolerance"]) and (r["rule"] != "rounded" or r["tolerance"] < 0):
            problems.append(f"{where}: tolerance is for rule rounded only and must be >= 0")
    return problems


def _fmt(x: float) -> str:
    return f"{x:.10g}"


def _significant(comp: str, value: float) -> bool | None:
    """Whether a printed p (with its comparator) states significance at ALPHA."""
    if comp in (">", ">="):
        return False if value >= ALPHA else None  # ">0.01" says nothing about 0.05
    return value <= ALPHA


def judge(item: pd.Series, x: float, row: pd.Series | None = None) -> tuple[str, str]:
    """Apply the item's rule to the reproduced number ``x`` -> (status, detail)."""
    comp, number, decimals = parse_published(item["published"])
    value, rule = float(number), item["rule"]
    digits_ok = (not comp) and round_half_up(x, decimals) == number
    shown = f"reproduced {_fmt(x)}"
    if rule == "exact":
        if abs(x - value) < 1e-9:
            return "match", f"{shown} equals {item['published']}"
        return "discrepant", f"{shown} != {item['published']} (exact rule)"
    if rule == "rounded":
        tol = item["tolerance"] if math.isfinite(item["tolerance"]) else 10.0 ** -decimals
        if digits_ok:
            return "match", f"{shown} rounds to {round_half_up(x, decimals)}"
        diff = abs(x - value)
        verdict = "within_tolerance" if diff <= tol + 1e-12 else "discrepant"
        rel = "<=" if verdict == "within_tolerance" else ">"
        return verdict, (f"{shown} rounds to {round_half_up(x, decimals)}, not {number}; "
                         f"|difference| {diff:.4g} {rel} tolerance {tol:g}")
    if rule == "p_category":
        if comp:
            holds = {"<": x < value, "<=": x <= value, ">": x > value, ">=": x >= value}[comp]
            if holds:
                return "match", f"p {_fmt(x)} {comp} {number}"
        elif digits_ok:
            return "match", f"p {_fmt(x)} rounds to {number}"
        pub_sig, our_sig = _significant(comp, value), x <= ALPHA
        claim = f"p {_fmt(x)} is not {item['published']}"
        if pub_sig is not None and pub_sig == our_sig:
            side = "significant" if our_sig else "not significant"
            return "within_tolerance", f"{claim}, but {side} at alpha {ALPHA} like the paper"
        return "discrepant", f"{claim}; the significance conclusion at alpha {ALPHA} differs"
    if rule == "within_ci":
        if digits_ok:
            return "match", f"{shown} rounds to {number}"
        lo, hi = (float(row["ci_low"]), float(row["ci_high"])) if row is not None else (np.nan, np.nan)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return "not_reproducible", f"{shown}; the statistics row has no 95% CI to judge within_ci"
        null = NULL_VALUE.get(item["statistic"], 0.0)
        inside = lo <= value <= hi
        same_side = np.sign(value - null) == np.sign(x - null)
        detail = (f"{shown} (95% CI {_fmt(lo)}-{_fmt(hi)}); published {number} "
                  f"{'inside' if inside else 'outside'} the CI, "
                  f"{'same' if same_side else 'opposite'} side of the null {null:g}")
        return ("within_tolerance" if inside and same_side else "discrepant"), detail
    raise ValueError(f"item {item['item']}: unknown rule {rule!r}")


def _convert(item: pd.Series, x: float) -> tuple[float, str]:
    """Bring the reproduced number to the printed unit/scale; returns (x, note for detail)."""
    unit = item["unit"]
    if unit in DAYS_PER_UNIT and unit != "days":
        return x / DAYS_PER_UNIT[unit], f"{_fmt(x)} days = {_fmt(x / DAYS_PER_UNIT[unit])} {unit}; "
    if unit == "percent" and 0 <= x <= 1 and item["value"] > 1:
        return 100.0 * x, f"{_fmt(x)} read as a proportion (x100); "
    return x, ""


def _alternatives(item: pd.Series, stats: pd.DataFrame, x: float = np.nan) -> str:
    """`` other tests: chi2_yates p_value=0.789, ...`` for the item's alternative statistics. For a
    p-value item, each alternative also says whether it reaches the reproduced test's conclusion
    at ``ALPHA`` (``x``: the reproduced p), e.g. where a paired test changes the paper's."""
    out = []
    for alt in [a.strip() for a in item["alternatives"].split(";") if a.strip()]:
        key = tuple(item[c] for c in KEY_COLUMNS[:-1]) + (alt,)
        hit = stats[(stats[KEY_COLUMNS].apply(tuple, axis=1) == key)] if len(stats) else stats
        val = hit[item["field"]].iloc[0] if len(hit) == 1 else np.nan
        text = f"{alt} {item['field']}={_fmt(val) if math.isfinite(val) else 'absent'}"
        if item["field"] == "p_value" and math.isfinite(val) and math.isfinite(x):
            ours, theirs = val <= ALPHA, x <= ALPHA
            comp, number, _ = parse_published(item["published"])
            printed = ""
            if comp:
                holds = {"<": val < number, "<=": val <= number, ">": val > number,
                         ">=": val >= number}[comp]
                printed = f"{'meets' if holds else 'not'} the printed {item['published']}; "
            text += (f" ({printed}same conclusion at alpha {ALPHA})" if ours == theirs else
                     f" ({printed}changes the conclusion at alpha {ALPHA}: "
                     f"{'significant' if ours else 'not significant'}, the reproduced "
                     f"{item['statistic']} test {'significant' if theirs else 'not significant'})")
        out.append(text)
    return f"; other tests: {', '.join(out)}" if out else ""


def _nearby(item: pd.Series, stats: pd.DataFrame) -> str:
    """Keys of the same analysis and statistic, to diagnose a key mismatch."""
    same = stats[(stats["analysis"] == item["analysis"]) & (stats["statistic"] == item["statistic"])]
    if same.empty:
        n_analysis = int((stats["analysis"] == item["analysis"]).sum())
        return (f"analysis {item['analysis']!r} has {n_analysis} rows, none with statistic "
                f"{item['statistic']!r}" if n_analysis else f"no rows of analysis {item['analysis']!r}")
    keys = same[["outcome", "term", "level"]].drop_duplicates().head(3)
    shown = "; ".join(f"outcome={r.outcome!r} term={r.term!r} level={r.level!r}" for r in keys.itertuples())
    return f"rows of this analysis/statistic have e.g. {shown}"


def build_scorecard(published: pd.DataFrame, statistics: pd.DataFrame) -> pd.DataFrame:
    """Join published items to statistics rows and judge each (columns: SCORECARD_COLUMNS)."""
    pub = normalise_published(published)
    stats = stat_frame(statistics)
    groups = {key: g for key, g in stats.groupby(KEY_COLUMNS, sort=False)} if len(stats) else {}
    out = []
    for _, item in pub.iterrows():
        rec = {c: item[c] for c in ("item", "source", "published", "rule", "analysis", "outcome",
                                    "term", "level", "statistic", "field")}
        rec.update(reproduced=np.nan, method="", n=np.nan, ci_low=np.nan, ci_high=np.nan)
        known = item["reason"]
        hit = groups.get(tuple(item[c] for c in KEY_COLUMNS))
        if hit is None or len(hit) != 1:
            if hit is None:
                detail, why = _nearby(item, stats), NO_ROW
            else:
                detail, why = f"{len(hit)} statistics rows share this key", "ambiguous statistics key"
            rec.update(status="not_reproducible", detail=detail,
                       reason="; ".join(x for x in (why, known) if x))
            out.append(rec)
            continue
        row = hit.iloc[0]
        rec.update(method=row["method"], n=row["n"], ci_low=row["ci_low"], ci_high=row["ci_high"])
        x = row[item["field"]]
        if not math.isfinite(x):
            why = f"the statistics row has no {item['field']} (not computable on this cohort)"
            rec.update(status="not_reproducible", detail=why, reason="; ".join(x for x in (why, known) if x))
            out.append(rec)
            continue
        x, note = _convert(item, float(x))
        status, detail = judge(item, x, row)
        rec.update(reproduced=x, status=status, reason=known,
                   detail=note + detail + _alternatives(item, stats, x))
        out.append(rec)
    return pd.DataFrame(out, columns=SCORECARD_COLUMNS)


def empty_scorecard() -> pd.DataFrame:
    """The scorecard of a study without published values: the header only."""
    return pd.DataFrame(columns=SCORECARD_COLUMNS)


def write_scorecard(df: pd.DataFrame, path: str) -> None:
    """Write deterministically (fixed float format, LF line ends, no index)."""
    df[SCORECARD_COLUMNS].to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def read_scorecard(path: str) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def summarise(scorecard: pd.DataFrame, study: str = "scorecard") -> str:
    """``wang2021: 179 items, 150 match, ...`` then one line per discrepant item with its reason."""
    sc = scorecard.fillna("")
    counts = {s: int((sc["status"] == s).sum()) for s in STATUSES}
    lines = [f"{study}: {len(sc)} items, {counts['match']} match, {counts['within_tolerance']} "
             f"within tolerance, {counts['discrepant']} discrepant, {counts['not_reproducible']} "
             f"not reproducible"]
    if sc.empty:
        lines[0] += " (no published values for this study)"
    for _, r in sc[sc["status"] == "discrepant"].iterrows():
        why = r["reason"] or r["detail"]
        try:
            shown = f"{float(r['reproduced']):.6g}"
        except (TypeError, ValueError):
            shown = str(r["reproduced"]) or "-"
        lines.append(f"  discrepant {r['item']}: published {r['published']}, reproduced "
                     f"{shown} ({r['rule']}): {why}")
    nr = sc[sc["status"] == "not_reproducible"]
    if len(nr):
        by = nr.groupby("analysis", sort=True).size()
        lines.append("  not reproducible by analysis: " + ", ".join(f"{a} ({k})" for a, k in by.items()))
    return "\n".join(lines)
