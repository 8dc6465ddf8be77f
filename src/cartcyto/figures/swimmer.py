"""Swimmer plot of the patients who received a stem-cell boost (Mullanfiroze 2022).

One lane per boosted patient in two panels: (A) the whole course in months since the CAR-T
infusion (day 0) to the end of follow-up, pale grey before the SCB and coloured by the response
after it; (B) days -30..215 around the SCB. Marks: the SCB (black bar), the recovery days of
:mod:`cartcyto.derive.scb` (ANC > 1 without G-CSF on the lane; red-cell and platelet transfusion
independence on the rows of their transfusion ticks, above and below the lane), relapse, death,
and an arrow for patients alive at last follow-up.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from cartcyto.derive.dtypes import require
from cartcyto.figures.style import apply_style, savefig

MONTH_DAYS = 30.4375
RESPONSE_COLOURS = {"responder": "#9ECAE1", "transient": "#FDC086", "partial": "#C6DBEF",
                    "not_evaluable": "#BDBDBD", "no_response": "#DECBE4"}
RESPONSE_LABELS = {"responder": "Responder", "transient": "Transient recovery", "partial": "Partial",
                   "not_evaluable": "Not evaluable", "no_response": "No response"}
PRE_SCB = "#EEEEEE"
MARKS = {  # recovery column: (label, marker, colour, row offset: on the lane or on its transfusion row)
    "anc_recovery_day": ("ANC >1 without G-CSF", "^", "#0072B2", 0.0),
    "rbc_ti_day": ("RBC transfusion independent", "o", "#D55E00", 0.3),
    "plt_ti_day": ("Platelet transfusion independent", "s", "#009E73", -0.3),
}
TRANSFUSIONS = {"prbc": ("RBC transfusion", "#D55E00", 0.3), "platelets": ("Platelet transfusion", "#009E73", -0.3)}
ZOOM = (-30, 215)   # days around the SCB shown in the right panel


def _lane(ax, y, r, p, transf, to_x, lo, hi, detail, arrow):
    """Draw one patient's lane on ``ax``; ``to_x`` maps absolute days to the axis, [lo, hi] clips,
    ``arrow`` is the length (axis units) of the alive-at-last-follow-up arrow."""
    scb = float(r["scb_day"])
    death, relapse = float(p["death_day"]), float(p["relapse_day"])
    end = death if death == death else float(p["last_followup_day"])
    a, b = max(0.0, lo), min(end, hi)
    colour = RESPONSE_COLOURS.get(r["response"], "#BDBDBD")
    if scb > a:
        ax.barh(y, to_x(min(scb, b)) - to_x(a), left=to_x(a), height=0.34, color=PRE_SCB, edgecolor="#BDBDBD",
                lw=0.4, zorder=1)
    if b > scb:
        ax.barh(y, to_x(b) - to_x(max(scb, a)), left=to_x(max(scb, a)), height=0.34, color=colour,
                edgecolor="none", zorder=1)
    for kind, (_, c, dy) in TRANSFUSIONS.items():
        days = transf.get(kind, np.zeros(0))
        days = days[(days >= a) & (days <= b)]
        ax.plot(to_x(days), np.full(days.size, y + dy), ls="none", marker="|", ms=5 if detail else 3.5,
                mew=0.8 if detail else 0.5, color=c, alpha=0.8, zorder=2)
    if lo <= scb <= hi:
        ax.plot([to_x(scb)] * 2, [y - 0.24, y + 0.24], color="black", lw=2.2, solid_capstyle="butt", zorder=4)
    if detail:
        for col, (_, mk, c, dy) in MARKS.items():
            v = pd.to_numeric(pd.Series([r.get(col)]), errors="coerce").iloc[0]
            if v == v and lo <= scb + v <= hi:
                ax.plot(to_x(scb + v), y + dy, ls="none", marker=mk, ms=7, mfc=c, mec="black", mew=0.6, zorder=5)
    if relapse == relapse and relapse > 0 and lo <= relapse <= hi:
        ax.plot(to_x(relapse), y, ls="none", marker="*", ms=12, mfc="#CC79A7", mec="black", mew=0.5, zorder=6)
    if death == death and lo <= death <= hi:
        ax.plot(to_x(death), y, ls="none", marker="X", ms=8, mfc="black", mec="white", mew=0.6, zorder=6)
    elif death != death and end <= hi:
        ax.annotate("", xy=(to_x(end) + arrow, y), xytext=(to_x(end), y), zorder=6,
                    arrowprops=dict(arrowstyle="-|>", color="black", lw=1.0, mutation_scale=9))
    return end


def swimmer_plot(table: pd.DataFrame, patients: pd.DataFrame, treatments: pd.DataFrame | None = None,
                 title: str | None = None):
    """Two-panel figure of the boosted patients (shared lanes).

    Left: the whole course in months since the CAR-T infusion (day 0). Right: days -30..215 around
    the SCB (day 0 = SCB), with every transfusion (RBC ticks above the lane, platelet ticks below)
    and the recovery marks of :mod:`cartcyto.derive.scb` on the row they belong to.

    Parameters
    ----------
    table : :func:`cartcyto.analyses.prior_sct.scb_patients` (patient_id, scb_day, response and the
        recovery days counted from the SCB).
    patients : patient table with ``death_day``, ``relapse_day``, ``last_followup_day``.
    treatments : long treatments table (``prbc`` and ``platelets`` rows are drawn), optional.
    """
    apply_style()
    import matplotlib.pyplot as plt

    days = ["death_day", "relapse_day", "last_followup_day"]
    pat = require(patients, *days)[days].astype(float).set_axis(
        pd.Index(patients["patient_id"].astype(str), name="patient_id"))
    t = table.assign(patient_id=table["patient_id"].astype(str))
    t = t.sort_values(["scb_day", "patient_id"], ascending=[False, True]).reset_index(drop=True)
    tr = treatments if treatments is not None else pd.DataFrame(columns=["patient_id", "day", "treatment"])
    tr = tr.assign(patient_id=tr["patient_id"].astype(str), treatment=tr["treatment"].astype(str).str.lower(),
                   day=pd.to_numeric(tr["day"], errors="coerce"))
    n = len(t)
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.2, 0.5 * n + 2.3), sharey=True,
                                      gridspec_kw={"width_ratios": [1.15, 1], "wspace": 0.08})
    xmax = 0.0
    for y, r in t.iterrows():
        p = pat.loc[r["patient_id"]]
        own = tr[tr["patient_id"] == r["patient_id"]]
        transf = {k: own.loc[own["treatment"] == k, "day"].dropna().to_numpy(float) for k in TRANSFUSIONS}
        end = _lane(left, y, r, p, transf, lambda d: np.asarray(d, float) / MONTH_DAYS, -np.inf, np.inf, False, 1.6)
        xmax = max(xmax, end / MONTH_DAYS)
        scb = float(r["scb_day"])
        _lane(right, y, r, p, transf, lambda d, s=scb: np.asarray(d, float) - s, scb + ZOOM[0], scb + ZOOM[1], True, 10)
    step = 3 if xmax <= 36 else 6
    left.set_xticks(np.arange(0, xmax + step, step))
    left.set_xlim(-0.5, xmax + 2.0)
    left.set_xlabel("Months since CAR T-cell infusion")
    right.set_xticks(np.arange(0, ZOOM[1], 30))
    right.set_xlim(ZOOM[0], ZOOM[1] + 8)
    right.set_xlabel("Days since stem-cell boost")
    left.set_yticks(range(n))
    left.set_yticklabels(t["patient_id"])
    left.set_ylim(-0.7, n - 0.3)
    for ax in (left, right):
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#E5E5E5", lw=0.6)
        ax.set_axisbelow(True)
    right.axvline(0, color="black", lw=0.6, ls=":", zorder=0)
    left.set_title("A  Course after CAR-T", loc="left", fontsize=9)
    right.set_title("B  Recovery after the stem-cell boost", loc="left", fontsize=9)
    handles = [Patch(facecolor=PRE_SCB, edgecolor="#BDBDBD", lw=0.4, label="Before SCB")]
    handles += [Patch(color=RESPONSE_COLOURS[k], label=f"After SCB: {RESPONSE_LABELS[k].lower()}")
                for k in RESPONSE_COLOURS if k in set(t["response"])]
    handles += [Line2D([], [], color="black", lw=2.2, label="CD34+ stem-cell boost (SCB)")]
    handles += [Line2D([], [], ls="none", marker=mk, ms=6, mfc=c, mec="black", mew=0.6, label=lab)
                for lab, mk, c, _ in MARKS.values()]
    handles += [Line2D([], [], ls="none", marker="|", ms=6, mew=1, color=c, label=lab)
                for lab, c, _ in TRANSFUSIONS.values()]
    handles += [Line2D([], [], ls="none", marker="*", ms=10, mfc="#CC79A7", mec="black", mew=0.5, label="Relapse"),
                Line2D([], [], ls="none", marker="X", ms=7, mfc="black", mec="white", label="Death"),
                Line2D([0, 1], [0, 0], color="black", lw=1.0, marker=">", ms=5, markevery=[1],
                       label="Alive at last follow-up")]
    fig.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=3, fontsize=7,
               handlelength=1.4, columnspacing=1.2)
    fig.subplots_adjust(bottom=0.25)
    if title:
        fig.suptitle(title, x=0.02, ha="left")
    return fig


def write_swimmer(table: pd.DataFrame, patients: pd.DataFrame, treatments: pd.DataFrame | None,
                  stem: str, title: str | None = None) -> list[str]:
    """Draw :func:`swimmer_plot` and save ``<stem>.png`` and ``<stem>.pdf`` (deterministic bytes)."""
    return savefig(swimmer_plot(table, patients, treatments, title=title), stem)
