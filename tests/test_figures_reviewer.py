"""cartcyto.figures.reviewer: where the competing-risk figure draws a CI band, and its labels."""
import numpy as np
import pandas as pd
from numpy.testing import assert_array_equal

from cartcyto.figures import reviewer


def curve(est, lo, hi) -> pd.DataFrame:
    return pd.DataFrame({"day": np.arange(len(est), dtype=float), "cumulative_incidence": est,
                         "ci_low": lo, "ci_high": hi})


def test_no_band_where_the_estimate_is_0_or_1():
    """Day 0: estimate 0, no CI; days 1-2: a real band; day 3: estimate 1 - 1e-16 with the
    degenerate 0-1 interval (as ST after day 31); day 4: a band again; day 5: exactly 1. The
    bands are days 1-2 (drawn to day 3, where the post-step of day 2 ends) and day 4 (to 5)."""
    c = curve([0.0, 0.3, 0.6, 1 - 1e-16, 0.7, 1.0],
              [np.nan, 0.1, 0.4, 0.0, 0.5, np.nan], [np.nan, 0.5, 0.8, 1.0, 0.9, np.nan])
    runs = list(reviewer.band_runs(c))
    assert len(runs) == 2
    assert_array_equal(runs[0][0], [1, 2, 3])
    assert_array_equal(runs[0][1], [0.1, 0.4, 0.4]) and assert_array_equal(runs[0][2], [0.5, 0.8, 0.8])
    assert_array_equal(runs[1][0], [4, 5]) and assert_array_equal(runs[1][1], [0.5, 0.5])


def test_a_band_to_the_last_day_ends_there():
    runs = list(reviewer.band_runs(curve([0.2, 0.4], [0.1, 0.2], [0.3, 0.6])))
    assert len(runs) == 1
    assert_array_equal(runs[0][0], [0, 1, 1]) and assert_array_equal(runs[0][2], [0.3, 0.6, 0.6])


def test_estimate_near_but_not_within_tolerance_keeps_its_band():
    runs = list(reviewer.band_runs(curve([1 - 1e-6], [0.99], [1 - 1e-8])))
    assert len(runs) == 1


def test_lineage_codes_print_as_short_names():
    assert [reviewer.GROUP_LABELS[g] for g in ("sn", "sa", "st")] == ["SN", "SA", "ST"]
    assert reviewer.PANEL_TITLES["all"] == "All lineages"


def test_figure_draws_png_and_pdf(tmp_path):
    c = pd.concat([curve([0.0, 0.5, 1 - 1e-16], [np.nan, 0.2, 0.0], [np.nan, 0.8, 1.0])
                   .assign(group=g, lineage="all") for g in ("sn", "st")])
    risk = pd.DataFrame({"lineage": "all", "group": ["sn", "sn", "st", "st"], "day": [0, 2] * 2,
                         "n_at_risk": [4, 1, 3, 0]})
    paths = reviewer.fig_cumulative_incidence_cr(c, risk, pd.DataFrame(), tmp_path / "f",
                                                 title="t")
    assert [p[-3:] for p in paths] == ["png", "pdf"]
