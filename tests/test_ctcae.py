"""CTCAE v5.0 grading: every bound of every test (a value exactly on a bound is the lower grade)."""
import numpy as np
import pandas as pd
import pytest

from cartcyto.design import load_yaml
from cartcyto.derive.ctcae import CTCAE5_GRADES, ctcae_grade, grade_labs, is_grade3_4
from design_fixtures import DESIGNS_DIR

EPS = 1e-9

# (test, value, grade): just above, exactly on and just below each bound
BOUNDARIES = [
    ("anc", 2.5, 0), ("anc", 2.0, 0), ("anc", 2.0 - EPS, 1),
    ("anc", 1.5, 1), ("anc", 1.5 - EPS, 2),
    ("anc", 1.0, 2), ("anc", 1.0 - EPS, 3),
    ("anc", 0.5, 3), ("anc", 0.5 - EPS, 4), ("anc", 0.0, 4),
    ("plt", 200, 0), ("plt", 150, 0), ("plt", 149.9, 1),
    ("plt", 75, 1), ("plt", 74.9, 2),
    ("plt", 50, 2), ("plt", 49.9, 3),
    ("plt", 25, 3), ("plt", 24.9, 4), ("plt", 0, 4),
    ("hb", 130, 0), ("hb", 120, 0), ("hb", 119.9, 1),
    ("hb", 100, 1), ("hb", 99.9, 2),
    ("hb", 80, 2), ("hb", 79.9, 3),
    ("hb", 20, 3), ("hb", 0, 3),            # no lab-defined grade 4 for anemia
]


@pytest.mark.parametrize("test,value,grade", BOUNDARIES)
def test_every_boundary(test, value, grade):
    assert ctcae_grade(test, [value])[0] == grade


def test_vectorised_mixed_tests_match_scalar_calls():
    tests = [t for t, _, _ in BOUNDARIES]
    values = [v for _, v, _ in BOUNDARIES]
    got = ctcae_grade(np.array(tests, dtype=object), values)
    assert list(got) == [g for _, _, g in BOUNDARIES]
    assert str(got.dtype) == "Int64"


def test_grade3_4_thresholds_of_the_letter():
    # Grade 3-4 = ANC < 1.0, PLT < 50, Hb < 80 g/L (strict)
    tests = ["anc", "anc", "plt", "plt", "hb", "hb"]
    values = [1.0, 0.99, 50, 49, 80, 79]
    assert list(is_grade3_4(np.array(tests, dtype=object), values)) == [False, True] * 3


def test_bounds_from_criteria_set_equal_module_defaults():
    crit = load_yaml(DESIGNS_DIR / "criteria.yaml")["ctcae5"]
    assert {k: [float(x) for x in v] for k, v in crit["grades"].items()} == CTCAE5_GRADES
    # and the grade-3 bound is the lineage's severe threshold
    for lin in crit["lineages"].values():
        assert crit["grades"][lin["test"]][2] == lin["severe_below"]


def test_missing_values_and_unknown_tests_are_na():
    got = ctcae_grade(np.array(["anc", "wbc", "hb"], dtype=object), [np.nan, 0.1, None])
    assert got.isna().all()


def test_case_insensitive_test_names():
    assert list(ctcae_grade(np.array(["ANC", "Plt"], dtype=object), [0.4, 30])) == [4, 3]


def test_sex_specific_bounds():
    bounds = {"hb": {"M": [135, 100, 80], "F": [120, 100, 80]}}
    got = ctcae_grade("hb", [125, 125, 79], sex=["M", "F", "F"], bounds=bounds)
    assert list(got) == [1, 0, 3]
    with pytest.raises(ValueError, match="sex"):
        ctcae_grade("hb", [125], sex=[None], bounds=bounds)


def test_bad_bounds_rejected():
    with pytest.raises(ValueError, match="decreasing"):
        ctcae_grade("anc", [1.0], bounds={"anc": [0.5, 1.0]})


def test_grade_labs_adds_column():
    labs = pd.DataFrame({"patient_id": ["a", "a", "b"], "day": [1, 2, 1],
                         "test": ["anc", "plt", "hb"], "value": [0.9, 60, 81]})
    study = {"criteria": {"grades": CTCAE5_GRADES}}
    assert list(grade_labs(labs, study)["ctcae_grade"]) == [3, 2, 2]
