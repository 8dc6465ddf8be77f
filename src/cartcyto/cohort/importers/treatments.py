"""Treatments (treatments.csv) from an SDTM or OMOP source: names, drug concepts and days.

* SDTM: records of the interventions domains (``treatment_domains``: CM, PR, EX, EC) whose --DECOD
  (else --TRT) is one of a treatment's ``treatment_names`` (case-insensitive; the whole value or its
  first words, so DEXAMETHASONE matches DEXAMETHASONE SODIUM PHOSPHATE and PREDNISOLONE does not match
  METHYLPREDNISOLONE): :func:`sdtm_treatments`.
* OMOP: the drug concepts of a treatment are found when the import runs, from its
  ``treatment_ingredients``: the RxNorm / RxNorm Extension Ingredient concepts of those names in CONCEPT
  and, through CONCEPT_ANCESTOR, every drug holding them (:func:`ingredient_concepts`); the study's
  ``treatment_concepts`` add drugs, procedures or devices (transfusions).

Every record is a span, start to end, written as one row per day (:func:`daily_rows`); a record
without an end gives its start day only, and one without a full start date cannot give a day (both
counted in the log). Dates stay here: only days leave.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.importers.common import contract_frame, days_from, parse_dates

TREATMENT_COLUMNS = ["patient_id", "day", "treatment"]


def matched_treatment(terms: pd.Series, names: dict[str, list[str]]) -> pd.Series:
    """The treatment each term names (NaN: none): equal to one of its names, or starting with it and a blank."""
    text = terms.astype("string").str.strip().str.upper()
    out = pd.Series(np.nan, index=terms.index, dtype=object)
    for treatment, listed in names.items():
        for name in (str(n).strip().upper() for n in listed):
            hit = ((text == name) | text.str.startswith(name + " ")).fillna(False).to_numpy(bool)
            out[hit & out.isna().to_numpy(bool)] = treatment
    return out


def daily_rows(events: pd.DataFrame) -> pd.DataFrame:
    """One row per day of each event (patient_id, treatment, first, last days; last < first or missing
    gives the first day only), duplicates of a patient-day-treatment removed."""
    events = events.reset_index(drop=True)
    last = events["last"].fillna(events["first"])
    length = (last - events["first"]).clip(lower=0).astype(int) + 1
    daily = events.loc[events.index.repeat(length.to_numpy())].copy()
    daily["day"] = (daily["first"] + daily.groupby(level=0).cumcount().to_numpy()).astype(int)
    daily = daily.drop_duplicates(["patient_id", "day", "treatment"])
    return contract_frame(daily, TREATMENT_COLUMNS)


def sdtm_treatments(domain: pd.DataFrame, file: str, prefix: str, day0_of: pd.Series, id_of: pd.Series,
                    options: dict, notes: list) -> pd.DataFrame:
    """The treatment days of infused subjects in one SDTM interventions domain (``prefix`` CM, PR, EX, EC)."""
    missing = [c for c in ("USUBJID", f"{prefix}TRT", f"{prefix}STDTC") if c not in domain.columns]
    if missing:
        raise CohortError(file, missing[0], f"required SDTM variable {missing[0]} is missing",
                          f"export the domain with {', '.join(missing)}, or leave {prefix.lower()} out of "
                          "treatment_domains")
    lines = np.arange(len(domain)) + domain.attrs.get("first_line", 2)
    term = domain[f"{prefix}TRT"]
    if f"{prefix}DECOD" in domain.columns:
        term = domain[f"{prefix}DECOD"].fillna(term)
    treatment = matched_treatment(term, {t: n for t, n in options["treatment_names"].items() if n})
    keep = (treatment.notna() & domain["USUBJID"].isin(day0_of.index).fillna(False)).to_numpy(bool)
    rows, treatment, lines = domain[keep], treatment[keep], lines[keep]
    start, partial = parse_dates(rows[f"{prefix}STDTC"], file, f"{prefix}STDTC", allow_partial=True, lines=lines)
    end = (parse_dates(rows[f"{prefix}ENDTC"], file, f"{prefix}ENDTC", allow_partial=True, lines=lines)[0]
           if f"{prefix}ENDTC" in rows.columns else pd.Series(pd.NaT, index=rows.index))
    day0 = day0_of.reindex(rows["USUBJID"]).set_axis(rows.index)
    events = pd.DataFrame({"patient_id": id_of.reindex(rows["USUBJID"]).to_numpy(), "treatment": treatment,
                           "first": days_from(start, day0), "last": days_from(end, day0)})[start.notna()]
    counts = treatment.value_counts().sort_index()
    notes.append(f"{Path(file).name}: {len(rows)} treatment record(s) of infused subjects ("
                 + (", ".join(f"{t} {n}" for t, n in counts.items()) or "none") + f"); {int(partial.sum())} with a "
                 f"partial start date skipped; {int((start.notna() & end.isna()).sum())} without a full end date "
                 "give their start day only")
    return daily_rows(events)


def ingredient_concepts(cdm, options: dict, notes: list) -> dict[int, str]:
    """Drug concept id -> treatment, from the treatment_ingredients names (see the module docstring)."""
    names = {str(n).strip().lower(): t for t, listed in options["treatment_ingredients"].items() for n in listed}
    if not names:
        return {}
    if not cdm.has("concept"):
        notes.append("OMOP: no CONCEPT table: treatment_ingredients cannot be looked up (give treatment_concepts)")
        return {}
    found = cdm.query(f"SELECT concept_id, LOWER(concept_name) AS name FROM {cdm.name('concept')} "
                      "WHERE vocabulary_id IN ('RxNorm', 'RxNorm Extension') AND concept_class_id = 'Ingredient' "
                      "AND LOWER(concept_name) IN :names", names=sorted(names))
    ingredient = {int(i): names[n] for i, n in zip(found["concept_id"], found["name"])}
    absent = sorted(set(names) - set(found["name"]))
    notes.append(f"OMOP: treatment ingredients found in CONCEPT: {', '.join(sorted(set(found['name']))) or 'none'}"
                 + (f"; not found: {', '.join(absent)}" if absent else ""))
    if not ingredient:
        return {}
    if not cdm.has("concept_ancestor"):
        notes.append("OMOP: no CONCEPT_ANCESTOR table: only exposures recorded at the ingredient concepts are "
                     "found (load CONCEPT_ANCESTOR, or list the drug concepts in treatment_concepts)")
        return ingredient
    below = cdm.query(f"SELECT ancestor_concept_id AS a, descendant_concept_id AS d "
                      f"FROM {cdm.name('concept_ancestor')} WHERE ancestor_concept_id IN :ids", ids=sorted(ingredient))
    concepts = {int(d): ingredient[int(a)] for a, d in zip(below["a"], below["d"])}
    concepts.update(ingredient)
    notes.append(f"OMOP: {len(concepts)} drug concept(s) hold these ingredients (CONCEPT_ANCESTOR)")
    return concepts


# OMOP tables that hold a treatment span: (table, concept column, start date, end date)
SPAN_TABLES = (("drug_exposure", "drug_concept_id", "drug_exposure_start_date", "drug_exposure_end_date"),
               ("procedure_occurrence", "procedure_concept_id", "procedure_date", "procedure_end_date"),
               ("device_exposure", "device_concept_id", "device_exposure_start_date", "device_exposure_end_date"))


def omop_treatments(cdm, day0_of: pd.Series, id_of: pd.Series, options: dict, notes: list) -> pd.DataFrame | None:
    """The treatment days of infused persons: drug exposures of the treatments' ingredients, and drug
    exposures, procedures and devices of the study's treatment_concepts; None when there is none."""
    own = {int(k): v for k, v in options["treatment_concepts"].items()}
    drugs = {**ingredient_concepts(cdm, options, notes), **own}
    spans = []
    for table, concept, start, end in SPAN_TABLES:
        ids = drugs if table == "drug_exposure" else own
        if not ids or not cdm.has(table):
            continue
        end_sql = end if end in cdm.columns(table) else "NULL"
        rows = cdm.query(f"SELECT person_id, {concept} AS concept, {start} AS s, {end_sql} AS e "
                         f"FROM {cdm.name(table)} WHERE {concept} IN :ids", ids=sorted(ids))
        rows = rows[rows["person_id"].astype(np.int64).isin(day0_of.index)].reset_index(drop=True)
        rows["treatment"] = rows["concept"].astype(np.int64).map(ids)
        for column in ("s", "e"):
            rows[column] = pd.to_datetime(rows[column], errors="coerce").astype("datetime64[ns]")
        counts = rows["treatment"].value_counts().sort_index()
        notes.append(f"OMOP {table}: {len(rows)} treatment record(s) of infused persons ("
                     + (", ".join(f"{t} {n}" for t, n in counts.items()) or "none") + ")")
        if len(rows):
            spans.append(rows)
    rows = pd.concat(spans, ignore_index=True) if spans else pd.DataFrame(columns=["person_id", "s", "e", "treatment"])
    start, end = pd.to_datetime(rows["s"]), pd.to_datetime(rows["e"])
    day0 = day0_of.reindex(rows["person_id"].astype(np.int64)).reset_index(drop=True)
    events = pd.DataFrame({"patient_id": id_of.reindex(rows["person_id"].astype(np.int64)).to_numpy(),
                           "treatment": rows["treatment"], "first": days_from(start, day0),
                           "last": days_from(end, day0)})[start.notna().to_numpy(bool)]
    if events.empty:
        notes.append("OMOP: no treatment rows: no treatments.csv written")
        return None
    notes.append(f"OMOP: {int((start.notna() & end.isna()).sum())} treatment record(s) without an end date "
                 "give their start day only")
    return daily_rows(events)
