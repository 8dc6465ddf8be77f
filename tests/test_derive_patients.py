"""The derived patient table: columns, analysis set, lab summaries, and the CSV writer."""
from __future__ import annotations

import importlib.util
import types
from pathlib import Path

import numpy as np
import pandas as pd

from design_fixtures import resolve_study
from cartcyto.derive.patients import derive_episodes, derive_patients, write_derived

WANG = resolve_study("w", {"cohort": "x", "design": "wang2021"})
CONTRACT = [f"{L}_{f}" for L in ("sn", "sa", "st") for f in (
    "baseline", "new_onset", "onset_day", "nadir_day", "nadir_value", "recovery_day", "recovered",
    "duration_days")] + ["in_analysis_set", "pht", "crs_max_grade", "crs_group", "crs_onset_day",
                          "crs_peak_day", "crs_recovery_day", "crs_duration_days", "toci_or_steroid"]


def small_cohort():
    patients = pd.DataFrame({
        "patient_id": ["p1", "p2", "p3"], "sex": ["M", "F", "F"], "age_years": [30.0, 40.0, 50.0],
        "response_d28": pd.array(["CR", "NR", None], dtype="string"),
        "ld_start_day": [-4.0, -4.0, -4.0], "ld_end_day": [-2.0, -2.0, -2.0],
        "bm_blasts_pct": [10.0, 50.0, np.nan], "prior_hsct": pd.array([True, False, None], dtype="boolean"),
        "ldh": [100.0, 1000.0, np.nan], "crs_max_grade": [4.0, 4.0, 4.0],   # summaries lose to the crs table
        "death_day": [np.nan, np.nan, np.nan]})
    labs = pd.DataFrame([
        ("p1", -6, "anc", 2.0), ("p1", -5, "anc", 1.8), ("p1", 5, "anc", 0.2), ("p1", 29, "anc", 0.3),
        ("p1", -6, "hb", 130.0), ("p1", 5, "hb", 115.0), ("p1", 5, "plt", 150.0),
        ("p2", -5, "hb", 115.0), ("p2", 5, "hb", 115.0), ("p2", 6, "hb", 50.0), ("p2", 7, "hb", 70.0),
        ("p2", 5, "plt", 90.0), ("p2", -5, "anc", 0.4), ("p2", 3, "anc", 1.0), ("p2", 5, "wbc", 0.1),
    ], columns=["patient_id", "day", "test", "value"])
    crs = pd.DataFrame([("p1", 1, 1.0, 0.0), ("p1", 2, 3.0, 1.0), ("p2", 2, 2.0, 0.0)],
                       columns=["patient_id", "day", "crs_grade", "icans_grade"])
    markers = pd.DataFrame([("p1", 3, "ddimer", 10.0, "mg/L"), ("p2", 3, "ddimer", 100.0, "mg/L")],
                           columns=["patient_id", "day", "marker", "value", "unit"])
    treatments = pd.DataFrame([("p2", 4, "tocilizumab", 8.0)], columns=["patient_id", "day", "treatment", "dose"])
    return types.SimpleNamespace(patients=patients, labs=labs, crs=crs, markers=markers,
                                 treatments=treatments, unknown_names={"labs.test": ["wbc"]})


def test_columns_order_and_carried_covariates():
    df = derive_patients(small_cohort(), WANG)
    cols = list(df.columns)
    assert cols[0] == "patient_id" and df["patient_id"].tolist() == ["p1", "p2", "p3"]
    assert [c for c in cols if c in CONTRACT] == CONTRACT
    assert {"max_ddimer", "lg_max_ddimer", "lg_ldh", "neutropenia_t3", "anemia_t3", "thrombocytopenia_t3",
            "pre_ld_anc", "pre_ld_hb", "pre_ld_plt", "sn_pht", "sn_at_risk", "sn_t1", "persistent_cytopenia",
            "icans_max_grade", "neurotoxicity", "gcsf_any", "gcsf_days"} <= set(cols)
    assert cols[-9:] == ["sex", "age_years", "response_d28", "ld_start_day", "ld_end_day", "bm_blasts_pct",
                         "prior_hsct", "ldh", "death_day"]
    assert cols.count("crs_max_grade") == 1 and df["crs_max_grade"].tolist() == [3, 2, 0]
    assert df["crs_group"].tolist() == ["severe", "mild", "none"]
    assert df["prior_hsct"].dtype == "boolean"


def test_values_per_patient():
    df = derive_patients(small_cohort(), WANG).set_index("patient_id")
    p1, p2, p3 = df.loc["p1"], df.loc["p2"], df.loc["p3"]
    # p1: new-onset SN on day 5, not recovered, censored at 29, ongoing on day 28; severe after 28
    assert (p1["sn_new_onset"], p1["sn_onset_day"], p1["sn_censor_day"], p1["sn_duration_days"],
            p1["sn_pht"], p1["pht"], p1["sn_persistent"], p1["persistent_cytopenia"]) == \
        (True, 5, 29, 24, True, True, True, True)
    # p2: baseline SN (T1), new-onset SA on day 6 recovered day 7
    assert (p2["sn_baseline"], p2["sn_at_risk"], p2["sa_new_onset"], p2["sa_onset_day"],
            p2["sa_recovery_day"], p2["sa_duration_days"], p2["pht"]) == (True, False, True, 6, 7, 1, False)
    # p3: no labs at all -> not baseline, not at risk, phases unknown
    assert (p3["sn_baseline"], p3["sn_at_risk"], p3["sn_new_onset"]) == (False, False, False)
    assert pd.isna(p3["sn_t1"]) and pd.isna(p3["sn_nadir_day"]) and pd.isna(p3["sn_recovered"])
    # analysis set: CR in, NR out, missing response included by default
    assert df["in_analysis_set"].tolist() == [True, False, True]
    # any-grade T3: Hb 115 is anemia for a man (< 120), not for a woman (< 110) ... until p2's 50
    assert (p1["anemia_t3"], p1["neutropenia_t3"], p1["thrombocytopenia_t3"]) == (True, True, False)
    assert (p2["anemia_t3"], p2["thrombocytopenia_t3"], p2["neutropenia_t3"]) == (True, True, True)
    assert pd.isna(p3["anemia_t3"]) and pd.isna(p3["neutropenia_t3"])
    # pre-lymphodepletion: last T1 (day < -4) daily value
    assert (p1["pre_ld_anc"], p1["pre_ld_hb"], p2["pre_ld_hb"]) == (1.8, 130.0, 115.0)
    assert pd.isna(p1["pre_ld_plt"])
    assert (p1["toci_or_steroid"], p2["toci_or_steroid"], p2["lg_max_ddimer"], p2["lg_ldh"]) == \
        (False, True, 2.0, 3.0)
    assert (p1["crs_onset_day"], p1["crs_peak_day"], p1["crs_recovery_day"], p1["crs_duration_days"],
            p1["neurotoxicity"]) == (1, 2, 3, 2, True)


def test_missing_response_can_be_excluded():
    study = resolve_study("w", {"cohort": "x", "design": "wang2021",
                                "overrides": {"analysis_set": {"missing_response": "exclude"}}})
    assert derive_patients(small_cohort(), study)["in_analysis_set"].tolist() == [True, False, False]


def test_write_derived_booleans_and_missing(tmp_path):
    df = derive_patients(small_cohort(), WANG)
    path = write_derived(df, tmp_path / "derived" / "patients.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    p3 = dict(zip(header, lines[3].split(",")))
    p1 = dict(zip(header, lines[1].split(",")))
    assert (p1["sn_new_onset"], p1["sn_onset_day"], p1["sn_recovered"], p1["sn_recovery_day"]) == \
        ("true", "5", "false", "")
    assert (p3["sn_baseline"], p3["sn_onset_day"], p3["sn_t1"], p3["prior_hsct"], p3["crs_max_grade"]) == \
        ("false", "", "", "", "0")
    assert p1["prior_hsct"] == "true" and p1["crs_group"] == "severe"
    back = pd.read_csv(path, keep_default_na=False)
    assert len(back) == 3 and list(back.columns) == list(df.columns)
    assert not list(tmp_path.joinpath("derived").glob(".*"))  # no temp file left behind


def test_wide_table_matches_long_table_on_random_patients():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "derive_scale.py"
    spec = importlib.util.spec_from_file_location("derive_scale", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    c = bench.as_cohort(bench.make_cohort_frames(150, seed=5))
    wide = derive_patients(c, WANG)
    long = derive_episodes(c, WANG)
    assert len(wide) == 150 and wide["patient_id"].is_unique
    for lineage in ("sn", "sa", "st"):
        part = long[long["lineage"] == lineage].reset_index(drop=True)
        for f in ("baseline", "new_onset", "onset_day", "recovery_day", "duration_days", "pht"):
            pd.testing.assert_series_equal(wide[f"{lineage}_{f}"], part[f], check_names=False)
    expected_pht = long.groupby("patient_id", sort=False)["pht"].any().to_numpy()
    assert (wide["pht"].to_numpy() == expected_pht).all()


def test_patient_level_summaries_are_used_without_crs_and_treatment_tables(tmp_path):
    c = small_cohort()
    c.crs = c.crs.iloc[:0]
    c.treatments = c.treatments.iloc[:0]
    c.patients = c.patients.assign(crs_max_grade=[3.0, 0.0, np.nan], crs_onset_day=[2.0, np.nan, np.nan],
                                   crs_peak_day=[4.0, np.nan, np.nan], crs_recovery_day=[9.0, np.nan, np.nan],
                                   toci_or_steroid=pd.array([True, False, None], dtype="boolean"))
    df = derive_patients(c, WANG)
    assert [c for c in df.columns if c in CONTRACT] == CONTRACT
    assert df["crs_max_grade"].tolist()[:2] == [3, 0] and pd.isna(df["crs_max_grade"][2])
    assert df["crs_group"].tolist()[:2] == ["severe", "none"] and pd.isna(df["crs_group"][2])
    assert df["crs_duration_days"].tolist()[0] == 7
    assert df["toci_or_steroid"].tolist()[:2] == [True, False]   # the patients' own column is kept
    assert df["gcsf_any"].isna().all()                           # no treatments table: unknown
    lines = write_derived(df, tmp_path / "p.csv").read_text().splitlines()
    row1 = dict(zip(lines[0].split(","), lines[1].split(",")))
    assert (row1["ld_start_day"], row1["age_years"], row1["crs_onset_day"], row1["lg_ldh"]) == \
        ("-4", "30", "2", "2")


def test_write_derived_quotes_text_that_needs_it_and_reads_back_the_same(tmp_path):
    """Arrow writes the table; a text value with a comma, quote or line break (which Arrow is told
    never to quote) sends the whole table through pandas' writer, which quotes it. Both read back
    to the same frame."""
    from cartcyto.derive.patients import read_derived
    df = derive_patients(small_cohort(), WANG)
    plain = write_derived(df, tmp_path / "a" / "patients.csv")
    odd = df.assign(patient_id=["p,1", 'p"2', "p3"])
    quoted = write_derived(odd, tmp_path / "b" / "patients.csv")
    assert quoted.read_text().splitlines()[1].startswith('"p,1",')
    assert quoted.read_text().splitlines()[2].startswith('"p""2",')
    back_plain, back_odd = read_derived(plain), read_derived(quoted)
    pd.testing.assert_frame_equal(back_plain.drop(columns="patient_id"), back_odd.drop(columns="patient_id"))
    assert back_odd["patient_id"].tolist() == ["p,1", 'p"2', "p3"]
    mixed = pd.DataFrame({"patient_id": ["a", "b", "c"], "x": [68.0, 68.5, np.nan], "f": [True, None, False]})
    assert write_derived(mixed, tmp_path / "m.csv").read_text() == "patient_id,x,f\na,68,true\nb,68.5,\nc,,false\n"
    mixed_types = pd.DataFrame({"patient_id": ["a", "b"], "note": ["s", 3]})   # Arrow cannot: pandas
    assert write_derived(mixed_types, tmp_path / "t.csv").read_text() == "patient_id,note\na,s\nb,3\n"
    one = write_derived(pd.DataFrame({"patient_id": ["a", None]}), tmp_path / "one.csv").read_text()
    assert one == 'patient_id\na\n""\n'          # one column: an empty cell is written as "" (pandas)
