"""cartcyto: reproducible analyses of cytopenia after CAR-T cell therapy.

Pure functions on pandas DataFrames: ingestion and validation (`ingest`, `validate`),
derivation (`derive_*`), statistics (`stats`), tables, figures and synthetic cohorts (`synth`).
"""

__version__ = "0.1.0"
