"""CDISC SDTM (DM, EX, LB, AE; XPT or CSV) -> a cohort folder.

* Day 0 is the first EX.EXSTDTC of the CAR-T product (``infusion_treatments``, EX.EXTRT). SDTM study days
  (--DY) have no day 0 and count from the reference start, not the infusion, so days are computed from
  the dates (``--DTC``), never taken from --DY.
* Patients: DM.SEX, DM.AGE (AGEU years, months, weeks or days), DTHDTC -> death_day, RFPENDTC (end of
  participation) -> last_followup_day. Subjects without an infusion (screen failures, other arms) are
  not imported, and counted in the log.
* Labs: LB (one file, or split as lb*.xpt / lb*.csv such as lbhe.xpt), standard results LBSTRESN in
  LBSTRESU; LBTESTCD mapped as every lab test name (NEUT, PLAT, HGB, WBC, NEUTLE, the study's
  ``lab_test_names``). Partial dates and empty LBSTRESN cannot give a value on a day: counted, skipped.
* CRS / ICANS: AE records whose AEDECOD (or AETERM) is in ``crs_terms`` / ``icans_terms``, graded by
  AETOXGR (AESEV only with ``aesev_as_grade``), one row per day from AESTDTC to AEENDTC.
* Markers: LB records whose LBTESTCD is in ``marker_test_codes`` (CRP, FERRITIN, DDIMER, INTLK6, ...),
  read as the labs are (LBSTRESN in LBSTRESU, LBDTC) and converted to each marker's unit
  (cartcyto.cohort.importers.markers).
* Treatments: records of the ``treatment_domains`` (CM, PR by default; each optional) whose --DECOD (or
  --TRT) is one of ``treatment_names``, one row per day from --STDTC to --ENDTC
  (cartcyto.cohort.importers.treatments).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers.common import (
    LAB_COLUMNS, Imported, check_lab_units, contract_frame, days_from, draw_numbers, output_ids, parse_dates,
    select_lab_tests, source_error,
)
from cartcyto.cohort.importers.markers import code_map, marker_table
from cartcyto.cohort.importers.treatments import TREATMENT_COLUMNS, sdtm_treatments

AGE_UNIT_YEARS = {"YEARS": 1.0, "MONTHS": 1 / 12, "WEEKS": 7 / 365.25, "DAYS": 1 / 365.25}
SEX = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}
AESEV_GRADE = {"MILD": 1, "MODERATE": 2, "SEVERE": 3}


def read_domain(folder: Path, domain: str, required: bool = True) -> tuple[pd.DataFrame | None, str]:
    """One SDTM domain as text columns (upper-case names, blanks = missing); split files concatenated."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".xpt", ".csv")
                   and (p.stem.lower() == domain or (domain == "lb" and p.stem.lower().startswith("lb"))))
    if not files:
        if required:
            raise CohortError(str(folder / f"{domain}.xpt"), None, f"the SDTM domain {domain.upper()} is missing",
                              f"add {domain}.xpt (or {domain}.csv) to the SDTM folder")
        return None, str(folder / f"{domain}.xpt")
    frames = [_read_file(p) for p in files]
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.attrs["first_line"] = 2 if files[0].suffix.lower() == ".csv" else 1  # CSV header = line 1; XPT record 1
    return frame, str(files[0]) if len(files) == 1 else f"{folder}/{domain}*"


def _read_file(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        else:
            try:
                frame = pd.read_sas(path, format="xport", encoding="utf-8")
            except UnicodeDecodeError:
                frame = pd.read_sas(path, format="xport", encoding="latin-1")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise CohortError(str(path), None, f"the file cannot be read as SAS XPORT or CSV ({type(exc).__name__})",
                          "export the domain again as SAS XPORT v5 (.xpt) or CSV") from None
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string").str.strip().replace("", pd.NA)
    return frame


def _require(frame: pd.DataFrame, file: str, columns) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CohortError(file, missing[0], f"required SDTM variable {missing[0]} is missing",
                          f"export the domain with {', '.join(missing)}")


def import_sdtm(options: dict, study: dict | None = None) -> Imported:
    """Turn an SDTM folder (``options["path"]``) into contract tables."""
    folder, notes = Path(options["path"]), []
    if not folder.is_dir():
        raise CohortError(str(folder), None, "the SDTM folder does not exist", "point source.path at it")
    day0_of = _infusions(folder, options, notes)
    id_of = pd.Series(output_ids(pd.Series(day0_of.index), options).to_numpy(), index=day0_of.index)
    lb, lb_file = read_domain(folder, "lb")
    _require(lb, lb_file, ("USUBJID", "LBTESTCD", "LBSTRESN", "LBDTC"))
    lb = lb.assign(_record=np.arange(len(lb)) + lb.attrs["first_line"])
    lb = lb[lb["USUBJID"].isin(day0_of.index).fillna(False).to_numpy(bool)].reset_index(drop=True)
    tables = {"patients": _patients(folder, day0_of, id_of, notes),
              "labs": _labs(lb, lb_file, day0_of, id_of, study, notes, set(code_map(options["marker_test_codes"]))),
              "crs": _crs(folder, day0_of, id_of, options, notes),
              "markers": _markers(lb, lb_file, day0_of, id_of, options, notes),
              "treatments": _treatments(folder, day0_of, id_of, options, notes)}
    return Imported({name: frame for name, frame in tables.items() if frame is not None}, notes)


def _infusions(folder: Path, options: dict, notes: list) -> pd.Series:
    ex, file = read_domain(folder, "ex")
    _require(ex, file, ("USUBJID", "EXTRT", "EXSTDTC"))
    wanted = {t.strip().upper() for t in options["infusion_treatments"]}
    first = ex.attrs["first_line"]
    rows = ex[ex["EXTRT"].str.upper().isin(wanted).fillna(False).to_numpy(bool)]
    dates, partial = parse_dates(rows["EXSTDTC"], file, "EXSTDTC", allow_partial=True, first_line=first)
    day0 = dates.groupby(rows["USUBJID"].to_numpy()).min().dropna()
    if day0.empty:
        raise CohortError(file, "EXTRT", f"no EX record of {', '.join(sorted(wanted))} with a full EXSTDTC",
                          "set source.infusion_treatments to the EXTRT of the CAR-T product")
    notes.append(f"{Path(file).name}: day 0 = first EXSTDTC of {', '.join(sorted(wanted))} for {len(day0)} "
                 f"subject(s) ({int(partial.sum())} record(s) with a partial date ignored)")
    day0.index = day0.index.astype(str)
    return day0


def _patients(folder: Path, day0_of: pd.Series, id_of: pd.Series, notes: list) -> pd.DataFrame:
    dm, file = read_domain(folder, "dm")
    _require(dm, file, ("USUBJID", "SEX", "AGE"))
    first = dm.attrs["first_line"]
    if dm["USUBJID"].duplicated().any():
        raise source_error(file, "USUBJID", dm["USUBJID"].duplicated(keep=False), "USUBJID is not unique in DM",
                           "DM holds one record per subject", first_line=first)
    infused = dm["USUBJID"].isin(day0_of.index).fillna(False).to_numpy(bool)
    notes.append(f"{Path(file).name}: {int(infused.sum())} subject(s) with an infusion imported, "
                 f"{int((~infused).sum())} without one not imported")
    sex = dm["SEX"].str.upper().map(SEX)
    if (infused & sex.isna().to_numpy(bool)).any():
        raise source_error(file, "SEX", infused & sex.isna().to_numpy(bool), "SEX is not M or F",
                           "the pipeline needs M or F (anaemia thresholds depend on it)", first_line=first)
    lines = np.flatnonzero(infused) + first
    dm, sex = dm[infused].reset_index(drop=True), sex[infused].reset_index(drop=True)
    factor = dm["AGEU"].str.upper().map(AGE_UNIT_YEARS) if "AGEU" in dm.columns else pd.Series(1.0, index=dm.index)
    day0 = day0_of.reindex(dm["USUBJID"]).reset_index(drop=True)
    out = pd.DataFrame({"patient_id": id_of.reindex(dm["USUBJID"]).to_numpy(), "sex": sex.to_numpy(),
                        "age_years": (pd.to_numeric(dm["AGE"], errors="coerce") * factor.fillna(1.0)).round(2)})
    for variable, column in (("DTHDTC", "death_day"), ("RFPENDTC", "last_followup_day")):
        if variable in dm.columns:
            dates, partial = parse_dates(dm[variable], file, variable, allow_partial=True, lines=lines)
            out[column] = days_from(dates, day0).array
            if partial.any():
                notes.append(f"{Path(file).name}: {int(partial.sum())} partial {variable} left empty")
    return out.sort_values("patient_id", kind="stable").reset_index(drop=True)


def _lb_values(lb: pd.DataFrame, file: str, day0_of: pd.Series, id_of: pd.Series, name: str):
    """The LB records with a standard numeric result (LBSTRESN) on a full date (LBDTC), for the labs
    and the markers alike: ``(frame, dates, lines, (without LBSTRESN, partial LBDTC))``, the frame with
    patient_id, ``name`` (the record's test or marker), value, unit (LBSTRESU) and day."""
    value = pd.to_numeric(lb["LBSTRESN"], errors="coerce")
    dates, partial = parse_dates(lb["LBDTC"], file, "LBDTC", allow_partial=True, lines=lb["_record"])
    usable = (value.notna() & dates.notna()).to_numpy(bool)
    lb, dates = lb[usable].reset_index(drop=True), dates[usable].reset_index(drop=True)
    out = pd.DataFrame({"patient_id": id_of.reindex(lb["USUBJID"]).to_numpy(), name: lb[name].to_numpy(),
                        "value": value[usable].to_numpy(),
                        "unit": lb["LBSTRESU"].to_numpy() if "LBSTRESU" in lb.columns else pd.NA,
                        "day": days_from(dates, day0_of.reindex(lb["USUBJID"]).reset_index(drop=True)).to_numpy()})
    return out, dates, lb["_record"].to_numpy(), (int(value.isna().sum()), int(partial.sum()))


def _labs(lb: pd.DataFrame, file: str, day0_of: pd.Series, id_of: pd.Series, study, notes,
          marker_codes: set) -> pd.DataFrame:
    """Lab rows of the LB records of infused subjects (``_record``: each record's line number)."""
    name = Path(file).name
    tests = select_lab_tests(lb["LBTESTCD"], study, name, notes, read_elsewhere=marker_codes)
    lb = lb[tests.notna().to_numpy(bool)].assign(test=tests[tests.notna()]).reset_index(drop=True)
    out, dates, lines, (no_value, partial) = _lb_values(lb, file, day0_of, id_of, "test")
    notes.append(f"{name}: {no_value} record(s) without LBSTRESN and {partial} with a partial LBDTC skipped")
    check_lab_units(out["test"], out["unit"], file, "LBSTRESU", notes, lines=lines)
    out["draw"] = draw_numbers(out, dates)
    return contract_frame(out, LAB_COLUMNS)


def _markers(lb: pd.DataFrame, file: str, day0_of: pd.Series, id_of: pd.Series, options: dict,
             notes: list) -> pd.DataFrame | None:
    """Marker rows of the LB records of infused subjects whose LBTESTCD is in marker_test_codes."""
    marker = lb["LBTESTCD"].str.strip().str.upper().map(code_map(options["marker_test_codes"]))
    lb = lb[marker.notna().to_numpy(bool)].assign(marker=marker[marker.notna()]).reset_index(drop=True)
    out, _, lines, (no_value, partial) = _lb_values(lb, file, day0_of, id_of, "marker")
    notes.append(f"{Path(file).name}: {len(lb)} marker record(s) (LBTESTCD in marker_test_codes); "
                 f"{no_value} without LBSTRESN and {partial} with a partial LBDTC skipped")
    return marker_table(out, file, "LBSTRESU", notes, lines=lines)


def _treatments(folder: Path, day0_of: pd.Series, id_of: pd.Series, options: dict, notes: list):
    """Treatment days from the treatment_domains present; None when they give no row (or none is there)."""
    frames = []
    for domain in options["treatment_domains"]:
        frame, file = read_domain(folder, domain, required=False)
        if frame is None:
            notes.append(f"{domain.upper()}: no {domain.upper()} domain, no treatments read from it")
            continue
        frames.append(sdtm_treatments(frame, file, domain.upper(), day0_of, id_of, options, notes))
    if not frames or not sum(len(f) for f in frames):
        notes.append("treatments: no treatment rows: no treatments.csv written")
        return None
    out = pd.concat(frames, ignore_index=True).drop_duplicates(["patient_id", "day", "treatment"])
    return contract_frame(out, TREATMENT_COLUMNS)


def _crs(folder: Path, day0_of: pd.Series, id_of: pd.Series, options: dict, notes: list) -> pd.DataFrame | None:
    ae, file = read_domain(folder, "ae", required=False)
    if ae is None:
        notes.append("AE: no AE domain, no CRS imported")
        return None
    _require(ae, file, ("USUBJID", "AESTDTC"))
    first = ae.attrs["first_line"]
    name = Path(file).name
    term = ae["AEDECOD"].fillna(ae.get("AETERM")) if "AEDECOD" in ae.columns else ae["AETERM"]
    kind = pd.Series(np.select([term.str.upper().isin([t.upper() for t in options["crs_terms"]]).fillna(False),
                                term.str.upper().isin([t.upper() for t in options["icans_terms"]]).fillna(False)],
                               ["crs", "icans"], ""), index=ae.index)
    ae = ae[(kind != "") & ae["USUBJID"].isin(day0_of.index).fillna(False)].assign(kind=kind)
    grade = pd.to_numeric(ae["AETOXGR"], errors="coerce") if "AETOXGR" in ae.columns else pd.Series(np.nan, ae.index)
    if options["aesev_as_grade"] and "AESEV" in ae.columns:
        grade = grade.fillna(ae["AESEV"].str.upper().map(AESEV_GRADE))
    start, start_partial = parse_dates(ae["AESTDTC"], file, "AESTDTC", allow_partial=True, first_line=first)
    end = (parse_dates(ae["AEENDTC"], file, "AEENDTC", allow_partial=True, first_line=first)[0]
           if "AEENDTC" in ae.columns else pd.Series(pd.NaT, index=ae.index))
    usable = grade.notna() & start.notna()
    notes.append(f"{name}: {len(ae)} CRS/ICANS record(s) of infused subjects; {int(grade.isna().sum())} without a "
                 f"toxicity grade and {int(start_partial.sum())} with a partial start date skipped; "
                 f"{int((usable & end.isna()).sum())} without an end date give their start day only")
    if (grade > 4).any():
        notes.append(f"{name}: {int((grade > 4).sum())} grade 5 record(s) written as grade 4 (the death is in DM)")
    day0 = day0_of.reindex(ae["USUBJID"]).set_axis(ae.index)
    events = pd.DataFrame({"usubjid": ae["USUBJID"], "kind": ae["kind"], "grade": grade.clip(upper=4),
                           "first": days_from(start, day0), "last": days_from(end.fillna(start), day0)})[usable]
    if events.empty:
        return contract_frame(pd.DataFrame(columns=["patient_id", "day", "crs_grade", "icans_grade"]),
                              ["patient_id", "day", "crs_grade", "icans_grade"])
    length = (events["last"] - events["first"]).clip(lower=0).astype(int) + 1
    daily = events.loc[events.index.repeat(length)].copy()
    daily["day"] = (daily["first"] + daily.groupby(level=0).cumcount().to_numpy()).astype(int)
    wide = daily.pivot_table(index=["usubjid", "day"], columns="kind", values="grade", aggfunc="max")
    wide = wide.reindex(columns=["crs", "icans"])
    out = pd.DataFrame({"patient_id": id_of.reindex(wide.index.get_level_values(0)).to_numpy(),
                        "day": wide.index.get_level_values(1),
                        "crs_grade": wide["crs"].fillna(0).astype(int).to_numpy(),
                        "icans_grade": wide["icans"].astype("Int64").array})
    return contract_frame(out, ["patient_id", "day", "crs_grade", "icans_grade"])
