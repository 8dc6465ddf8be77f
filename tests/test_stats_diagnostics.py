"""cartcyto.stats.diagnostics against R survival 3.5-3 cox.zph (tests/reference/stats_reviewer.R)
and the endometrial data of Heinze & Schemper (2002, Stat Med 21:2409), where NV separates.
Tolerance rtol 1e-7."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from cartcyto.stats.diagnostics import (
    ZPH_COLUMNS, cox_zph, events_per_variable, separation,
)

REF = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def lung():
    d = pd.read_csv(REF / "lung.csv")
    d["dead"] = d["status"] == 2
    return d


# R: fit <- coxph(Surv(time, status) ~ age + sex + ph.karno, data = lung, ties = ties)
#    z <- cox.zph(fit, transform = tr); z$table[, "chisq"]; z$table[, "p"]   (age, sex, ph.karno, GLOBAL)
ZPH_R = {
    ("breslow", "km"): ([0.476603749414514, 3.07509324785622, 8.01675573054061, 10.3502060339263],
                        [0.489964719308337, 0.079500034783354, 0.004634652010118, 0.0158122374223796]),
    ("breslow", "identity"): ([0.440444610883114, 3.23947329225018, 7.5534664951132, 10.0472950546444],
                              [0.506907938667069, 0.0718837442407145, 0.00598947452800611, 0.0181683588136174]),
    ("breslow", "rank"): ([0.339719333446436, 2.78543649907678, 8.58820844044719, 10.7639493144574],
                          [0.559991272775807, 0.0951247719110805, 0.0033834671728793, 0.013073230477673]),
    ("breslow", "log"): ([4.05175751823455, 2.66543754433375, 3.3590636094995, 8.0965877936571],
                         [0.0441253829886748, 0.102549620241539, 0.0668360624413064, 0.0440571390797261]),
    ("efron", "km"): ([0.478235900500192, 3.08529723266738, 8.01720859410123, 10.3589845408429],
                      [0.489222469621824, 0.0790028294547221, 0.00463349321561082, 0.0157486420131666]),
    ("efron", "identity"): ([0.44228479577953, 3.24884603811537, 7.55246297288264, 10.0529530639319],
                            [0.506021738308823, 0.0714737608787372, 0.00599281088786997, 0.0181213366252319]),
    ("efron", "rank"): ([0.340636785457027, 2.79554908238547, 8.58983144099191, 10.7738216619465],
                        [0.559461887727961, 0.0945263811385954, 0.00338045295280077, 0.0130139403395682]),
    ("efron", "log"): ([4.0723230129304, 2.67709226982819, 3.35653497895245, 8.12447657996557],
                       [0.0435912867967213, 0.101801455626827, 0.0669387768287813, 0.0435079937847515]),
}


@pytest.mark.parametrize("ties,transform", list(ZPH_R))
def test_cox_zph_against_R(lung, ties, transform):
    tests, resid = cox_zph(lung, "time", "dead", ["age", "sex", "ph.karno"], ties=ties,
                           transform=transform)
    chi, p = ZPH_R[(ties, transform)]
    assert list(tests.columns) == ZPH_COLUMNS
    assert list(tests.term) == ["age", "sex", "ph.karno", "GLOBAL"]
    assert_allclose(tests.estimate, chi, rtol=1e-7)
    assert_allclose(tests.p_value, p, rtol=1e-7)
    assert list(tests.dof) == [1, 1, 1, 3]
    assert (tests.method.str.contains(f"transform '{transform}'")).all()
    assert len(resid) == 3 * 164


# R: z <- cox.zph(fit); t(z$y[1:3, ]) (first three events, age, sex, ph.karno each);
#    z$x[1:3] = 0, 0.00440528634361237, 0.00440528634361237; z$time[1:3] = 5, 11, 11
RESID_R = {
    "breslow": [0.0773023551477329, 2.68681911259551, 0.0997687844510964, 0.135211514347953,
                -1.6229486223504, -0.0436752527981956, 0.279428510007857, -1.70654638162115,
                0.0847211955897124],
    "efron": [0.0772615422464911, 2.68571886147741, 0.0996891965791012, 0.13616451972755,
              -1.63040729125334, -0.0434096767622526, 0.280419447801303, -1.71541877950573,
              0.0849480021617545],
}


@pytest.mark.parametrize("ties", list(RESID_R))
def test_scaled_schoenfeld_residuals_against_R(lung, ties):
    _, resid = cox_zph(lung, "time", "dead", ["age", "sex", "ph.karno"], ties=ties, transform="km")
    first3 = np.column_stack([resid[resid.term == t].scaled_residual.to_numpy()[:3]
                              for t in ["age", "sex", "ph.karno"]])
    assert_allclose(first3.ravel(), RESID_R[ties], rtol=1e-7)
    age = resid[resid.term == "age"]
    assert_allclose(age.transformed_time[:3], [0, 0.00440528634361237, 0.00440528634361237], atol=1e-12)
    assert list(age.time[:3]) == [5, 11, 11]


def test_cox_zph_not_estimable():
    d = pd.DataFrame({"t": [1, 2, 3, 4], "e": [0, 0, 0, 0], "x": [1, 2, 3, 4]})
    tests, resid = cox_zph(d, "t", "e", ["x"], ties="breslow")
    assert tests.estimate.isna().all() and resid.empty and "not estimable" in tests.method.iloc[0]


def test_events_per_variable():
    assert events_per_variable(20, None, 4) == 5.0          # Cox: events / terms
    assert events_per_variable(9, 24, 3) == 3.0             # logistic: min(events, non-events)
    assert events_per_variable(30, 6, 2) == 3.0
    assert np.isnan(events_per_variable(5, None, 0))


def test_separation_endometrial_nv_quasi_complete():
    # Heinze & Schemper (2002): all 13 patients with neovasculation (NV = 1) have high grade
    # (HG = 1): quasi-complete separation, the ML estimate of NV is infinite.
    # R: table(endometrial$NV, endometrial$HG) = 49, 0, 17, 13
    e = pd.read_csv(REF / "endometrial.csv")
    row = separation(e, "HG", ["NV", "PI", "EH"]).iloc[0]
    assert (row.level, row.estimate, row.term, row.n) == ("quasi-complete", 1.0, "NV", 79.0)
    assert separation(e, "HG", ["PI", "EH"]).iloc[0].level == "none"


@pytest.mark.parametrize("y,x,level", [
    ([0, 0, 0, 1, 1, 1], [1, 2, 3, 4, 5, 6], "complete"),
    ([0, 0, 0, 1, 1, 1], [1, 2, 3, 3, 4, 5], "quasi-complete"),
    ([0, 1, 0, 1, 1, 0], [1, 2, 3, 3, 4, 5], "none"),
])
def test_separation_textbook_cases(y, x, level):
    # Albert & Anderson (1984) definitions: complete (a cut point classifies everyone),
    # quasi-complete (only ties at the cut point), overlap (finite MLE).
    assert separation(pd.DataFrame({"y": y, "x": x}), "y", "x").iloc[0].level == level
