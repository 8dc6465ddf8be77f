"""The ``cartcyto`` command: ``cartcyto import {dated,sdtm,omop} SOURCE OUT [options]``.

Options may be given as flags or in a YAML file (``--options``) with the keys of a study's ``source:``
(src/cartcyto/schemas/source.schema.yaml) and ``lab_test_names``; flags win. Bad input prints
one message (file, column, rows, fix) and exits with status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="cartcyto", description="CAR-T cytopenia pipeline tools.")
    commands = top.add_subparsers(dest="command", required=True)
    importer = commands.add_parser("import", help="turn an export into a cohort folder (docs/importing.md)")
    formats = importer.add_subparsers(dest="format", required=True)
    for name, source_help in (("dated", "export folder (infusion, patients, labs ... with dates)"),
                              ("sdtm", "SDTM folder (dm, ex, lb, ae as .xpt or .csv)"),
                              ("omop", "DuckDB file of an OMOP CDM 5.4 (or use --url)")):
        sub = formats.add_parser(name, help=f"import a {name} source")
        sub.add_argument("source", nargs="?" if name == "omop" else None, help=source_help)
        sub.add_argument("out", help="cohort folder to write (must not exist, or be empty, unless --overwrite)")
        sub.add_argument("--options", type=Path, help="YAML file of source options and lab_test_names")
        sub.add_argument("--patient-ids", choices=["keep", "hash"], help="keep the source's codes or hash them")
        sub.add_argument("--id-key-env", help="environment variable holding the hash key")
        sub.add_argument("--log", type=Path, help="also write the log to this file")
        sub.add_argument("--overwrite", action="store_true", help="replace an existing output folder")
        if name == "sdtm":
            sub.add_argument("--infusion-treatment", action="append", dest="infusion_treatments",
                             help="EX.EXTRT of the CAR-T product (repeatable)")
            sub.add_argument("--crs-term", action="append", dest="crs_terms", help="AEDECOD read as CRS")
            sub.add_argument("--icans-term", action="append", dest="icans_terms", help="AEDECOD read as ICANS")
            sub.add_argument("--aesev-as-grade", action="store_true", default=None,
                             help="take AESEV as the grade where AETOXGR is empty")
        if name == "omop":
            sub.add_argument("--url", help="SQLAlchemy database URL instead of a DuckDB file")
            sub.add_argument("--db-schema", help="schema of the CDM tables")
            sub.add_argument("--infusion-concept", action="append", type=int, dest="infusion_concepts",
                             help="concept id of the CAR-T infusion (repeatable)")
            sub.add_argument("--measurement-concept", action="append", metavar="ID=TEST",
                             help="a study concept id and its test, e.g. 2000001=anc (repeatable)")
            sub.add_argument("--marker-concept", action="append", metavar="ID=MARKER",
                             help="a measurement concept id read as a marker, e.g. 2000002=crp (repeatable)")
            sub.add_argument("--treatment-concept", action="append", metavar="ID=TREATMENT",
                             help="a drug, procedure or device concept id read as a treatment, e.g. 2000003=prbc "
                                  "(repeatable)")
    return top


def options_from(args: argparse.Namespace) -> tuple[dict, dict]:
    """(source options, study dict with lab_test_names) from the YAML file and the flags."""
    given = yaml.safe_load(args.options.read_text(encoding="utf-8")) if args.options else {}
    given = given or {}
    # a cohort read without a design: the design schema's defaults (lymphodepletion days) and the mapping
    from cartcyto.design import schema_defaults

    study = {**schema_defaults(), "lab_test_names": given.pop("lab_test_names", None) or {}}
    options = dict(given, format=args.format)
    flags = {k: v for k, v in vars(args).items()
             if k in ("patient_ids", "id_key_env", "infusion_treatments", "crs_terms", "icans_terms",
                      "aesev_as_grade", "url", "db_schema", "infusion_concepts") and v is not None}
    options.update(flags)
    if args.source:
        options["path"] = args.source
    for flag, key in (("measurement_concept", "measurement_concepts"), ("marker_concept", "marker_concepts"),
                      ("treatment_concept", "treatment_concepts")):
        if getattr(args, flag, None):
            pairs = [p.split("=", 1) for p in getattr(args, flag)]
            options[key] = {**options.get(key, {}), **{k.strip(): v.strip() for k, v in pairs}}
    return options, study


def main(argv: list[str] | None = None) -> int:
    from cartcyto.cohort.errors import CohortError
    from cartcyto.cohort.importers import import_cohort

    args = parser().parse_args(argv)
    lines: list[str] = []

    def report(notes: list[str]) -> None:  # what was read how, shown before anything is written
        lines.extend(notes)
        sys.stderr.write("".join(f"{n}\n" for n in notes))

    try:
        options, study = options_from(args)
        imported = import_cohort(options, args.out, study, overwrite=args.overwrite, report=report)
        lines.append(f"cohort written to {args.out}: " + ", ".join(
            f"{name} {len(frame)} rows" for name, frame in imported.tables.items()))
        sys.stderr.write(lines[-1] + "\n")
    except CohortError as err:
        lines.append(err.message())
        sys.stderr.write(err.message() + "\n")
        return 2
    finally:
        if args.log:
            args.log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
