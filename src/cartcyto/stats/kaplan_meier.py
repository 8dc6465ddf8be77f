"""Kaplan-Meier: the median with its confidence interval, the log-rank test, numbers at risk.

``km_median`` returns one row (columns :data:`KM_COLUMNS`): ``statistic`` "median", ``estimate``,
``ci_low``/``ci_high``, ``n``, ``events`` and ``method``. The interval is the Brookmeyer-Crowley
interval read off the pointwise confidence band of the survival curve (the first time the band's
lower / upper limit reaches 0.5), with the band built on the scale ``conf_type`` names:

``"log-log"``  log(-log S) (SAS PROC LIFETEST's default ``CONFTYPE=LOGLOG``): the ``spss``
               convention, which follows SAS where SPSS 20 has no interval of its own;
``"log"``      log S (R ``survfit``'s default ``conf.type = "log"``): the ``r`` convention.

Both use Greenwood's variance of log S. The median (and each limit) follows R
``quantile.survfit``: the first time the curve is <= 0.5, or the midpoint of the flat stretch
when the curve equals 0.5 exactly there.

``logrank`` is the Mantel-Haenszel log-rank test (R ``survdiff(rho = 0)``): (O - E) with the
hypergeometric variance, chi-square on k - 1 degrees of freedom.

``numbers_at_risk`` is the table printed under a time-to-event figure: per group and day, the
patients still under observation (time >= day).

Checked against R 4.x survival (tests/reference/stats_reviewer.R, values in
tests/test_stats_kaplan_meier.py).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.stats import check_convention
from cartcyto.stats.survival import _event_array
from cartcyto.stats.tests import _float_array

KM_COLUMNS = ["statistic", "estimate", "ci_low", "ci_high", "n", "events", "method"]
LOGRANK_COLUMNS = ["statistic", "estimate", "p_value", "n", "dof", "method"]
RISK_COLUMNS = ["group", "day", "n_at_risk"]
CONF_TYPES = ("log-log", "log")
TOL = np.sqrt(np.finfo(float).eps)   # R quantile.survfit's tolerance
CONF_NAME = {"log-log": "log(-log S) scale (SAS PROC LIFETEST CONFTYPE=LOGLOG)",
             "log": "log S scale (R survfit conf.type = 'log')"}
LOGRANK = ("Log-rank test (Mantel-Haenszel, hypergeometric variance; R survdiff rho = 0), "
           "chi-square, k - 1 df")


def conf_type_for(convention: str) -> str:
    """KM confidence-band scale of a convention: "spss" -> "log-log" (SAS), "r" -> "log" (R)."""
    return {"spss": "log-log", "r": "log"}[check_convention(convention)]


def _clean(time: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    t = _float_array(time, "time")
    e = _event_array(_float_array(event, "event"), "event")
    if t.size != e.size:
        raise ValueError(f"time and event must have equal lengths, got {t.size} and {e.size}")
    keep = np.isfinite(t) & np.isfinite(e)
    t, e = t[keep], e[keep]
    if np.any(t < 0):
        raise ValueError("time has negative values")
    return t, e


def km_curve(time: Any, event: Any, *, conf_type: str, conf_level: float = 0.95) -> pd.DataFrame:
    """The Kaplan-Meier curve at each distinct time: time, n_at_risk, events, surv, std_err (of
    log S, Greenwood), lower, upper (pointwise band on the ``conf_type`` scale)."""
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES!r}, got {conf_type!r}")
    t, e = _clean(time, event)
    times = np.unique(t)
    n_risk = (t[None, :] >= times[:, None]).sum(axis=1).astype(float)
    d = ((t[None, :] == times[:, None]) & (e == 1)).sum(axis=1).astype(float)
    surv = np.cumprod(1.0 - d / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(np.cumsum(np.where(n_risk > d, d / (n_risk * (n_risk - d)), np.inf * (d > 0))))
        z = stats.norm.ppf(1 - (1 - conf_level) / 2)
        if conf_type == "log":
            lower = np.where(surv > 0, surv * np.exp(-z * se), np.nan)
            upper = np.where(surv > 0, np.minimum(surv * np.exp(z * se), 1.0), np.nan)
        else:
            ok = (surv > 0) & (surv < 1)
            ll = np.log(-np.log(np.where(ok, surv, 0.5)))
            log_s = np.log(np.where(ok, surv, 0.5))
            lower = np.where(ok, np.exp(-np.exp(ll - z * se / log_s)), np.nan)
            upper = np.where(ok, np.exp(-np.exp(ll + z * se / log_s)), np.nan)
    return pd.DataFrame({"time": times, "n_at_risk": n_risk, "events": d, "surv": surv,
                         "std_err": se, "lower": lower, "upper": upper})


def _first_at_half(times: np.ndarray, curve: np.ndarray, p: float = 0.5) -> float:
    """R ``survival:::findq`` for one probability: the quantile of the curve 1 - S at ``p``."""
    x = np.concatenate([[0.0], times])
    y = np.concatenate([[0.0], 1.0 - curve])
    xmax = x[-1]
    finite = ~np.isnan(y)
    if not finite.any() or np.nanmax(y) < p:
        return np.nan
    # drop duplicated y values (first kept), as findq does; NaN counts as a value
    _, first = np.unique(np.where(np.isnan(y), np.inf, y), return_index=True)
    keep = np.zeros(y.size, bool)
    keep[first] = True
    x, y = x[keep], y[keep]

    def index(shift: float) -> float:
        """approx(y + shift, 1:n, p, "constant", f = 1): first index whose y + shift >= p."""
        yy = y + shift
        ok = ~np.isnan(yy)
        xs, idx = yy[ok], np.arange(y.size)[ok]
        if p < xs[0] or p > xs[-1]:
            return np.nan
        return idx[np.searchsorted(xs, p, side="left")]

    i1, i2 = index(TOL), index(-TOL)
    if np.isnan(i1) or np.isnan(i2):
        return np.nan
    quant = (x[int(i1)] + x[int(i2)]) / 2
    if not np.isnan(y[-1]) and abs(p - y[-1]) < TOL:
        quant = (x[int(i1)] + xmax) / 2
    return float(quant)


def km_median(time: Any, event: Any, *, conf_type: str, conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier median survival time with its Brookmeyer-Crowley confidence interval.

    Parameters
    ----------
    time : follow-up times (>= 0); event : True/1 = event, False/0 = censored (missing dropped).
    conf_type : "log-log" (SAS default; the ``spss`` convention) or "log" (R default); see
        :func:`conf_type_for`.

    Returns
    -------
    One row (:data:`KM_COLUMNS`). The estimate or a limit is NaN when the curve (or the band's
    limit) never reaches 0.5 ("not reached"), as R prints NA. Matches R
    ``quantile(survfit(Surv(time, event) ~ 1, conf.type = conf_type), 0.5)``.
    """
    curve = km_curve(time, event, conf_type=conf_type, conf_level=conf_level)
    n, events = float(curve["n_at_risk"].iloc[0]) if len(curve) else 0.0, float(curve["events"].sum())
    t = curve["time"].to_numpy()
    est = _first_at_half(t, curve["surv"].to_numpy()) if len(curve) else np.nan
    # the lower band reaches 0.5 first: it gives the lower limit (R quantile.survfit)
    lo = _first_at_half(t, curve["lower"].to_numpy()) if len(curve) else np.nan
    hi = _first_at_half(t, curve["upper"].to_numpy()) if len(curve) else np.nan
    method = (f"Kaplan-Meier median; {conf_level:.0%} CI Brookmeyer-Crowley, Greenwood variance "
              f"on the {CONF_NAME[conf_type]}; NaN = not reached")
    return pd.DataFrame([{"statistic": "median", "estimate": est, "ci_low": lo, "ci_high": hi,
                          "n": n, "events": events, "method": method}], columns=KM_COLUMNS)


def logrank(time: Any, event: Any, group: Any) -> pd.DataFrame:
    """Log-rank test of equal survival across the groups (R ``survdiff(Surv(time, event) ~ group)``).

    Returns one row (:data:`LOGRANK_COLUMNS`): statistic "chi2", estimate = the chi-square,
    p_value, n (patients used), dof = groups - 1, method. Rows with a missing time, event or group
    are dropped. Fewer than two groups give NaN with the reason in ``method``.
    """
    g_all = pd.Series(np.asarray(group, dtype=object).ravel())
    t = _float_array(time, "time")
    e = _event_array(_float_array(event, "event"), "event")
    if not t.size == e.size == g_all.size:
        raise ValueError("time, event and group must have equal lengths")
    keep = np.isfinite(t) & np.isfinite(e) & g_all.notna().to_numpy()
    t, e, g = t[keep], e[keep], g_all[keep].astype(str).to_numpy()
    levels = sorted(set(g))
    if len(levels) < 2:
        return pd.DataFrame([{"statistic": "chi2", "estimate": np.nan, "p_value": np.nan,
                              "n": float(t.size), "dof": np.nan,
                              "method": f"{LOGRANK}: not computable: fewer than two groups"}],
                            columns=LOGRANK_COLUMNS)
    G = np.column_stack([g == lv for lv in levels]).astype(float)
    times = np.unique(t[e == 1])
    at_risk = (t[None, :] >= times[:, None]).astype(float)            # (times, patients)
    dead = ((t[None, :] == times[:, None]) & (e == 1)).astype(float)
    n_j, d_j = at_risk.sum(1), dead.sum(1)
    n_gj, d_gj = at_risk @ G, dead @ G                                # (times, groups)
    observed, expected = d_gj.sum(0), (n_gj * (d_j / n_j)[:, None]).sum(0)
    with np.errstate(divide="ignore", invalid="ignore"):    # n_j = 1: weight 0, as survdiff
        w = np.where(n_j > 1, d_j * (n_j - d_j) / (n_j ** 2 * (n_j - 1)), 0.0)
    V = np.einsum("t,tg,th->gh", w, n_gj, -n_gj) + np.diag((w * n_j) @ n_gj)
    diff = (observed - expected)[:-1]
    chi2 = float(diff @ np.linalg.solve(V[:-1, :-1], diff))
    dof = len(levels) - 1
    return pd.DataFrame([{"statistic": "chi2", "estimate": chi2,
                          "p_value": float(stats.chi2.sf(chi2, dof)), "n": float(t.size),
                          "dof": float(dof), "method": LOGRANK}], columns=LOGRANK_COLUMNS)


def numbers_at_risk(time: Any, days: Sequence[float], group: Any = None) -> pd.DataFrame:
    """Patients under observation (time >= day) at each of ``days``, per group (all patients as
    group "all" when ``group`` is None); rows with a missing time or group are not counted.
    Columns :data:`RISK_COLUMNS`."""
    t = _float_array(time, "time")
    g = pd.Series(["all"] * t.size if group is None else np.asarray(group, dtype=object).ravel())
    if g.size != t.size:
        raise ValueError("time and group must have equal lengths")
    keep = np.isfinite(t) & g.notna().to_numpy()
    t, g = t[keep], g[keep].astype(str).to_numpy()
    day_arr = np.asarray(list(days), float)
    rows = [{"group": lv, "day": d, "n_at_risk": float((t[g == lv] >= d).sum())}
            for lv in sorted(set(g)) for d in day_arr]
    return pd.DataFrame(rows, columns=RISK_COLUMNS)
