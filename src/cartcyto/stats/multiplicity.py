"""Multiplicity adjustment of a family of p-values: Holm, Benjamini-Hochberg, Bonferroni.

:func:`p_adjust` is R ``p.adjust(p, method)`` for ``method`` in ``"holm"``, ``"BH"`` and
``"bonferroni"``, returning one tidy row per p-value with the family size and the method named.

Holm and BH are computed by statsmodels ``multipletests`` (a maintained, R-checked
implementation of the step-down / step-up algorithms; imported when first used), with every
option given explicitly: ``is_sorted=False`` and ``returnsorted=False`` (results in the input
order). ``alpha`` only decides statsmodels' reject flags, which are not used: an adjusted p does
not depend on it. Bonferroni goes through :func:`cartcyto.stats.tests.bonferroni`, the project's
one Bonferroni code path (it also takes a family larger than the p-values at hand).

Missing p (NaN, None, pd.NA) are excluded from the family and stay missing, as in R: the family
size ``k`` is the number of non-missing p-values. Ties get equal adjusted p (as R). A p outside
[0, 1] (or infinite) raises ``ValueError``.

Checked against R 4.x ``p.adjust`` (tests/reference/stats_multiplicity.R,
tests/test_stats_multiplicity.py).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cartcyto.stats.tests import _float_array, bonferroni

ADJUSTED_COLUMNS = ["p_value", "p_adjusted", "k", "method"]
P_ADJUST = {
    "holm": "Holm step-down adjustment (Holm 1979; family-wise error rate)",
    "BH": "Benjamini-Hochberg step-up adjustment (1995; false discovery rate)",
    "bonferroni": "Bonferroni adjustment (family-wise error rate)",
}
"""The methods of :func:`p_adjust`, keyed by R's ``p.adjust`` method name."""
_STATSMODELS = {"holm": "holm", "BH": "fdr_bh"}


def _adjusted(p: np.ndarray, method: str) -> np.ndarray:
    """Adjusted p of a family without missing values (``p.size`` >= 1), in input order."""
    if method == "bonferroni":
        return bonferroni(p, p.size)
    from statsmodels.stats.multitest import multipletests

    _, adjusted, _, _ = multipletests(p, alpha=0.05, method=_STATSMODELS[method],
                                      is_sorted=False, returnsorted=False)
    return adjusted  # capped at 1 by statsmodels, as R


def p_adjust(p: Any, *, method: str) -> pd.DataFrame:
    """Adjust a family of p-values for multiple testing, as R ``p.adjust(p, method)``.

    Parameters
    ----------
    p : array-like (or Series) of p-values in [0, 1]; missing values are not part of the family.
    method : "holm" (Holm step-down, controls the family-wise error rate), "BH"
        (Benjamini-Hochberg step-up, controls the false discovery rate) or "bonferroni".

    Returns
    -------
    One row per p, in input order (a Series keeps its index): ``p_value`` (the p given),
    ``p_adjusted`` (NaN where p is missing), ``k`` (the family size: non-missing p-values),
    ``method`` (the adjustment and k; for a missing p, that it was left out).
    """
    if method not in P_ADJUST:
        raise ValueError(f"method must be one of {tuple(P_ADJUST)}, got {method!r}")
    vals = _float_array(p, "p")
    present = ~np.isnan(vals)
    if np.any((vals[present] < 0) | (vals[present] > 1)):
        raise ValueError("p must hold p-values in [0, 1] (or missing values)")
    k = int(present.sum())
    adjusted = np.full(vals.shape, np.nan)
    if k:
        adjusted[present] = _adjusted(vals[present], method)
    text = f"{P_ADJUST[method]} over a family of k = {k} p-values (R p.adjust '{method}')"
    out = pd.DataFrame({
        "p_value": vals, "p_adjusted": adjusted, "k": float(k),
        "method": np.where(present, text, f"not adjusted: p missing, left out of the family; {text}"),
    }, columns=ADJUSTED_COLUMNS)
    if isinstance(p, pd.Series):
        out.index = p.index
    return out
