"""The derived patient table (data contract section 3, ``derived/patients.csv``).

``derive_patients(cohort, study)`` assembles, one row per patient of ``cohort.patients`` (same
order), vectorised over patients:

1. ``patient_id``;
2. per lineage L of the criteria set (sn, sa, st), when the cohort has blood counts (as every
   column resting on them: 2, ``pht``, ``persistent_cytopenia`` and 7): ``L_baseline, L_new_onset, L_onset_day,
   L_nadir_day, L_nadir_value, L_recovery_day, L_recovered, L_duration_days, L_censor_day,
   L_episode_start_day, L_episode_duration_days, L_recovery_status, L_t1, L_t2, L_t3, L_at_risk,
   L_pht, L_persistent`` (see ``cartcyto.derive.episodes``);
3. ``in_analysis_set, pht, persistent_cytopenia``;
4. ``crs_max_grade, crs_group, crs_onset_day, crs_peak_day, crs_recovery_day, crs_duration_days``
   (+ ``icans_max_grade, neurotoxicity``), see ``cartcyto.derive.crs``;
5. ``toci_or_steroid`` and ``<treatment>_any`` / ``<treatment>_days``;
6. ``max_<marker>, lg_max_<marker>`` for each marker present, ``lg_ldh``;
7. ``neutropenia_t3, anemia_t3, thrombocytopenia_t3, pre_ld_anc, pre_ld_hb, pre_ld_plt``;
   then, when the design has a ``hematotox`` block, the ICAHT / T-ICAHT / CAR-HEMATOTOX /
   recovery-phenotype columns (``cartcyto.derive.hematotoxicity.HEMATOTOX_COLUMNS``);
8. every column of ``cohort.patients`` not derived above (baseline covariates, outcomes, costs),
   unchanged. A patients column with a derived name (e.g. a per-patient CRS summary) is replaced
   by the derived value, except where the derivation has no source (no crs/treatments table):
   then the patients' own column is kept.

``write_derived(df, path)`` writes it as CSV: booleans ``true``/``false``, missing empty;
``read_derived(path)`` reads it back typed. Every column's dtype and meaning is declared in
:mod:`cartcyto.derive.columns` (``docs/derived-columns.md``).
"""
from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.arrays import nullable_bool
from cartcyto.derive.columns import TABLES, declared_names
from cartcyto.derive.crs import derive_crs, derive_markers, derive_treatments
from cartcyto.derive.dtypes import read_dtypes, typed
from cartcyto.derive.episodes import (
    daily_series,
    episode_arrays,
    lab_summaries,
    lineages,
    to_frame_columns,
)
from cartcyto.derive.episodes import derive_episodes as episode_table
from cartcyto.derive.hematotoxicity import hematotoxicity_columns

__all__ = ["derive_patients", "derive_episodes", "derive_crs", "derive_markers",
           "derive_treatments", "analysis_set", "write_derived", "read_derived"]


def analysis_set(patients: pd.DataFrame, study: Mapping[str, Any]) -> pd.arrays.BooleanArray:
    """``response_d28`` in ``study["analysis_set"]["response_d28"]``; a missing response is
    included or excluded by ``study["analysis_set"]["missing_response"]``."""
    rule = study["analysis_set"]
    allowed = {str(x) for x in rule["response_d28"]}
    missing_rule = rule["missing_response"]
    if missing_rule not in ("include", "exclude"):
        raise ValueError(f"analysis_set.missing_response must be include or exclude, got {missing_rule!r}")
    n = len(patients)
    if "response_d28" not in patients.columns:
        return nullable_bool(np.full(n, missing_rule == "include"))
    resp = patients["response_d28"].astype("string").str.strip()
    miss = resp.isna().to_numpy() | (resp.fillna("") == "").to_numpy()
    inset = resp.isin(allowed).fillna(False).to_numpy(dtype=bool)
    return nullable_bool(np.where(miss, missing_rule == "include", inset))


def _any_lineage(arrays: Mapping[str, Mapping[str, np.ndarray]], field: str, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for a in arrays.values():
        out |= a[field]
    return out


def has_labs(cohort) -> bool:
    """The cohort has blood counts. Without them (a design running no family that uses them, see
    :func:`cartcyto.design.families_needing_labs`) no column that rests on them is written:
    a column that could not be derived is absent, never filled with "false"."""
    return cohort.labs is not None and len(cohort.labs) > 0


def derive_episodes(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """The long patient x lineage table (:func:`cartcyto.derive.episodes.derive_episodes`); a
    cohort without blood counts has no episodes to describe: the header only."""
    if not has_labs(cohort):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in declared_names("episodes")})
    return episode_table(cohort, study)


def derive_patients(cohort, study: Mapping[str, Any]) -> pd.DataFrame:
    """The contract's ``derived/patients.csv`` as a DataFrame (see the module docstring)."""
    pts = cohort.patients
    n = len(pts)
    ids = pd.Index(pts["patient_id"].astype(str))
    lins = lineages(study)
    tests = {c["test"] for c in lins.values()} | {"anc", "hb", "plt"}
    series = daily_series(cohort.labs, ids, tests)
    _, arrays = episode_arrays(cohort, study, series=series)

    cols: dict[str, Any] = {"patient_id": ids.to_numpy()}
    labs = has_labs(cohort)
    if labs:
        for name in lins:
            cols.update(to_frame_columns(arrays[name], prefix=f"{name}_"))
    cols["in_analysis_set"] = analysis_set(pts, study)
    if labs:
        cols["pht"] = nullable_bool(_any_lineage(arrays, "pht", n))
        cols["persistent_cytopenia"] = nullable_bool(_any_lineage(arrays, "persistent", n))
    out = pd.DataFrame(cols)

    parts = [derive_crs(cohort, study), derive_treatments(cohort, study),
             derive_markers(cohort, study)]
    if labs:
        parts += [lab_summaries(cohort, study, series), hematotoxicity_columns(cohort, study, series)]
    derived = pd.concat([out] + parts, axis=1)
    # a source-less derived column (all missing) yields to a column the patients table carries
    for c in list(derived.columns):
        if c in pts.columns and c != "patient_id" and derived[c].isna().all():
            derived = derived.drop(columns=c)
    carried = [c for c in pts.columns if c not in derived.columns]
    tail = pts[carried].reset_index(drop=True)
    result = pd.concat([derived, tail], axis=1)
    # keep a patients column that replaced a source-less derived one at its derived position
    order = [c for c in list(out.columns) + [c for p in parts for c in p.columns] if c in result.columns]
    order += [c for c in result.columns if c not in order]
    return result[order]


def _is_flag_column(s: pd.Series) -> bool:
    """An object column holding only booleans (and missing values)."""
    vals = s.dropna()
    return bool(len(vals)) and bool(vals.map(lambda x: isinstance(x, (bool, np.bool_))).all())


def _csv_ready(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as pandas writes it (the fallback of :func:`write_derived`)."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == np.float64:
            x = s.to_numpy()
            finite = np.isfinite(x)
            if (finite.any() and not np.isinf(x).any() and (x[finite] == np.round(x[finite])).all()
                    and np.abs(x[finite]).max() < 2**53):
                out[c] = s.astype("Int64")   # whole numbers (days, counts) without ".0"
        elif pd.api.types.is_bool_dtype(s.dtype):
            out[c] = s.astype("boolean").map({True: "true", False: "false"}).astype(object)
        elif s.dtype == object and _is_flag_column(s):
            out[c] = s.map(lambda x: None if pd.isna(x) else ("true" if x else "false"))
    return out


def _write_arrow(df: pd.DataFrame, fh) -> bool:
    """Write ``df``'s rows with Arrow's CSV writer (C++, about 5x pandas' ``to_csv`` at 100k
    patients): flags as ``true``/``false``, missing as an empty cell, numbers in their shortest
    round-trip form (a whole number without ``.0``). False, having written nothing, when a text
    value would need quotes (a comma, quote or line break), which the writer is told never to add,
    or when a column mixes types Arrow cannot hold in one array."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    data = io.BytesIO()
    try:
        cols = {str(c): pa.array(s.astype("boolean") if s.dtype == object and _is_flag_column(s) else s,
                                 from_pandas=True) for c, s in df.items()}
        pcsv.write_csv(pa.table(cols), data, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    except (pa.ArrowInvalid, pa.ArrowTypeError):    # a value needing quotes; a column of mixed types
        return False
    fh.write(data.getbuffer())
    return True


def write_derived(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a derived table as CSV: booleans ``true``/``false``, missing as an empty cell,
    whole numbers without a decimal point, other numbers in their shortest round-trip form. The
    file appears atomically (temp file + rename). Arrow writes it; pandas when a text value needs
    quoting, a column mixes types, or the table has a single column (where an empty cell would be a
    blank line)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            header = io.StringIO()
            csv.writer(header, lineterminator="\n").writerow([str(c) for c in df.columns])
            fh.write(header.getvalue().encode("utf-8"))
            if df.shape[1] < 2 or not _write_arrow(df, fh):
                text = _csv_ready(df).to_csv(index=False, header=False, na_rep="", lineterminator="\n")
                fh.write(text.encode("utf-8"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def read_derived(path: str | os.PathLike, table: str | None = None) -> pd.DataFrame:
    """Read a table written by `write_derived` with the dtypes its columns are declared with
    (:mod:`cartcyto.derive.columns`): flags as pandas ``boolean``, days and grades ``Int64``,
    values ``float64``, text ``string``; an empty cell is missing (<NA> / NaN).

    ``table`` names the declaration (``patients``, ``episodes``, ``prior_sct_patients``,
    ``scb_patients``); by default the file's stem when it is one of them, else ``patients``.
    Numbers are parsed by ``pd.read_csv``'s default C parser, as before the table was typed, so
    every result stays as it was: a value written with 17 significant digits may read back off
    in its last digits (< 1e-15 here); ``float_precision="round_trip"`` would be exact but reads
    about 5 times slower.
    """
    path = Path(path)
    table = table or (path.stem if path.stem in TABLES else "patients")
    header = pd.read_csv(path, nrows=0).columns
    raw = pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False,
                      dtype=read_dtypes(header, table))
    return typed(raw, table)
