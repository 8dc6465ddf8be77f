"""Refit every row of a study's ``statistics.csv`` from its derived table alone (issue 9).

A reviewer's check, written without the project's code: the derived tables are read with plain
pandas (flags as the text ``true``/``false``), populations are re-stated from the method strings
and the paper's definitions, and each number is recomputed with an outside implementation:

* R (``Rscript``, one batch per study): Mann-Whitney (``wilcox.test``), Cox
  (``survival::coxph``), logistic regression (``glm``), ROC AUC with DeLong CI (``pROC``),
  McNemar (``mcnemar.test``, ``binom.test``); proportional-hazards tests (``cox.zph``); Firth
  logistic regression (``brglm2``, penalised likelihood-ratio p and profile CI in R); competing
  risks (``cmprsk::cuminc``/``timepoints``, Gray's test, ``cmprsk::crr``; cause-specific
  ``coxph``); Kaplan-Meier median and CI (``survfit``, ``summary(fit)$table``, the CI scale the
  run's conventions call for) and the log-rank test (``survdiff``); Holm and Benjamini-Hochberg
  rows (``p.adjust``, over the refit p of every test of the row's Supplementary Table, in a
  second Rscript once those are known);
* SciPy directly: separation (LP feasibility), chi-square, Fisher, Kruskal-Wallis, Spearman;
  NumPy: counts, percents, medians, Kaplan-Meier, means, events and EPV.

Thresholds no row carries (``ph_alpha``, ``firth``, the competing-risks ``group_column`` and
``report_days``) and the ``conventions`` (the KM CI scale) are read from the run's resolved design
in ``provenance.json``.

Sources. A row rests on ``derived/patients.csv``, except the stem-cell-boost rows
(``derived/scb_patients.csv``, the boost table of the derivation) and the rows of daily series
(:data:`DAILY`: Figure 2C-E kinetics, Figure 6A-D peak days, Supplementary Figure 1 daily
incidence), which are per patient-day, not per patient, and are refit from the cohort tables the
run read (``cohort/labs.parquet``, ``cohort/treatments.parquet``).

``refit(results, study)`` returns one row per statistics row with the refit ``n``,
``estimate``, ``p_value``, ``ci_low``, ``ci_high`` (NaN where the row has none), its ``source``
and ``engine``; an analysis this module does not know raises ``KeyError`` so that a new family
cannot slip through unchecked.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sps

DAILY = ("kinetics_by_crs", "supportive_daily", "incidence_daily")
CRS_GROUPS = ("none", "mild", "severe")
TEST_OF = {"sn": "anc", "sa": "hb", "st": "plt"}
FIELDS = ("n", "estimate", "p_value", "ci_low", "ci_high")


# ---------------------------------------------------------------- reading, plainly
def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)


def flag(df: pd.DataFrame, col: str) -> pd.Series:
    """A true/false column as object True/False/NaN."""
    s = df[col]
    if s.dtype == bool:
        return s.astype(object)
    return s.map({"true": True, "false": False, True: True, False: False})


def is_true(df: pd.DataFrame, col: str) -> np.ndarray:
    return (flag(df, col) == True).to_numpy(bool)  # noqa: E712


def num(df: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(df[col], errors="raise").astype(float)


def out(n=np.nan, estimate=np.nan, p_value=np.nan, ci_low=np.nan, ci_high=np.nan, **extra):
    return {"n": float(n), "estimate": float(estimate), "p_value": float(p_value),
            "ci_low": float(ci_low), "ci_high": float(ci_high), **extra}


def describe(x: pd.Series, statistic: str) -> dict:
    v = x.dropna().to_numpy(float)
    if statistic in ("median", "min", "max"):
        f = {"median": np.median, "min": np.min, "max": np.max}[statistic]
        return out(v.size, f(v) if v.size else np.nan)
    raise KeyError(statistic)


def count_row(mask: np.ndarray, known: np.ndarray, statistic: str) -> dict:
    n, count = int(known.sum()), int((mask & known).sum())
    if statistic == "count":
        return out(n, count)
    if statistic == "percent":
        return out(n, 100.0 * count / n if n else np.nan)
    raise KeyError(statistic)


# ---------------------------------------------------------------- outside implementations
R_PACKAGES = ("survival", "cmprsk", "pROC", "brglm2")
R_MISSING = ("the refit needs R: Rscript with the packages survival, cmprsk, pROC and brglm2 (Debian: "
             "apt-get install r-base-core r-cran-survival r-cran-cmprsk r-cran-proc r-cran-brglm2)")


def require_r() -> None:
    """Skip the refit when R is absent, with how to install it; fail instead under
    CARTCYTO_REQUIRE_R=1 (.ci/run sets it, so CI never skips)."""
    check = "for (p in c(%s)) stopifnot(requireNamespace(p, quietly = TRUE))" % ", ".join(f"'{p}'" for p in R_PACKAGES)
    ok = shutil.which("Rscript") is not None and subprocess.run(
        ["Rscript", "-e", check], capture_output=True, timeout=120).returncode == 0
    if not ok:
        if os.environ.get("CARTCYTO_REQUIRE_R") == "1":
            raise RuntimeError(R_MISSING)
        pytest.skip(R_MISSING)


class R:
    """Collects R snippets (each prints ``key,value,...``) and runs them in one Rscript."""

    def __init__(self):
        self.lines = ["suppressMessages({library(survival); library(pROC)})",
                      "out <- function(key, ...) cat(paste(c(key, sprintf('%.15g', c(...))), collapse = ','), '\\n', sep = '')"]
        self.results: dict[str, list[float]] = {}

    @staticmethod
    def vec(x) -> str:
        return "c(" + ", ".join(repr(float(v)) for v in np.asarray(x, float)) + ")"

    def add(self, key: str, code: str) -> str:
        self.lines.append(code.replace("KEY", repr(key)))
        return key

    def run(self) -> None:
        require_r()
        with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
            fh.write("\n".join(self.lines) + "\n")
        proc = subprocess.run(["Rscript", fh.name], capture_output=True, text=True, timeout=600)
        Path(fh.name).unlink()
        if proc.returncode != 0:
            raise RuntimeError(f"Rscript failed:\n{proc.stderr[-3000:]}")
        for line in proc.stdout.splitlines():
            key, *vals = line.split(",")
            self.results[key] = [float(v) if v not in ("NA", "NaN") else np.nan for v in vals]

    def get(self, key: str) -> list[float]:
        return self.results[key]


def wilcox(r: R, key: str, x, y, method: str) -> str:
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    correct = "TRUE" if ("continuity correction" in method and "no continuity" not in method) else "FALSE"
    exact = "TRUE" if "exact" in method else "FALSE"
    if x.size == 0 or y.size == 0 or np.unique(np.r_[x, y]).size < 2:
        return r.add(key, f"out(KEY, NA, NA, {x.size + y.size})")
    return r.add(key, f"w <- suppressWarnings(wilcox.test({R.vec(x)}, {R.vec(y)}, exact = {exact}, "
                      f"correct = {correct})); out(KEY, w$statistic, w$p.value, {x.size + y.size})")


def chi2(table, method: str) -> dict:
    t = np.asarray(table, float)
    if (t.sum(axis=0) == 0).any() or (t.sum(axis=1) == 0).any():
        return out(t.sum())
    yates = "Yates continuity correction" in method and t.shape == (2, 2)
    res = sps.chi2_contingency(t, correction=yates)
    p = res.pvalue
    m = re.search(r"Bonferroni-adjusted \(k=(\d+)\)", method)
    if m:
        p = min(1.0, p * int(m.group(1)))
    return out(t.sum(), res.statistic, p)


def spearman(x: pd.Series, y: pd.Series, method: str) -> dict:
    ok = (x.notna() & y.notna()).to_numpy(bool)
    n = int(ok.sum())
    if "t approximation" not in method:
        raise AssertionError(f"refit supports the t-approximation Spearman p only: {method}")
    if n < 3 or x[ok].nunique() < 2 or y[ok].nunique() < 2:
        return out(n)
    res = sps.spearmanr(x[ok], y[ok])
    return out(n, res.statistic, res.pvalue)


def kruskal(groups: list[np.ndarray]) -> dict:
    n = sum(g.size for g in groups)
    if any(g.size == 0 for g in groups) or np.unique(np.concatenate(groups)).size < 2:
        return out(n)
    res = sps.kruskal(*groups)
    return out(n, res.statistic, res.pvalue)


def median_ci(x: np.ndarray) -> dict:
    """Median and [x(j), x(n-j+1)], j the largest with 2 P(Binomial(n, 1/2) <= j - 1) <= 0.05."""
    a = np.sort(x[np.isfinite(x)])
    n = a.size
    if n == 0:
        return out(0)
    ok = [j for j in range(1, n // 2 + 1) if 2 * sps.binom.cdf(j - 1, n, 0.5) <= 0.05]
    lo, hi = (a[max(ok) - 1], a[n - max(ok)]) if ok else (np.nan, np.nan)
    return out(n, np.median(a), ci_low=lo, ci_high=hi)


def km_incidence(time: np.ndarray, event: np.ndarray, end: float) -> float:
    """1 - Kaplan-Meier survival at ``end``, percent."""
    s = 1.0
    for t in np.unique(time[(event == 1) & (time <= end)]):
        at_risk = np.sum(time >= t)
        d = np.sum((time == t) & (event == 1))
        s *= 1.0 - d / at_risk
    return 100.0 * (1.0 - s)


# ---------------------------------------------------------------- the study
class Study:
    def __init__(self, folder: Path):
        self.folder = folder
        self.stats = read_table(folder / "statistics.csv").fillna({"outcome": "", "term": "",
                                                                   "level": ""})
        self.patients = read_table(folder / "derived" / "patients.csv")
        self.A = self.patients[is_true(self.patients, "in_analysis_set")]
        scb = folder / "derived" / "scb_patients.csv"
        self.scb = read_table(scb) if scb.exists() else None
        self.r = R()
        self._labs = None
        self.near: dict = {}

    @property
    def labs(self) -> pd.DataFrame:
        if self._labs is None:
            self._labs = pd.read_parquet(self.folder / "cohort" / "labs.parquet")
        return self._labs

    def group(self, name: str) -> pd.DataFrame:
        return self.A[(self.A["crs_group"] == name).to_numpy(bool)]


# ---------------------------------------------------------------- families
def refit_table1(st: Study, row) -> dict:
    df = st.A
    if row.statistic in ("median", "min", "max"):
        return describe(num(df, row.term), row.statistic)
    if row.term == "crs_max_grade":
        g = num(df, row.term)
        known = g.notna().to_numpy(bool)
        mask = {"none": g == 0, "1": g == 1, "2": g == 2, "3-4": g >= 3}[row.level].to_numpy(bool)
    elif row.level == "true":
        f = flag(df, row.term)
        known, mask = f.notna().to_numpy(bool), (f == True).to_numpy(bool)  # noqa: E712
    else:
        s = df[row.term].astype("string").str.strip()
        known, mask = s.notna().to_numpy(bool), (s == row.level).fillna(False).to_numpy(bool)
    return count_row(mask, known, row.statistic)


def phase_flags(st: Study, lin: str, phase: str) -> np.ndarray:
    return is_true(st.A, f"{lin}_{phase.lower()}")


def refit_incidence(st: Study, row) -> dict:
    a, lin = row.analysis, row.outcome
    n = len(st.A)
    if a == "incidence_phase":
        return count_row(phase_flags(st, lin, row.level), np.ones(n, bool), row.statistic)
    if a == "incidence_phase_test" and row.statistic.startswith("mcnemar"):
        return refit_mcnemar(st, row)
    if a == "incidence_phase_test":
        ph1, ph2 = row.level.split(" vs ")
        c1, c2 = phase_flags(st, lin, ph1).sum(), phase_flags(st, lin, ph2).sum()
        res = chi2([[c1, n - c1], [c2, n - c2]], row.method)
        return {**res, "n": float(n)}
    if a == "incidence_baseline":
        return count_row(is_true(st.A, f"{lin}_baseline"), np.ones(n, bool), row.statistic)
    risk = is_true(st.A, f"{lin}_at_risk")
    new = is_true(st.A, f"{lin}_new_onset") & risk
    if row.statistic == "n_at_risk":
        return out(n, risk.sum())
    return count_row(new, risk, row.statistic)


def refit_mcnemar(st: Study, row) -> dict:
    lin = row.outcome
    ph1, ph2 = row.level.split(" vs ")
    a, b = phase_flags(st, lin, ph1), phase_flags(st, lin, ph2)
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    n = len(st.A)
    key = f"mcnemar_{row.Index}"
    if only_a + only_b == 0:
        return out(n)
    if row.statistic == "mcnemar_exact":
        st.r.add(key, f"b <- binom.test({only_a}, {only_a + only_b}, 0.5); out(KEY, {only_a}, b$p.value)")
    else:
        correct = "FALSE" if "no continuity correction" in row.method else "TRUE"
        st.r.add(key, f"m <- mcnemar.test(matrix(c({int((a & b).sum())}, {only_b}, {only_a}, "
                      f"{int((~a & ~b).sum())}), 2), correct = {correct}); "
                      "out(KEY, m$statistic, m$p.value)")
    return {"r": key, "n": float(n), "p_adjust": row.method}


def refit_cumulative(st: Study, row) -> dict:
    end = float(row.level.removeprefix("day"))
    df = st.A
    if row.outcome == "crs":
        event = (num(df, "crs_max_grade").fillna(0) >= 1).to_numpy(bool)
        onset = num(df, "crs_onset_day").to_numpy(float)
        event &= np.isfinite(onset) & (onset <= end)
        time = np.where(event, onset, end)
    else:
        lin = row.outcome
        sub = df[is_true(df, f"{lin}_at_risk")]
        onset = num(sub, f"{lin}_onset_day").to_numpy(float)
        event = is_true(sub, f"{lin}_new_onset") & np.isfinite(onset) & (onset <= end)
        last = num(sub, f"{lin}_last_t3_day").to_numpy(float)
        censor = np.where(np.isfinite(onset) & (onset > end), end, np.minimum(last, end))
        time = np.where(event, onset, censor)
    time = np.maximum(time, 0.0)
    keep = np.isfinite(time)
    return out(keep.sum(), km_incidence(time[keep], event[keep].astype(int), end))


def timing_population(st: Study, lin: str, analysis: str) -> pd.DataFrame:
    df = st.A
    base = is_true(df, f"{lin}_baseline") & num(df, f"{lin}_onset_day").notna().to_numpy(bool)
    new = is_true(df, f"{lin}_new_onset") & ~is_true(df, f"{lin}_baseline")
    return df[{"timing_all": base | new, "timing_new_onset": new, "timing_baseline": base}[analysis]]


def refit_timing(st: Study, row) -> dict:
    lin = row.outcome[:2]
    if row.analysis == "timing_baseline_vs_new":
        x = num(timing_population(st, lin, "timing_baseline"), row.outcome)
        y = num(timing_population(st, lin, "timing_new_onset"), row.outcome)
        return {"r": wilcox(st.r, f"t_{row.Index}", x, y, row.method)}
    return describe(num(timing_population(st, lin, row.analysis), row.outcome), row.statistic)


def univariate_groups(st: Study, row) -> dict[str, pd.DataFrame]:
    lin = row.analysis.removeprefix("univariate_")
    df = st.A[is_true(st.A, f"{lin}_at_risk")]
    new = is_true(df, f"{lin}_new_onset")
    return {"new_onset": df[new], "no_severe": df[~new]}


def categories(s: pd.Series) -> pd.Series:
    if set(s.dropna().unique()) <= {"true", "false", True, False}:
        return s.map({True: "true", False: "false", "true": "true", "false": "false"})
    return s.astype("string").str.strip().astype(object).where(s.notna())


def refit_univariate(st: Study, row) -> dict:
    if row.statistic in P_ADJUST:   # refit after the family's tests (refit_adjusted)
        return {"adjust": P_ADJUST[row.statistic]}
    grp = univariate_groups(st, row)
    if row.statistic == "U":
        return {"r": wilcox(st.r, f"u_{row.Index}", num(grp["new_onset"], row.term),
                            num(grp["no_severe"], row.term), row.method)}
    if row.statistic == "chi2":
        cats = {g: categories(d[row.term]) for g, d in grp.items()}
        seen = sorted(set(pd.concat(list(cats.values())).dropna()))
        table = [[int((c == v).sum()) for v in seen] for c in cats.values()]
        return chi2(table, row.method)
    g, _, cat = row.level.partition(":")
    if cat:
        c = categories(grp[g][row.term])
        return count_row((c == cat).to_numpy(bool), c.notna().to_numpy(bool), row.statistic)
    return describe(num(grp[g], row.term), row.statistic)


P_ADJUST = {"p_holm": "holm", "p_bh": "BH"}
FAMILY_TESTS = ("U", "chi2")


def r_vector(x) -> str:
    return "c(" + ", ".join("NA" if np.isnan(v) else repr(float(v)) for v in np.asarray(x, float)) + ")"


def refit_adjusted(st: Study, rows: list, adjust: dict[int, dict]) -> None:
    """A Holm / BH row: R ``p.adjust`` over the refit p of every test (U and chi2 rows) of the
    row's table, the family its method names; ``n`` is the refit n of the term's test. The
    family size k the method states must be the number of refit p that are not missing."""
    r, keys = R(), {}
    for i, res in adjust.items():
        row = st.stats.loc[i]
        family = st.stats.index[(st.stats["analysis"] == row["analysis"])
                                & st.stats["statistic"].isin(FAMILY_TESTS)].tolist()
        raw = np.array([rows[j]["p_value"] for j in family])
        stated = re.search(r"over a family of k = (\d+) p-values", row["method"])
        if stated is None or int(stated.group(1)) != np.isfinite(raw).sum():
            raise AssertionError(f"row {i}: the method's k is not the {np.isfinite(raw).sum()} "
                                 f"refit tests of {row['analysis']}: {row['method']}")
        test = [j for j in family if st.stats.loc[j, "term"] == row["term"]]
        assert len(test) == 1, (row["analysis"], row["term"])
        key = f"adj_{row['analysis']}_{res['adjust']}"   # one p.adjust call per table and method
        if key not in {k for k, _, _ in keys.values()}:
            r.add(key, f"out(KEY, p.adjust({r_vector(raw)}, method = '{res['adjust']}'))")
        keys[i] = (key, family.index(test[0]), rows[test[0]]["n"])
    r.run()
    for i, (key, pos, n) in keys.items():
        rows[i] = out(n, p_value=r.get(key)[pos], engine="R")


def refit_crs(st: Study, row) -> dict:
    a = row.analysis
    if a == "crs_vs_cytopenia_timing":
        crs = st.A[(num(st.A, "crs_max_grade") >= 1).to_numpy(bool)]
        if row.statistic == "U":
            lin = row.outcome[:2]
            new = st.A[is_true(st.A, f"{lin}_new_onset")]
            return {"r": wilcox(st.r, f"c_{row.Index}", num(new, row.outcome), num(crs, row.term),
                                row.method)}
        if row.level == "crs":
            return describe(num(crs, row.outcome), row.statistic)
        new = st.A[is_true(st.A, f"{row.level}_new_onset")]
        return describe(num(new, row.outcome), row.statistic)
    if a == "incidence_by_crs":
        if row.statistic == "chi2":
            table = []
            for g in CRS_GROUPS:
                f = flag(st.group(g), row.outcome)
                table.append([int((f == True).sum()), int((f == False).sum())])  # noqa: E712
            return chi2(np.asarray(table).T, row.method)
        f = flag(st.group(row.level), row.outcome)
        return count_row((f == True).to_numpy(bool), f.notna().to_numpy(bool), row.statistic)  # noqa: E712
    if a == "crs_treatment":
        f = flag(st.group(row.level), row.term)
        return count_row((f == True).to_numpy(bool), f.notna().to_numpy(bool), row.statistic)  # noqa: E712
    if a == "kruskal_crs_group":
        if row.statistic == "H":
            return kruskal([num(st.group(g), row.outcome).dropna().to_numpy(float) for g in CRS_GROUPS])
        return median_ci(num(st.group(row.level), row.outcome).to_numpy(float))
    if a == "kinetics_by_crs":
        return refit_kinetics(st, row)
    raise KeyError(a)


def value_near(st: Study, test: str, day: int) -> pd.Series:
    """Per patient: the day's lowest value of ``test`` at ``day``, else day-1, else day+1."""
    key = (test, day)
    if key in st.near:
        return st.near[key]
    labs = st.labs
    sub = labs[(labs["test"] == test) & labs["value"].notna()]
    out_ = pd.Series(np.nan, index=pd.Index(st.A["patient_id"].astype(str)))
    for off in (0, -1, 1):
        d = sub[sub["day"] == day + off].groupby(sub["patient_id"].astype(str))["value"].min()
        out_ = out_.fillna(d.reindex(out_.index))
    st.near[key] = out_
    return out_


def refit_kinetics(st: Study, row) -> dict:
    day_part, _, g = row.level.partition(":")
    values = value_near(st, row.outcome, int(day_part.removeprefix("day")))
    group = pd.Series(st.A["crs_group"].to_numpy(object), index=values.index)
    if row.statistic == "H":
        return kruskal([values[(group == x).to_numpy(bool)].dropna().to_numpy(float) for x in CRS_GROUPS])
    v = values[(group == g).to_numpy(bool)].dropna().to_numpy(float)
    if row.statistic == "mean":
        return out(v.size, v.mean() if v.size else np.nan)
    return out(v.size, v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else np.nan)


def refit_spearman(st: Study, row) -> dict:
    return spearman(num(st.A, row.term), num(st.A, row.outcome), row.method)


def refit_cox(st: Study, row) -> dict:
    lin = row.outcome[:2]
    terms = st.stats.loc[(st.stats["analysis"] == row.analysis) & (st.stats["outcome"] == row.outcome),
                         "term"].tolist()
    df = st.A[is_true(st.A, f"{lin}_new_onset")]
    data = pd.DataFrame({"time": num(df, row.outcome), "event": flag(df, f"{lin}_recovered").astype(float)})
    for t in terms:
        data[t] = flag(df, t).astype(float) if t == "toci_or_steroid" else num(df, t)
    data = data.dropna()
    key = f"cox_{row.outcome}"
    if key not in st.r.lines[-1] and not any(f"'{key}'" in line for line in st.r.lines):
        cols = "; ".join(f"{c} = {R.vec(data[c])}" for c in data.columns)
        st.r.add(key, f"d <- data.frame({cols.replace('; ', ', ')}); "
                      f"f <- coxph(Surv(time, event) ~ {' + '.join(terms)}, data = d, ties = 'breslow'); "
                      "s <- summary(f); for (i in seq_along(coef(f))) "
                      f"out(paste0(KEY, '.', names(coef(f))[i]), s$conf.int[i, 1], s$conf.int[i, 3], "
                      f"s$conf.int[i, 4], s$coefficients[i, 5], {len(data)})")
    return {"r": f"{key}.{row.term}", "model": "cox"}


def refit_logistic(st: Study, row) -> dict:
    terms = st.stats.loc[st.stats["analysis"] == row.analysis, "term"].tolist()
    data = pd.DataFrame({"y": flag(st.A, row.outcome).astype(float),
                         **{t: num(st.A, t) for t in terms}}).dropna()
    key = "logit"
    if not any(f"'{key}'" in line for line in st.r.lines):
        cols = ", ".join(f"{c} = {R.vec(data[c])}" for c in data.columns)
        # converged tightly: glm's default epsilon (1e-8 on the deviance) stops about 1e-4 short
        # of the maximum in the Wald p and CI here; the row's fit is the converged one
        st.r.add(key, f"d <- data.frame({cols}); f <- glm(y ~ {' + '.join(terms)}, family = binomial, "
                      "data = d, control = glm.control(epsilon = 1e-14, maxit = 100)); "
                      "s <- summary(f)$coefficients; ci <- exp(confint.default(f)); "
                      "for (t in rownames(s)[-1]) out(paste0(KEY, '.', t), exp(s[t, 1]), ci[t, 1], "
                      f"ci[t, 2], s[t, 4], {len(data)})")
    return {"r": f"{key}.{row.term}", "model": "logistic"}


def refit_supportive(st: Study, row) -> dict:
    a = row.analysis
    if a == "supportive":
        f = flag(st.A, row.term)
        return count_row((f == True).to_numpy(bool), f.notna().to_numpy(bool), row.statistic)  # noqa: E712
    if a == "spearman_costs":
        return refit_spearman(st, row)
    if a == "pht_outcomes":
        pht, y = flag(st.A, "pht"), flag(st.A, row.term)
        ok = (pht.notna() & y.notna()).to_numpy(bool)
        p, yy = (pht[ok] == True).to_numpy(bool), (y[ok] == True).to_numpy(bool)  # noqa: E712
        if row.statistic == "chi2":
            return chi2([[np.sum(p & yy), np.sum(p & ~yy)], [np.sum(~p & yy), np.sum(~p & ~yy)]],
                        row.method)
        grp = p if row.level == "pht" else ~p
        return count_row(yy & grp, grp, row.statistic)
    if a == "supportive_daily":
        tr = pd.read_parquet(st.folder / "cohort" / "treatments.parquet")
        names = {"toci_or_steroid": ("tocilizumab", "corticosteroid")}.get(row.term, (row.term,))
        ids = set(st.A["patient_id"].astype(str))
        m = tr["treatment"].isin(names) & tr["patient_id"].astype(str).isin(ids) & tr["day"].between(0, 30)
        count = tr[m].drop_duplicates(["patient_id", "day"]).groupby("day").size()
        count = count.reindex(range(0, 31), fill_value=0)
        return out(len(st.A), int(count.idxmax()))
    raise KeyError(a)


def refit_hematotox(st: Study, row) -> dict:
    a, df = row.analysis, st.A
    if a == "hematotox_grades":
        g = num(df, row.outcome)
        if row.level == "not_gradable":
            return count_row(g.isna().to_numpy(bool), np.ones(len(df), bool), row.statistic)
        return count_row((g == float(row.level)).to_numpy(bool), g.notna().to_numpy(bool), row.statistic)
    if a == "hematotox_score":
        if row.outcome == "hematotox_high":
            f = flag(df, "hematotox_high")
            return count_row((f == True).to_numpy(bool), f.notna().to_numpy(bool), row.statistic)  # noqa: E712
        s = num(df, "hematotox_score")
        return count_row((s == float(row.level)).to_numpy(bool), s.notna().to_numpy(bool), row.statistic)
    high, g = flag(df, "hematotox_high"), num(df, "icaht_early_grade")
    if a == "hematotox_grade_by_risk":
        risk, grade = row.level.split(":")
        grp = (high == (risk == "high")).to_numpy(bool) & high.notna().to_numpy(bool) & g.notna().to_numpy(bool)
        return count_row((g == float(grade)).to_numpy(bool), grp, row.statistic)
    if a == "hematotox_days_anc":
        d = num(df, row.outcome)
        grp = {k: d[(high == (k == "high")).to_numpy(bool) & high.notna().to_numpy(bool)] for k in ("high", "low")}
        if row.statistic == "U":
            return {"r": wilcox(st.r, f"h_{row.Index}", grp["high"], grp["low"], row.method)}
        return describe(grp[row.level], row.statistic)
    if a == "hematotox_phenotype":
        s = df[row.outcome].astype("string")
        if row.level == "not_classified":   # n = the analysis set
            return count_row(s.isna().to_numpy(bool), np.ones(len(df), bool), row.statistic)
        return count_row((s == row.level).fillna(False).to_numpy(bool), s.notna().to_numpy(bool), row.statistic)
    severe_at = float(re.search(r"icaht_early_grade >= (\d+)", row.method).group(1))
    ok = (high.notna() & g.notna()).to_numpy(bool)
    h, sev = (high[ok] == True).to_numpy(bool), (g[ok] >= severe_at).to_numpy(bool)  # noqa: E712
    if a == "hematotox_severe_icaht":
        table = np.array([[np.sum(h & sev), np.sum(h & ~sev)], [np.sum(~h & sev), np.sum(~h & ~sev)]])
        if row.statistic == "count":
            r, c = row.level.split(":")
            return out(ok.sum(), table[0 if r == "high" else 1, 0 if c == "severe" else 1])
        res = sps.fisher_exact(table)
        return out(table.sum(), res.statistic, res.pvalue)
    if a == "hematotox_roc":
        score = num(df, row.term)[ok].to_numpy(float)
        key = st.r.add(f"roc_{row.Index}", f"r <- roc(controls = {R.vec(score[~sev])}, cases = {R.vec(score[sev])}, "
                                           "direction = '<', quiet = TRUE); ci <- ci.auc(r, method = 'delong'); "
                                           f"out(KEY, auc(r), max(0, ci[1]), min(1, ci[3]), {ok.sum()})")
        return {"r": key, "model": "roc"}
    raise KeyError(a)


def evaluable(st: Study) -> np.ndarray:
    day = float(re.search(r"beyond day (\d+)", st.stats.loc[
        (st.stats["analysis"] == "prior_sct") & (st.stats["outcome"] == "evaluable"), "method"].iloc[0]).group(1))
    p = st.patients
    return ~((num(p, "death_day") <= day) | (num(p, "relapse_day") <= day)).to_numpy(bool)


def refit_prior_sct(st: Study, row) -> dict:
    p, ev = st.patients, evaluable(st)
    if row.outcome == "evaluable":
        return out(len(p), ev.sum())
    if row.outcome == "not_evaluable":
        day = float(re.search(r"day (\d+)", row.method).group(1))
        death = (num(p, "death_day") <= day).to_numpy(bool)
        hit = death if row.level == "death" else ~death & (num(p, "relapse_day") <= day).to_numpy(bool)
        return out(len(p), hit.sum())
    sct, pers = flag(p, "prior_hsct"), flag(p, "persistent_cytopenia")
    use = ev & sct.notna().to_numpy(bool) & pers.notna().to_numpy(bool)
    s, y = (sct == True).to_numpy(bool), (pers == True).to_numpy(bool)  # noqa: E712
    if row.level in ("true", "false"):
        grp = use & (s == (row.level == "true"))
        if row.outcome == "":
            return out(use.sum(), grp.sum())
        return count_row(y & grp, grp, row.statistic)
    if row.level == "all":
        return count_row(y & use, use, row.statistic)
    table = [[np.sum(use & s & y), np.sum(use & s & ~y)], [np.sum(use & ~s & y), np.sum(use & ~s & ~y)]]
    if row.statistic == "odds_ratio":
        res = sps.fisher_exact(table)
        return out(np.sum(table), res.statistic, res.pvalue)
    t = np.asarray(table, float)
    res = sps.chi2_contingency(t, correction=row.statistic == "chi2_yates")
    return out(t.sum(), res.statistic, res.pvalue)


def refit_scb(st: Study, row) -> dict:
    scb = st.scb
    if row.outcome == "scb_given":
        p, ev = st.patients, evaluable(st)
        eligible = ev & is_true(p, "prior_hsct") & is_true(p, "persistent_cytopenia")
        return count_row(num(p, "scb_day").notna().to_numpy(bool) & eligible, eligible, row.statistic)
    if row.analysis == "scb_recovery":
        sub = scb[(scb["response"] == "responder").to_numpy(bool)]
        return describe(num(sub, row.outcome), row.statistic)
    if row.statistic in ("median", "min", "max"):
        return describe(num(scb, row.outcome), row.statistic)
    m = re.fullmatch(r"(crs|icans)_after_scb", row.outcome)
    if m:   # "<CRS|ICANS> grade >= 1 on a day after the SCB"
        g = num(scb, f"{m.group(1)}_max_grade_after_scb")
        return count_row((g >= 1).to_numpy(bool), np.ones(len(scb), bool), row.statistic)
    s = scb[row.outcome]
    known = s.notna().to_numpy(bool)
    m = re.fullmatch(r"(<|>=)(\d+(?:\.\d+)?)", row.level)
    if m:
        x = pd.to_numeric(s, errors="raise").astype(float)
        mask = (x < float(m.group(2))) if m.group(1) == "<" else (x >= float(m.group(2)))
    elif row.level in ("true", "false"):
        mask = flag(scb, row.outcome) == (row.level == "true")
    else:
        mask = s.astype(str).str.replace(r"\.0$", "", regex=True) == row.level
    return count_row(mask.to_numpy(bool) & known, known, row.statistic)


def _daily_counts(st: Study, row, day: int) -> tuple[int, int]:
    """(below, with a value) on ``day`` for the outcome of ``row``: the value nearest the day
    (d, else d-1, else d+1; a day's lowest), the population and threshold from the method."""
    test = re.search(r"\b(anc|hb|plt)\b", row.method).group(1)
    pop = st.A
    if row.outcome.endswith("_new_onset"):
        pop = pop[is_true(pop, f"{row.outcome[:2]}_at_risk")]
    v = value_near(st, test, day).reindex(pop["patient_id"].astype(str))
    if "hb_male" in row.method:
        male, female = (float(x) for x in re.search(r"hb_male ([\d.]+).*hb_female ([\d.]+)", row.method).groups())
        cut = pop["sex"].map({"M": male, "F": female}).astype(float).to_numpy()
    else:
        cut = np.full(len(pop), float(re.search(r"value < ([\d.]+)", row.method).group(1)))
    known = np.isfinite(cut) & v.notna().to_numpy(bool)
    return int((v.to_numpy(float) < cut)[known].sum()), int(known.sum())


def refit_daily_incidence(st: Study, row) -> dict:
    """Supplementary Figure 1: patients below the threshold among those with a value that day."""
    if row.statistic == "peak_day":
        days = [int(x.removeprefix("day")) for x in st.stats.loc[
            (st.stats["analysis"] == row.analysis) & (st.stats["outcome"] == row.outcome)
            & (st.stats["statistic"] == "percent"), "level"]]
        counts = {d: _daily_counts(st, row, d) for d in days}
        pct = {d: 100.0 * c / n for d, (c, n) in counts.items() if n}
        best = max(pct.values())
        peak = min(d for d, v in pct.items() if v == best)
        return out(counts[peak][1], peak)
    below, n = _daily_counts(st, row, int(row.level.removeprefix("day")))
    return count_row(np.arange(n) < below, np.ones(n, bool), row.statistic)


# ---------------------------------------------------------------- model checks (model_checks family)
def json_config(st: Study) -> dict:
    """The run's resolved design as provenance.json recorded it."""
    import json

    return json.loads((st.folder / "provenance.json").read_text())["config"]


def settings(st: Study, family: str) -> dict:
    """The run's resolved design block of ``family``: thresholds (ph_alpha) that no statistics
    row carries; the refit then re-decides each warning itself."""
    return json_config(st)[family]


def model_column(df: pd.DataFrame, col: str) -> pd.Series:
    """A covariate as float: a true/false column as 1/0, else numeric."""
    if set(df[col].dropna().unique()) <= {"true", "false", True, False}:
        return flag(df, col).astype(float)
    return num(df, col)


def model_terms(st: Study, analysis: str, outcome: str, statistic: str) -> list[str]:
    s = st.stats
    sel = (s["analysis"] == analysis) & (s["outcome"] == outcome) & (s["statistic"] == statistic)
    return [t for t in s.loc[sel, "term"] if t != "GLOBAL"]


def cox_check_data(st: Study, lin: str) -> tuple[pd.DataFrame, list[str]]:
    """The Figure 5 model's complete cases: the covariates are those of its cox_recovery rows."""
    terms = model_terms(st, "cox_recovery", f"{lin}_duration_days", "HR")
    df = st.A[is_true(st.A, f"{lin}_new_onset")]
    data = pd.DataFrame({"time": num(df, f"{lin}_duration_days"),
                         "event": flag(df, f"{lin}_recovered").astype(float),
                         **{t: model_column(df, t) for t in terms}})
    return data.dropna(), terms


def epv_threshold(st: Study, analysis: str, outcome: str) -> float:
    s = st.stats
    m = s.loc[(s["analysis"] == analysis) & (s["outcome"] == outcome) & (s["statistic"] == "EPV"), "method"]
    return float(re.search(r"threshold ([\d.]+)", m.iloc[0]).group(1))


def zph(st: Study, lin: str, method: str) -> str:
    """R: f <- coxph(Surv(time, event) ~ ..., ties = <method's>); cox.zph(f, transform = <method's>)$table."""
    key = f"zph_{lin}"
    if not any(f"'{key}'" in line for line in st.r.lines):
        data, terms = cox_check_data(st, lin)
        ties = re.search(r"(Breslow|Efron) ties", method).group(1).lower()
        transform = re.search(r"time transform '(\w+)'", method).group(1)
        cols = ", ".join(f"{c} = {R.vec(data[c])}" for c in data.columns)
        st.r.add(key, f"d <- data.frame({cols}); f <- coxph(Surv(time, event) ~ {' + '.join(terms)}, "
                      f"data = d, ties = '{ties}'); z <- cox.zph(f, transform = '{transform}'); "
                      "for (t in rownames(z$table)) out(paste0(KEY, '.', t), z$table[t, 'chisq'], "
                      f"z$table[t, 'p'], {len(data)})")
    return key


def cox_warnings(st: Study, lin: str) -> dict[str, float]:
    """{warning level: n} the Cox checks of ``lin`` must carry (EPV below threshold, PH p < alpha)."""
    data, terms = cox_check_data(st, lin)
    outcome = f"{lin}_duration_days"
    due = {}
    thr = epv_threshold(st, "cox_recovery_checks", outcome)
    if terms and data["event"].sum() / len(terms) < thr:
        due[f"EPV < {thr:g}"] = len(data)
    alpha = float(settings(st, "model_checks")["ph_alpha"])
    for t in [*terms, "GLOBAL"]:
        p = st.r.get(f"zph_{lin}.{t}")[1]
        if p < alpha:
            due[f"PH {t}"] = len(data)
    return due


def refit_cox_checks(st: Study, row) -> dict:
    lin = row.outcome[:2]
    data, terms = cox_check_data(st, lin)
    events = data["event"].sum()
    if row.statistic == "events":
        return out(len(data), events)
    if row.statistic == "EPV":
        return out(len(data), events / len(terms))
    if row.statistic == "chi2":
        return {"r": f"{zph(st, lin, row.method)}.{row.term}", "model": "zph"}
    if row.statistic == "warning":   # decided after R has run (the PH p): see _warning_rows
        return {"warning": ("cox", lin), "level": row.level}
    raise KeyError(row.statistic)


def logistic_check_data(st: Study) -> tuple[pd.DataFrame, list[str]]:
    """The PHT model's complete cases: covariates those of its logistic_pht rows."""
    terms = model_terms(st, "logistic_pht", "pht", "OR")
    data = pd.DataFrame({"y": flag(st.A, "pht").astype(float), **{t: num(st.A, t) for t in terms}})
    return data.dropna(), terms


def separation_code(st: Study) -> int:
    """0 none, 1 quasi-complete, 2 complete (Albert & Anderson 1984), as two scale-free LP
    feasibility problems in SciPy, A = (2y - 1) [1, x]: some b with A b >= 0 and sum(A b) >= 1
    (a direction that never misclassifies and separates someone: the MLE is infinite), and some
    b with A b >= 1 (every patient strictly separated: complete). (R detect_separation was moved
    out of brglm2 to detectseparation, not installed; the project solves a bounded
    maximisation on unit-range covariates instead.)"""
    data, terms = logistic_check_data(st)
    A = np.column_stack([np.ones(len(data)), data[terms].to_numpy(float)]) * (2 * data["y"].to_numpy() - 1)[:, None]
    free = [(None, None)] * A.shape[1]
    some = optimize.linprog(np.zeros(A.shape[1]), A_ub=np.vstack([-A, -A.sum(0)]),
                       b_ub=np.r_[np.zeros(len(A)), -1.0], bounds=free, method="highs")
    if some.status != 0:
        return 0
    every = optimize.linprog(np.zeros(A.shape[1]), A_ub=-A, b_ub=-np.ones(len(A)), bounds=free, method="highs")
    return 2 if every.status == 0 else 1


def refit_logistic_checks(st: Study, row) -> dict:
    data, terms = logistic_check_data(st)
    n, events = len(data), data["y"].sum()
    if row.statistic == "events":
        return out(n, events)
    if row.statistic == "non_events":
        return out(n, n - events)
    if row.statistic == "EPV":
        return out(n, min(events, n - events) / len(terms))
    if row.statistic == "separation":
        return out(n, separation_code(st))
    if row.statistic == "warning":
        thr = epv_threshold(st, "logistic_pht_checks", "pht")
        due = {f"EPV < {thr:g}": min(events, n - events) / len(terms) < thr,
               "separation": separation_code(st) > 0}
        return out(n, 1.0 if due.get(row.level) else np.nan)
    raise KeyError(row.statistic)


# Firth (Jeffreys-prior) logistic regression. Estimates: brglm2 (type 'AS_mean' is Firth's
# correction for a canonical link). Penalised likelihood-ratio p and profile 95% CI (logistf's
# definitions; logistf is not installed): the penalised log-likelihood l(b) + log|X'WX| / 2 is
# maximised in R with b_j held fixed, by Newton steps on the modified score with step halving,
# and the CI limits solved by uniroot (tol 1e-12) where 2 (l*max - l*profile) = qchisq(0.95, 1).
FIRTH_R = r"""
pll <- function(b, X, y) { eta <- drop(X %*% b); p <- plogis(eta)
  sum(y * eta - log1p(exp(eta))) + 0.5 * as.numeric(determinant(crossprod(X, X * (p * (1 - p))))$modulus) }
pfit <- function(X, y, b, free) { ll <- pll(b, X, y)
  for (it in 1:500) { eta <- drop(X %*% b); p <- plogis(eta); w <- p * (1 - p)
    I <- crossprod(X, X * w); h <- rowSums((X %*% solve(I)) * X) * w
    U <- drop(crossprod(X, y - p + h * (0.5 - p)))
    st <- rep(0, length(b)); st[free] <- solve(I[free, free, drop = FALSE], U[free])
    st <- st * min(1, 5 / max(abs(st), 1e-300))
    for (k in 1:40) { ln <- pll(b + st, X, y); if (ln >= ll - 1e-12) break; st <- st / 2 }
    b <- b + st; ll <- ln
    if (max(abs(U[free])) < 1e-11 && max(abs(st)) < 1e-10) break }
  list(b = b, ll = ll) }
firth <- function(key, d, terms) {
  X <- cbind(1, as.matrix(d[terms])); y <- d$y
  g <- glm(reformulate(terms, 'y'), family = binomial, data = d, method = 'brglmFit',
           type = 'AS_mean', control = list(epsilon = 1e-12, maxit = 500))
  full <- pfit(X, y, coef(g), rep(TRUE, ncol(X)))
  for (j in 2:ncol(X)) {
    prof <- function(v) { b0 <- full$b; b0[j] <- v; free <- rep(TRUE, ncol(X)); free[j] <- FALSE
      2 * (full$ll - pfit(X, y, b0, free)$ll) - qchisq(0.95, 1) }
    bj <- full$b[j]; step <- max(abs(bj), 1)
    lim <- sapply(c(-1, 1), function(side) { s <- step
      while (prof(bj + side * s) < 0) s <- 2 * s
      uniroot(prof, sort(c(bj, bj + side * s)), tol = 1e-12)$root })
    chi <- max(prof(0) + qchisq(0.95, 1), 0)
    out(paste0(key, '.', terms[j - 1]), exp(coef(g)[j]), exp(lim[1]), exp(lim[2]),
        pchisq(chi, 1, lower.tail = FALSE), nrow(d)) } }
"""


def refit_firth(st: Study, row) -> dict:
    key = "firth"
    if not any(f"'{key}'" in line for line in st.r.lines):
        data, terms = logistic_check_data(st)
        cols = ", ".join(f"{c} = {R.vec(data[c])}" for c in data.columns)
        st.r.lines.insert(0, "suppressMessages(library(brglm2))")
        st.r.add(key, FIRTH_R + f"firth(KEY, data.frame({cols}), c({', '.join(repr(t) for t in terms)}))")
    return {"r": f"{key}.{row.term}", "model": "logistic"}


def due_warnings(results: Path, study: str) -> set[tuple[str, str, str]]:
    """(analysis, outcome, level) of every warning row the model checks must carry, decided
    from the derived table (EPV < threshold, cox.zph p < ph_alpha in R, separation), and
    ("logistic_pht_firth", "pht", "run") when the Firth rows are due (firth always, or auto
    with a logistic warning). Catches a warning that is missing, which a per-row refit cannot."""
    st = Study(Path(results) / study)
    s = st.stats
    due = set()
    chi = s[(s["analysis"] == "cox_recovery_checks") & (s["statistic"] == "chi2")]
    lineages = sorted({o[:2] for o in chi["outcome"]})
    for lin in lineages:
        zph(st, lin, chi.loc[chi["outcome"].str.startswith(lin), "method"].iloc[0])
    if lineages:
        st.r.run()
    for lin in lineages:
        due |= {("cox_recovery_checks", f"{lin}_duration_days", lv) for lv in cox_warnings(st, lin)}
    if (s["analysis"] == "logistic_pht_checks").any():
        data, terms = logistic_check_data(st)
        events = min(data["y"].sum(), len(data) - data["y"].sum())
        thr = epv_threshold(st, "logistic_pht_checks", "pht")
        logistic = {lv for lv, on in ((f"EPV < {thr:g}", events / len(terms) < thr),
                                      ("separation", separation_code(st) > 0)) if on}
        due |= {("logistic_pht_checks", "pht", lv) for lv in logistic}
        mode = settings(st, "model_checks")["firth"]
        if mode == "always" or (mode == "auto" and logistic):
            due.add(("logistic_pht_firth", "pht", "run"))
    return due

# ---------------------------------------------------------------- competing risks (sensitivity)
def cr_data(st: Study, lin: str, group_column: str = "crs_group") -> pd.DataFrame:
    """The Figure 5 population (new-onset L) with time, status (1 recovered, 2 died first, 0 censored)."""
    df = st.A[is_true(st.A, f"{lin}_new_onset")]
    return pd.DataFrame({"time": num(df, f"{lin}_duration_days"), "status": num(df, f"{lin}_recovery_status"),
                         "group": df[group_column].astype("string")})


# R: cmprsk::cuminc(time, status, cencode = 0) per group, timepoints(fit, day)$est / $var, CI
# est^exp(+-1.96 sqrt(var) / (est log est)); after the group's last time timepoints gives NA,
# and the row carries the last value forward when every patient at that last time had an event
# (its outcome final; the row's method says so).
CIF_R = r"""
cif <- function(key, t, s, days) {
  f <- cuminc(t, s, cencode = 0); tp <- timepoints(f, days); i <- which(rownames(tp$est) == '1 1')
  last <- max(t); final <- all(s[t == last] != 0); full <- timepoints(f, last)
  for (k in seq_along(days)) { e <- tp$est[i, k]; v <- tp$var[i, k]
    if (is.na(e) && final && days[k] > last) { e <- full$est[i, 1]; v <- full$var[i, 1] }
    lo <- NA; hi <- NA
    if (!is.na(e) && e > 0 && e < 1) { q <- qnorm(0.975) * sqrt(v) / (e * -log(e)); lo <- e^exp(q); hi <- e^exp(-q) }
    out(paste0(key, '.day', days[k]), e, lo, hi, length(t)) } }
"""


def refit_cr(st: Study, row) -> dict:
    lin = row.outcome[:2]
    opts = settings(st, "competing_risks")
    d = cr_data(st, lin, opts["group_column"]).dropna(subset=["time", "status"])
    if row.analysis == "cr_recovery_cif":
        group, _, day = row.level.rpartition(" ")
        sub = d if group == "all" else d[(d["group"] == group).fillna(False).to_numpy(bool)]
        key = f"cif_{lin}_{group}".replace(" ", "_")
        if not any(f"'{key}'" in line for line in st.r.lines):
            if "cif <- function" not in "\n".join(st.r.lines):
                st.r.lines.insert(0, "suppressMessages(library(cmprsk))")
                st.r.lines.append(CIF_R)
            days = f"c({', '.join(str(int(x)) for x in opts['report_days'])})"
            st.r.add(key, f"cif(KEY, {R.vec(sub['time'])}, {R.vec(sub['status'])}, {days})")
        return {"r": f"{key}.{day}", "model": "estimate_ci"}
    if row.analysis == "cr_recovery_gray":   # R: cuminc(time, status, group)$Tests['1', ]
        g = d.dropna(subset=["group"])
        groups = "c(" + ", ".join(repr(str(x)) for x in g["group"]) + ")"
        if "library(cmprsk)" not in st.r.lines[0]:
            st.r.lines.insert(0, "suppressMessages(library(cmprsk))")
        key = st.r.add(f"gray_{lin}", f"f <- cuminc({R.vec(g['time'])}, {R.vec(g['status'])}, {groups}, "
                                      f"cencode = 0); out(KEY, f$Tests['1', 'stat'], f$Tests['1', 'pv'], {len(g)})")
        return {"r": key}
    data, terms = cox_check_data(st, lin)
    data = data.join(num(st.A, f"{lin}_recovery_status").rename("status")).dropna()
    if row.analysis == "cr_recovery_cause_specific" and row.statistic == "count":
        paper = flag(st.A[is_true(st.A, f"{lin}_new_onset")], f"{lin}_recovered")
        both = d["status"].notna() & paper.notna()
        return out(len(d), ((d["status"] == 1) != (paper == True))[both].sum())  # noqa: E712
    cols = ", ".join(f"{c} = {R.vec(data[c])}" for c in data.columns)
    if row.analysis == "cr_recovery_fine_gray":
        # R: crr(time, status, cov1, failcode = 1, cencode = 0, gtol = 1e-12): the row converges to
        # a score of 1e-10, crr's default gtol 1e-6 stops ~1e-5 short (relative) in the estimate
        key = f"crr_{lin}"
        if not any(f"'{key}'" in line for line in st.r.lines):
            if "library(cmprsk)" not in st.r.lines[0]:
                st.r.lines.insert(0, "suppressMessages(library(cmprsk))")
            st.r.add(key, f"d <- data.frame({cols}); f <- crr(d$time, d$status, as.matrix(d[c("
                          f"{', '.join(repr(t) for t in terms)})]), failcode = 1, cencode = 0, gtol = 1e-12, "
                          "maxiter = 100); b <- f$coef; se <- sqrt(diag(f$var)); z <- qnorm(0.975); "
                          "for (i in seq_along(b)) out(paste0(KEY, '.', names(b)[i]), exp(b[i]), "
                          "exp(b[i] - z * se[i]), exp(b[i] + z * se[i]), 2 * pnorm(-abs(b[i] / se[i])), f$n)")
        return {"r": f"{key}.{row.term}", "model": "cox"}
    # csHR: R coxph(Surv(time, status == 1) ~ covariates, ties as the Figure 5 model)
    ties = re.search(r"(Breslow|Efron) ties", row.method).group(1).lower()
    key = f"cs_{lin}"
    if not any(f"'{key}'" in line for line in st.r.lines):
        st.r.add(key, f"d <- data.frame({cols}); f <- coxph(Surv(time, status == 1) ~ {' + '.join(terms)}, "
                      f"data = d, ties = '{ties}'); s <- summary(f); for (i in seq_along(coef(f))) "
                      "out(paste0(KEY, '.', names(coef(f))[i]), s$conf.int[i, 1], s$conf.int[i, 3], "
                      f"s$conf.int[i, 4], s$coefficients[i, 5], {len(data)})")
    return {"r": f"{key}.{row.term}", "model": "cox"}


# ---------------------------------------------------------------- KM median and log-rank (descriptive)
# The CI scale the run's conventions call for (SAS PROC LIFETEST's log-log under spss, R survfit's
# log under r), and the words the row's method must use for it.
KM_CONF = {"spss": ("log-log", "log(-log S) scale"), "r": ("log", "log S scale")}


def refit_km(st: Study, row) -> dict:
    """Death before recovery censored: event = L_recovery_status 1, patients with a status."""
    lin = row.outcome[:2]
    group_column = settings(st, "competing_risks")["group_column"]
    conventions = json_config(st)["conventions"]
    d = cr_data(st, lin, group_column).dropna(subset=["time", "status"])
    d["event"] = (d["status"] == 1).astype(float)
    if row.analysis == "recovery_logrank":
        # R: sd <- survdiff(Surv(time, event) ~ group); pchisq(sd$chisq, k - 1, lower.tail = FALSE)
        g = d.dropna(subset=["group"])
        groups = "c(" + ", ".join(repr(str(x)) for x in g["group"]) + ")"
        key = st.r.add(f"logrank_{lin}", f"sd <- survdiff(Surv({R.vec(g['time'])}, {R.vec(g['event'])}) ~ "
                                         f"{groups}); out(KEY, sd$chisq, pchisq(sd$chisq, length(sd$n) - 1, "
                                         "lower.tail = FALSE), sum(sd$n))")
        return {"r": key}
    conf_type, words = KM_CONF[conventions]
    if words not in row.method:
        raise AssertionError(f"{row.analysis} {row.outcome} {row.level}: conventions {conventions} "
                             f"call for the {words}, the method says: {row.method}")
    # R: tab <- summary(survfit(Surv(time, event) ~ 1 [or ~ group], conf.type = ct))$table
    #    tab[c("median", "0.95LCL", "0.95UCL", "records")]  (as quantile(fit, 0.5))
    key = f"km_{lin}_{row.level}".replace(" ", "_")
    sub = d if row.level == "all" else d[(d["group"] == row.level).fillna(False).to_numpy(bool)]
    st.r.add(key, f"tab <- summary(survfit(Surv({R.vec(sub['time'])}, {R.vec(sub['event'])}) ~ 1, "
                  f"conf.type = '{conf_type}'))$table; "
                  "out(KEY, tab['median'], tab['0.95LCL'], tab['0.95UCL'], tab['records'])")
    return {"r": key, "model": "estimate_ci"}


FAMILIES = {
    "table1": refit_table1,
    **{a: refit_incidence for a in ("incidence_phase", "incidence_phase_test", "incidence_new_onset",
                                    "incidence_baseline")},
    "cumulative_incidence": refit_cumulative,
    "incidence_daily": refit_daily_incidence,
    **{a: refit_timing for a in ("timing_all", "timing_new_onset", "timing_baseline",
                                 "timing_baseline_vs_new")},
    **{f"univariate_{lin}": refit_univariate for lin in ("sn", "sa", "st")},
    **{a: refit_crs for a in ("crs_vs_cytopenia_timing", "incidence_by_crs", "crs_treatment",
                              "kruskal_crs_group", "kinetics_by_crs")},
    **{a: refit_spearman for a in ("spearman_nadir_markers", "spearman_recovery")},
    "cox_recovery": refit_cox,
    "logistic_pht": refit_logistic,
    **{a: refit_supportive for a in ("supportive", "supportive_daily", "spearman_costs", "pht_outcomes")},
    **{a: refit_hematotox for a in ("hematotox_grades", "hematotox_score", "hematotox_grade_by_risk",
                                    "hematotox_severe_icaht", "hematotox_roc", "hematotox_days_anc",
                                    "hematotox_phenotype")},
    "prior_sct": refit_prior_sct,
    **{a: refit_scb for a in ("scb_table1", "scb_recovery")},
    "cox_recovery_checks": refit_cox_checks,
    "logistic_pht_checks": refit_logistic_checks,
    "logistic_pht_firth": refit_firth,
    **{a: refit_cr for a in ("cr_recovery_cif", "cr_recovery_gray", "cr_recovery_fine_gray",
                             "cr_recovery_cause_specific")},
    **{a: refit_km for a in ("recovery_km_median", "recovery_logrank")},
}


def source(analysis: str) -> str:
    if analysis in ("kinetics_by_crs", "incidence_daily"):
        return "cohort/labs.parquet"
    if analysis == "supportive_daily":
        return "cohort/treatments.parquet"
    if analysis in ("scb_table1", "scb_recovery"):
        return "derived/scb_patients.csv (+ patients.csv)"
    return "derived/patients.csv"


def _from_r(st: Study, res: dict) -> dict:
    vals = st.r.get(res["r"])
    model = res.get("model")
    if model in ("cox", "logistic"):
        est, lo, hi, p, n = vals
        return out(n, est, p, lo, hi, engine="R")
    if model == "zph":
        stat, p, n = vals
        return out(n, stat, p, engine="R")
    if model in ("roc", "estimate_ci"):   # (estimate, ci_low, ci_high, n)
        est, lo, hi, n = vals
        return out(n, est, ci_low=lo, ci_high=hi, engine="R")
    if "p_adjust" in res:   # McNemar / binomial
        stat, p = vals
        m = re.search(r"Bonferroni-adjusted \(k=(\d+)\)", res["p_adjust"])
        if m:
            p = min(1.0, p * int(m.group(1)))
        return out(res["n"], stat, p, engine="R")
    stat, p, n = vals
    return out(n, stat, p, engine="R")


def refit(results: Path, study: str) -> pd.DataFrame:
    """One refit per row of ``results/<study>/statistics.csv`` (see the module docstring)."""
    st = Study(Path(results) / study)
    pending, adjust = {}, {}
    rows = []
    for row in st.stats.itertuples():
        res = FAMILIES[row.analysis](st, row)
        if "adjust" in res:
            adjust[row.Index] = res
            rows.append(None)
        elif "r" in res or "warning" in res:
            pending[row.Index] = res
            rows.append(None)
        else:
            rows.append({"engine": "scipy/numpy", **res})
    if pending:
        st.r.run()
        for i, res in pending.items():
            if "warning" in res:    # a warning row (no number): present iff its condition holds
                due = cox_warnings(st, res["warning"][1])
                rows[i] = out(due.get(res["level"], np.nan), 1.0 if res["level"] in due else np.nan,
                              engine="R")
            else:
                rows[i] = _from_r(st, res)
    if adjust:
        refit_adjusted(st, rows, adjust)
    frame = pd.DataFrame(rows)
    frame.insert(0, "source", st.stats["analysis"].map(source))
    return pd.concat([st.stats.reset_index(drop=True).add_prefix("row_"), frame], axis=1)
