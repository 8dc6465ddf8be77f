"""Competing risks: Aalen-Johansen cumulative incidence, Gray's test, Fine-Gray, cause-specific Cox.

Status coding (R ``cmprsk``): 0 = censored, 1 = the event of interest, 2 = a competing event
(e.g. 1 recovered, 2 died before recovery). Every function drops rows with a missing time, status
or covariate (complete cases) and counts what it used in ``n``.

* :func:`cumulative_incidence_cr`: the Aalen-Johansen estimate of the cumulative incidence of
  cause 1 per group, with Gray's (1988) delta-method variance (R ``cmprsk::cuminc``) and a
  pointwise confidence interval on the log(-log) scale (F^exp(+-z se / (F log F)), as
  ``tidycmprsk``).
* :func:`gray_test`: Gray's K-sample test of equal cumulative incidence (``cuminc(...)$Tests``,
  rho = 0), chi-square on K - 1 df.
* :func:`fine_gray`: Fine-Gray proportional subdistribution-hazards regression (``cmprsk::crr``),
  censoring weights from the Kaplan-Meier estimate of the censoring distribution, sandwich
  variance including the variability of those weights (Fine & Gray 1999), Wald CI and p.
* :func:`cause_specific_cox`: Cox model of the cause-specific hazard (competing events censored).

The estimators follow the formulas of Gray (1988, Ann Stat 16:1141) and Fine & Gray (1999, JASA
94:496), checked against R ``cmprsk`` 2.2 (tests/reference/stats_competing.R).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from cartcyto.stats.survival import COX_COLUMNS, _float_column, cox_ph
from cartcyto.stats.tests import _float_array

CIF_COLUMNS = ["group", "day", "cumulative_incidence", "variance", "ci_low", "ci_high",
               "n_at_risk", "n", "method"]
FG_COLUMNS = COX_COLUMNS
Z975 = stats.norm.ppf(0.975)
AJ_METHOD = ("Aalen-Johansen cumulative incidence (competing event = status 2); variance Gray "
             "(1988) delta method (R cmprsk::cuminc); pointwise 95% CI on the log(-log) scale")
AJ_EXTENDED = "; carried forward after the last follow-up time when every outcome there is known"
GRAY_METHOD = "Gray's K-sample test (rho = 0; R cmprsk::cuminc), chi-square, K - 1 df"
FG_METHOD = ("Fine-Gray proportional subdistribution hazards (R cmprsk::crr), KM censoring "
             "weights, sandwich variance, Wald 95% CI, Wald p")


def _status(values: Any, name: str = "status") -> np.ndarray:
    s = _float_array(values, name)
    ok = np.isnan(s) | np.isin(s, (0, 1, 2))
    if not ok.all():
        raise ValueError(f"{name} must be 0 (censored), 1 (event) or 2 (competing event), got "
                         f"{sorted(set(s[~ok].tolist()))[:5]!r}")
    return s


def _cif_steps(t: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cause-1 event times, the CIF after each and Gray's variance there (one group)."""
    times = np.unique(t)
    fk, f, v1, v2, v3 = 1.0, 0.0, 0.0, 0.0, 0.0
    out_t, out_f, out_v = [], [], []
    for u in times:
        rs = float((t >= u).sum())
        nd1 = float(((t == u) & (s == 1)).sum())
        nd2 = float(((t == u) & (s == 2)).sum())
        if nd1 + nd2 == 0:
            continue
        fkn = fk * (rs - nd1 - nd2) / rs
        if nd1 > 0:
            f = f + fk * nd1 / rs
        if nd2 > 0 and fkn > 0:
            t5 = 1.0 if nd2 == 1 else 1.0 - (nd2 - 1.0) / (rs - 1.0)
            t6 = fk * fk * t5 * nd2 / (rs * rs)
            t3, t4 = 1.0 / fkn, f / fkn
            v1, v2, v3 = v1 + t4 * t4 * t6, v2 + t3 * t4 * t6, v3 + t3 * t3 * t6
        if nd1 > 0:
            t5 = 1.0 if nd1 == 1 else 1.0 - (nd1 - 1.0) / (rs - 1.0)
            t6 = fk * fk * t5 * nd1 / (rs * rs)
            t3 = 1.0 / fkn if fkn > 0 else 0.0
            t4 = 1.0 + t3 * f
            v1, v2, v3 = v1 + t4 * t4 * t6, v2 + t3 * t4 * t6, v3 + t3 * t3 * t6
            out_t.append(u)
            out_f.append(f)
            out_v.append(v1 + f * f * v3 - 2 * f * v2)
        fk = fkn
    return np.array(out_t), np.array(out_f), np.array(out_v)


def loglog_ci(est: np.ndarray, var: np.ndarray, z: float = Z975) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI of a cumulative incidence on the log(-log) scale (NaN where F is 0 or 1)."""
    est, var = np.asarray(est, float), np.asarray(var, float)
    ok = (est > 0) & (est < 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.where(ok, est, 0.5)
        k = z * np.sqrt(var) / (e * -np.log(e))      # > 0
        return np.where(ok, e ** np.exp(k), np.nan), np.where(ok, e ** np.exp(-k), np.nan)


def cumulative_incidence_cr(time: Any, status: Any, days: Sequence[float], group: Any = None,
                            *, extend: bool = False) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of cause 1 at each of ``days``, per group.

    Returns :data:`CIF_COLUMNS`: the estimate at the last cause-1 event time <= day (0 before the
    first), Gray's variance there, the log(-log) 95% CI, patients at risk (time >= day) and the
    group's n. Days after the group's last follow-up time are NaN (R ``timepoints`` gives NA),
    unless ``extend`` and every patient followed to that last time had an event there (nobody's
    outcome is left unknown, so the estimate is final): then the last value is carried forward.
    Matches R ``cmprsk::timepoints(cuminc(time, status, group), days)`` (est and var).
    """
    t, s = _float_array(time, "time"), _status(status)
    g = pd.Series(["all"] * t.size if group is None else np.asarray(group, dtype=object).ravel())
    if not t.size == s.size == g.size:
        raise ValueError("time, status and group must have equal lengths")
    keep = np.isfinite(t) & np.isfinite(s) & g.notna().to_numpy()
    t, s, g = t[keep], s[keep], g[keep].astype(str).to_numpy()
    if np.any(t < 0):
        raise ValueError("time has negative values")
    day_arr = np.asarray(list(days), float)
    rows = []
    for lv in sorted(set(g)):
        tg, sg = t[g == lv], s[g == lv]
        et, ef, ev = _cif_steps(tg, sg)
        idx = np.searchsorted(et, day_arr, side="right") - 1
        est = np.where(idx >= 0, ef[np.clip(idx, 0, None)] if ef.size else 0.0, 0.0)
        var = np.where(idx >= 0, ev[np.clip(idx, 0, None)] if ev.size else 0.0, 0.0)
        final = extend and bool(np.all(sg[tg == tg.max()] != 0))
        after = (day_arr > tg.max()) & (not final)
        est, var = np.where(after, np.nan, est), np.where(after, np.nan, var)
        lo, hi = loglog_ci(est, var)
        for i, d in enumerate(day_arr):
            rows.append({"group": lv, "day": d, "cumulative_incidence": est[i],
                         "variance": var[i], "ci_low": lo[i], "ci_high": hi[i],
                         "n_at_risk": float((tg >= d).sum()), "n": float(tg.size),
                         "method": AJ_METHOD + (AJ_EXTENDED if extend else "")})
    return pd.DataFrame(rows, columns=CIF_COLUMNS)


def _gray_stratum(t: np.ndarray, m: np.ndarray, ig: np.ndarray, ng: int, rho: float):
    """Score and variance of Gray's test for one stratum (groups coded 0..ng-1)."""
    rs = np.bincount(ig, minlength=ng).astype(float)
    s, V = np.zeros(ng - 1), np.zeros((ng - 1, ng - 1))
    f1m, skmm, v3 = np.zeros(ng), np.ones(ng), np.zeros(ng)
    v2, c = np.zeros((ng - 1, ng)), np.zeros((ng, ng))
    fm = 0.0
    for u in np.unique(t):
        at = t == u
        d1 = np.bincount(ig[at & (m == 1)], minlength=ng).astype(float)
        d2 = np.bincount(ig[at & (m == 2)], minlength=ng).astype(float)
        nd1, nd2 = d1.sum(), d2.sum()
        live = rs > 0
        skm, f1, f = skmm.copy(), f1m.copy(), fm
        if nd1 + nd2 > 0:
            skm[live] = skmm[live] * (rs[live] - d1[live] - d2[live]) / rs[live]
            f1[live] = f1m[live] + skmm[live] * d1[live] / rs[live]
            tr = (rs[live] / skmm[live]).sum()
            tq = (rs[live] * (1 - f1m[live]) / skmm[live]).sum()
            f = fm + nd1 / tr
            fb = (1 - fm) ** rho
            t1 = np.where(live, rs / np.where(live, skmm, 1.0), 0.0)
            a = -fb * np.outer(t1, t1) / tr
            a[np.diag_indices(ng)] = fb * t1 * (1 - t1 / tr)
            a[~live, :], a[:, ~live] = 0.0, 0.0
            c += a * nd1 / (tr * (1 - fm))
            li = live[:-1]
            s[li] += fb * (d1[:-1][li] - nd1 * rs[:-1][li] * (1 - f1m[:-1][li])
                           / (skmm[:-1][li] * tq))
            if nd1 > 0:
                for k in np.flatnonzero(live):
                    t4 = 1.0 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                    t5 = 1.0 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                    t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    t1k = a[:-1, k] - t4 * c[:-1, k]
                    v2[:, k] += t1k * t4 * t3
                    V += np.tril(np.outer(t1k, t1k)) * t3
            if nd2 > 0:
                for k in np.flatnonzero((skm > 0) & (d2 > 0)):
                    t4 = (1 - f) / skm[k]
                    t5 = 1.0 - (d2[k] - 1.0) / (rs[k] - 1.0) if d2[k] > 1 else 1.0
                    t3 = t5 * skmm[k] ** 2 * d2[k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    t1k = t4 * c[:-1, k]
                    v2[:, k] -= t1k * t4 * t3
                    V += np.tril(np.outer(t1k, t1k)) * t3
        rs -= np.bincount(ig[at], minlength=ng)
        fm, f1m, skmm = f, f1, skm
    cc = c[:-1, :]
    V += np.tril((cc * v3) @ cc.T + cc @ v2.T + v2 @ cc.T)
    V = np.tril(V) + np.tril(V, -1).T
    return s, V


def gray_test(time: Any, status: Any, group: Any, *, rho: float = 0.0) -> pd.DataFrame:
    """Gray's test of equal cumulative incidence of cause 1 across the groups.

    Returns one row: statistic "chi2", estimate, p_value, n, dof = groups - 1, method. NaN with
    the reason in ``method`` when fewer than two groups have patients or the variance matrix is
    singular. Matches R ``cmprsk::cuminc(time, status, group)$Tests[1, ]``.
    """
    t, s = _float_array(time, "time"), _status(status)
    g = pd.Series(np.asarray(group, dtype=object).ravel())
    if not t.size == s.size == g.size:
        raise ValueError("time, status and group must have equal lengths")
    keep = np.isfinite(t) & np.isfinite(s) & g.notna().to_numpy()
    t, s, g = t[keep], s[keep], g[keep].astype(str).to_numpy()
    levels = sorted(set(g))
    method = GRAY_METHOD if rho == 0 else GRAY_METHOD.replace("rho = 0", f"rho = {rho:g}")
    row = {"statistic": "chi2", "estimate": np.nan, "p_value": np.nan, "n": float(t.size),
           "dof": float(len(levels) - 1), "method": method}
    if len(levels) < 2:
        row.update(dof=np.nan, method=f"{method}: not computable: fewer than two groups")
    else:
        order = np.argsort(t, kind="stable")
        ig = np.searchsorted(levels, g[order])
        score, V = _gray_stratum(t[order], s[order].astype(int), ig, len(levels), rho)
        if np.linalg.matrix_rank(V) < V.shape[0]:
            row["method"] = f"{method}: not computable: singular variance matrix"
        else:
            chi2 = float(score @ np.linalg.solve(V, score))
            row.update(estimate=chi2, p_value=float(stats.chi2.sf(chi2, len(levels) - 1)))
    return pd.DataFrame([row], columns=["statistic", "estimate", "p_value", "n", "dof", "method"])


def _censoring_weights(t: np.ndarray, s: np.ndarray) -> np.ndarray:
    """G(t_i -): the Kaplan-Meier estimate of the censoring distribution just before each time."""
    times = np.unique(t)
    n_risk = (t[None, :] >= times[:, None]).sum(axis=1)
    cens = ((t[None, :] == times[:, None]) & (s == 0)).sum(axis=1)
    G = np.cumprod(1.0 - cens / n_risk)
    before = np.concatenate([[1.0], G[:-1]])
    return before[np.searchsorted(times, t)]


class _FG:
    """Fine-Gray partial likelihood pieces on sorted data (weights w_ij of Fine & Gray 1999)."""

    def __init__(self, t, s, X):
        self.t, self.s, self.X = t, s, X
        self.G = _censoring_weights(t, s)
        self.fail = np.flatnonzero(s == 1)
        # W[k, j]: weight of subject j in the risk set of failure k
        tf = t[self.fail][:, None]
        self.W = np.where(t[None, :] >= tf, 1.0,
                          np.where((s[None, :] == 2), self.G[self.fail][:, None] / self.G[None, :],
                                   0.0))

    def sums(self, b):
        r = np.exp(self.X @ b)
        WR = self.W * r[None, :]
        S0 = WR.sum(1)
        S1 = WR @ self.X
        return r, WR, S0, S1

    def loglik_score_info(self, b):
        r, WR, S0, S1 = self.sums(b)
        Xf = self.X[self.fail]
        ll = float((Xf @ b).sum() - np.log(S0).sum())
        xbar = S1 / S0[:, None]
        U = (Xf - xbar).sum(0)
        S2 = np.einsum("kj,ja,jb->kab", WR, self.X, self.X)
        info = (S2 / S0[:, None, None] - np.einsum("ka,kb->kab", xbar, xbar)).sum(0)
        return ll, U, info

    def sandwich(self, b, info):
        """Fine & Gray's variance: inv(I) (sum eta_i + psi_i)^2 inv(I) (R crr's var)."""
        t, s, X, G, fail = self.t, self.s, self.X, self.G, self.fail
        r, WR, S0, S1 = self.sums(b)
        xbar = S1 / S0[:, None]
        n, p = X.shape
        eta = np.zeros((n, p))
        tf = t[fail]
        for i in range(n):
            # weight of subject i in the risk set at each failure (as W but for row i)
            w = np.where(tf <= t[i], 1.0, np.where(s[i] == 2, G[fail] / G[i], 0.0)) * r[i]
            eta[i] = -(((X[i][None, :] - xbar) * (w / S0)[:, None]).sum(0))
        eta[fail] += X[fail] - xbar
        # psi: the part from estimating G (censoring martingales)
        psi = np.zeros((n, p))
        blocks = np.unique(t)
        at_risk = np.array([(t >= u).sum() for u in blocks], float)
        comp = s == 2
        acc = np.zeros(p)
        for u, nr in zip(blocks, at_risk):
            here = t == u
            cens_here = here & (s == 0)
            if cens_here.any():
                before = comp & (t < u)
                A = (r[before] / G[before]).sum()
                B = ((r[before] / G[before])[:, None] * X[before]).sum(0)
                later = tf >= u
                gk = G[fail][later]
                q = ((gk / S0[later])[:, None] * (B[None, :] - xbar[later] * A)).sum(0)
                acc -= q * cens_here.sum() / nr ** 2
                psi[cens_here] = q / nr
            psi[here] += acc
        score_terms = eta + psi
        H = np.linalg.inv(info)
        return H @ (score_terms.T @ score_terms) @ H


def fine_gray(df: pd.DataFrame, duration: str, status: str, covariates: Sequence[str] | str, *,
              tol: float = 1e-10, maxiter: int = 50) -> pd.DataFrame:
    """Fine-Gray regression of the subdistribution hazard of cause 1 (status 1; 2 competing).

    Returns one row per covariate (columns of :data:`FG_COLUMNS`): statistic "sHR", estimate
    exp(b), Wald 95% CI and p from the sandwich variance, n, events (cause-1 events) and method.
    Newton-Raphson to a score tolerance ``tol`` (R's ``crr`` stops at gtol = 1e-6; with
    ``gtol = 1e-12`` the two agree to ~1e-8). NaN rows with the reason in ``method`` when the
    model cannot be estimated (no cause-1 events, a constant covariate, non-convergence).
    """
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covariates:
        raise ValueError("covariates must name at least one column")
    missing = [c for c in [duration, status, *covariates] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing!r} not in df; available: {list(df.columns)!r}")
    t = _float_column(df, duration)
    s = _status(_float_column(df, status), f"status column {status!r}")
    X = np.column_stack([_float_column(df, c) for c in covariates])
    keep = np.isfinite(t) & np.isfinite(s) & np.all(np.isfinite(X), axis=1)
    order = np.argsort(t[keep], kind="stable")
    t, s, X = t[keep][order], s[keep][order], X[keep][order]
    n, events = t.size, int((s == 1).sum())
    reason = None
    if events == 0:
        reason = "no cause-1 events"
    elif np.any(X.std(axis=0) == 0):
        reason = "a covariate is constant among the complete cases"
    if reason is None:
        model, b = _FG(t, s, X), np.zeros(X.shape[1])
        for _ in range(maxiter):
            ll, U, info = model.loglik_score_info(b)
            step = np.linalg.solve(info, U)
            b = b + step
            if np.max(np.abs(U)) < tol:
                break
        ll, U, info = model.loglik_score_info(b)
        if not np.all(np.isfinite(b)) or np.max(np.abs(U)) > 1e-6 or np.any(np.abs(b * X.std(0)) > 15):
            reason = "non-convergence or a diverging coefficient (monotone likelihood)"
    if reason is not None:
        return pd.DataFrame([{"term": c, "statistic": "sHR", "estimate": np.nan, "ci_low": np.nan,
                              "ci_high": np.nan, "p_value": np.nan, "n": float(n),
                              "events": float(events),
                              "method": f"{FG_METHOD}: not estimable: {reason}"}
                             for c in covariates], columns=FG_COLUMNS)
    se = np.sqrt(np.diag(model.sandwich(b, info)))
    return pd.DataFrame({
        "term": covariates, "statistic": "sHR", "estimate": np.exp(b),
        "ci_low": np.exp(b - Z975 * se), "ci_high": np.exp(b + Z975 * se),
        "p_value": 2 * stats.norm.sf(np.abs(b / se)), "n": float(n), "events": float(events),
        "method": FG_METHOD}, columns=FG_COLUMNS)


def cause_specific_cox(df: pd.DataFrame, duration: str, status: str,
                       covariates: Sequence[str] | str, *, ties: str, cause: int = 1
                       ) -> pd.DataFrame:
    """Cox model of the cause-specific hazard of ``cause``: other causes are censored at their
    time (R ``coxph(Surv(time, status == cause) ~ ...)``). Rows as :func:`cox_ph`, statistic
    "csHR", ``method`` naming the cause and the censoring of the competing event."""
    data = df.copy()
    st = _status(_float_column(df, status), f"status column {status!r}")
    data["__cause_event"] = np.where(np.isnan(st), np.nan, (st == cause).astype(float))
    fit = cox_ph(data, duration, "__cause_event", covariates, ties=ties)
    fit["statistic"] = "csHR"
    fit["method"] = (fit["method"] + f"; cause-specific hazard of status {cause}, "
                     "competing events censored at their time")
    return fit
