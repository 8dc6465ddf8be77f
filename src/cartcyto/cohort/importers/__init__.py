"""Importers: a dated export, CDISC SDTM or an OMOP CDM 5.4 database -> a cohort folder (contract section 1).

Each importer returns the contract tables (days relative to the CAR-T infusion, never dates) and the
lines of its log; :func:`import_cohort` validates the options (source.schema.yaml), runs the importer
and writes the folder through :func:`~cartcyto.cohort.importers.common.write_cohort`. The same code
runs as ``cartcyto import ...`` (cartcyto.cli) and as the first job of a study with a ``source:``
(workflow/rules/import.smk).
"""
from __future__ import annotations

from pathlib import Path

from cartcyto.cohort.importers.common import Imported, source_options, write_cohort


def import_cohort(options: dict, out, study: dict | None = None, overwrite: bool = False,
                  report=None) -> Imported:
    """Import the source described by ``options`` into the cohort folder ``out``; returns what was imported.

    ``report(notes)``, when given, is called with the log lines (tests and units read or not imported)
    before anything is written."""
    options = source_options(options)
    if options["format"] == "dated":
        from cartcyto.cohort.importers.dated import import_dated as run
    elif options["format"] == "sdtm":
        from cartcyto.cohort.importers.sdtm import import_sdtm as run
    else:
        from cartcyto.cohort.importers.omop import import_omop as run
    imported = run(options, study)
    if report is not None:
        report(imported.notes)
    write_cohort(imported, Path(out), study, overwrite=overwrite)
    return imported
