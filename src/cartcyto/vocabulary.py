"""The project's shared vocabulary: lineages, blood-count tests, markers and printed labels.

Every module that names a lineage, a marker or a derived column's printed label imports it from here.
It imports nothing from the project, so any stage may import it.

Lineages (Wang 2021, CIBMTR): ``sn`` severe neutropenia (ANC), ``sa`` severe anemia (Hb),
``st`` severe thrombocytopenia (PLT). Each lineage's columns in ``derived/patients.csv`` start with
its code (``sn_onset_day``, ...).
"""
from __future__ import annotations

LINEAGES = ("sn", "sa", "st")
"""Lineage codes, in the papers' order."""

LINEAGE_TEST = {"sn": "anc", "sa": "hb", "st": "plt"}
"""The blood-count test (``labs.test``) each lineage is graded on."""

BLOOD_COUNT_TESTS = ("anc", "hb", "plt")
"""Canonical blood-count test names (anc and plt in 10^9/L, hb in g/L)."""

LINEAGE_SHORT = {"sn": "SN", "sa": "SA", "st": "ST"}
LINEAGE_LABEL = {"sn": "Severe neutropenia", "sa": "Severe anemia", "st": "Severe thrombocytopenia"}

MARKERS = ("il2", "il4", "il6", "il10", "ifng", "tnfa", "il17", "ferritin", "ddimer", "crp")
"""Markers of the contract (markers.csv); ``max_<marker>`` and ``lg_max_<marker>`` are derived columns."""

MARKER_UNITS = {**dict.fromkeys(("il2", "il4", "il6", "il10", "ifng", "tnfa", "il17"), "pg/mL"),
                "ferritin": "ng/mL", "ddimer": "mg/L", "crp": "mg/L"}
"""Each marker's unit by default (data contract, markers.csv): the unit of a markers.csv row without one,
and the unit importers convert to (CAR-HEMATOTOX reads CRP in mg/L and ferritin in ng/mL)."""

TREATMENTS = ("gcsf", "prbc", "platelets", "tocilizumab", "corticosteroid")
"""Treatments of the contract (treatments.csv)."""

MARKER_LABELS = {"il2": "IL-2", "il4": "IL-4", "il6": "IL-6", "il10": "IL-10", "ifng": "IFN-γ",
                 "tnfa": "TNF-α", "il17": "IL-17", "ferritin": "ferritin", "ddimer": "D-dimer",
                 "crp": "CRP"}

CRS_TIMES = ("crs_onset_day", "crs_peak_day", "crs_recovery_day", "crs_duration_days")
"""CRS timing columns of ``derived/patients.csv``."""

LABELS = {
    **{f"lg_max_{m}": f"Max lg {lab}" for m, lab in MARKER_LABELS.items()},
    "lg_ldh": "Baseline lg LDH",
    "crs_onset_day": "CRS onset day", "crs_peak_day": "CRS peak day",
    "crs_recovery_day": "CRS recovery day", "crs_duration_days": "CRS duration",
    "crs_max_grade": "CRS grade", "bm_blasts_pct": "BM tumor burden, %",
    "toci_or_steroid": "Tocilizumab/corticosteroids",
    "sn_nadir_value": "Nadir ANC", "sa_nadir_value": "Nadir Hb", "st_nadir_value": "Nadir PLT",
    **{f"{lin}_duration_days": f"{lin.upper()} duration" for lin in LINEAGES},
    **{f"{lin}_duration_days_or_zero": f"{lin.upper()} duration (0 if none)" for lin in LINEAGES},
    **{f"{lin}_recovery_day": f"{lin.upper()} recovery day" for lin in LINEAGES},
    "los_days": "Length of stay", "cost_total": "Total cost", "cost_drug": "Drug cost",
    "cost_lab": "Lab test cost", "cost_gcsf": "G-CSF cost", "cost_oxygen": "Oxygen cost",
    "cost_prbc": "PRBC cost", "cost_platelets": "Platelet cost",
}
"""Printed labels of ``derived/patients.csv`` columns (tables and figures)."""

OMOP_MEASUREMENT_CONCEPTS = {3013650: "anc", 3024929: "plt", 3000963: "hb", 3000905: "wbc"}
"""Standard OMOP measurement concepts (LOINC 751-8, 777-3, 718-7, 6690-2) and the lab test each gives.
Further LOINC codes of ``cartcyto.cohort.test_names.LOINC`` are found through the database's CONCEPT
table; a study adds its own concept ids with ``source.measurement_concepts``."""

OMOP_GENDER = {8507: "M", 8532: "F"}
"""OMOP gender concepts (MALE, FEMALE)."""
