"""Markers and treatments from SDTM (LB, CM, PR) and OMOP (MEASUREMENT, DRUG_EXPOSURE, PROCEDURE_OCCURRENCE,
DEVICE_EXPOSURE) sources.

SDTM: tests/fixtures/sdtm_markers, a hand-made CSV study traced by hand below (day 0 = the product's EXSTDTC;
units converted with the UCUM factors: CRP mg/dL x 10 -> mg/L, ferritin ug/L x 1 -> ng/mL). OMOP: real
databases (DuckDB file; PostgreSQL as in test_import_omop.py) holding the Eunomia fixture plus the rows of
:func:`marker_frames`; expected days and values come from DuckDB SQL (date_diff), not from the importer.
"""
from __future__ import annotations

import re
import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest

from cartcyto.cli import main as cli_main
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers import import_cohort
from cartcyto.cohort.read import read_cohort
from cartcyto.cohort.units import MARKER_KIND, UnitProblem, read_unit
from cartcyto.derive.patients import derive_patients
from design_fixtures import resolve_study
from import_helpers import FIXTURES, INFUSION_CONCEPT, build_duckdb, leaks, load_sqlalchemy, omop_frames

SDTM = {"format": "sdtm", "path": str(FIXTURES / "sdtm_markers"), "infusion_treatments": ["AXICABTAGENE CILOLEUCEL"],
        "treatment_names": {"prbc": ["RED BLOOD CELL TRANSFUSION"], "platelets": ["PLATELET TRANSFUSION"]}}
STUDY = resolve_study("markers", {"cohort": "x", "design": "wang2021"})


def sdtm_copy(tmp_path, old: str, new: str, file: str = "lb.csv"):
    """The fixture folder copied, with ``old`` replaced by ``new`` (once) in one of its files."""
    source = shutil.copytree(FIXTURES / "sdtm_markers", tmp_path / "sdtm")
    text = (source / file).read_text()
    assert text.count(old) == 1
    (source / file).write_text(text.replace(old, new))
    return dict(SDTM, path=str(source))


# ---------------------------------------------------------------- marker units (factors from the definitions:
# 1 dL = 0.1 L, 1 ug = 1e3 ng = 1e6 pg, 1 mL = 1e-3 L)

@pytest.mark.parametrize("unit, marker, factor", [
    ("mg/L", "crp", 1.0), ("mg/dL", "crp", 10.0), ("ug/mL", "crp", 1.0), ("mg/l", "crp", 1.0),
    ("ng/mL", "ferritin", 1.0), ("ug/L", "ferritin", 1.0), ("µg/L", "ferritin", 1.0), ("mg/L", "ferritin", 1e3),
    ("pg/mL", "il6", 1.0), ("ng/L", "il6", 1.0), ("ng/mL", "il6", 1e3), ("ug/mL", "ddimer", 1.0),
    ("ng/mL", "ddimer", 1e-3)])
def test_marker_unit_factor(unit, marker, factor):
    assert read_unit(unit, MARKER_KIND[marker]).factor == factor


@pytest.mark.parametrize("unit, marker, words", [
    ("mmol/L", "crp", "amount-of-substance concentration"),  # no molar mass for CRP (only hb has one)
    ("nmol/L", "ferritin", "amount-of-substance concentration"), ("[iU]/mL", "il2", "count per volume"),
    ("U/L", "ferritin", "'U/L' is an enzyme activity concentration (U/L), not a mass concentration"), ("%", "crp", "dimensionless")])
def test_marker_unit_of_another_kind_is_refused(unit, marker, words):
    with pytest.raises(UnitProblem, match=re.escape(words)):
        read_unit(unit, MARKER_KIND[marker])


# ---------------------------------------------------------------- SDTM

def test_sdtm_markers_in_contract_units_and_treatments_one_row_per_day(tmp_path):
    imported = import_cohort(SDTM, tmp_path / "cohort")
    markers = pd.read_csv(tmp_path / "cohort" / "markers.csv")
    # hand trace (day 0: 001 2023-05-10, 002 2023-06-01): 001 CRP 4.2 mg/dL on 05-04 (day -6) = 42 mg/L and
    # 12.5 mg/dL on 05-12 (day 2) = 125; ferritin 800 ug/L = 800 ng/mL; INTLK6 850 pg/mL; DDIMER 3.1 ug/mL FEU
    # = 3.1 mg/L FEU; 002 CRP 0.3 mg/dL on 05-27 (day -5) = 3; its '<0.5' (no LBSTRESN) and its ferritin of
    # '2023-06' (a partial date) cannot give a value on a day
    expected = pd.DataFrame([
        ("CART02-001", -6, "crp", 42.0, "mg/L"), ("CART02-001", -6, "ferritin", 800.0, "ng/mL"),
        ("CART02-001", 2, "crp", 125.0, "mg/L"), ("CART02-001", 2, "il6", 850.0, "pg/mL"),
        ("CART02-001", 2, "ddimer", 3.1, "mg/L FEU"), ("CART02-001", 3, "ferritin", 2950.0, "ng/mL"),
        ("CART02-002", -5, "crp", 3.0, "mg/L"), ("CART02-002", -5, "ferritin", 300.0, "ng/mL")],
        columns=["patient_id", "day", "marker", "value", "unit"])
    pd.testing.assert_frame_equal(markers, expected, check_exact=False, rtol=1e-12)
    # CM: tocilizumab 05-12 (day 2); DEXAMETHASONE SODIUM PHOSPHATE 05-12..05-15 (days 2-5, a salt of a listed
    # name); METHYLPREDNISOLONE 05-16 without an end (day 6 only); FILGRASTIM 05-20..05-22 (days 10-12);
    # hydrocortisone by CMTRT (no CMDECOD) 05-25..05-27 (days 15-17); paracetamol not listed. PR: red cells
    # 05-18 (day 8), platelets 05-13 (day 3); 003's platelets 07-08 11:00 to 07-09 01:00 cross midnight (days
    # 5, 6). 002: PEGFILGRASTIM 06-08 (day 7); its prednisone with a start of '2023' cannot give a day.
    got = pd.read_csv(tmp_path / "cohort" / "treatments.csv")
    days = {(p, t): sorted(g["day"]) for (p, t), g in got.groupby(["patient_id", "treatment"])}
    assert days == {("CART02-001", "tocilizumab"): [2], ("CART02-001", "corticosteroid"): [2, 3, 4, 5, 6, 15, 16, 17],
                    ("CART02-001", "gcsf"): [10, 11, 12], ("CART02-001", "prbc"): [8],
                    ("CART02-001", "platelets"): [3], ("CART02-002", "gcsf"): [7], ("CART02-003", "platelets"): [5, 6]}
    assert list(got.columns) == ["patient_id", "day", "treatment"] and not got.duplicated().any()
    notes = "\n".join(imported.notes)
    assert "lb.csv: crp in 'mg/dL' x 10 -> mg/L, 3 row(s)" in notes
    assert "lb.csv: ferritin in 'ug/L' x 1 -> ng/mL, 2 row(s)" in notes
    assert "1 without LBSTRESN and 1 with a partial LBDTC skipped" in notes
    assert "cm.csv: 7 treatment record(s) of infused subjects (corticosteroid 4, gcsf 2, tocilizumab 1); 1 with a " \
           "partial start date skipped; 2 without a full end date give their start day only" in notes
    # CRP, FERRITIN, INTLK6, DDIMER are read as markers, so the labs list no LB test as not imported
    assert not [n for n in imported.notes if "tests not imported" in n]
    cohort = read_cohort(tmp_path / "cohort", STUDY)
    derived = derive_patients(cohort, STUDY).set_index("patient_id")
    assert derived.loc["CART02-001", "max_crp"] == 125 and derived.loc["CART02-001", "lg_max_il6"] == \
        pytest.approx(np.log10(850))
    assert derived.loc["CART02-001", "toci_or_steroid"] and not derived.loc["CART02-002", "toci_or_steroid"]
    # CAR-HEMATOTOX, baseline on days -11..-4 (ld_start_day -4 of the design): 001 PLT 120 (1), ANC 1.0 (1),
    # Hb 8.5 g/dL = 85 g/L (1), CRP 42 mg/L (1), ferritin 800 ng/mL (1) = 5; 002 all normal = 0; 003 has no
    # CRP nor ferritin: not scored
    assert derived.loc["CART02-001", "hematotox_score"] == 5 and derived.loc["CART02-002", "hematotox_score"] == 0
    assert pd.isna(derived.loc["CART02-003", "hematotox_score"])
    assert derived.loc["CART02-003", "hematotox_not_scored"] == "no baseline value: crp; ferritin"


def test_sdtm_unknown_marker_unit_names_file_column_and_line(tmp_path):
    options = sdtm_copy(tmp_path, ",12.5,mg/dL,2023-05-12", ",12.5,mmol/L,2023-05-12")  # LB record 9 = line 10
    with pytest.raises(CohortError) as caught:
        import_cohort(options, tmp_path / "cohort")
    message = caught.value.message()
    assert "lb.csv, column 'LBSTRESU'" in message
    assert "wrong unit for the marker crp: 'mmol/L' is an amount-of-substance concentration" in message
    assert "line 10" in message and "CART02" not in message and "2023-05" not in message
    assert not (tmp_path / "cohort").exists()


def test_d_dimer_feu_with_ddu_is_refused(tmp_path):
    extra = ("CART02,LB,CART02-002,11,DDIMER,D-Dimer,COAGULATION,1.2,mg/L DDU,1.2,1.2,mg/L DDU,2023-06-04\n")
    options = sdtm_copy(tmp_path, "CART02,LB,CART02-003,1,", extra + "CART02,LB,CART02-003,1,")
    with pytest.raises(CohortError) as caught:
        import_cohort(options, tmp_path / "cohort")
    message = caught.value.message()
    assert "the marker 'ddimer' comes in more than one kind of unit (mg/L DDU, mg/L FEU)" in message
    assert "line 27" in message and "2023-06" not in message


def test_sdtm_without_markers_or_cm_writes_neither_table(tmp_path):
    # the hand-made CART01 study: LB holds blood counts and ALT only, and there is no CM or PR domain
    imported = import_cohort({"format": "sdtm", "path": str(FIXTURES / "sdtm_handmade"),
                              "infusion_treatments": ["TISAGENLECLEUCEL"]}, tmp_path / "cohort")
    assert set(imported.tables) == {"patients", "labs", "crs"}
    assert not (tmp_path / "cohort" / "markers.csv").exists() and not (tmp_path / "cohort" / "treatments.csv").exists()
    notes = "\n".join(imported.notes)
    assert "lb.csv: no marker rows: no markers.csv written" in notes
    assert "CM: no CM domain, no treatments read from it" in notes


def test_mapping_options_add_replace_and_drop_defaults(tmp_path):
    options = dict(SDTM, marker_test_codes={"crp": None, "alt": "il2"},     # drop CRP (any case), add a code
                   treatment_names={"corticosteroid": []}, treatment_domains=["cm"])  # switch one treatment off
    imported = import_cohort(dict(options, path=str(FIXTURES / "sdtm_markers")), tmp_path / "cohort")
    markers = imported.tables["markers"]
    assert set(markers["marker"]) == {"ferritin", "il6", "ddimer"}  # the defaults not dropped are kept
    assert set(imported.tables["treatments"]["treatment"]) == {"tocilizumab", "gcsf"}  # no PR: no transfusions
    with pytest.raises(CohortError, match="invalid source option"):
        import_cohort(dict(SDTM, marker_test_codes={"CRP": "c-reactive"}), tmp_path / "bad")


def test_nothing_written_or_logged_holds_a_date_or_subject_id(tmp_path, monkeypatch):
    monkeypatch.setenv("CARTCYTO_ID_KEY", "a-test-key-that-is-long-enough")
    options = tmp_path / "options.yaml"
    options.write_text("treatment_names: {prbc: [RED BLOOD CELL TRANSFUSION], platelets: [PLATELET TRANSFUSION]}\n")
    args = ["import", "sdtm", str(FIXTURES / "sdtm_markers"), str(tmp_path / "out" / "cohort"), "--patient-ids",
            "hash", "--infusion-treatment", "AXICABTAGENE CILOLEUCEL", "--options", str(options),
            "--log", str(tmp_path / "out" / "import.log")]
    assert cli_main(args) == 0
    cohort = tmp_path / "out" / "cohort"
    assert (cohort / "markers.csv").exists() and (cohort / "treatments.csv").exists()
    text = "".join(p.read_text() for p in (FIXTURES / "sdtm_markers").glob("*.csv"))
    dates = sorted(set(re.findall(r"\d{4}-\d{2}-\d{2}", text)))
    ids = ["CART02-001", "CART02-002", "CART02-003", "001", "002", "003"]
    assert len(dates) > 20 and leaks(tmp_path / "out", ids, dates) == []


# ---------------------------------------------------------------- OMOP

PERSON, DAY0 = 7, "2009-01-01"  # an infused person of the Eunomia fixture and the date of its first 1127433
TOCILIZUMAB, DEXAMETHASONE = 2000000401, 2000000402  # RxNorm Ingredient concepts (ids local to this test)
TOCILIZUMAB_DRUG = 46275123  # '20 ML tocilizumab 20 MG/ML Injection' (RxNorm, in the Eunomia vocabulary)
HS_CRP, RBC_PROCEDURE, PLATELET_DEVICE = 2000000301, 2000000501, 2000000502
OMOP = {"format": "omop", "infusion_concepts": [INFUSION_CONCEPT],
        "treatment_concepts": {RBC_PROCEDURE: "prbc", PLATELET_DEVICE: "platelets"}}


def _like(frame: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    """New rows with the dtypes of ``frame`` (its first row as template)."""
    out = frame.iloc[[0] * len(rows)].reset_index(drop=True).copy()
    for i, row in enumerate(rows):
        for column, value in row.items():
            out.loc[i, column] = value
    return out.astype(frame.dtypes.to_dict())


def marker_frames() -> dict[str, pd.DataFrame]:
    """The Eunomia fixture plus markers and treatments of person 7 (infused 2009-01-01)."""
    frames = omop_frames()
    c, m, d = frames["concept"], frames["measurement"], frames["drug_exposure"]
    concept = lambda i, name, vocab, cls, code, domain="Measurement": {  # noqa: E731
        "concept_id": i, "concept_name": name, "vocabulary_id": vocab, "concept_class_id": cls, "concept_code": code,
        "domain_id": domain}
    frames["concept"] = pd.concat([c, _like(c, [
        concept(8840, "milligram per deciliter", "UCUM", "Unit", "mg/dL", "Unit"),
        concept(8751, "milligram per liter", "UCUM", "Unit", "mg/L", "Unit"),
        concept(8845, "picogram per milliliter", "UCUM", "Unit", "pg/mL", "Unit"),
        concept(HS_CRP, "C reactive protein [Mass/volume] in Serum or Plasma by High sensitivity method", "LOINC",
                "Lab Test", "30522-7"),
        concept(TOCILIZUMAB, "tocilizumab", "RxNorm", "Ingredient", "612865", "Drug"),
        concept(DEXAMETHASONE, "dexamethasone", "RxNorm", "Ingredient", "3264", "Drug"),
        concept(TOCILIZUMAB_DRUG, "20 ML tocilizumab 20 MG/ML Injection", "RxNorm", "Quant Clinical Drug", "1657981",
                "Drug")])], ignore_index=True)
    cbc = m[(m["person_id"] == PERSON)].iloc[[0]]
    meas = lambda i, concept_id, date, value, unit_id, unit: {  # noqa: E731
        "measurement_id": i, "measurement_concept_id": concept_id, "measurement_date": pd.Timestamp(date),
        "measurement_datetime": pd.Timestamp(date), "value_as_number": value, "unit_concept_id": unit_id,
        "unit_source_value": unit}
    frames["measurement"] = pd.concat([m, _like(cbc, [
        meas(90000001, 3020460, "2008-12-26", 4.2, 8840, "mg/dL"),    # CRP day -6: 42 mg/L
        meas(90000002, 3020460, "2009-01-03", 12.5, 8840, "mg/dL"),   # day 2: 125 mg/L
        meas(90000003, 3020460, "2009-01-10", 60.0, 8751, "mg/L"),    # day 9, another unit of the same kind
        meas(90000004, 3020460, "2009-01-05", 0.0, 8751, "mg/L"),     # <= 0: cannot be log-transformed
        meas(90000005, 3023091, "2009-01-03", 850.0, 8845, "pg/mL"),  # IL-6 day 2
        meas(90000006, HS_CRP, "2008-12-26", 2.5, 8751, "mg/L")])], ignore_index=True)  # hs-CRP: not by default
    template = d[d["person_id"] == PERSON].iloc[[0]]
    drug = lambda i, concept_id, person, start, end: {  # noqa: E731
        "drug_exposure_id": i, "drug_concept_id": concept_id, "person_id": person,
        "drug_exposure_start_date": pd.Timestamp(start), "drug_exposure_end_date": pd.Timestamp(end)}
    frames["drug_exposure"] = pd.concat([d, _like(template, [
        drug(90000001, TOCILIZUMAB_DRUG, PERSON, "2009-01-03", "2009-01-03"),  # through CONCEPT_ANCESTOR: day 2
        drug(90000002, DEXAMETHASONE, PERSON, "2009-01-03", "2009-01-06"),     # at the ingredient: days 2-5
        drug(90000003, DEXAMETHASONE, 1, "2009-01-03", "2009-01-06")])], ignore_index=True)  # person 1: not infused
    frames["concept_ancestor"] = pd.DataFrame({
        "ancestor_concept_id": [TOCILIZUMAB, TOCILIZUMAB, DEXAMETHASONE],
        "descendant_concept_id": [TOCILIZUMAB, TOCILIZUMAB_DRUG, DEXAMETHASONE],
        "min_levels_of_separation": [0, 1, 0], "max_levels_of_separation": [0, 1, 0]})
    frames["procedure_occurrence"] = pd.DataFrame({
        "procedure_occurrence_id": [1], "person_id": [PERSON], "procedure_concept_id": [RBC_PROCEDURE],
        "procedure_date": [pd.Timestamp("2009-01-08")], "procedure_end_date": [pd.NaT],
        "procedure_type_concept_id": [0]})
    frames["device_exposure"] = pd.DataFrame({
        "device_exposure_id": [1], "person_id": [PERSON], "device_concept_id": [PLATELET_DEVICE],
        "device_exposure_start_date": [pd.Timestamp("2009-01-04")],
        "device_exposure_end_date": [pd.Timestamp("2009-01-04")], "device_type_concept_id": [0]})
    return frames


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    return build_duckdb(tmp_path_factory.mktemp("omop_markers") / "cdm.duckdb", marker_frames())


@pytest.fixture(scope="module")
def expected_markers(database):
    """Per marker row: person, day (DuckDB date_diff from the first infusion) and value in the contract unit."""
    con = duckdb.connect(str(database), read_only=True)
    rows = con.execute(f"""
        WITH day0 AS (SELECT person_id, MIN(drug_exposure_start_date) AS d FROM drug_exposure
                      WHERE drug_concept_id = {INFUSION_CONCEPT} GROUP BY person_id)
        SELECT CAST(m.person_id AS VARCHAR) AS patient_id, date_diff('day', day0.d, m.measurement_date) AS day,
               CASE m.measurement_concept_id WHEN 3020460 THEN 'crp' WHEN 3023091 THEN 'il6' ELSE 'ferritin' END
                   AS marker,
               m.value_as_number * CASE m.unit_concept_id WHEN 8840 THEN 10 ELSE 1 END AS value
        FROM measurement m JOIN day0 USING (person_id)
        WHERE m.measurement_concept_id IN (3020460, 3023091, 3001122) AND m.value_as_number > 0""").df()
    con.close()
    return rows.sort_values(["patient_id", "day", "marker", "value"]).reset_index(drop=True)


def assert_omop_markers_and_treatments(folder, expected_markers):
    cohort = read_cohort(folder)
    got = cohort.markers[["patient_id", "day", "marker", "value"]].sort_values(["patient_id", "day", "marker", "value"])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected_markers, check_dtype=False, rtol=1e-12)
    units = cohort.markers.groupby("marker")["unit"].unique().map(list).to_dict()
    assert units == {"crp": ["mg/L"], "il6": ["pg/mL"], "ferritin": ["ng/mL"]}  # ferritin: Eunomia's own, ug/L
    assert (cohort.markers.loc[cohort.markers["marker"] == "crp", "value"] != 2.5).all()  # the hs-CRP row left out
    tr = cohort.treatments
    days = {t: sorted(g["day"]) for t, g in tr[tr["patient_id"] == str(PERSON)].groupby("treatment")}
    assert days == {"tocilizumab": [2], "corticosteroid": [2, 3, 4, 5], "platelets": [3], "prbc": [7]}
    assert set(tr["patient_id"]) == {str(PERSON)}  # person 1's dexamethasone: not infused


def test_omop_duckdb_markers_and_treatments(database, expected_markers, tmp_path):
    imported = import_cohort(dict(OMOP, path=str(database)), tmp_path / "cohort")
    assert_omop_markers_and_treatments(tmp_path / "cohort", expected_markers)
    notes = "\n".join(imported.notes)
    assert "cdm.duckdb: measurement: crp in 'mg/dL' x 10 -> mg/L, 2 row(s)" in notes
    assert "marker value <= 0 not imported (markers are log10-transformed): crp 1 row(s)" in notes
    assert "treatment ingredients found in CONCEPT: dexamethasone, tocilizumab; not found: filgrastim" in notes
    assert "OMOP: 3 drug concept(s) hold these ingredients (CONCEPT_ANCESTOR)" in notes
    assert "OMOP: LOINC 1988-5 (C reactive protein [Mass/volume] in Serum or Plasma) read as crp" in notes


def test_omop_marker_concepts_option_adds_hs_crp(database, tmp_path):
    imported = import_cohort(dict(OMOP, path=str(database), marker_concepts={HS_CRP: "crp"}), tmp_path / "c")
    crp = imported.tables["markers"].query("marker == 'crp'")
    assert 2.5 in set(crp["value"]) and "(study-added: 2000000301)" in "\n".join(imported.notes)


def test_omop_without_concept_ancestor_finds_ingredient_level_exposures_only(tmp_path):
    frames = marker_frames()
    del frames["concept_ancestor"]
    database = build_duckdb(tmp_path / "cdm.duckdb", frames)
    imported = import_cohort(dict(OMOP, path=str(database)), tmp_path / "cohort")
    assert set(imported.tables["treatments"]["treatment"]) == {"corticosteroid", "platelets", "prbc"}
    assert "no CONCEPT_ANCESTOR table: only exposures recorded at the ingredient concepts" in "\n".join(imported.notes)


def test_omop_unknown_marker_unit_is_one_clear_message(tmp_path):
    frames = marker_frames()
    m = frames["measurement"]
    m.loc[m["measurement_id"] == 90000003, ["unit_concept_id", "unit_source_value"]] = [0, "nmol/L"]
    database = build_duckdb(tmp_path / "cdm.duckdb", frames)
    with pytest.raises(CohortError) as caught:
        import_cohort(dict(OMOP, path=str(database)), tmp_path / "cohort")
    message = caught.value.message()
    assert "cdm.duckdb: measurement, column 'unit_concept_id'" in message
    assert "wrong unit for the marker crp: 'nmol/L' is an amount-of-substance concentration" in message
    assert "2009-01" not in message and not (tmp_path / "cohort").exists()


def test_omop_no_marker_rows_writes_no_markers_csv(tmp_path):
    # the plain Eunomia fixture without its ferritin code: CRP, IL-6 and D-dimer concepts are there, no rows
    database = build_duckdb(tmp_path / "cdm.duckdb")
    imported = import_cohort({"format": "omop", "path": str(database), "infusion_concepts": [INFUSION_CONCEPT],
                              "marker_loinc_codes": {"2276-4": None}}, tmp_path / "cohort")
    assert "markers" not in imported.tables and not (tmp_path / "cohort" / "markers.csv").exists()
    assert "no marker rows: no markers.csv written" in "\n".join(imported.notes)


def test_omop_hashed_ids_leave_no_source_id_or_date(database, tmp_path, monkeypatch):
    monkeypatch.setenv("CARTCYTO_ID_KEY", "another-key-of-sufficient-length")
    import_cohort(dict(OMOP, path=str(database), patient_ids="hash"), tmp_path / "c")
    assert (tmp_path / "c" / "markers.csv").exists() and (tmp_path / "c" / "treatments.csv").exists()
    for table in ("patients", "labs", "markers", "treatments"):  # person ids are short numbers: compared by column
        ids = pd.read_csv(tmp_path / "c" / f"{table}.csv")["patient_id"]
        assert ids.str.fullmatch(r"P[0-9a-f]{12}").all()
    person = omop_frames()["person"].set_index("person_id")
    sources = person.loc[[PERSON, 11], "person_source_value"].tolist()
    dates = ["2008-12-26", "2009-01-03", "2009-01-10", "2009-01-08", "2009-01-04", DAY0, "2006-03-02"]
    assert leaks(tmp_path / "c", sources, dates) == []


def test_omop_postgresql_markers_and_treatments(postgres, expected_markers, tmp_path):
    load_sqlalchemy(postgres.url, schema="cdm", frames=marker_frames())
    import_cohort(dict(OMOP, url=postgres.url, db_schema="cdm"), tmp_path / "cohort")
    assert_omop_markers_and_treatments(tmp_path / "cohort", expected_markers)
