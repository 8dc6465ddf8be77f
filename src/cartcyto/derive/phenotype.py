"""Neutrophil recovery phenotype per patient (quick / intermittent / aplastic), vectorised.

Source: Rejeski K et al., CAR-HEMATOTOX, Blood 2021;138(24):2499-2513, who describe three
patterns of neutrophil recovery after CD19 CAR-T. The paper's own wording of them was not in the
project's reference library (its stored copy holds the abstract only, and no public tool codes
the phenotypes), so the rules below are the project's reading of the paper, not a checked copy
of its text; every threshold is a design key of ``hematotox.phenotype``, and the definitions
page says so:

* **aplastic**: continuous severe neutropenia, ANC < 0.5 x10^9/L (``aplastic_below``) on at least
  14 consecutive days (``aplastic_days``), counted on the daily series after the gap policy
  (``cartcyto.derive.daygrid``); no unstable recovery is joined (the run must be continuous);
* **intermittent**: neutrophil recovery (a measured ANC > 1.0, ``recovery_above``, after the first
  measured ANC < 1.0) followed by a second dip, a measured ANC < 1.0 (``dip_below``) after day
  +21 (``dip_after_day``) and after that recovery;
* **quick**: sustained recovery without a second dip: a recovery as above and no second dip, or
  no ANC < 1.0 at all.

Order: aplastic first (a patient with a 14-day run and a later dip is aplastic), then
intermittent, then quick. Days ``window`` (0-60 by default, the paper's observation window of the
neutrophil end points), censored like ICAHT (``censor_at``). Empty, with the reason in
``neutrophil_phenotype_not_classified``, when the window is censored before it starts, when there
is no ANC in it, when a gap longer than ``max_gap_days`` lies next to a value below
``aplastic_below`` (the run could be anything), or when none of the three applies (no ANC above
1.0 after the first value below 1.0 and no 14-day run).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.daygrid import day_grid, long_gap_next_to, longest_run
from cartcyto.derive.arrays import first_by
from cartcyto.derive.icaht import censor_day

PHENOTYPES = ("quick", "intermittent", "aplastic")


def recovery_phenotype(series: tuple, patients: pd.DataFrame, cfg: Mapping[str, Any],
                       common: Mapping[str, Any]) -> pd.DataFrame:
    """``neutrophil_phenotype`` (quick/intermittent/aplastic, <NA> when not classified) and
    ``neutrophil_phenotype_not_classified`` (the reason) for every patient (module docstring)."""
    n = len(patients)
    lo, hi = (int(x) for x in cfg["window"])
    end = censor_day(patients, common["censor_at"])
    end = np.where(np.isnan(end), float(hi), np.minimum(end, hi))
    below = float(cfg["aplastic_below"])
    grid = day_grid(series, n, lo, hi, end, int(common["max_gap_days"]), common["gap_policy"])
    with np.errstate(invalid="ignore"):
        aplastic = longest_run((grid.values < below) & grid.inside) >= int(cfg["aplastic_days"])
    p, d, v = series
    df = d.astype(float)
    win = (d >= lo) & (d <= end[p])
    first_low = first_by(p, win & (v < float(cfg["dip_below"])), df, n)
    with np.errstate(invalid="ignore"):
        recovery = first_by(p, win & (v > float(cfg["recovery_above"])) & (df > first_low[p]), df, n)
        after = np.fmax(recovery, float(cfg["dip_after_day"]))
        dip = first_by(p, win & (v < float(cfg["dip_below"])) & (df > after[p]), df, n)
    intermittent = ~np.isnan(recovery) & ~np.isnan(dip)
    quick = np.isnan(first_low) | ~np.isnan(recovery)
    label = np.where(aplastic, "aplastic", np.where(intermittent, "intermittent",
                                                    np.where(quick, "quick", None))).astype(object)
    reason = np.where(label == None, f"no ANC above {cfg['recovery_above']:g} after the first value below "  # noqa: E711
                      f"{cfg['dip_below']:g} and no {cfg['aplastic_days']}-day run below {below:g}", None)
    gap = long_gap_next_to(grid, lambda x: np.less(x, below, where=~np.isnan(x), out=np.zeros(x.shape, bool)))
    reason = np.where(gap, f"a gap of more than {int(common['max_gap_days'])} days without ANC next to "
                      f"a value < {below:g}", reason)
    reason = np.where(np.bincount(p[win], minlength=n) == 0, f"no ANC value in days {lo}-{hi} before censoring",
                      reason)
    reason = np.where(end < lo, f"censored (progression / next therapy / death) before day {lo}", reason)
    label = np.where(reason == None, label, None)  # noqa: E711
    return pd.DataFrame({"neutrophil_phenotype": pd.array(label, dtype="string"),
                         "neutrophil_phenotype_not_classified": pd.array(reason, dtype="string")})
