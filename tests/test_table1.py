"""Table 1 rows on a hand-built derived table (values traced by hand)."""
import numpy as np
import pandas as pd

from cartcyto.analyses.table1 import crs_treatment_stats, format_table1, table1_stats
from cartcyto.derive.dtypes import typed


def derived():
    """A derived table typed as read_derived returns it ('' = missing)."""
    return typed(pd.DataFrame({
        "patient_id": ["a", "b", "c", "d", "e"],
        "in_analysis_set": ["true", "true", "true", "true", "false"],
        "age_years": [20, 40, 30, 50, 99],           # analysis set: 20,30,40,50 -> median 35
        "sex": ["M", "F", "F", "F", "M"],
        "extramedullary": ["true", "false", "", "false", "true"],   # one missing -> n = 3
        "crs_max_grade": [0, 1, 3, 4, 2],
        "crs_group": ["none", "mild", "severe", "severe", "mild"],
        "toci_or_steroid": ["false", "true", "true", "false", "true"],
        "car_target": ["CD19", "CD22", "CD19-CD22", "CD19", "CD19"],
    }))


def _get(stats, term, statistic, level=""):
    row = stats[(stats.term == term) & (stats.statistic == statistic) & (stats.level == level)]
    return row["estimate"].item(), row["n"].item()


def test_continuous_rows_are_median_min_max_of_the_analysis_set():
    stats = table1_stats(derived())
    assert _get(stats, "age_years", "median") == (35.0, 4)
    assert _get(stats, "age_years", "min") == (20.0, 4)
    assert _get(stats, "age_years", "max") == (50.0, 4)


def test_categorical_rows_count_non_missing_denominator():
    stats = table1_stats(derived())
    assert _get(stats, "sex", "count", "F") == (3.0, 4)
    assert _get(stats, "sex", "percent", "F") == (75.0, 4)
    assert _get(stats, "extramedullary", "count", "true") == (1.0, 3)
    np.testing.assert_allclose(_get(stats, "extramedullary", "percent", "true")[0], 100 / 3)
    assert _get(stats, "crs_max_grade", "count", "3-4") == (2.0, 4)
    assert _get(stats, "crs_max_grade", "count", "none") == (1.0, 4)


def test_absent_columns_are_skipped_and_layout_drawn_from_rows():
    stats = table1_stats(derived())
    assert "bmi" not in set(stats.term)
    table = format_table1(stats)
    assert table.columns[1] == "Value (n=4)"
    assert table.set_index("Characteristic").loc["Age, years"].item() == "35 [20-50]"
    assert table.set_index("Characteristic").loc["  Female"].item() == "3 (75%)"


def test_crs_treatment_by_group():
    stats = crs_treatment_stats(derived())
    sev = stats[(stats.level == "severe") & (stats.statistic == "count")]
    assert sev["estimate"].item() == 1 and sev["n"].item() == 2
    mild = stats[(stats.level == "mild") & (stats.statistic == "count")]
    assert mild["estimate"].item() == 1 and mild["n"].item() == 1
