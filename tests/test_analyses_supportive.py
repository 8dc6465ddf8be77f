"""cartcyto.analyses.supportive (Wang 2021 Figure 6, Supplementary Table 8) on hand-built tables.

Checks the any-use counts and their denominator, the daily counts (distinct analysis-set
patients per day, window inclusive, tocilizumab and corticosteroid merged), the cost
correlations' population, and the PHT x outcome chi-square against R ``chisq.test``.
"""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import supportive as sup
from cartcyto.derive.dtypes import typed
from cartcyto.figures.style import savefig
from cartcyto.figures.supportive import daily_bars
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import tests

N = 40


def derived() -> pd.DataFrame:
    """40 patients; P38 and P39 are outside the analysis set (typed as read_derived gives them).

    Among P00-P37: PHT for P00-P09 (10); hemorrhage for P00-P05 and P10-P14 (so the 2x2 table is
    [[6, 4], [5, 23]]); infection missing for P37; G-CSF for every third patient.
    """
    i = np.arange(N)
    b = lambda m: np.where(m, "true", "false")  # noqa: E731
    infection = b(i % 4 == 0).astype(object)
    infection[37] = ""
    return typed(pd.DataFrame({
        "patient_id": [f"P{k:02d}" for k in i],
        "in_analysis_set": ["true"] * 38 + ["false", "false"],
        "crs_group": np.array(["none", "mild", "severe"])[i % 3],
        "pht": b(i < 10),
        "hemorrhage": b((i < 6) | ((i >= 10) & (i < 15))),
        "infection": infection,
        "nrm": b(i % 7 == 0),
        "gcsf_any": b(i % 3 == 0), "prbc_any": b(i % 2 == 0), "platelets_any": b(i < 5),
        "toci_or_steroid": b(i >= 30),
        "sn_duration_days": np.where(i % 2 == 0, 2.0 + (i * 7) % 13, np.nan),
        "sa_duration_days": np.where(i < 20, 3.0 + (i * 5) % 11, np.nan),
        "st_duration_days": np.where(i >= 25, 1.0 + (i * 3) % 17, np.nan),
        "los_days": 20.0 + (i * 11) % 19,
        "cost_total": 1000.0 + (i * 13) % 29 * 50,
        "cost_gcsf": np.where(i == 4, np.nan, 100.0 + (i * 7) % 23 * 5),
    }))


def treatments() -> pd.DataFrame:
    rows = [
        ("P00", 5, "gcsf"), ("P00", 5, "gcsf"),            # same patient, same day: counted once
        ("P01", 5, "gcsf"), ("P02", 6, "GCSF "),           # case and blanks normalised
        ("P03", -1, "gcsf"), ("P04", 31, "gcsf"),          # outside days 0..30
        ("P38", 5, "gcsf"),                                # not in the analysis set
        ("P05", 0, "tocilizumab"), ("P05", 0, "corticosteroid"), ("P06", 30, "corticosteroid"),
        ("P07", 4, "prbc"), ("P08", 4, "prbc"), ("P09", 7, "platelets"),
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "treatment"]).assign(dose=1.0)


def test_any_use_counts_over_the_analysis_set():
    out = sup.any_use(derived())
    assert list(out.columns) == STAT_COLUMNS
    assert out["term"].tolist() == ["gcsf_any", "gcsf_any", "prbc_any", "prbc_any",
                                    "platelets_any", "platelets_any", "toci_or_steroid",
                                    "toci_or_steroid"]
    assert out["statistic"].tolist() == ["count", "percent"] * 4
    assert set(out["level"]) == {""} and set(out["analysis"]) == {"supportive"}
    assert (out["n"] == 38).all()
    # P00..P37: i % 3 == 0 -> 13; even -> 19; i < 5 -> 5; 30..37 -> 8
    assert out.loc[out["statistic"] == "count", "estimate"].tolist() == [13, 19, 5, 8]
    assert out.loc[0:1, "estimate"].tolist()[1] == pytest.approx(100 * 13 / 38)


def test_daily_use_distinct_patients_per_day():
    daily = sup.daily_use(treatments(), derived(), (0, 30))
    assert len(daily) == 4 * 31
    assert set(daily["n"]) == {38}
    g = daily[daily["treatment"] == "gcsf"].set_index("day")
    assert g.loc[5, "count"] == 2 and g.loc[6, "count"] == 1 and g["count"].sum() == 3
    assert g.loc[5, "percent"] == pytest.approx(100 * 2 / 38)
    assert g.loc[5, ["count_none", "count_mild", "count_severe"]].tolist() == [1, 1, 0]
    t = daily[daily["treatment"] == "toci_or_steroid"].set_index("day")
    assert t.loc[0, "count"] == 1 and t.loc[30, "count"] == 1 and t["count"].sum() == 2
    assert daily[daily["treatment"] == "prbc"].set_index("day").loc[4, "count"] == 2
    peaks = sup.peak_days(daily).set_index("term")
    assert peaks.loc["gcsf", "estimate"] == 5 and peaks.loc["toci_or_steroid", "estimate"] == 0
    assert set(peaks["statistic"]) == {"peak_day"}


def test_cost_correlations_rest_on_patients_with_the_episode():
    df = derived()
    out = sup.cost_correlations(df, convention="spss")
    assert set(out["analysis"]) == {"spearman_costs"}
    assert out["term"].unique().tolist() == ["los_days", "cost_total", "cost_gcsf"]
    row = out[(out["outcome"] == "sn_duration_days") & (out["term"] == "cost_gcsf")].iloc[0]
    inset = df.iloc[:38]
    sn = inset[inset["sn_duration_days"].notna() & inset["cost_gcsf"].notna()]
    assert row["n"] == len(sn) == 18                      # 19 even patients, P04 without cost
    direct = tests.spearman(sn["cost_gcsf"], sn["sn_duration_days"], convention="spss").iloc[0]
    assert row["estimate"] == pytest.approx(direct["estimate"], rel=1e-12)
    assert row["p_value"] == pytest.approx(direct["p_value"], rel=1e-12)
    st = out[(out["outcome"] == "st_duration_days") & (out["term"] == "los_days")].iloc[0]
    assert st["n"] == 13                                  # P25..P37
    assert "severe ST episode" in st["method"]


def test_pht_outcomes_against_r_chisq_test():
    """R 4.2.2: t <- matrix(c(6, 4, 5, 23), nrow = 2, byrow = TRUE)
    cat(chisq.test(t, correct = FALSE)[c("statistic", "p.value")], sep = ", ")
    cat(chisq.test(t)[c("statistic", "p.value")], sep = ", ")
    """
    spss = sup.pht_outcomes(derived(), convention="spss")
    assert list(spss.columns) == STAT_COLUMNS
    h = spss[spss["term"] == "hemorrhage"].set_index(["level", "statistic"])
    assert h.loc[("pht", "count"), "estimate"] == 6 and h.loc[("pht", "count"), "n"] == 10
    assert h.loc[("no_pht", "count"), "estimate"] == 5 and h.loc[("no_pht", "count"), "n"] == 28
    assert h.loc[("pht", "percent"), "estimate"] == pytest.approx(60.0)
    chi = h.loc[("", "chi2")]
    # R: chisq.test(t, correct = FALSE)
    assert chi["estimate"] == pytest.approx(6.362578163, rel=1e-8)
    assert chi["p_value"] == pytest.approx(0.01165520663, rel=1e-8)
    assert chi["n"] == 38 and chi["method"].startswith(tests.CHI2_PLAIN)
    r = sup.pht_outcomes(derived(), convention="r")
    chi_r = r[(r["term"] == "hemorrhage") & (r["statistic"] == "chi2")].iloc[0]
    # R: chisq.test(t)
    assert chi_r["estimate"] == pytest.approx(4.478571429, rel=1e-8)
    assert chi_r["p_value"] == pytest.approx(0.03432239866, rel=1e-8)
    assert chi_r["method"].startswith(tests.CHI2_YATES)
    # infection missing for P37: 37 patients in that table
    inf = spss[(spss["term"] == "infection") & (spss["statistic"] == "chi2")].iloc[0]
    assert inf["n"] == 37
    assert set(spss["outcome"]) == {""}


def test_formatted_tables():
    stats = sup.pht_outcomes(derived(), convention="spss")
    table = sup.format_pht_outcomes(stats)
    assert table.columns.tolist() == ["Outcome", "PHT (n=10)", "No PHT (n=28)", "P value"]
    assert table.iloc[0].tolist() == ["Hemorrhage", "6 (60%)", "5 (17.86%)", "0.012"]
    inf = table[table["Outcome"] == "Infection"].iloc[0]      # P37 has no infection value
    assert inf["No PHT (n=28)"] == "7/27 (25.93%)"              # P12, P16, ..., P36
    any_table = sup.format_any_use(sup.any_use(derived()))
    assert any_table.iloc[0].tolist() == ["G-CSF", "13 (34.21%)"]


def test_daily_figure_smoke(tmp_path):
    daily = sup.daily_use(treatments(), derived(), (0, 30))
    paths = savefig(daily_bars(daily, sup.TREATMENT_LABELS), tmp_path / "daily")
    assert all((tmp_path / p).stat().st_size > 1000 for p in paths)
