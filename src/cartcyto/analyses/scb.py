"""Mullanfiroze 2022 (Blood Adv 6(16):4715), family ``scb``: the CD34+-selected stem-cell boost.

Every boosted patient (``scb_day`` present): Table 1 of the letter (ages, SCT-to-CAR-T
interval, products, CRS/ICANS before the SCB, time to SCB in months of 30.4375 days, doses,
pre-SCB cytopenia, toxicity after the SCB, response, status and follow-up after the SCB) and
the recovery days of the responders (:mod:`cartcyto.derive.scb`). Analyses ``scb_table1`` and
``scb_recovery``; the printed tables are drawn from the rows (:func:`format_scb_table1`).
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import require
from cartcyto.analyses.prior_sct import OUTCOME, prior_sct_patients
from cartcyto.derive.ctcae import ctcae_grade
from cartcyto.derive.scb import scb_recovery
from cartcyto.report.rows import stat_frame, stat_row, stat_value
from cartcyto.report.tables import format_median_range, format_number
from cartcyto.stats.describe import count_percent, median_range

MONTH_DAYS = 30.4375
MEDIAN_METHOD = "median [min-max] of non-missing values (even n: mean of the two middle values)"
COUNT_METHOD = "n (%) of patients"
RECOVERY_OUTCOMES = {  # scb_recovery column -> label
    "anc_recovery_day": "Neutrophils >1 x10^9/L without G-CSF",
    "rbc_ti_day": "Red-cell transfusion independent",
    "plt_ti_day": "Platelet transfusion independent",
}


def _max_grade(crs: pd.DataFrame, ids: pd.Index, lo: pd.Series, hi: pd.Series, col: str) -> np.ndarray:
    """Per patient: highest ``col`` grade on days lo <= day < hi (0 when none listed)."""
    if crs is None or crs.empty or col not in crs.columns:
        return np.zeros(len(ids))
    c = crs.assign(patient_id=crs["patient_id"].astype(str))
    c = c[c["patient_id"].isin(ids)]
    day = pd.to_numeric(c["day"]).to_numpy(float)
    pos = ids.get_indexer(c["patient_id"])
    ok = (day >= lo.to_numpy(float)[pos]) & (day < hi.to_numpy(float)[pos])
    out = np.zeros(len(ids))
    g = pd.to_numeric(c[col], errors="coerce").fillna(0).to_numpy(float)
    np.maximum.at(out, pos[ok], g[ok])
    return out


def scb_patients(derived: pd.DataFrame, labs: pd.DataFrame, treatments: pd.DataFrame | None,
                 crs: pd.DataFrame | None, study: Mapping[str, Any]) -> pd.DataFrame:
    """One row per boosted patient: Table 1 variables + the recovery of :func:`cartcyto.derive.scb.scb_recovery`.

    Needs ``scb_day``, ``death_day``, ``relapse_day``, ``last_followup_day`` and ``pre_ld_*``; the
    descriptive covariates (ages, doses, products, ...) are missing where the cohort lacks them."""
    require(derived, "pre_ld_anc", "pre_ld_hb", "pre_ld_plt")
    rec = scb_recovery(derived, labs, treatments, study)
    pat = derived.assign(patient_id=derived["patient_id"].astype(str)).set_index("patient_id")
    pat = pat.loc[rec["patient_id"]]
    out = rec.set_index("patient_id")
    scb = pat["scb_day"].astype(float)
    out["months_cart_to_scb"] = scb / MONTH_DAYS
    for col in ("age_at_diagnosis_years", "age_at_sct_years", "age_years", "age_at_scb_years",
                "months_hsct_to_cart", "n_relapses", "scb_cd34_per_kg", "scb_cd3_per_kg"):
        out[col] = pat[col].astype(float) if col in pat.columns else np.nan  # not recorded: missing
    for col in ("prior_hsct", "gvhd_after_scb"):
        out[col] = (pat[col].astype("boolean") if col in pat.columns
                    else pd.array([pd.NA] * len(pat), dtype="boolean"))
    for col in ("car_product", "death_cause"):
        out[col] = pat[col].astype("string") if col in pat.columns else pd.NA
    ids = pd.Index(out.index)
    zero = pd.Series(0.0, index=scb.index)
    inf = pd.Series(np.inf, index=scb.index)
    for kind in ("crs", "icans"):
        out[f"{kind}_max_grade_before_scb"] = _max_grade(crs, ids, zero, scb, f"{kind}_grade")
        out[f"{kind}_max_grade_after_scb"] = _max_grade(crs, ids, scb + 1, inf, f"{kind}_grade")
    bounds = study["criteria"]["grades"]
    pre = [ctcae_grade(t, pat[f"pre_ld_{t}"].astype(float), bounds=bounds) for t in ("anc", "hb", "plt")]
    avail = np.all([~g.isna() for g in pre], axis=0)
    pan = np.all([(g >= 1).fillna(False) for g in pre], axis=0)
    out["baseline_pancytopenia"] = pd.array(np.where(avail, pan, None), dtype="boolean")
    death = pat["death_day"].astype(float)
    end_day = death.fillna(pat["last_followup_day"].astype(float))
    out["followup_after_scb_days"] = (end_day - scb).to_numpy()
    out["followup_after_scb_months"] = out["followup_after_scb_days"] / MONTH_DAYS
    out["relapse_after_scb"] = (pat["relapse_day"].astype(float) > scb).to_numpy()
    out["deceased"] = death.notna().to_numpy()
    out["alive_in_cr"] = ~out["deceased"] & ~out["relapse_after_scb"]
    return out.reset_index()


CONTINUOUS = ("age_at_diagnosis_years", "age_at_sct_years", "age_years", "age_at_scb_years",
              "months_hsct_to_cart", "months_cart_to_scb", "scb_day", "scb_cd34_per_kg", "scb_cd3_per_kg",
              "followup_after_scb_days", "followup_after_scb_months")
CATEGORICAL = ("car_product", "crs_max_grade_before_scb", "icans_max_grade_before_scb", "pre_scb_cytopenia",
               "response", "death_cause")
FLAGS = ("prior_hsct", "baseline_pancytopenia", "relapse_after_scb", "deceased", "alive_in_cr",
         "anc_recurrence", "gvhd_after_scb")


def scb_stats(table: pd.DataFrame, derived: pd.DataFrame, study: Mapping[str, Any]) -> pd.DataFrame:
    """Rows of analyses ``scb_table1`` and ``scb_recovery`` from :func:`scb_patients`'s table."""
    rows = []

    def add(outcome, df, level="", method=MEDIAN_METHOD, analysis="scb_table1"):
        for r in df.itertuples():
            rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=outcome, level=level, n=r.n,
                                 method=method))

    ps = prior_sct_patients(derived, study)
    ids = set(table["patient_id"])
    cyto_sct = ps[ps["evaluable"] & ps["prior_hsct"].fillna(False) & ps[OUTCOME].fillna(False)]
    add("scb_given", count_percent(cyto_sct["patient_id"].isin(ids)), level="persistent cytopenia after SCT",
        method="boosted among evaluable prior-SCT patients with persistent grade 3-4 cytopenia")
    for col in CONTINUOUS:
        add(col, median_range(table[col].astype(float)))
    months, relapses = table["months_hsct_to_cart"].astype(float), table["n_relapses"].astype(float)
    add("months_hsct_to_cart", count_percent(months.lt(12).where(months.notna())), level="<12",
        method=COUNT_METHOD)
    add("n_relapses", count_percent(relapses.ge(2).where(relapses.notna())), level=">=2",
        method=COUNT_METHOD)
    for col in CATEGORICAL:
        vals = table[col].astype("string")
        vals = vals.str.replace(r"\.0$", "", regex=True).mask(vals.fillna("") == "")
        for level in sorted(vals.dropna().unique()):
            add(col, count_percent((vals == level).where(vals.notna())), level=level, method=COUNT_METHOD)
    for col in FLAGS:
        if col in table.columns and table[col].notna().any():
            add(col, count_percent(table[col].astype("boolean")), level="true", method=COUNT_METHOD)
    for kind in ("crs", "icans"):
        g = table[f"{kind}_max_grade_after_scb"].astype(float)
        add(f"{kind}_after_scb", count_percent(g >= 1), level="true",
            method=f"{kind.upper()} grade >= 1 on a day after the SCB; {COUNT_METHOD}")
    resp = table[table["response"] == "responder"]
    for col in RECOVERY_OUTCOMES:
        add(col, median_range(resp[col].astype(float)), analysis="scb_recovery",
            method=f"days from the SCB, responders only; {MEDIAN_METHOD}")
    return stat_frame(rows)


# ------------------------------------------------------------------------------------ printed tables
# (section, label, kind, outcome, arg): kind "median" (arg = decimals), "count" (arg = level),
# "levels" (one line per level), "grades" (levels >= 1 on one line), "recovery" (scb_recovery).
SCB_TABLE1 = (
    ("Patient characteristics", "Age at initial diagnosis of B-ALL, y", "median", "age_at_diagnosis_years", 1),
    ("Patient characteristics", "Age at SCT, y", "median", "age_at_sct_years", 1),
    ("Patient characteristics", "Age at CAR-T therapy, y", "median", "age_years", 1),
    ("Patient characteristics", "Previous SCT, n", "count", "prior_hsct", "true"),
    ("Patient characteristics", "Relapses >=2, n", "count", "n_relapses", ">=2"),
    ("Patient characteristics", "SCT to CAR-T, months", "median", "months_hsct_to_cart", 1),
    ("Patient characteristics", "SCT <12 months before CAR-T, n", "count", "months_hsct_to_cart", "<12"),
    ("Patient characteristics", "Pancytopenia before lymphodepletion (CTCAE grade >=1), n/N with data",
     "count", "baseline_pancytopenia", "true"),
    ("CAR T-cell therapy", "", "levels", "car_product", None),
    ("Post-CAR T-cell therapy", "CRS before SCB, maximum grade", "grades", "crs_max_grade_before_scb", None),
    ("Post-CAR T-cell therapy", "ICANS before SCB, maximum grade", "grades", "icans_max_grade_before_scb", None),
    ("Post-CAR T-cell therapy", "Time from CAR-T to SCB, months", "median", "months_cart_to_scb", 1),
    ("Post-CAR T-cell therapy", "Age at SCB, y", "median", "age_at_scb_years", 1),
    ("Pre-SCB (grade 3-4 in the 28 days before)", "Pancytopenia, n", "count", "pre_scb_cytopenia", "pancytopenia"),
    ("Pre-SCB (grade 3-4 in the 28 days before)", "Bicytopenia, n", "count", "pre_scb_cytopenia", "bicytopenia"),
    ("CD34+-selected SCB, dose per kg", "CD34+ cells, x10^6/kg", "median", "scb_cd34_per_kg", 2),
    ("CD34+-selected SCB, dose per kg", "CD3+ T cells, x10^4/kg", "median", "scb_cd3_per_kg", 2),
    ("Toxicities after SCB", "CRS, n", "count", "crs_after_scb", "true"),
    ("Toxicities after SCB", "ICANS, n", "count", "icans_after_scb", "true"),
    ("Toxicities after SCB", "GVHD (acute or chronic), n", "count", "gvhd_after_scb", "true"),
    ("Response to SCB", "", "levels", "response", None),
    ("Median time to recovery, days from SCB (responders)", RECOVERY_OUTCOMES["anc_recovery_day"],
     "recovery", "anc_recovery_day", 1),
    ("Median time to recovery, days from SCB (responders)", RECOVERY_OUTCOMES["rbc_ti_day"],
     "recovery", "rbc_ti_day", 1),
    ("Median time to recovery, days from SCB (responders)", RECOVERY_OUTCOMES["plt_ti_day"],
     "recovery", "plt_ti_day", 1),
    ("Status at last follow-up", "Relapse after SCB, n", "count", "relapse_after_scb", "true"),
    ("Status at last follow-up", "Deceased, n", "count", "deceased", "true"),
    ("Status at last follow-up", "", "levels", "death_cause", None),
    ("Status at last follow-up", "Alive in CR, n", "count", "alive_in_cr", "true"),
    ("Status at last follow-up", "Follow-up after SCB, months", "median", "followup_after_scb_months", 1),
    ("Status at last follow-up", "Follow-up after SCB, days", "median", "followup_after_scb_days", 0),
)


def format_scb_table1(stats: pd.DataFrame) -> pd.DataFrame:
    """Table 1 of the letter (section, characteristic, value), drawn from the ``scb_*`` rows."""
    out = []
    for section, label, kind, outcome, arg in SCB_TABLE1:
        analysis = "scb_recovery" if kind == "recovery" else "scb_table1"
        sel = stats[(stats["analysis"] == analysis) & (stats["outcome"] == outcome)]
        if kind in ("median", "recovery"):
            med, lo, hi = (stat_value(stats, analysis, s, outcome) for s in ("median", "min", "max"))
            n = stat_value(stats, analysis, "median", outcome, field="n")
            value = f"{format_median_range(med, lo, hi, arg)}, n = {format_number(n, 0)}"
            out.append((section, label, value))
        elif kind == "count":
            c, n = stat_value(stats, analysis, "count", outcome, level=arg), stat_value(stats, analysis, "count", outcome,
                                                                            level=arg, field="n")
            out.append((section, label, f"{format_number(c, 0)}/{format_number(n, 0)}" if c == c else ""))
        else:
            cnt = sel[sel["statistic"] == "count"]
            if kind == "grades":
                cnt = cnt[pd.to_numeric(cnt["level"], errors="coerce") >= 1]
                value = "; ".join(f"Grade {r.level}, n = {format_number(r.estimate, 0)}" for r in cnt.itertuples())
                out.append((section, label, value or "none"))
            else:
                prefix = {"death_cause": "Deceased, cause: ", "response": "Response: "}.get(outcome, "")
                out += [(section, f"{prefix}{r.level}, n", format_number(r.estimate, 0)) for r in cnt.itertuples()]
    return pd.DataFrame(out, columns=["section", "characteristic", "value"])


def format_scb_listing(table: pd.DataFrame) -> pd.DataFrame:
    """One line per boosted patient: timing, dose, pre-SCB cytopenia, response and recovery days."""
    def day(col, status=None):
        v = table[col].astype(float)
        text = v.map(lambda x: "" if x != x else format_number(x, 0))
        if status is not None:
            st = table[status].astype(str)
            text = text.where(v.notna(), st.map({"not_applicable": "n/a"}).fillna("not reached"))
        return text
    status = np.where(table["deceased"], "died", "alive")
    cause = table["death_cause"].astype("string").fillna("")
    status = [f"{s} ({c})" if c else s for s, c in zip(status, cause)]
    return pd.DataFrame({
        "patient_id": table["patient_id"],
        "months_cart_to_scb": table["months_cart_to_scb"].astype(float).map(lambda x: format_number(x, 1)),
        "cd34_x10e6_per_kg": table["scb_cd34_per_kg"].astype(float).map(lambda x: format_number(x, 2)),
        "cd3_x10e4_per_kg": table["scb_cd3_per_kg"].astype(float).map(lambda x: format_number(x, 2)),
        "pre_scb_cytopenia": table["pre_scb_cytopenia"],
        "response": table["response"],
        "anc_recovery_day": day("anc_recovery_day", "anc_status"),
        "rbc_ti_day": day("rbc_ti_day", "rbc_ti_status"),
        "plt_ti_day": day("plt_ti_day", "plt_ti_status"),
        "relapse_after_scb": np.where(table["relapse_after_scb"], "yes", "no"),
        "followup_after_scb_days": day("followup_after_scb_days"),
        "status_last_followup": status,
    })
