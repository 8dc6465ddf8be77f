"""Haematological recovery after a CD34+-selected stem-cell boost (SCB), Mullanfiroze 2022.

``scb_recovery(patients, labs, treatments, study)`` gives one row per boosted patient (``scb_day``
not missing), vectorised over patients (sorted arrays, no per-patient loop). Every day below is
counted from the SCB: ``X_day = absolute day - scb_day`` (the SCB day is day 0). Thresholds come
from ``study["scb"]`` and the grade 3-4 bounds from ``study["criteria"]["lineages"]``.

Follow-up window
    Observation after the SCB ends at ``followup_end_day`` = the earliest of ``last_followup_day``,
    ``death_day`` and a ``relapse_day`` after the SCB (a relapse ends the assessment of the boost:
    later cytopenia or transfusions reflect the leukaemia). ``end_reason`` says which.

Neutrophil recovery (``anc_recovery_day``)
    The first of ``anc_consecutive`` consecutive ANC measurement days (distinct days, the day's
    lowest value) after the SCB (``day > scb_day``, up to the end of follow-up) that all have
    ``ANC > anc_above`` and no G-CSF on days ``m - gcsf_free_window .. m`` for each of them (m =
    that measurement's day). ``anc_recurrence``: an ANC below ``anc_above`` after the recovery day.
    ``anc_status`` = ``recovered`` / ``not_recovered`` / ``not_applicable`` (no ANC below
    ``anc_above`` and no G-CSF in the pre-SCB window: the patient was not neutropenic).

Transfusion independence (``rbc_ti_day`` for ``prbc``, ``plt_ti_day`` for ``platelets``)
    Let L be the day of the last transfusion of the product from ``scb_day - transfusion_free_days``
    up to the end of follow-up. Independence starts on ``t0 = max(L + 1, scb_day)``: the first day
    after the last transfusion, never before the SCB (a patient transfused on the SCB day is
    independent from day 1 at the earliest; one whose last transfusion preceded the SCB, from
    day 0). It counts only when followed by at least ``transfusion_free_days`` transfusion-free
    days of follow-up, ``t0 .. followup_end_day`` inclusive (exactly 28 qualifies, 27 does not;
    follow-up ending earlier means not independent). ``status`` = ``independent`` /
    ``dependent`` / ``not_applicable`` (no transfusion of the product from ``scb_day -
    transfusion_free_days`` on: the patient was never transfusion dependent around the SCB).

Pre-SCB cytopenia (``pre_scb_cytopenia``)
    A lineage is cytopenic when a measurement in the ``pre_scb_window_days`` (default 28) before
    the SCB (``scb_day - window .. scb_day - 1``) is grade 3-4 (the criteria set's
    ``severe_below``: ANC < 1.0, Hb < 80, PLT < 50); 3 lineages = ``pancytopenia``, 2 =
    ``bicytopenia``, 1 = ``single lineage``, 0 = ``none``.

Response (``response``), in this order
    ``responder``: every applicable criterion met (ANC recovered, RBC and platelet transfusion
    independent or not applicable) and no ANC recurrence; ``transient``: ANC recovered and then
    recurred; ``partial``: some but not all criteria met; ``not_evaluable``: no criterion met and
    follow-up ended by death or relapse; ``no_response``: no criterion met, alive and relapse-free
    at last follow-up.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.derive.dtypes import require

_SHIFT = 1 << 20        # day offset so that keys stay positive for negative days
_SPAN = 1 << 22         # > any day range; key = code * _SPAN + day + _SHIFT
PRODUCTS = {"rbc": "prbc", "plt": "platelets"}
RECOVERY_COLUMNS = [
    "patient_id", "scb_day", "followup_end_day", "end_reason",
    "pre_scb_anc_g34", "pre_scb_hb_g34", "pre_scb_plt_g34", "pre_scb_cytopenia",
    "anc_status", "anc_recovery_day", "anc_recurrence",
    "rbc_ti_status", "rbc_ti_day", "plt_ti_status", "plt_ti_day", "response",
]


def _keys(code: np.ndarray, day: np.ndarray) -> np.ndarray:
    return code.astype(np.int64) * _SPAN + (np.asarray(day, dtype=np.int64) + _SHIFT)


def _count_between(ev_keys: np.ndarray, code: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per query row: number of events of patient ``code`` with day in ``[lo, hi]`` (sorted keys)."""
    if ev_keys.size == 0 or code.size == 0:
        return np.zeros(code.size, dtype=np.int64)
    return (np.searchsorted(ev_keys, _keys(code, hi), side="right")
            - np.searchsorted(ev_keys, _keys(code, lo), side="left"))


def _events(df: pd.DataFrame, ids: pd.Index, column: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, days) of rows of ``df`` whose ``column`` equals ``name``, for known patients."""
    if df is None or df.empty:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    sel = df[df[column].astype(str).str.lower() == name]
    code = ids.get_indexer(sel["patient_id"].astype(str))
    day = pd.to_numeric(sel["day"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = (code >= 0) & np.isfinite(day)
    return code[keep].astype(np.int64), day[keep].astype(np.int64)


def _daily(labs: pd.DataFrame, ids: pd.Index, test: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Daily lowest value of ``test`` per patient: (codes, days, values), sorted by code and day."""
    sel = labs[labs["test"].astype(str).str.lower() == test]
    vals = pd.to_numeric(sel["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    all_code = ids.get_indexer(sel["patient_id"].astype(str))
    all_day = pd.to_numeric(sel["day"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    keep = (all_code >= 0) & np.isfinite(all_day) & np.isfinite(vals)
    frame = pd.DataFrame({"c": all_code[keep], "d": all_day[keep].astype(np.int64), "v": vals[keep]})
    daily = frame.groupby(["c", "d"], sort=True)["v"].min().reset_index()
    return daily["c"].to_numpy(np.int64), daily["d"].to_numpy(np.int64), daily["v"].to_numpy(float)


def _first_by(code: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per patient: ``values`` at the first row (rows sorted by code) where ``mask`` holds."""
    out = np.full(n, np.nan)
    idx = np.flatnonzero(mask)
    if idx.size:
        first = np.ones(idx.size, dtype=bool)
        first[1:] = code[idx[1:]] != code[idx[:-1]]
        out[code[idx[first]]] = values[idx[first]]
    return out


def _any_by(code: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[code[mask]] = True
    return out


def followup_end(patients: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(end day, reason) of the post-SCB observation: min of last follow-up, death, later relapse."""
    days = require(patients, "scb_day", "relapse_day", "death_day", "last_followup_day")[
        ["scb_day", "relapse_day", "death_day", "last_followup_day"]].astype(float)
    scb, relapse = days["scb_day"].to_numpy(), days["relapse_day"].to_numpy()
    with np.errstate(invalid="ignore"):
        relapse = np.where(relapse > scb, relapse, np.nan)
    # order matters for ties: a death on the last follow-up day ends follow-up by death
    cand = np.vstack([days["death_day"].to_numpy(), relapse, days["last_followup_day"].to_numpy()])
    with np.errstate(invalid="ignore"):
        filled = np.where(np.isnan(cand), np.inf, cand)
        end = filled.min(axis=0)
        which = filled.argmin(axis=0)
    reason = np.array(["death", "relapse", "last_followup"], dtype=object)[which]
    reason = np.where(np.isinf(end), "", reason)
    return np.where(np.isinf(end), np.nan, end), reason


def anc_recovery(code, day, value, gcsf, scb, end, cfg) -> dict[str, np.ndarray]:
    """ANC recovery arrays per patient (see module docstring); inputs sorted by code, day."""
    n = scb.size
    thr, k, win = float(cfg["anc_above"]), int(cfg["anc_consecutive"]), int(cfg["gcsf_free_window"])
    with np.errstate(invalid="ignore"):
        post = (day > scb[code]) & (day <= end[code])
    c, d, v = code[post], day[post], value[post]
    ok = (v > thr) & (_count_between(gcsf, c, d - win, d) == 0)
    run = ok.copy()
    for j in range(1, k):
        nxt = np.zeros(ok.size, dtype=bool)
        nxt[:-j] = ok[j:] & (c[j:] == c[:-j])
        run &= nxt
    rec_abs = _first_by(c, run, d.astype(float), n)
    with np.errstate(invalid="ignore"):
        recurrence = _any_by(c, (d > rec_abs[c]) & (v < thr), n)
    pre_w = int(cfg["pre_scb_window_days"])
    with np.errstate(invalid="ignore"):
        pre = (day >= scb[code] - pre_w) & (day < scb[code]) & (value < thr)
    pre_gcsf = np.zeros(n, dtype=bool)
    ok_scb = np.isfinite(scb)
    idx = np.flatnonzero(ok_scb)
    pre_gcsf[idx] = _count_between(gcsf, idx, scb[idx].astype(np.int64) - pre_w,
                                   scb[idx].astype(np.int64) - 1) > 0
    applicable = _any_by(code, pre, n) | pre_gcsf | np.isfinite(rec_abs)
    status = np.where(np.isfinite(rec_abs), "recovered",
                      np.where(applicable, "not_recovered", "not_applicable")).astype(object)
    return {"anc_status": status, "anc_recovery_day": rec_abs - scb,
            "anc_recurrence": recurrence & np.isfinite(rec_abs)}


def transfusion_independence(ev_code: np.ndarray, ev_day: np.ndarray, scb: np.ndarray,
                             end: np.ndarray, free_days: int) -> tuple[np.ndarray, np.ndarray]:
    """(status, days from SCB to independence) per patient for one product's transfusion events.

    ``ev_code``/``ev_day``: the product's transfusions (patient code, absolute day). See the
    module docstring for the rule; ``free_days`` = ``study["scb"]["transfusion_free_days"]``.
    """
    n = scb.size
    with np.errstate(invalid="ignore"):
        inwin = (ev_day >= scb[ev_code] - free_days) & (ev_day <= end[ev_code])
    last = np.full(n, -np.inf)
    np.maximum.at(last, ev_code[inwin], ev_day[inwin].astype(float))
    applicable = np.isfinite(last)
    t0 = np.fmax(last + 1, scb)
    with np.errstate(invalid="ignore"):
        independent = applicable & (end - t0 + 1 >= free_days)
    status = np.where(~applicable, "not_applicable",
                      np.where(independent, "independent", "dependent")).astype(object)
    status[np.isnan(scb)] = ""
    return status, np.where(independent, t0 - scb, np.nan)


def pre_scb_lineages(labs: pd.DataFrame, ids: pd.Index, scb: np.ndarray,
                     study: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Per lineage test: grade 3-4 (``severe_below``) in the pre-SCB window."""
    window = int(study["scb"]["pre_scb_window_days"])
    out = {}
    for lin in study["criteria"]["lineages"].values():
        code, day, value = _daily(labs, ids, lin["test"])
        with np.errstate(invalid="ignore"):
            hit = (day >= scb[code] - window) & (day < scb[code]) & (value < float(lin["severe_below"]))
        out[lin["test"]] = _any_by(code, hit, scb.size)
    return out


def scb_recovery(patients: pd.DataFrame, labs: pd.DataFrame, treatments: pd.DataFrame | None,
                 study: Mapping[str, Any]) -> pd.DataFrame:
    """One row per boosted patient with the columns of :data:`RECOVERY_COLUMNS` (days from SCB)."""
    scb_all = require(patients, "scb_day")["scb_day"].astype(float).to_numpy()
    boosted = patients[np.isfinite(scb_all)].reset_index(drop=True)
    ids = pd.Index(boosted["patient_id"].astype(str))
    cfg = dict(study["scb"])
    scb = boosted["scb_day"].astype(float).to_numpy()
    end, reason = followup_end(boosted)
    n = len(boosted)
    if treatments is None:
        treatments = pd.DataFrame(columns=["patient_id", "day", "treatment", "dose"])

    gc, gd = _events(treatments, ids, "treatment", "gcsf")
    gcsf = np.sort(_keys(gc, gd))
    code, day, value = _daily(labs, ids, "anc")
    anc = anc_recovery(code, day, value, gcsf, scb, end, cfg)

    out = pd.DataFrame({"patient_id": ids, "scb_day": scb, "followup_end_day": end,
                        "end_reason": reason})
    pre = pre_scb_lineages(labs, ids, scb, study)
    for test in ("anc", "hb", "plt"):
        out[f"pre_scb_{test}_g34"] = pre.get(test, np.zeros(n, dtype=bool))
    k = out[["pre_scb_anc_g34", "pre_scb_hb_g34", "pre_scb_plt_g34"]].sum(axis=1).to_numpy()
    out["pre_scb_cytopenia"] = np.array(["none", "single lineage", "bicytopenia", "pancytopenia"],
                                        dtype=object)[k]
    out["anc_status"] = anc["anc_status"]
    out["anc_recovery_day"] = anc["anc_recovery_day"]
    out["anc_recurrence"] = anc["anc_recurrence"]
    met = [anc["anc_status"] == "recovered"]
    needed = [anc["anc_status"] != "not_applicable"]
    for short, product in PRODUCTS.items():
        ec, ed = _events(treatments, ids, "treatment", product)
        status, ti = transfusion_independence(ec, ed, scb, end, int(cfg["transfusion_free_days"]))
        out[f"{short}_ti_status"], out[f"{short}_ti_day"] = status, ti
        met.append(status == "independent")
        needed.append(status != "not_applicable")
    met_a, needed_a = np.vstack(met), np.vstack(needed)
    all_met = np.all(met_a | ~needed_a, axis=0) & needed_a.any(axis=0)
    any_met = met_a.any(axis=0)
    ended_by_event = np.isin(reason, ["death", "relapse"])
    out["response"] = np.select(
        [all_met & ~anc["anc_recurrence"], anc["anc_recurrence"], any_met, ended_by_event],
        ["responder", "transient", "partial", "not_evaluable"], default="no_response")
    for col in ("scb_day", "followup_end_day", "anc_recovery_day", "rbc_ti_day", "plt_ti_day"):
        out[col] = pd.array(np.where(np.isnan(out[col].to_numpy(float)), None,
                                     out[col].to_numpy(float)), dtype="Int64")
    return out[RECOVERY_COLUMNS]
