"""The columns of the derived tables, declared once: name (or pattern), dtype and meaning.

The tables under ``results/<study>/derived/``: ``patients.csv`` (the data contract's section 3,
one row per patient), ``episodes.csv`` (patient x lineage), ``prior_sct_patients.csv`` and
``scb_patients.csv`` (Mullanfiroze 2022). Each column has one of four dtypes:

* ``boolean``: pandas ``boolean``, missing ``<NA>``; written ``true`` / ``false``;
* ``Int64``: whole numbers (days, grades, counts), missing ``<NA>``;
* ``float``: ``float64``, missing ``NaN``;
* ``string``: pandas ``string``, missing ``<NA>``.

A missing value is an empty cell in every dtype. Names with a placeholder are patterns: ``<L>`` a
lineage code (:data:`cartcyto.vocabulary.LINEAGES`), ``<treatment>`` one of
:data:`cartcyto.derive.crs.TREATMENTS`, ``<marker>`` a marker name as ``markers.csv`` gives it
(lower case, other characters as ``_``). A column of ``patients.csv`` that is not declared (a
further covariate the cohort carries) is typed as the cohort reader types it: boolean when every
value is ``true``/``false``, else a number when every value is one, else text.

* :func:`column_spec` finds a column's declaration; :mod:`cartcyto.derive.dtypes` casts a frame
  to the declared dtypes (``read_derived`` uses it) and ``require`` stops an analysis that lacks a
  column it needs, naming the column.
* ``python -m cartcyto.derive.columns [--check]`` writes (or checks) ``docs/derived-columns.md``,
  the data dictionary generated from this declaration.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from cartcyto.derive.crs import TREATMENTS
from cartcyto.vocabulary import LINEAGES, MARKERS

DTYPES = {"boolean": "boolean", "Int64": "Int64", "float": "float64", "string": "string"}
"""Declared dtype -> the pandas dtype a typed frame holds."""
KINDS = {"boolean": "boolean", "Int64": "number", "float": "number", "string": "text"}
"""Declared dtype -> the kind an analysis checks (an in-memory frame may hold float days)."""
DOC_PATH = Path("docs") / "derived-columns.md"


@dataclass(frozen=True)
class Column:
    """One declared column (or family of columns, for a pattern) of a derived table."""

    name: str            # exact name, or a pattern with <L>, <treatment> or <marker>
    dtype: str           # boolean | Int64 | float | string
    meaning: str
    source: str = "derived"   # derived | carried (a patients.csv column written unchanged)
    when: str = ""            # when the column is written ("" = always)


# ---------------------------------------------------------------- declarations
LINEAGE_FIELDS = (
    ("baseline", "boolean", "severe in T1 or T2 (before the infusion)"),
    ("new_onset", "boolean", "not baseline and severe in T3 (after the infusion)"),
    ("onset_day", "Int64", "first severe T3 day, for every patient (baseline-severe ones too); "
                           "empty without a severe T3 day. The episode fields below are those "
                           "of the episode that holds it"),
    ("nadir_day", "Int64", "first day of the lowest T3 value; empty without T3 values"),
    ("nadir_value", "float", "lowest T3 daily value (ANC and PLT in 10^9/L, Hb in g/L)"),
    ("recovery_day", "Int64", "first day after the nadir and the onset meeting the lineage's "
                              "recovery rule; empty when not recovered"),
    ("recovered", "boolean", "the episode recovered; empty without an episode"),
    ("duration_days", "Int64", "recovery day, or censor day when not recovered, minus onset day"),
    ("censor_day", "Int64", "unrecovered episode: the death day when the patient died before "
                            "recovery (recovery_status 2), else the last measurement day of the "
                            "test (never before the onset)"),
    ("episode_start_day", "Int64", "start of the episode holding the onset day: a run of severe "
                                   "values closed by the recovery rule, negative when it runs "
                                   "across the infusion; an episode that recovered before the "
                                   "infusion does not merge with a later one"),
    ("episode_duration_days", "Int64", "recovery day, or censor day when not recovered, minus "
                                       "episode_start_day"),
    ("recovery_status", "Int64", "1 recovered, 2 died before recovery (death at most "
                                 "death_competes_within_days after the last measurement; the "
                                 "competing event), 0 censored; empty without an episode"),
    ("duration_days_or_zero", "Int64", "duration_days, or 0 for a patient whose T3 values are "
                                       "none of them severe (Wang 2021 Figure 4A-C and 4G: "
                                       "duration 0 without severe cytopenia after the infusion); "
                                       "empty without T3 values"),
    ("last_t3_day", "Int64", "last T3 day with a value of the lineage's test (within t3_end when "
                             "set); empty without T3 values"),
    ("t1", "boolean", "severe on a day before lymphodepletion (T1); empty without a T1 value"),
    ("t2", "boolean", "severe from the end (or start) of lymphodepletion to day -1 (T2); "
                      "empty without a T2 value"),
    ("t3", "boolean", "severe on a day from the infusion on (T3); empty without a T3 value"),
    ("at_risk", "boolean", "not baseline and with T3 values: the lineage's new-onset denominator"),
    ("pht", "boolean", "an episode ongoing on pht_day (onset on or before it, recovery or "
                       "censoring after it)"),
    ("persistent", "boolean", "a severe T3 value on a day after persistent_after_day"),
)

_HEMATOTOX = "when the design runs the hematotox family"
_LABS = "when the cohort has blood counts (labs)"
_NOT_GRADABLE = ("why the {} grade is empty (censored before the window, no value in it, or a "
                 "gap of more than max_gap_days next to a value meeting a day-count rule); empty "
                 "when graded")
HEMATOTOX_FIELDS = (
    ("icaht_early_grade", "Int64", "early ICAHT grade 0-4, days 0-30 (EHA/EBMT, Rejeski 2023); "
                                   "empty: not gradable"),
    ("icaht_late_grade", "Int64", "late ICAHT grade 0-4, day 31 to the earliest of day 100, "
                                  "censoring and last follow-up; empty: not gradable"),
    ("icaht_days_anc_le500", "Int64", "counted days with ANC <= 0.5 x10^9/L in days 0-30 (the "
                                      "design's counting rule; unstable recoveries joined); empty: "
                                      "not gradable"),
    ("icaht_days_anc_le100", "Int64", "the same for ANC <= 0.1 x10^9/L"),
    ("icaht_early_not_gradable", "string", _NOT_GRADABLE.format("early ICAHT")),
    ("icaht_late_not_gradable", "string", _NOT_GRADABLE.format("late ICAHT")),
    ("ticaht_early_grade", "Int64", "early T-ICAHT grade 0-4 (platelets), days 0-30 (Rejeski "
                                    "2025); empty: not gradable"),
    ("ticaht_late_grade", "Int64", "late T-ICAHT grade 0-4, days 31-100; empty: not gradable"),
    ("ticaht_early_not_gradable", "string", _NOT_GRADABLE.format("early T-ICAHT")),
    ("ticaht_late_not_gradable", "string", _NOT_GRADABLE.format("late T-ICAHT")),
    ("hematotox_score", "Int64", "CAR-HEMATOTOX score 0-7 (Rejeski 2021) from the baseline "
                                 "before lymphodepletion; empty when a component is missing"),
    ("hematotox_high", "boolean", "high risk: hematotox_score >= the design's high_at_least (2); "
                                  "empty when unscored"),
    ("hematotox_not_scored", "string", "the components without a baseline value (or no anchor "
                                       "day); empty when scored"),
    ("neutrophil_phenotype", "string", "neutrophil recovery phenotype, days 0-60: quick, "
                                       "intermittent or aplastic (Rejeski 2021); empty: not "
                                       "classified"),
    ("neutrophil_phenotype_not_classified", "string", "why the phenotype is empty; empty when "
                                                      "classified"),
)

_PATIENT_ROW = "when patients.csv has it"
_CARRIED = (
    ("sex", "string", "M or F"),
    ("age_years", "float", "age at infusion, years"),
    ("response_d28", "string", "day-28 response: CR, CRi, NR, withdrawn or NE"),
    ("ld_start_day", "Int64", "lymphodepletion start day (the design's default where missing)"),
    ("ld_end_day", "Int64", "lymphodepletion end day (the design's default where missing)"),
    ("bmi", "float", "body-mass index, kg/m2"),
    ("extramedullary", "boolean", "extramedullary disease"),
    ("prior_chemo_cycles", "float", "number of prior chemotherapies"),
    ("prior_hsct", "boolean", "prior allogeneic stem-cell transplant"),
    ("months_hsct_to_cart", "float", "months from the transplant to the CAR-T infusion"),
    ("n_relapses", "float", "number of relapses"),
    ("bm_blasts_pct", "float", "bone-marrow blasts before lymphodepletion, %"),
    ("car_target", "string", "CAR target, e.g. CD19, CD22, CD19-CD22"),
    ("ldh", "float", "baseline LDH, U/L"),
    ("ferritin", "float", "baseline ferritin, ng/mL"),
    ("crp", "float", "baseline (pre-lymphodepletion) CRP, mg/L; a CAR-HEMATOTOX component where the "
                     "design's hematotox.score.undated_columns names it"),
    ("alt", "float", "baseline ALT, U/L"),
    ("ast", "float", "baseline AST, U/L"),
    ("gfr", "float", "baseline GFR, ml/min"),
    ("creatinine", "float", "baseline serum creatinine, umol/L"),
    ("urea", "float", "baseline serum urea, mmol/L"),
    ("uric_acid", "float", "baseline serum uric acid, umol/L"),
    ("hemorrhage", "boolean", "hemorrhage after the infusion"),
    ("infection", "boolean", "infection after the infusion"),
    ("nrm", "boolean", "non-relapse mortality"),
    ("los_days", "float", "length of stay, days"),
    ("cost_total", "float", "total hospitalization cost"),
    ("cost_drug", "float", "drug cost"),
    ("cost_lab", "float", "laboratory test cost"),
    ("cost_gcsf", "float", "G-CSF cost"),
    ("cost_oxygen", "float", "oxygen cost"),
    ("cost_prbc", "float", "PRBC transfusion cost"),
    ("cost_platelets", "float", "platelet transfusion cost"),
    ("last_followup_day", "Int64", "day of the last follow-up"),
    ("death_day", "Int64", "day of death; empty when alive"),
    ("relapse_day", "Int64", "day of relapse; empty without relapse"),
    ("next_therapy_day", "Int64", "start of a subsequent line of therapy; empty without one "
                                  "(censors ICAHT, T-ICAHT and the recovery phenotype)"),
    ("scb_day", "Int64", "day of the CD34+-selected stem-cell boost (Mullanfiroze 2022)"),
    ("scb_cd34_per_kg", "float", "stem-cell boost CD34+ dose, x10^6/kg"),
    ("scb_cd3_per_kg", "float", "stem-cell boost CD3+ dose, x10^4/kg"),
    ("car_product", "string", "CAR-T product (Mullanfiroze 2022)"),
    ("age_at_diagnosis_years", "float", "age at diagnosis, years (Mullanfiroze 2022)"),
    ("age_at_sct_years", "float", "age at the stem-cell transplant, years (Mullanfiroze 2022)"),
    ("age_at_scb_years", "float", "age at the stem-cell boost, years (Mullanfiroze 2022)"),
    ("death_cause", "string", "cause of death (Mullanfiroze 2022)"),
    ("gvhd_after_scb", "boolean", "GVHD after the stem-cell boost (Mullanfiroze 2022)"),
)

PATIENTS: tuple[Column, ...] = (
    Column("patient_id", "string", "study code of the patient (never a record number)"),
    *(Column(f"<L>_{f}", d, m, when=_LABS) for f, d, m in LINEAGE_FIELDS),
    Column("in_analysis_set", "boolean", "day-28 response among the design's analysis_set "
                                         "responses (a missing response as missing_response says)"),
    Column("pht", "boolean", "prolonged hematological toxicity: `<L>_pht` of any lineage",
           when=_LABS),
    Column("persistent_cytopenia", "boolean", "`<L>_persistent` of any lineage", when=_LABS),
    Column("crs_max_grade", "Int64", "highest CRS grade (0 for a patient without crs rows); empty "
                                     "without a crs table or per-patient CRS summaries"),
    Column("crs_group", "string", "CRS group of crs_max_grade from the design's crs_groups "
                                  "(none / mild / severe)"),
    Column("crs_onset_day", "Int64", "first day with CRS grade >= 1"),
    Column("crs_peak_day", "Int64", "first day of the highest CRS grade"),
    Column("crs_recovery_day", "Int64", "first day after the peak back at grade 0"),
    Column("crs_duration_days", "Int64", "crs_recovery_day - crs_onset_day"),
    Column("icans_max_grade", "Int64", "highest ICANS grade (0 without rows)",
           when="when crs.csv has icans_grade"),
    Column("neurotoxicity", "boolean", "icans_max_grade >= 1", when="when crs.csv has icans_grade"),
    Column("toci_or_steroid", "boolean", "tocilizumab or a corticosteroid from the infusion on; "
                                         "empty without a treatments table"),
    Column("<treatment>_any", "boolean", "the treatment (gcsf, prbc, platelets, tocilizumab, "
                                         "corticosteroid) on any day from the infusion on"),
    Column("<treatment>_days", "Int64", "number of distinct days with the treatment from the "
                                        "infusion on"),
    Column("max_<marker>", "float", "peak marker value over the design's marker_window",
           when="for each marker in markers.csv"),
    Column("lg_max_<marker>", "float", "log10 of `max_<marker>` (empty for a non-positive peak)",
           when="for each marker in markers.csv"),
    Column("lg_ldh", "float", "log10 of the baseline ldh", when="when patients.csv has ldh"),
    Column("neutropenia_t3", "boolean", "any-grade neutropenia in T3 (criteria cytopenia.anc); "
                                        "empty without T3 ANC", when=_LABS),
    Column("anemia_t3", "boolean", "any-grade anemia in T3 (cytopenia.hb_male / hb_female); empty "
                                   "without T3 Hb or sex", when=_LABS),
    Column("thrombocytopenia_t3", "boolean", "any-grade thrombocytopenia in T3 (cytopenia.plt); "
                                             "empty without T3 PLT", when=_LABS),
    Column("pre_ld_anc", "float", "last daily ANC before lymphodepletion, 10^9/L", when=_LABS),
    Column("pre_ld_hb", "float", "last daily Hb before lymphodepletion, g/L", when=_LABS),
    Column("pre_ld_plt", "float", "last daily PLT before lymphodepletion, 10^9/L", when=_LABS),
    *(Column(n, d, m, when=_HEMATOTOX) for n, d, m in HEMATOTOX_FIELDS),
    *(Column(n, d, m, source="carried", when=_PATIENT_ROW) for n, d, m in _CARRIED),
)

EPISODES: tuple[Column, ...] = (
    Column("patient_id", "string", "study code of the patient"),
    Column("lineage", "string", "lineage code (sn, sa, st)"),
    Column("test", "string", "blood-count test of the lineage (anc, hb, plt)"),
    *(Column(f, d, m) for f, d, m in LINEAGE_FIELDS),
)

PRIOR_SCT_PATIENTS: tuple[Column, ...] = (
    Column("patient_id", "string", "study code of the patient"),
    Column("evaluable", "boolean", "alive and relapse-free beyond evaluable_after_day"),
    Column("not_evaluable_reason", "string", "death or relapse on or before evaluable_after_day; "
                                             "empty when evaluable"),
    Column("prior_hsct", "boolean", "prior allogeneic stem-cell transplant (patients.csv)"),
    Column("persistent_cytopenia", "boolean", "persistent_cytopenia of patients.csv"),
)

_SCB_DAY = "days from the stem-cell boost (SCB day = 0)"
_CARRIED_TYPE = {n: (d, m) for n, d, m in _CARRIED}
SCB_PATIENTS: tuple[Column, ...] = (
    Column("patient_id", "string", "study code of a boosted patient (scb_day present)"),
    Column("scb_day", "Int64", "day of the stem-cell boost, from the CAR-T infusion"),
    Column("followup_end_day", "Int64", "end of the post-SCB observation: the earliest of last "
                                        "follow-up, death and a relapse after the SCB"),
    Column("end_reason", "string", "what ends follow-up: death, relapse or last_followup"),
    Column("pre_scb_anc_g34", "boolean", "grade 3-4 ANC in the pre-SCB window"),
    Column("pre_scb_hb_g34", "boolean", "grade 3-4 Hb in the pre-SCB window"),
    Column("pre_scb_plt_g34", "boolean", "grade 3-4 PLT in the pre-SCB window"),
    Column("pre_scb_cytopenia", "string", "none, single lineage, bicytopenia or pancytopenia"),
    Column("anc_status", "string", "recovered, not_recovered or not_applicable"),
    Column("anc_recovery_day", "Int64", f"ANC recovery without G-CSF, {_SCB_DAY}"),
    Column("anc_recurrence", "boolean", "an ANC below the threshold after the recovery"),
    Column("rbc_ti_status", "string", "red-cell transfusion: independent, dependent or "
                                      "not_applicable"),
    Column("rbc_ti_day", "Int64", f"red-cell transfusion independence, {_SCB_DAY}"),
    Column("plt_ti_status", "string", "platelet transfusion: independent, dependent or "
                                      "not_applicable"),
    Column("plt_ti_day", "Int64", f"platelet transfusion independence, {_SCB_DAY}"),
    Column("response", "string", "responder, transient, partial, not_evaluable or no_response"),
    Column("months_cart_to_scb", "float", "months (30.4375 days) from the infusion to the SCB"),
    *(Column(n, _CARRIED_TYPE[n][0], _CARRIED_TYPE[n][1] + " (patients.csv)") for n in (
        "age_at_diagnosis_years", "age_at_sct_years", "age_years", "age_at_scb_years",
        "months_hsct_to_cart", "n_relapses", "scb_cd34_per_kg", "scb_cd3_per_kg", "prior_hsct",
        "gvhd_after_scb", "car_product", "death_cause")),
    Column("crs_max_grade_before_scb", "Int64", "highest CRS grade from the infusion to the day "
                                                "before the SCB (0 without rows)"),
    Column("crs_max_grade_after_scb", "Int64", "highest CRS grade after the SCB day"),
    Column("icans_max_grade_before_scb", "Int64", "highest ICANS grade before the SCB"),
    Column("icans_max_grade_after_scb", "Int64", "highest ICANS grade after the SCB day"),
    Column("baseline_pancytopenia", "boolean", "CTCAE grade >= 1 ANC, Hb and PLT before "
                                               "lymphodepletion; empty when one is missing"),
    Column("followup_after_scb_days", "Int64", "death or last follow-up day minus the SCB day"),
    Column("followup_after_scb_months", "float", "followup_after_scb_days / 30.4375"),
    Column("relapse_after_scb", "boolean", "a relapse after the SCB day"),
    Column("deceased", "boolean", "death_day present"),
    Column("alive_in_cr", "boolean", "not deceased and no relapse after the SCB"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "patients": PATIENTS, "episodes": EPISODES, "prior_sct_patients": PRIOR_SCT_PATIENTS,
    "scb_patients": SCB_PATIENTS,
}
TITLES = {"patients": "derived/patients.csv: one row per patient (data contract section 3)",
          "episodes": "derived/episodes.csv: one row per patient and lineage",
          "prior_sct_patients": "derived/prior_sct_patients.csv: the prior-SCT comparison "
                                "(Mullanfiroze 2022)",
          "scb_patients": "derived/scb_patients.csv: one row per boosted patient "
                          "(Mullanfiroze 2022)"}


# ---------------------------------------------------------------- lookup
def _expand(name: str) -> list[str]:
    """Concrete names of a declared name (``<L>`` and ``<treatment>`` expanded; ``<marker>`` kept)."""
    names = [name]
    for key, values in (("<L>", LINEAGES), ("<treatment>", TREATMENTS)):
        if key in name:
            names = [n.replace(key, v) for n in names for v in values]
    return names


_INDEX: dict[str, tuple] = {}


def _index(table: str) -> tuple[dict[str, Column], list[tuple[re.Pattern, Column]]]:
    """(exact names, marker patterns) of ``table``, built once."""
    if table not in _INDEX:
        if table not in TABLES:
            raise KeyError(f"unknown derived table {table!r}; known: {', '.join(TABLES)}")
        exact, patterns = {}, []
        for col in TABLES[table]:
            for name in _expand(col.name):
                if "<marker>" in name:
                    rx = re.escape(name).replace(re.escape("<marker>"), "[0-9a-z_]+")
                    patterns.append((re.compile(rx), col))
                else:
                    exact.setdefault(name, col)
        _INDEX[table] = (exact, patterns)
    return _INDEX[table]


def column_spec(name: str, table: str = "patients") -> Column | None:
    """The declaration of column ``name`` of ``table`` (None for an undeclared column)."""
    exact, patterns = _index(table)
    if name in exact:
        return exact[name]
    return next((col for rx, col in patterns if rx.fullmatch(name)), None)


def declared_names(table: str = "patients", markers=MARKERS) -> list[str]:
    """Every concrete column name of ``table``, ``<marker>`` expanded over ``markers``."""
    out = []
    for col in TABLES[table]:
        for name in _expand(col.name):
            out += [name.replace("<marker>", m) for m in markers] if "<marker>" in name else [name]
    return out


# ---------------------------------------------------------------- data dictionary
def data_dictionary() -> str:
    """``docs/derived-columns.md``: one Markdown table per derived table, from the declaration."""
    lines = ["# Derived tables: data dictionary", "",
             "Generated from `src/cartcyto/derive/columns.py` by "
             "`python -m cartcyto.derive.columns`; do not edit by hand.", "",
             "dtypes: `boolean` (written `true`/`false`), `Int64` (whole numbers), `float`, "
             "`string`; an empty cell is missing in every dtype. `<L>` is a lineage code ("
             + ", ".join(f"`{x}`" for x in LINEAGES) + "), `<treatment>` one of "
             + ", ".join(f"`{x}`" for x in TREATMENTS) + ", `<marker>` a marker of markers.csv ("
             + ", ".join(f"`{x}`" for x in MARKERS) + ", others as given). A further column of "
             "patients.csv that is not listed is carried unchanged (boolean, number or text, as "
             "the cohort reader types it).", ""]
    for table, cols in TABLES.items():
        lines += [f"## {TITLES[table]}", "", "| column | dtype | source | meaning |",
                  "| --- | --- | --- | --- |"]
        for c in cols:
            source = c.source + (f", {c.when}" if c.when else "")
            lines.append(f"| `{c.name}` | {c.dtype} | {source} | {c.meaning} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/derived-columns.md`` (``--check``: exit 1 when the committed file differs)."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(next((a for a in args if not a.startswith("-")), DOC_PATH))
    text = data_dictionary()
    if "--check" in args:
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is out of date: run python -m cartcyto.derive.columns", file=sys.stderr)
            return 1
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
