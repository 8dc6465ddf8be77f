"""Stage 2, derivation: per-patient episodes, grades, CRS and marker summaries (``derived/patients.csv``).

``episodes`` (severe-cytopenia episodes per lineage), ``crs`` (CRS timing), ``ctcae`` (CTCAE v5 grading),
``scb`` (recovery after a stem-cell boost), ``patients`` (the contract's derived table).
May import: ``cartcyto.cohort``, ``cartcyto.design``, ``cartcyto.vocabulary``.
"""
