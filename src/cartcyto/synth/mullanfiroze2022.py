"""Synthetic cohort calibrated to Mullanfiroze K et al., Blood Adv 2022;6(16):4715-4718.

``write_mullanfiroze2022(outdir, seed=SEED)`` writes ``patients.csv``, ``labs.csv``, ``crs.csv`` and
``treatments.csv`` (data contract format; same seed -> same bytes). No real patient is in it.

Calibration (the letter's numbers, derived back by the pipeline):

* 101 treated; 2 not evaluable after day 28 (death on day 4; relapse on day 28);
* 99 evaluable: 52 with prior SCT, 23 of them with persistent grade 3-4 cytopenia (a CTCAE grade
  3-4 ANC, Hb or PLT on a day > 28); 47 without SCT, 23 persistent;
* 7 of the 23 cytopenic SCT patients receive a CD34+-selected boost with every value of Table 1
  and the text (:data:`BOOSTED`): ages, SCT-to-CAR-T interval, products, CRS/ICANS, SCB timing
  (months of 30.4375 days) and doses, pre-SCB pancytopenia 6 / bicytopenia 1, responses (2 not
  evaluable, 1 transient, 4 responders whose recovery days are ANC 11/35/49/192, RBC transfusion
  independence 4/30/36/106, platelet 7/31/35/73 -> medians 42, 33, 33), outcomes and follow-up
  after the SCB (24, 120, 150, 274, 400, 640, 913 days: median 9 months, range 24 d-2.5 y).

Lab values are drawn from bands that lie strictly on one side of the grade-3 bounds (ANC 1.0,
Hb 80 g/L, PLT 50 x10^9/L), so the derived classifications do not depend on the draw.

Pre-lymphodepletion ``ferritin`` and ``crp`` (the last two patients.csv columns, for the
CAR-HEMATOTOX score; the letter reports neither) come from their own seeded stream, drawn after
everything else (``cartcyto.synth.hematotox_baseline``): assumed lognormal shapes whose common
log-shift makes the expected high-risk share the published 48.9% (Rejeski 2021, Table 3).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from cartcyto.synth.hematotox_baseline import draw_crp, draw_ferritin, solve_shift
from cartcyto.synth.hematotox_baseline import lab_points as hb_points
from cartcyto.synth.hematotox_baseline import stream as hematotox_stream

SEED = 20220816
MONTH_DAYS = 30.4375
BANDS = {  # (low, high); "severe" is grade 3-4, "mild" grade 1-2 (below LLN), "normal" >= LLN
    "anc": {"severe": (0.05, 0.95), "mild": (1.1, 1.9), "normal": (2.1, 4.8)},
    "hb": {"severe": (62, 78), "mild": (82, 118), "normal": (121, 142)},
    "plt": {"severe": (6, 48), "mild": (55, 145), "normal": (155, 330)},
}
TESTS = ("anc", "hb", "plt")
EARLY_DAYS = (0, 2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25, 28)
POST_SCB_DAYS = (2, 4, 7, 9, 11, 14, 16, 18, 21, 23, 25, 28, 30, 32, 35, 37, 39, 42, 44, 46, 49, 51,
                 53, 56, 58, 60)
PRODUCTS = {"CARPALL CD19": "CD19", "CARPALL CD19-CD22": "CD19/CD22", "AMELIA CD19-CD22": "CD19/CD22",
            "tisagenlecleucel": "CD19", "CARD allogeneic CD19": "CD19"}

# The 7 boosted patients. Ages in completed years; m = months SCT -> CAR-T; scb = day of the SCB
# (1.9, 2.1, 2.4, 2.6, 3.1, 4.9, 16.5 months); fu = days of follow-up after the SCB; relapse /
# death in days after the SCB; anc/rbc/plt = recovery / transfusion-independence day after the SCB.
BOOSTED = [
    dict(sex="M", diag=1, sct=7, m=40, age=10, scb_age=11, scb=73, cd34=8.2, cd3=0.07, product="CARPALL CD19",
         relapses=3, crs=1, icans=0, baseline="pan", cyto="pan", fu=913, relapse=None, death=None,
         cause="", anc=192, rbc=106, plt=73),                          # responder, alive
    dict(sex="F", diag=4, sct=11, m=16, age=12, scb_age=13, scb=502, cd34=2.5, cd3=1.22,
         product="CARPALL CD19", relapses=2, crs=2, icans=4, baseline=None, cyto="pan", fu=24,
         relapse=None, death=24, cause="infection", anc=None, rbc=None, plt=None),  # mucormycosis
    dict(sex="M", diag=6, sct=13, m=53, age=17, scb_age=17, scb=64, cd34=11.2, cd3=0.19,
         product="CARD allogeneic CD19", relapses=2, crs=3, icans=4, baseline="pan", cyto="pan", fu=274,
         relapse=180, death=274, cause="relapse", anc=11, rbc=4, plt=7),  # responder, relapse
    dict(sex="F", diag=9, sct=14, m=13, age=15, scb_age=15, scb=58, cd34=5.1, cd3=0.42,
         product="CARPALL CD19-CD22", relapses=2, crs=2, icans=3, baseline="pan", cyto="pan", fu=120,
         relapse=38, death=120, cause="relapse", anc=None, rbc=None, plt=None),  # relapse day 38
    dict(sex="M", diag=12, sct=15, m=10, age=15, scb_age=16, scb=79, cd34=6.75, cd3=0.15,
         product="tisagenlecleucel", relapses=1, crs=0, icans=0, baseline="normal", cyto="pan", fu=400,
         relapse=300, death=400, cause="therapy-related", anc=35, rbc=30, plt=35),  # responder
    dict(sex="F", diag=13, sct=16, m=15, age=17, scb_age=17, scb=94, cd34=9.6, cd3=0.8,
         product="AMELIA CD19-CD22", relapses=2, crs=0, icans=0, baseline="normal", cyto="pan", fu=640,
         relapse=None, death=None, cause="", anc=49, rbc=36, plt=31, crs_after_scb=True),  # responder
    dict(sex="M", diag=23, sct=24, m=36, age=27, scb_age=27, scb=149, cd34=3.4, cd3=0.1,
         product="CARPALL CD19", relapses=3, crs=0, icans=0, baseline=None, cyto="bi", fu=150,
         relapse=None, death=150, cause="infection", anc=28, rbc=None, plt=None),  # transient
]
GROUPS = (("sct_persistent", True, True, 16), ("sct_recovered", True, False, 29),
          ("nosct_persistent", False, True, 23), ("nosct_recovered", False, False, 24))


def _draw(rng, test: str, band: str, n: int = 1) -> np.ndarray:
    lo, hi = BANDS[test][band]
    v = rng.uniform(lo, hi, n)
    return np.round(v, 2) if test == "anc" else np.round(v)


def _every(start: int, stop: int, step: int) -> list[int]:
    return list(range(start, stop + 1, step)) if stop >= start else []


def _lab_rows(pid, days, bands_by_test, rng) -> list[tuple]:
    """Rows (pid, day, test, value): ``bands_by_test[test](day)`` names the band of each day."""
    rows = []
    for test in TESTS:
        for d in days:
            rows.append((pid, int(d), test, float(_draw(rng, test, bands_by_test[test](d))[0])))
    return rows


def _trajectory(pre: str, severe: bool, onset: int, recovery: int, normal_after: int = 21):
    """Band as a function of day: pre-infusion band, mild from day 0, severe from ``onset`` to
    ``recovery - 1`` (mild instead when not severe), mild for ``normal_after`` days, then normal."""
    def band(d: int) -> str:
        if d < 0:
            return pre
        if d < onset:
            return "mild"
        if d < recovery:
            return "severe" if severe else "mild"
        return "mild" if d < recovery + normal_after else "normal"
    return band


def _crs_rows(pid, start, crs, icans, rng) -> list[tuple]:
    """Daily CRS/ICANS grades rising to the maximum and back (days not listed are grade 0)."""
    grades = {}
    if crs:
        onset = start + int(rng.integers(1, 4))
        ramp = list(range(1, crs + 1)) + [crs] + list(range(crs - 1, 0, -1))
        for i, g in enumerate(ramp):
            grades.setdefault(onset + i, [0, 0])[0] = g
    if icans:
        onset = start + int(rng.integers(4, 7))
        for i, g in enumerate(list(range(1, icans + 1)) + list(range(icans - 1, 0, -1))):
            grades.setdefault(onset + i, [0, 0])[1] = g
    return [(pid, d, g[0], g[1]) for d, g in sorted(grades.items())]


def _generic(rng, group: str, sct: bool, persistent: bool) -> dict:
    """One non-boosted evaluable patient: patient row + labs + treatments + CRS."""
    age = int(rng.integers(1, 26))
    months = int(rng.integers(4, 61)) if sct else None
    sct_age = max(0, age - months // 12 - int(rng.integers(0, 2))) if sct else None
    diag = int(rng.integers(0, (sct_age if sct else age) + 1))
    fu = int(rng.integers(180, 901))
    relapse = int(rng.integers(60, min(fu, 400))) if rng.random() < 0.3 else None
    death = None
    if relapse is not None and rng.random() < 0.6:
        death = min(fu, relapse + int(rng.integers(30, 200)))
    elif relapse is None and rng.random() < 0.05:
        death = int(rng.integers(60, 300))
    last = death if death is not None else fu
    end = min(x for x in (last, (relapse - 1) if relapse else None) if x is not None)
    # lineages: which fall to grade 3-4 and when each recovers
    n_persist = int(rng.choice([1, 2, 3], p=[0.45, 0.3, 0.25])) if persistent else 0
    persist = set(rng.choice(TESTS, n_persist, replace=False)) if n_persist else set()
    pre = "mild" if sct and rng.random() < 0.4 else "normal"
    bands, recov = {}, {}
    for t in TESTS:
        if t in persist:
            recov[t] = int(rng.integers(36, 181))
            severe = True
        else:
            severe = rng.random() < {"anc": 0.85, "hb": 0.35, "plt": 0.5}[t]
            recov[t] = int(rng.integers(9, 25))
        bands[t] = _trajectory(pre, severe, int(rng.integers(4, 8)), recov[t])
    lab_end = max(recov.values()) + 28 if persistent else 90
    days = ([-10] if rng.random() < 0.9 else []) + [-2] + list(EARLY_DAYS)
    days += _every(35, lab_end, 7) + _every(lab_end + 28, min(365 if persistent else 180, end), 28)
    days = [d for d in sorted(set(days)) if d <= end]
    return dict(sex=str(rng.choice(["M", "F"])), age=age, sct=sct, m=months, sct_age=sct_age, diag=diag,
                relapses=int(rng.integers(1, 4)), product=str(rng.choice(list(PRODUCTS))),
                crs=int(rng.choice(5, p=[0.35, 0.35, 0.18, 0.08, 0.04])),
                icans=int(rng.choice(5, p=[0.75, 0.1, 0.07, 0.06, 0.02])),
                last=last, relapse=relapse, death=death,
                cause=("relapse" if relapse else "therapy-related") if death else "",
                days=days, bands=bands, recov=recov, end=end, group=group)


def _generic_treatments(pid, p, labs) -> list[tuple]:
    rows = []
    for _, d, test, v in labs:
        if d < 0:
            continue
        if test == "hb" and v < 75:
            rows.append((pid, d, "prbc", 1.0))
        if test == "plt" and v < 20:
            rows.append((pid, d, "platelets", 1.0))
    if p["recov"]["anc"] > 28 and p["bands"]["anc"](30) == "severe":
        rows += [(pid, d, "gcsf", 5.0) for d in _every(14, p["recov"]["anc"] - 10, 2) if d <= p["end"]]
    if p["crs"] >= 2:
        rows.append((pid, 3, "tocilizumab", 8.0))
    if p["crs"] >= 3 or p["icans"] >= 3:
        rows.append((pid, 5, "corticosteroid", 2.0))
    return rows


def _boosted_bands(b: dict):
    """Band functions of a boosted patient (days absolute; see BOOSTED)."""
    s = b["scb"]
    cyto = {"anc", "hb", "plt"} if b["cyto"] == "pan" else {"anc", "plt"}
    pre_band = {"pan": "mild", "normal": "normal", None: "normal"}[b["baseline"]]

    def make(test):
        rec = b["anc" if test == "anc" else ("rbc" if test == "hb" else "plt")]

        def band(d):
            if d < 0:
                return pre_band
            if d < 5 or test not in cyto:
                return "mild"
            if d <= s:
                return "severe"
            r = d - s
            if b["cyto"] == "bi":  # transient: recovery from day 28 (ANC) / 35 (PLT), relapse from 70
                return "mild" if (28 if test == "anc" else 35) <= r < 66 else "severe"
            if test == "anc" and b["anc"] == 192 and 100 <= r < 192:
                return "mild"     # G-CSF-driven counts: G-CSF every 2 days until day 184
            if rec is None or r < rec:
                return "severe"
            return "mild" if r < rec + 40 else "normal"
        return band
    return {t: make(t) for t in TESTS}


def _boosted(pid: str, b: dict, rng) -> tuple[dict, list, list, list]:
    s, fu = b["scb"], b["fu"]
    end = s + (b["relapse"] - 1 if b["relapse"] else fu)
    days = ([-10, -2] if b["baseline"] else []) + list(EARLY_DAYS) + _every(35, s - 1, 7) + [s - 3]
    post = list(POST_SCB_DAYS) + _every(63, 210, 7) + _every(238, fu, 28)
    post += [b[k] for k in ("anc", "rbc", "plt") if b[k]]
    days = sorted({d for d in days + [s + r for r in post] if d <= end})
    labs = _lab_rows(pid, days, _boosted_bands(b), rng)
    tr = []
    gcsf_stop = {None: fu, 192: 184}.get(b["anc"], (b["anc"] or 0) - 8)
    if b["cyto"] == "bi":
        gcsf_stop = 20
    tr += [(pid, d, "gcsf", 5.0) for d in _every(21, s + min(gcsf_stop, end - s), 2)]
    last_rbc = {None: min(fu - 2, 30)}.get(b["rbc"], (b["rbc"] or 0) - 1)
    last_plt = {None: min(fu - 2, 35)}.get(b["plt"], (b["plt"] or 0) - 1)
    if b["cyto"] == "pan":
        tr += [(pid, d, "prbc", 1.0) for d in range(s + last_rbc, 9, -10)]
    if b["cyto"] == "bi":   # platelets until day 20, stop, resume from day 75 until death
        tr += [(pid, d, "platelets", 1.0) for d in list(range(s + 20, 9, -5)) + _every(s + 75, s + fu - 5, 5)]
    else:
        tr += [(pid, d, "platelets", 1.0) for d in range(s + last_plt, 9, -5)]
    if b["crs"] >= 2:
        tr.append((pid, 3, "tocilizumab", 8.0))
    if b["icans"] >= 3:   # methylprednisolone (and siltuximab, not a contract treatment)
        tr.append((pid, 6, "corticosteroid", 30.0))
    crs = _crs_rows(pid, 0, b["crs"], b["icans"], rng)
    if b.get("crs_after_scb"):    # grade 2 CRS from post-SCB day 10
        crs += [(pid, s + 9, 1, 0), (pid, s + 10, 2, 0), (pid, s + 11, 2, 0), (pid, s + 12, 1, 0)]
    patient = dict(patient_id=pid, sex=b["sex"], age_years=b["age"], response_d28="CR", prior_hsct="true",
                   months_hsct_to_cart=b["m"], n_relapses=b["relapses"], car_product=b["product"],
                   car_target=PRODUCTS[b["product"]], age_at_diagnosis_years=b["diag"],
                   age_at_sct_years=b["sct"], age_at_scb_years=b["scb_age"],
                   last_followup_day=s + fu, death_day=s + b["death"] if b["death"] else None,
                   relapse_day=s + b["relapse"] if b["relapse"] else None, death_cause=b["cause"],
                   scb_day=s, scb_cd34_per_kg=b["cd34"], scb_cd3_per_kg=b["cd3"], gvhd_after_scb="false")
    return patient, labs, sorted(set(tr), key=lambda r: (r[1], r[2])), crs


def _not_evaluable(rng) -> list[dict]:
    """Death on day 4 (no SCT) and morphological relapse on day 28 (prior SCT)."""
    return [dict(kind="death4", sex="F", age=int(rng.integers(2, 20)), sct=False, last=4, death=4,
                 relapse=None, cause="toxicity", response="NE", days=[-10, -2, 0, 2, 4]),
            dict(kind="relapse28", sex="M", age=int(rng.integers(2, 20)), sct=True, last=140, death=140,
                 relapse=28, cause="relapse", response="NR", days=[-10, -2] + list(EARLY_DAYS[:-1]))]


def build_mullanfiroze2022(seed: int = SEED) -> dict[str, pd.DataFrame]:
    """The four tables as DataFrames (what :func:`write_mullanfiroze2022` writes)."""
    rng = np.random.default_rng(seed)
    specs = [("boosted", b) for b in BOOSTED]
    for group, sct, persistent, n in GROUPS:
        specs += [("generic", (group, sct, persistent)) for _ in range(n)]
    specs += [("ne", ne) for ne in _not_evaluable(rng)]
    order = rng.permutation(len(specs))
    patients, labs, treatments, crs = [], [], [], []
    for i, k in enumerate(order):
        pid = f"MF{i + 1:03d}"
        kind, spec = specs[k]
        if kind == "boosted":
            p, lab, tr, cr = _boosted(pid, spec, rng)
        elif kind == "generic":
            g = _generic(rng, *spec)
            lab = _lab_rows(pid, g["days"], g["bands"], rng)
            tr, cr = _generic_treatments(pid, g, lab), _crs_rows(pid, 0, g["crs"], g["icans"], rng)
            p = dict(patient_id=pid, sex=g["sex"], age_years=g["age"],
                     response_d28="CR" if rng.random() < 0.85 else "CRi",
                     prior_hsct="true" if g["sct"] else "false", months_hsct_to_cart=g["m"],
                     n_relapses=g["relapses"], car_product=g["product"], car_target=PRODUCTS[g["product"]],
                     age_at_diagnosis_years=g["diag"], age_at_sct_years=g["sct_age"],
                     last_followup_day=g["last"], death_day=g["death"], relapse_day=g["relapse"],
                     death_cause=g["cause"])
        else:
            band = _trajectory("normal", True, 4, 60)
            lab = _lab_rows(pid, spec["days"], {t: band for t in TESTS}, rng)
            tr, cr = [], _crs_rows(pid, 0, 3 if spec["kind"] == "death4" else 1, 0, rng)
            p = dict(patient_id=pid, sex=spec["sex"], age_years=spec["age"], response_d28=spec["response"],
                     prior_hsct="true" if spec["sct"] else "false", n_relapses=2,
                     car_product="CARPALL CD19", car_target="CD19", last_followup_day=spec["last"],
                     death_day=spec["death"], relapse_day=spec["relapse"], death_cause=spec["cause"])
        patients.append(p)
        labs += lab
        treatments += tr
        crs += cr
    cols = ["patient_id", "sex", "age_years", "response_d28", "prior_hsct", "months_hsct_to_cart",
            "n_relapses", "car_product", "car_target", "age_at_diagnosis_years", "age_at_sct_years",
            "age_at_scb_years", "last_followup_day", "death_day", "relapse_day", "death_cause",
            "scb_day", "scb_cd34_per_kg", "scb_cd3_per_kg", "gvhd_after_scb"]
    pt = pd.DataFrame(patients).reindex(columns=cols)
    for c in ("age_years", "months_hsct_to_cart", "n_relapses", "age_at_diagnosis_years", "age_at_sct_years",
              "age_at_scb_years", "last_followup_day", "death_day", "relapse_day", "scb_day"):
        pt[c] = pd.array(pt[c].astype(float), dtype="Int64")
    lab = pd.DataFrame(labs, columns=["patient_id", "day", "test", "value"])
    lab["value"] = [f"{v:.2f}" if t == "anc" else f"{v:.0f}" for t, v in zip(lab["test"], lab["value"])]
    pt = _with_baseline_markers(pt, lab, seed)
    return {
        "patients": pt,
        "labs": lab.sort_values(["patient_id", "day", "test"], kind="stable"),
        "crs": pd.DataFrame(crs, columns=["patient_id", "day", "crs_grade", "icans_grade"]).sort_values(
            ["patient_id", "day"], kind="stable"),
        "treatments": pd.DataFrame(treatments, columns=["patient_id", "day", "treatment", "dose"]).sort_values(
            ["patient_id", "day", "treatment"], kind="stable"),
    }


LD_START_DEFAULT = -6   # workflow/designs/mullanfiroze2022.yaml lymphodepletion.start_day


def _with_baseline_markers(pt: pd.DataFrame, lab: pd.DataFrame, seed: int) -> pd.DataFrame:
    """``pt`` with two columns appended: pre-lymphodepletion ``ferritin`` (ng/mL) and ``crp``
    (mg/L), drawn from their own stream (``cartcyto.synth.hematotox_baseline``) so that no value
    drawn before changes; their common log-shift makes the expected CAR-HEMATOTOX high-risk share
    of the patients with pre-LD blood counts (last value on days -13..-6) the published 48.9%."""
    win = lab[(lab["day"] <= LD_START_DEFAULT) & (lab["day"] >= LD_START_DEFAULT - 7)].copy()
    win["value"] = win["value"].astype(float)
    last = win.sort_values("day", kind="stable").groupby(["patient_id", "test"])["value"].last().unstack()
    last = last.reindex(index=pt["patient_id"], columns=list(TESTS))
    fixed = hb_points(last["plt"].to_numpy(float), last["anc"].to_numpy(float), last["hb"].to_numpy(float))
    sct = (pt["prior_hsct"] == "true").to_numpy(float)
    shift = solve_shift(fixed, sct)
    rng = hematotox_stream(seed)
    out = pt.copy()
    out["ferritin"] = draw_ferritin(rng, sct, shift)
    out["crp"] = draw_crp(rng, len(pt), shift)
    return out


README = """# Mullanfiroze 2022 -- SYNTHETIC cohort

Generated by `cartcyto.synth.mullanfiroze2022.write_mullanfiroze2022(outdir, seed={seed})`
(`python -m cartcyto.synth data`). No real patient is in these files: they are drawn so that the
pipeline's derived aggregates equal those published in Mullanfiroze K et al., Blood Adv
2022;6(16):4715-4718 (persistent CTCAE v5.0 grade 3-4 cytopenia after CAR-T and the CD34+-selected
stem-cell boost).

| file | rows | content |
| --- | ---: | --- |
| patients.csv | {patients} | 101 treated; prior_hsct, months_hsct_to_cart, ages at diagnosis/SCT/SCB, car_product, follow-up, death_cause; scb_day, scb_cd34_per_kg (x10^6/kg), scb_cd3_per_kg (x10^4/kg) for the 7 boosted; pre-lymphodepletion ferritin (ng/mL) and crp (mg/L) for the CAR-HEMATOTOX score (own seeded stream; assumed lognormal, shifted so that the expected high-risk share is the published 48.9%) |
| labs.csv | {labs} | anc (x10^9/L), hb (g/L), plt (x10^9/L): days -10 and -2 (when available), 2-3/week to day 28, then weekly and every 4 weeks (2-3/week for 60 days after a boost) |
| crs.csv | {crs} | daily crs_grade and icans_grade (days not listed are grade 0) |
| treatments.csv | {treatments} | gcsf, prbc, platelets, tocilizumab, corticosteroid |

Calibration: 2 not evaluable (death day 4, relapse day 28); of 99 evaluable, 23/52 with and 23/47
without prior SCT have a grade 3-4 ANC, Hb or PLT after day 28; 7 of the 23 cytopenic SCT patients
are boosted with every value of the letter's Table 1 (see the module docstring).
"""


def write_mullanfiroze2022(outdir: str | Path, seed: int = SEED) -> Path:
    """Write the cohort's CSV files and a README into ``outdir`` (created); returns ``outdir``."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    tables = build_mullanfiroze2022(seed)
    for name, df in tables.items():
        df.to_csv(outdir / f"{name}.csv", index=False, lineterminator="\n", float_format="%.10g")
    counts = {name: len(df) for name, df in tables.items()}
    (outdir / "README.md").write_text(README.format(seed=seed, **counts), encoding="utf-8", newline="\n")
    return outdir
