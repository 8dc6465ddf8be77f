"""Univariate factors of new-onset severe cytopenia in Wang 2021 (Supplementary Tables 3-5),
family ``univariate``.

Population per lineage L: the analysis set's at-risk patients (``<L>_at_risk``: not severe in
T1/T2, with T3 values), split into ``new_onset`` (``<L>_new_onset`` true) and ``no_severe``.
Analysis ids ``univariate_sn``, ``univariate_sa``, ``univariate_st``; ``outcome`` is
``<L>_new_onset`` and ``term`` the factor's column.

* Continuous factors (and the CRS grade, compared as ordinal, as the paper's P = 0.043 / 0.001 /
  0.001 for "grade of CRS"): rows median/min/max per group (``level`` = group) and one
  Mann-Whitney row (statistic ``U`` of the new-onset group, ``level`` empty).
* Categorical factors: rows count/percent per group and category (``level`` =
  ``<group>:<category>``, booleans as ``true``/``false``; n = the group's non-missing values)
  and one Pearson chi-square row over the groups x categories table (statistic ``chi2``).

Multiplicity (a sensitivity addition, not the paper's analysis: Wang 2021 prints unadjusted P).
Each Supplementary Table is one family: its k unadjusted test p-values (every ``U`` and ``chi2``
row of the analysis; a test whose p is missing is left out of k). One table is what a reader
scans for "significant" factors of one outcome, and the three tables are three outcomes, each
read on its own, so the family is the table, not the three pooled. Per term, rows ``p_holm``
(Holm step-down, family-wise error rate) and ``p_bh`` (Benjamini-Hochberg, false discovery
rate) carry the adjusted p in ``p_value`` (``estimate`` empty, ``n`` of the test row), and
``method`` names the adjustment, the table, k and the test whose p was adjusted. The ``U`` and
``chi2`` rows are unchanged; the scorecard joins on the statistic, so it never reads these rows.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from cartcyto.analyses.columns import analysis_set, require
from cartcyto.vocabulary import MARKERS
from cartcyto.report.rows import stat_frame, stat_row
from cartcyto.report.tables import format_count_percent, format_median_range, format_p
from cartcyto.stats import describe, tests
from cartcyto.stats.multiplicity import p_adjust
from cartcyto.vocabulary import LINEAGE_SHORT, LINEAGES

GROUP_ORDER = ("new_onset", "no_severe")
TABLE_NUMBER = {"sn": 3, "sa": 4, "st": 5}
TEST_NAME = {"U": "Mann-Whitney U", "chi2": "Pearson chi-square"}
"""The paper's tests of a table, by statistic: together they are the table's family."""
ADJUSTED = {"p_holm": ("holm", "Holm P"), "p_bh": ("BH", "BH P")}
"""Multiplicity rows: statistic -> (p.adjust method, table column)."""
P_COLUMNS = ("P", *(column for _, column in ADJUSTED.values()))
MULTIPLICITY = ("multiplicity sensitivity addition beside the paper's unadjusted P, not the "
                "paper's analysis")
CATEGORICAL = ("sex", "extramedullary", "prior_hsct", "car_target", "toci_or_steroid")
ORDINAL = ("crs_max_grade",)
FACTORS = (
    "age_years", "sex", "bmi", "extramedullary", "prior_chemo_cycles", "prior_hsct", "n_relapses",
    "bm_blasts_pct", "car_target", "pre_ld_anc", "pre_ld_hb", "pre_ld_plt", "alt", "ast", "gfr",
    "creatinine", "urea", "uric_acid", "ferritin", "lg_ldh", "crs_max_grade", "crs_onset_day",
    "crs_peak_day", "crs_recovery_day", "crs_duration_days",
    *(f"lg_max_{m}" for m in MARKERS), "toci_or_steroid",
)
FACTOR_LABEL = {
    "age_years": "Age, years", "sex": "Gender", "bmi": "BMI, kg/m2",
    "extramedullary": "Extramedullary disease", "prior_chemo_cycles": "Number of prior chemotherapies",
    "prior_hsct": "Prior allogeneic HSCT", "n_relapses": "Number of relapses",
    "bm_blasts_pct": "Bone marrow tumor burden, %", "car_target": "Targets of CAR-T cell",
    "pre_ld_anc": "Pre-lymphodepletion ANC, x10^9/L", "pre_ld_hb": "Pre-lymphodepletion Hb, g/L",
    "pre_ld_plt": "Pre-lymphodepletion PLT, x10^9/L", "alt": "ALT, U/L", "ast": "AST, U/L",
    "gfr": "GFR, ml/min", "creatinine": "Serum creatinine, umol/L", "urea": "Serum urea, mmol/L",
    "uric_acid": "Serum uric acid, umol/L", "ferritin": "Baseline ferritin, ng/mL",
    "lg_ldh": "Baseline lg LDH", "crs_max_grade": "Grade of CRS", "crs_onset_day": "Time to CRS onset, days",
    "crs_peak_day": "Time to CRS peak, days", "crs_recovery_day": "Time to CRS recovery, days",
    "crs_duration_days": "Duration of CRS, days", "toci_or_steroid": "Tocilizumab/corticosteroids",
    "lg_max_il2": "Max lg IL-2", "lg_max_il4": "Max lg IL-4", "lg_max_il6": "Max lg IL-6",
    "lg_max_il10": "Max lg IL-10", "lg_max_ifng": "Max lg IFN-γ", "lg_max_tnfa": "Max lg TNF-α",
    "lg_max_il17": "Max lg IL-17", "lg_max_ferritin": "Max lg ferritin",
    "lg_max_ddimer": "Max lg D-dimer", "lg_max_crp": "Max lg CRP",
}
LEVEL_LABEL = {"M": "Male", "F": "Female", "true": "Yes", "false": "No"}
CATEGORY_ORDER = {"sex": ["M", "F"], "car_target": ["CD19", "CD22", "CD19-CD22"]}


def _categories(s: pd.Series, term: str) -> tuple[pd.Series, list[str]]:
    """The factor as category strings (<NA> missing) and its category order; a flag's
    categories are ``true`` / ``false``."""
    if pd.api.types.is_bool_dtype(s.dtype):
        levels = ["true", "false"] if s.notna().any() else []
        return s.astype("boolean").map({True: "true", False: "false"}).astype("object"), levels
    s = s.where(s.astype("string").str.strip().fillna("") != "")  # blank cells are missing
    cat = s.astype("string").str.strip().astype("object").where(s.notna())
    seen = sorted(str(v) for v in cat.dropna().unique())
    order = [c for c in CATEGORY_ORDER.get(term, []) if c in seen]
    return cat, order + [c for c in seen if c not in order]


def univariate_lineage(patients: pd.DataFrame, lin: str, study: Mapping,
                       factors=FACTORS) -> pd.DataFrame:
    """Statistics rows of one lineage's univariate table (absent factor columns are skipped)."""
    convention = study["conventions"]
    analysis, outcome = f"univariate_{lin}", f"{lin}_new_onset"
    df = require(analysis_set(patients), f"{lin}_at_risk", outcome)
    df = df[df[f"{lin}_at_risk"].fillna(False).to_numpy(bool)]
    new = df[outcome].fillna(False).astype(bool)
    grp = {"new_onset": df[new], "no_severe": df[~new]}
    rows = []
    for term in factors:
        if term not in df.columns:  # a factor the cohort does not record
            continue
        require(df, term)
        if term in CATEGORICAL:
            rows += _categorical(grp, term, analysis, outcome, convention)
            continue
        for level, sub in grp.items():
            res = describe.median_range(sub[term].astype(float))
            for r in res.itertuples(index=False):
                rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=outcome, term=term,
                                     level=level, n=r.n, method=r.method))
        x, y = (grp[g][term].astype(float) for g in GROUP_ORDER)
        res = tests.mann_whitney(x, y, convention=convention).iloc[0]
        how = " (grade as ordinal)" if term in ORDINAL else ""
        rows.append(stat_row(analysis, "U", res["estimate"], outcome=outcome, term=term,
                             p_value=res["p_value"], n=res["n"],
                             method=f"{res['method']}; U of new-onset vs no severe "
                                    f"cytopenia among at-risk patients{how}"))
    stats = stat_frame(rows)
    return stat_frame(pd.concat([stats, adjusted_rows(stats, lin)], ignore_index=True))


def adjusted_rows(stats: pd.DataFrame, lin: str) -> pd.DataFrame:
    """Holm and BH rows (see module docstring) of the table of lineage ``lin``, one per test
    row and adjustment, in the order of the test rows."""
    analysis = f"univariate_{lin}"
    family = stats[(stats["analysis"] == analysis) & stats["statistic"].isin(list(TEST_NAME))
                   & (stats["level"] == "")]
    adjusted = {name: p_adjust(family["p_value"], method=how)
                for name, (how, _) in ADJUSTED.items()}
    where = (f"family = Supplementary Table {TABLE_NUMBER[lin]} ({analysis}): every unadjusted "
             "Mann-Whitney U and Pearson chi-square p of the table")
    rows = []
    for i, t in family.iterrows():
        for name, adj in adjusted.items():
            a = adj.loc[i]
            rows.append(stat_row(analysis, name, outcome=t["outcome"], term=t["term"],
                                 p_value=a["p_adjusted"], n=t["n"],
                                 method=f"{a['method']}; {where}; adjusted here: the "
                                        f"{TEST_NAME[t['statistic']]} p of this term "
                                        f"(statistic {t['statistic']}); {MULTIPLICITY}"))
    return stat_frame(rows)


def _categorical(grp: dict, term: str, analysis: str, outcome: str, convention: str) -> list:
    cats = {g: _categories(sub[term], term) for g, sub in grp.items()}
    order: list[str] = []
    for _, levels in cats.values():
        order += [c for c in levels if c not in order]
    rows, table = [], []
    for g in GROUP_ORDER:
        s = cats[g][0]
        n = int(s.notna().sum())
        counts = []
        for c in order:
            res = describe.count_percent((s == c).where(s.notna()))
            count = int(res.loc[res["statistic"] == "count", "estimate"].iloc[0])
            counts.append(count)
            for r in res.itertuples(index=False):
                rows.append(stat_row(analysis, r.statistic, r.estimate, outcome=outcome, term=term,
                                     level=f"{g}:{c}", n=n, method=r.method))
        table.append(counts)
    table = np.asarray(table, dtype=float)
    keep = table.sum(axis=0) > 0  # categories seen in no group add nothing
    res = tests.chi_square(table[:, keep] if keep.any() else table, convention=convention).iloc[0]
    rows.append(stat_row(analysis, "chi2", res["estimate"], outcome=outcome, term=term,
                         p_value=res["p_value"], n=res["n"],
                         method=(f"{res['method']}, two-sided" if not pd.isna(res["p_value"])
                                 else res["method"])
                         + "; new-onset vs no severe cytopenia x categories among at-risk patients"))
    return rows


def univariate(patients: pd.DataFrame, study: Mapping) -> pd.DataFrame:
    """Supp. Tables 3-5: rows of ``univariate_sn``, ``univariate_sa``, ``univariate_st``."""
    return stat_frame(pd.concat([univariate_lineage(patients, lin, study) for lin in LINEAGES],
                                ignore_index=True))


def format_univariate(stats: pd.DataFrame, lin: str) -> pd.DataFrame:
    """Printed Supp. Table 3/4/5 of lineage ``lin``, drawn from its statistics rows."""
    analysis = f"univariate_{lin}"
    sub = stats[stats["analysis"] == analysis]
    st = sub.set_index(["term", "level", "statistic"])
    group_n = {}
    for g in GROUP_ORDER:
        cnt = sub[(sub["statistic"] == "count") & sub["level"].str.startswith(f"{g}:")]
        med = sub[(sub["statistic"] == "median") & (sub["level"] == g)]
        group_n[g] = int(max(cnt["n"].max() if len(cnt) else 0, med["n"].max() if len(med) else 0))
    head = {"new_onset": f"New-onset {LINEAGE_SHORT[lin]} (n={group_n['new_onset']})",
            "no_severe": f"No severe {LINEAGE_SHORT[lin]} (n={group_n['no_severe']})"}
    out = []
    for term in dict.fromkeys(sub["term"]):
        label = FACTOR_LABEL.get(term, term)
        if (term, "", "U") in st.index:
            test = st.loc[(term, "", "U")]
            line = {"Factor": label}
            for g in GROUP_ORDER:
                vals = [st.loc[(term, g, s), "estimate"] if (term, g, s) in st.index else np.nan
                        for s in ("median", "min", "max")]
                line[head[g]] = format_median_range(*vals, decimals=2)
            out.append({**line, **_p_cells(st, term, test), "Test": "Mann-Whitney U"})
            continue
        test = st.loc[(term, "", "chi2")]
        levels = list(dict.fromkeys(lv.split(":", 1)[1] for lv in
                                    sub.loc[(sub["term"] == term) & (sub["statistic"] == "count"), "level"]))
        if not levels:  # nobody with a value in either group
            out.append({"Factor": label, **{head[g]: "" for g in GROUP_ORDER},
                        **_p_cells(st, term, test), "Test": "Pearson chi-square"})
            continue
        shown = ["true"] if set(levels) <= {"true", "false"} else levels
        lines = []
        for c in shown:
            line = {"Factor": label if shown == ["true"] else f"  {LEVEL_LABEL.get(c, c)}"}
            for g in GROUP_ORDER:
                key = (term, f"{g}:{c}")
                line[head[g]] = format_count_percent(st.loc[key + ("count",), "estimate"],
                                                     st.loc[key + ("percent",), "estimate"])
            lines.append(line)
        p = {**_p_cells(st, term, test), "Test": "Pearson chi-square"}
        if shown == ["true"]:
            out.append({**lines[0], **p})
        else:
            out.append({"Factor": label, **{head[g]: "" for g in GROUP_ORDER}, **p})
            out += [{**ln, **dict.fromkeys(P_COLUMNS, ""), "Test": ""} for ln in lines]
    return pd.DataFrame(out, columns=["Factor", head["new_onset"], head["no_severe"], *P_COLUMNS,
                                      "Test"])


def multiplicity_note(stats: pd.DataFrame, lin: str) -> str:
    """The footnote sentence of Supp. Table 3/4/5 on its Holm P and BH P columns."""
    rows = stats[(stats["analysis"] == f"univariate_{lin}") & (stats["statistic"] == "p_holm")]
    k = int(rows["p_value"].notna().sum())
    return (f"Holm P and BH P are added, not the paper's (a multiplicity sensitivity analysis): "
            f"each test's P adjusted over the k = {k} tests of this table (Holm step-down, "
            "family-wise error rate; Benjamini-Hochberg, false discovery rate).")


def _p_cells(st: pd.DataFrame, term: str, test: pd.Series) -> dict:
    """The paper's P of a term's test, then its Holm and BH P (added, not the paper's)."""
    cells = {"P": format_p(test["p_value"])}
    for name, (_, column) in ADJUSTED.items():
        key = (term, "", name)
        cells[column] = format_p(st.loc[key, "p_value"] if key in st.index else np.nan)
    return cells


def univariate_results(patients: pd.DataFrame, study: Mapping) -> dict:
    """Every statistic of the family plus one printed table per lineage."""
    stats = univariate(patients, study)
    return {"stats": stats,
            "tables": {f"supp_table{3 + i}_univariate_{lin}": format_univariate(stats, lin)
                       for i, lin in enumerate(LINEAGES)}}
