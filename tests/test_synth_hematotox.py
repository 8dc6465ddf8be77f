"""The synthetic CAR-HEMATOTOX baseline values of the bundled cohorts (cartcyto.synth.hematotox_baseline)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cartcyto.cohort.read import read_cohort
from cartcyto.derive.patients import derive_patients
from design_fixtures import resolve_study
from cartcyto.synth import hematotox_baseline as hb

DATA = Path(__file__).resolve().parents[1] / "data"


def test_solved_shift_gives_the_published_expected_share():
    fixed = np.array([0, 0, 0, 1, 1, 2, 3, np.nan, 0, 1], float)
    sct = np.array([0, 1, 0, 1, 0, 0, 1, 0, 0, 0], float)
    shift = hb.solve_shift(fixed, sct)
    assert hb.expected_high_share(fixed, shift, sct) == pytest.approx(hb.PUBLISHED_HIGH_SHARE, abs=1e-9)
    assert hb.expected_high_share(fixed, shift + 0.5, sct) > hb.PUBLISHED_HIGH_SHARE   # grows with the shift
    assert hb.PUBLISHED_HIGH_SHARE == pytest.approx(115 / 235)                         # Rejeski 2021 Table 3


def test_the_stream_is_independent_of_the_cohort_stream():
    a = hb.draw_crp(hb.stream(20210630), 5)
    b = hb.draw_crp(hb.stream(20210630), 5)
    c = hb.draw_crp(np.random.default_rng(20210630), 5)
    assert (a == b).all() and not (a == c).all()


def test_wang_baseline_markers_are_dated_before_lymphodepletion():
    mk = pd.read_csv(DATA / "wang2021" / "markers.csv")
    pts = pd.read_csv(DATA / "wang2021" / "patients.csv").set_index("patient_id")
    pre = mk[mk["day"] < 0]
    assert set(pre["marker"]) == {"crp", "ferritin"} and pre["day"].between(-11, -4).all()
    assert pre.groupby("marker")["patient_id"].nunique().to_dict() == {"crp": 86, "ferritin": 86}
    fer = pre[pre["marker"] == "ferritin"].set_index("patient_id")["value"]
    assert np.allclose(fer, pts.loc[fer.index, "ferritin"])                    # the Table 1 baseline


@pytest.mark.parametrize("name", ["wang2021", "mullanfiroze2022"])
def test_every_patient_with_pre_ld_counts_is_scored(name, capsys):
    st = resolve_study(name, {"cohort": str(DATA / name), "design": name})
    df = derive_patients(read_cohort(st["cohort"], st), st)
    scored = df["hematotox_score"].notna()
    missing = df.loc[~scored, "hematotox_not_scored"]
    assert missing.str.contains("plt; anc; hb").all()     # only patients without pre-LD blood counts
    share = float(df.loc[scored, "hematotox_high"].astype(bool).mean())
    with capsys.disabled():
        print(f"\n{name}: {int(scored.sum())} scored, high risk {share:.1%} "
              f"(published pooled share {hb.PUBLISHED_HIGH_SHARE:.1%}, Rejeski 2021 Table 3)")
    assert 0.2 < share < 0.95
