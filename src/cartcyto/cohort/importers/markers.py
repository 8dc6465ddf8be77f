"""Markers (markers.csv) from an SDTM or OMOP source: what both importers share once rows are found.

The importer that finds the rows (SDTM LB by LBTESTCD, OMOP MEASUREMENT by concept) hands over the
patient, day, marker, value and unit of each; :func:`marker_table` converts every value to the
contract's unit of its marker (``cartcyto.vocabulary.MARKER_UNITS``: cytokines pg/mL, ferritin ng/mL,
CRP and D-dimer mg/L, the units CAR-HEMATOTOX reads) through UCUM (``cartcyto.cohort.units``:
ucumvert + pint, as for the blood counts). A unit that is not a mass concentration (CRP in nmol/L,
IL-2 in IU/mL) is refused with the file, the column and the rows: converting it would need a molar
mass or an assay's calibration, which is not the importer's to guess. An empty unit is the marker's
contract unit, and the log says how many rows were read so.

D-dimer is reported in fibrinogen-equivalent units (FEU) or as D-dimer units (DDU), about half the
FEU value of the same sample. A trailing ``FEU`` / ``DDU`` (``mg/L FEU``, ``ug/mL{FEU}``) is kept in the
written unit (``mg/L FEU``), and one cohort mixing two spellings of a marker's unit is refused (data
contract: one marker in one unit).

Markers are log10-transformed downstream, so a value <= 0 cannot be used: such rows are counted in
the log and not written (a result below the detection limit usually has no numeric standard result).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers.common import contract_frame
from cartcyto.cohort.units import MARKER_KIND, UnitProblem, read_unit
from cartcyto.vocabulary import MARKER_UNITS

MARKER_COLUMNS = ["patient_id", "day", "marker", "value", "unit"]
D_DIMER_BASIS = re.compile(r"[\s({]*\b(FEU|DDU)\b[)}]*\s*$", re.IGNORECASE)
UNIT_FIX = ("give cytokines as a mass concentration (pg/mL, ng/L), ferritin in ng/mL or ug/L, CRP and D-dimer "
            "in mg/L, mg/dL or ug/mL (an empty unit means the marker's contract unit); or drop the code from "
            "the marker mapping if it is not that marker")


def code_map(mapping: dict, upper: bool = True) -> dict:
    """A code -> name option with its keys compared as the source writes them (stripped, upper-case
    for SDTM codes) and the keys a study set to null left out."""
    return {(str(k).strip().upper() if upper else str(k).strip()): v for k, v in mapping.items() if v is not None}


def marker_table(rows: pd.DataFrame, table: str, column: str, notes: list,
                 lines: np.ndarray | None = None) -> pd.DataFrame | None:
    """Contract markers from ``rows`` (patient_id, day, marker, value, unit), values in the marker's
    contract unit; None (and a log line) when there is no usable row.

    ``table`` / ``column`` name the source of the unit for messages; ``lines`` are the rows' source
    line (record) numbers (None: a database, whose rows have none)."""
    name = Path(table).name
    lines = np.asarray(lines) if lines is not None else None
    rows = rows.reset_index(drop=True)
    positive = (rows["value"] > 0).to_numpy(bool)
    if (~positive).any():
        counts = rows.loc[~positive, "marker"].value_counts().sort_index()
        notes.append(f"{name}: marker value <= 0 not imported (markers are log10-transformed): "
                     + ", ".join(f"{m} {n} row(s)" for m, n in counts.items()))
        rows, lines = rows[positive].reset_index(drop=True), (lines[positive] if lines is not None else None)
    if rows.empty:
        notes.append(f"{name}: no marker rows: no markers.csv written")
        return None
    unit = pd.Series(np.asarray(rows["unit"], dtype=object)).astype("string").str.strip().replace("", pd.NA)
    factor, written = np.ones(len(rows)), np.empty(len(rows), dtype=object)
    for (marker, given), index in rows.assign(unit=unit).groupby(["marker", "unit"], dropna=False).groups.items():
        index = np.asarray(index)
        factor[index], written[index], how = _reading(marker, given, len(index), table, column,
                                                       lines[index] if lines is not None else None)
        notes.append(f"{name}: {marker} {how}, {len(index)} row(s)")
    out = rows.assign(value=rows["value"].to_numpy(float) * factor, unit=written)
    _one_unit_per_marker(out, table, column, lines)
    for marker, n in out["marker"].value_counts().sort_index().items():
        notes.append(f"{name}: marker {marker} imported, {n} row(s)")
    return contract_frame(out, MARKER_COLUMNS)


def _reading(marker: str, unit, n: int, table: str, column: str, lines) -> tuple[float, str, str]:
    """(factor, unit written, log text) for one marker's unit; a CohortError if it cannot be read."""
    canonical = MARKER_UNITS[marker]
    if pd.isna(unit):
        return 1.0, canonical, f"without a unit: taken as {canonical}"
    text, basis = str(unit), ""
    if marker == "ddimer" and D_DIMER_BASIS.search(text):
        basis = " " + D_DIMER_BASIS.search(text).group(1).upper()
        text = D_DIMER_BASIS.sub("", text)
    try:
        reading = read_unit(text, MARKER_KIND[marker])
    except UnitProblem as problem:
        raise CohortError(table, column, f"wrong unit for the marker {marker}: {problem} ({n} row(s))", UNIT_FIX,
                          rows=[(int(b), None) for b in (lines if lines is not None else [])[:5]],
                          n_bad=len(lines) if lines is not None else n) from None
    return reading.factor, canonical + basis, f"in {reading.describe()}{basis}"


def _one_unit_per_marker(out: pd.DataFrame, table: str, column: str, lines) -> None:
    """One written unit per marker (D-dimer FEU with DDU, or with no basis, is refused)."""
    per_marker = out.groupby("marker")["unit"].nunique()
    mixed = per_marker.index[per_marker > 1]
    if len(mixed):
        units = out.loc[out["marker"] == mixed[0], "unit"]
        usual = units.value_counts(sort=False).idxmax()  # most rows; ties: the first seen
        bad = ((out["marker"] == mixed[0]) & (out["unit"] != usual)).to_numpy(bool)
        raise CohortError(table, column, f"the marker '{mixed[0]}' comes in more than one kind of unit "
                          f"({', '.join(sorted(units.unique()))}), which cannot be pooled",
                          "give every value of the marker on one basis (D-dimer: all FEU or all DDU), or map "
                          "only one of the source's tests to it (rows of the less common unit shown)",
                          rows=[(int(b), None) for b in (np.asarray(lines)[bad][:5] if lines is not None else [])],
                          n_bad=int(bad.sum()))
