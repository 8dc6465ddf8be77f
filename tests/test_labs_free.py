"""Cohorts without blood counts (issue 9.5): a design running no family that uses labs runs on
patients.csv plus crs.csv and/or markers.csv; a design that needs labs is refused by name."""
from __future__ import annotations

import pytest

from cartcyto.analyses.table1 import table1_stats
from cartcyto.cohort.errors import CohortError
from cartcyto.cohort.read import read_cohort
from cartcyto.derive.patients import derive_episodes, derive_patients
from cartcyto.design import analysis_families, families_needing_labs
from design_fixtures import resolved
from ingest_fixtures import write_clean_cohort

TABLE1_ONLY = resolved("wang2021", overrides={"analyses": ["table1"]})


def labs_free(tmp_path, keep=("patients", "crs", "markers", "treatments")):
    folder = write_clean_cohort(tmp_path / "cohort")
    for table in ("labs", "crs", "markers", "treatments"):
        if table not in keep:
            (folder / f"{table}.csv").unlink()
    return folder


def test_the_lab_families_are_declared_once_in_the_schema():
    needing = families_needing_labs()
    assert set(needing) <= set(analysis_families())
    assert set(analysis_families()) - set(needing) == {"table1"}
    assert families_needing_labs(TABLE1_ONLY) == []
    assert families_needing_labs(resolved("wang2021"))[:3] == ["incidence", "timing", "univariate"]


@pytest.mark.parametrize("keep", [("patients", "crs", "markers"), ("patients", "crs"),
                                  ("patients", "markers")])
def test_a_design_without_lab_families_runs_on_crs_and_markers(tmp_path, keep):
    cohort = read_cohort(labs_free(tmp_path, keep), TABLE1_ONLY)
    assert len(cohort.labs) == 0
    derived = derive_patients(cohort, TABLE1_ONLY)
    assert len(derived) == 4 and derived.columns[0] == "patient_id"
    # nothing that rests on blood counts is written, not even as "false"
    for column in ("sn_onset_day", "sa_new_onset", "st_at_risk", "pht", "persistent_cytopenia",
                   "pre_ld_anc", "neutropenia_t3"):
        assert column not in derived.columns
    if "crs" in keep:
        assert derived["crs_max_grade"].tolist() == [3, 2, 0, 0]
    if "markers" in keep:
        assert "lg_max_il6" in derived.columns
    assert derive_episodes(cohort, TABLE1_ONLY).empty
    stats = table1_stats(derived)
    assert {"age_years", "sex", "crs_max_grade"} <= set(stats["term"])
    crs_n = stats.loc[stats["term"] == "crs_max_grade", "n"]
    assert (crs_n == (3 if "crs" in keep else 0)).all()   # analysis set of 3; no crs.csv: none known
    assert not {"pre_ld_anc", "pre_ld_hb", "pre_ld_plt", "pht"} & set(stats["term"])


def test_a_design_that_needs_labs_is_refused_by_name(tmp_path):
    folder = labs_free(tmp_path)
    with pytest.raises(CohortError) as caught:
        read_cohort(folder, resolved("wang2021"))
    message = caught.value.message()
    assert str(folder / "labs.csv") in message
    assert "the design runs families that use blood counts (incidence, timing, univariate" in message
    assert "hematotox" in message and "overrides: {analyses: [table1]}" in message
    with pytest.raises(CohortError, match="labs"):
        read_cohort(folder, resolved("mullanfiroze2022"))
    # without a design (reading a cohort on its own) labs stay required, as before
    with pytest.raises(CohortError, match="required table 'labs' is missing"):
        read_cohort(folder)
