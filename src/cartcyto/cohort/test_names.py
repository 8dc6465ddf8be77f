"""Lab test names: LOINC codes, CDISC SDTM test codes and usual English names -> the pipeline's tests.

The pipeline grades ``anc``, ``hb`` and ``plt`` (contract section 1). ``wbc`` and ``neut_pct`` (neutrophils
as a percentage of leukocytes) are recognised so that ANC can be computed from a draw that gives only
those two (:func:`anc_from_percent`). Names are compared lower-case without surrounding blanks; a
study's own mapping (config ``lab_test_names``, local code -> one of :data:`LAB_TESTS`) is looked up
first, then :data:`STANDARD_TEST_NAMES`. Any other name is carried unchanged (lower-case) and listed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

LAB_TESTS = ("anc", "hb", "plt", "wbc", "neut_pct")
"""Test names a mapping may point to."""

LOINC = {
    "751-8": "anc",     # Neutrophils [#/volume] in Blood by Automated count
    "753-4": "anc",     # Neutrophils [#/volume] in Blood by Manual count
    "26499-4": "anc",   # Neutrophils [#/volume] in Blood
    "777-3": "plt",     # Platelets [#/volume] in Blood by Automated count
    "26515-7": "plt",   # Platelets [#/volume] in Blood
    "718-7": "hb",      # Hemoglobin [Mass/volume] in Blood
    "6690-2": "wbc",    # Leukocytes [#/volume] in Blood by Automated count
    "26464-8": "wbc",   # Leukocytes [#/volume] in Blood
    "770-8": "neut_pct",   # Neutrophils/100 leukocytes in Blood by Automated count
    "26511-6": "neut_pct",  # Neutrophils/100 leukocytes in Blood
}
SDTM = {"neut": "anc", "plat": "plt", "hgb": "hb", "wbc": "wbc", "neutle": "neut_pct"}
"""CDISC SDTM controlled terminology LBTESTCD (NEUTLE = neutrophils/leukocytes, a percentage)."""
ENGLISH = {
    **dict.fromkeys(("anc", "neutrophils", "neutrophil count", "absolute neutrophil count", "neutrophils abs",
                     "neutrophils absolute", "neutrophils, absolute", "abs neutrophils", "neutrophils #",
                     "neutrophil absolute count"), "anc"),
    **dict.fromkeys(("plt", "platelets", "platelet count", "platelet", "thrombocytes"), "plt"),
    **dict.fromkeys(("hb", "hgb", "hemoglobin", "haemoglobin"), "hb"),
    **dict.fromkeys(("wbc", "white blood cells", "white blood cell count", "leukocytes", "leucocytes",
                     "white cell count"), "wbc"),
    **dict.fromkeys(("neut_pct", "neutrophils %", "neutrophil %", "neutrophils/leukocytes", "neutrophils (%)",
                     "neutrophil percentage", "neutrophils percent"), "neut_pct"),
}
STANDARD_TEST_NAMES = {**{k.lower(): v for k, v in LOINC.items()}, **SDTM, **ENGLISH}
STANDARD_SOURCE = {**dict.fromkeys(LOINC, "LOINC"), **dict.fromkeys(SDTM, "SDTM"),
                   **dict.fromkeys(ENGLISH, "name")}


def study_test_names(study: dict | None) -> dict[str, str]:
    """The study's own mapping (config ``lab_test_names``), keys lower-case and stripped."""
    return {str(k).strip().lower(): v for k, v in ((study or {}).get("lab_test_names") or {}).items()}


def canonical_test_names(names: list[str], own: dict[str, str] | None = None) -> tuple[list[str], dict[int, str]]:
    """Canonical name of each name (lower-case when not translated) and ``{index: log line}`` of those
    translated."""
    own = own or {}
    out, notes = [], {}
    for i, name in enumerate(names):
        key = name.strip().lower()
        if key in own:
            out.append(own[key])
            notes[i] = f"'{name}' read as {own[key]} (study mapping lab_test_names)"
        elif STANDARD_TEST_NAMES.get(key, key) != key:
            out.append(STANDARD_TEST_NAMES[key])
            notes[i] = f"'{name}' read as {STANDARD_TEST_NAMES[key]} ({STANDARD_SOURCE[key]})"
        else:
            out.append(key)
    return out, notes


def lab_test_names(raw, study: dict | None, notes: list) -> tuple[np.ndarray, list[str]]:
    """Each row's canonical test (object array) and the canonical test of each distinct raw value.

    ``raw`` is the labs :class:`~cartcyto.cohort.validate.RawTable`; an empty test is a CohortError.
    One line per translated name, with its row count, is appended to ``notes``.
    """
    values, codes = raw.distinct("test")
    if (codes < 0).any():
        raise raw.error("test", codes < 0, "test is empty", "give the test name on every row")
    canonical, translated = canonical_test_names(values.to_pylist(), study_test_names(study))
    counts = np.bincount(codes, minlength=len(values))
    notes.extend(f"labs.test: {line}, {counts[i]} row(s)" for i, line in translated.items())
    return raw.text("test", lambda v: canonical), canonical


def anc_from_percent(tests: np.ndarray, values: np.ndarray, patient_ids: np.ndarray, days: np.ndarray,
                     draws: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """ANC = WBC x neutrophil % / 100 for each neutrophil-% row that has a WBC of the same draw.

    A draw is a patient, a day and (when the table has a ``draw`` column) the draw within the day. A
    draw with more than one WBC is ambiguous and left alone. Returns the new tests and values (the
    % rows that were converted become ``anc`` rows, in place), the number converted and the number
    of % rows left as ``neut_pct`` (no single WBC of the same draw). Values are in canonical units
    (WBC 10^9/L, % as percent), so the ANC is in 10^9/L.
    """
    is_pct, is_wbc = tests == "neut_pct", tests == "wbc"
    if not is_pct.any():
        return tests, values, 0, 0
    key = pd.DataFrame({"patient_id": patient_ids, "day": days,
                        "draw": draws if draws is not None else np.zeros(len(tests))})
    key["draw"] = key["draw"].astype(object).where(pd.notna(key["draw"]), "")
    wbc = key[is_wbc].assign(wbc=values[is_wbc])
    single = wbc.groupby(["patient_id", "day", "draw"], sort=False)["wbc"].agg(["first", "size"])
    single = single[single["size"] == 1]["first"]
    pct = key[is_pct]
    index = pd.MultiIndex.from_frame(pct)
    matched = single.reindex(index).to_numpy()
    has = ~np.isnan(matched)
    rows = np.flatnonzero(is_pct)[has]
    tests, values = tests.copy(), values.copy()
    values[rows] = matched[has] * values[rows] / 100.0
    tests[rows] = "anc"
    return tests, values, len(rows), int((~has).sum())
