"""Lab units: every spelling a hospital or trial export uses, converted through UCUM.

Why ucumvert (on pint) and not pint alone or a hand list
-------------------------------------------------------
UCUM is the unit standard of HL7, FHIR, LOINC and OMOP, so it is what exports mean by a unit. ``ucumvert``
implements the *whole* UCUM grammar (a lark parser generated from the official ``ucum-essence.xml``:
``10*9/L``, ``10^3/uL``, annotations such as ``{cells}/uL``, exponents without a caret such as ``/mm3``,
case-sensitive atoms) and turns each code into a ``pint`` quantity; pint then does the dimensional
analysis (a wrong kind of quantity is a ``DimensionalityError``, not a silent factor) and the
conversion. pint alone would need a hand-written UCUM parser for exactly the spellings at stake
(``10*9``, ``{...}`` annotations, ``mm3``), which is the hand list this module replaces. pint keeps the
mole as its own dimension, so ``mmol/L`` is never mistaken for a count per volume (strict UCUM would
make it a dimensionless number per litre); the one conversion between kinds we need, haemoglobin
``mmol/L -> g/L``, is a named pint Context with the haemoglobin monomer's molar mass
(16.114 g/mmol, contract section 1).

What is not UCUM
----------------
Exports also write units that are *not* UCUM codes, or are UCUM codes of something else: ``K/uL`` and
``G/L`` parse in UCUM as kelvin and gauss per volume. :data:`EXPORT_SPELLINGS` rewrites such numerator
tokens to their UCUM code (``K`` -> ``10*3``, ``x10E3`` -> ``10*3``, ``cells`` -> ``{cells}``, and
``G/L``/``GI/L`` -> ``10*9/L``); it holds spellings, never factors: every factor comes from the library.
Each unit is tried as written (case-sensitive UCUM), then lower-case (UCUM accepts ``l`` and ``L``
for the litre), then with export spellings rewritten, and the first reading of the right kind wins;
so ``G/L`` is 10^9/L for a count and g/L for haemoglobin, as the people who write it mean.

The registry takes about a second to build; it is built once per process, and only when a cohort
gives units. Factors are rounded to 12 significant digits (``/mm3`` is 0.0010000000000000002 in
binary floating point; every factor here is an exact decimal).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from cartcyto.vocabulary import MARKER_UNITS

# Kinds of lab quantity: the canonical UCUM unit each test is converted to (contract section 1). The
# last three are the markers' mass concentrations (markers.csv: cytokines pg/mL, ferritin ng/mL, CRP
# and D-dimer mg/L), which importers convert to; unlike hb they have no conversion from mmol/L.
KIND_CANONICAL = {"count": "10*9/L", "mass_concentration": "g/L", "percent": "%",
                  "pg_per_ml": "pg/mL", "ng_per_ml": "ng/mL", "mg_per_l": "mg/L"}
KIND_PRINTED = {"count": "10^9/L", "mass_concentration": "g/L", "percent": "%",
                "pg_per_ml": "pg/mL", "ng_per_ml": "ng/mL", "mg_per_l": "mg/L"}
KIND_WORDS = {"count": "a count per volume (e.g. 10^9/L, 10^3/uL, /uL)",
              "mass_concentration": "a mass or substance concentration (g/L, g/dL, mmol/L)",
              "percent": "a percentage (%)",
              "pg_per_ml": "a mass concentration (pg/mL, ng/L, ng/mL)",
              "ng_per_ml": "a mass concentration (ng/mL, ug/L, mg/L)",
              "mg_per_l": "a mass concentration (mg/L, mg/dL, ug/mL)"}
# Canonical lab test -> kind; tests not listed are carried without conversion.
TEST_KIND = {"anc": "count", "plt": "count", "wbc": "count", "hb": "mass_concentration", "neut_pct": "percent"}
# Contract marker -> kind (its canonical unit is the contract's, cartcyto.vocabulary.MARKER_UNITS).
MARKER_KIND = {marker: {"pg/mL": "pg_per_ml", "ng/mL": "ng_per_ml", "mg/L": "mg_per_l"}[unit]
               for marker, unit in MARKER_UNITS.items()}

UNIT_FIX = ("give anc, plt and wbc as counts per volume (10^9/L, 10^3/uL, K/uL, /uL, ...) and hb in g/L, g/dL or "
            "mmol/L (an empty unit means 10^9/L for counts and g/L for hb)")

HB_G_PER_MMOL = 16.114
"""Molar mass of the haemoglobin monomer, g/mmol: the factor between Hb in mmol/L and g/L."""

# Numerator tokens of common export spellings (compared lower-case) -> UCUM code. Spellings, not factors.
EXPORT_SPELLINGS = {"k": "10*3", "thou": "10*3", "thousand": "10*3", "thousands": "10*3",
                    "cells": "{cells}", "cell": "{cells}", "#": "{count}"}
# 'G' and 'GI' (giga) only before '/L': G/L and GI/L are 10^9/L, but g/dL is never giga per decilitre.
GIGA_PER_LITRE = ("g/l", "gi/l", "giga/l")
_POWER_OF_TEN = re.compile(r"^x?10(\^|\*\*|\*|e)(\d+)$")
_ENZYME_UNIT = re.compile(r"(?<![A-Za-z])([kmunpKMN]?)U(?![A-Za-z])")  # U, mU, kU ... as a whole token
# What a quantity of a given pint dimensionality is, in words (for error messages).
_DIMENSION_WORDS = {
    "1 / [length] ** 3": "a count per volume",
    "[mass] / [length] ** 3": "a mass concentration",
    "[substance] / [length] ** 3": "an amount-of-substance concentration",
    "dimensionless": "a dimensionless number",
    "[mass]": "a mass", "[length] ** 3": "a volume", "[substance]": "an amount of substance",
    "[substance] / [time] / [length] ** 3": "an enzyme activity concentration (U/L)",
    "[temperature] / [length] ** 3": "a temperature per volume (UCUM's K is the kelvin)",
}


class UnitProblem(ValueError):
    """A unit that cannot be read, or is not the kind of quantity its test needs."""


@dataclass(frozen=True)
class UnitReading:
    """How one unit spelling was read for one kind: the UCUM code used and the factor to canonical."""

    unit: str
    kind: str
    ucum: str
    factor: float

    def describe(self) -> str:
        via = "" if self.ucum == self.unit else f" read as UCUM '{self.ucum}',"
        return f"'{self.unit}'{via} x {self.factor:g} -> {KIND_PRINTED[self.kind]}"


@lru_cache(maxsize=1)
def registry():
    """The UCUM-aware pint registry (built once per process) and the haemoglobin context."""
    import pint
    from ucumvert import PintUcumRegistry

    ureg = PintUcumRegistry()
    hb = pint.Context("haemoglobin_monomer")
    hb.add_transformation("[substance] / [length] ** 3", "[mass] / [length] ** 3",
                          lambda reg, x: x * reg.Quantity(HB_G_PER_MMOL, "g/mmol"))
    return ureg, hb


def cleaned(unit: str) -> str:
    """Blanks removed; 'µ'/'μ' read as 'u' and '×' as 'x' (UCUM is ASCII)."""
    return re.sub(r"\s+", "", unit).replace("µ", "u").replace("μ", "u").replace("×", "x")


def candidate_codes(unit: str) -> list[str]:
    """UCUM codes to try for a unit, in order: as written, lower-case, export spellings rewritten.

    A standalone ``U`` (the enzyme unit: ``U/L``, ``mU/mL``) keeps its case: lower-cased it would be UCUM's
    ``u``, the atomic mass unit, and ``U/L`` would read as a mass concentration (``UG/L`` is still ug/L)."""
    text = cleaned(unit)
    lower = _ENZYME_UNIT.sub(lambda m: m.group(1) + "\0", text).lower().replace("\0", "U")
    numerator, slash, rest = lower.partition("/")
    power = _POWER_OF_TEN.match(numerator)
    if power:
        numerator = f"10*{power.group(2)}"
    else:
        numerator = EXPORT_SPELLINGS.get(numerator, numerator)
    rewritten = "10*9/l" if lower in GIGA_PER_LITRE else numerator + slash + rest
    return list(dict.fromkeys([text, lower, rewritten]))


@lru_cache(maxsize=None)
def read_unit(unit: str, kind: str) -> UnitReading:
    """The reading of ``unit`` for a test of ``kind``; raises :class:`UnitProblem` naming what it is."""
    ureg, hb = registry()
    target = ureg.from_ucum(KIND_CANONICAL[kind])
    seen = []
    for code in candidate_codes(unit):
        try:
            quantity = ureg.from_ucum(code)
        except Exception:  # noqa: BLE001 - ucumvert raises lark errors of several types
            continue
        try:
            contexts = (hb,) if kind == "mass_concentration" else ()  # mmol/L -> g/L for hb only
            magnitude = quantity.to(target.units, *contexts).magnitude / target.magnitude
        except Exception:  # noqa: BLE001 - pint DimensionalityError (or an offset unit)
            seen.append(_DIMENSION_WORDS.get(str(quantity.dimensionality), str(quantity.dimensionality)))
            continue
        return UnitReading(unit, kind, code, float(f"{float(magnitude):.12g}"))
    if seen:
        raise UnitProblem(f"'{unit}' is {seen[0]}, not {KIND_WORDS[kind]}")
    raise UnitProblem(f"'{unit}' is not a UCUM unit nor a usual export spelling of one")


def lab_unit_factors(raw, test_of_value: list[str], notes: list) -> np.ndarray:
    """Each row's factor to the canonical unit of its test, read once per distinct (test, unit).

    ``raw`` is the labs :class:`~cartcyto.cohort.validate.RawTable`; ``test_of_value[i]`` the canonical
    test of its i-th distinct test value. An empty unit is the canonical one (factor 1); tests of no
    known kind are not converted. A unit that is not a unit, or not the kind of quantity its test
    needs, is a CohortError naming the unit, the test and the rows. One line per (test, unit) seen,
    with the factor used, is appended to ``notes``.
    """
    _, test_codes = raw.distinct("test")
    units, unit_codes = raw.distinct("unit")
    width = len(units) + 1  # last = no unit
    pair = test_codes.astype(np.int64) * width + np.where(unit_codes < 0, len(units), unit_codes)
    occurring, counts = np.unique(pair, return_counts=True)
    factors, seen = np.ones(len(occurring)), {}
    unit_text = units.to_pylist() + [None]
    for k, (p, n) in enumerate(zip(occurring, counts)):
        test, unit = test_of_value[p // width], unit_text[p % width]
        kind = TEST_KIND.get(test)
        if unit is None:
            what = f"no unit: taken as {KIND_PRINTED[kind]}" if kind else None
        elif kind is None:
            what = f"'{unit}' kept, not converted (not a graded test)"
        else:
            try:
                reading = read_unit(unit, kind)
            except UnitProblem as problem:
                same = [q for q in occurring if q % width == p % width and test_of_value[q // width] == test]
                raise raw.error("unit", np.isin(pair, same), f"wrong unit for {test}: {problem}", UNIT_FIX) from None
            factors[k], what = reading.factor, reading.describe()
        if what:
            seen[(test, what)] = seen.get((test, what), 0) + int(n)
    notes.extend(f"labs.unit: {test} {what}, {n} row(s)" for (test, what), n in seen.items())
    return factors[np.searchsorted(occurring, pair)]
