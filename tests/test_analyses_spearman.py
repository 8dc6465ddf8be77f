"""cartcyto.analyses.spearman (Wang 2021 Figures 3 and 4G) on small hand-built derived tables.

Each row must equal a direct call of cartcyto.stats.tests.spearman on exactly the patients the
analysis names (analysis set; new-onset patients of the lineage for Figure 4G), with that n.
"""
import numpy as np
import pandas as pd
import pytest

from cartcyto.analyses import columns
from cartcyto.analyses import spearman as sp
from cartcyto.derive.dtypes import DerivedColumnError, typed
from cartcyto.vocabulary import LABELS
from cartcyto.figures.correlation import heatmap, scatter_panels
from cartcyto.figures.style import savefig
from cartcyto.report.rows import STAT_COLUMNS
from cartcyto.stats import tests

N = 14


def raw() -> pd.DataFrame:
    """14 patients as written to derived/patients.csv (booleans as 'true'/'false' text).

    P12 and P13 are outside the analysis set (false / missing); lg_max_il6 is missing for P00;
    SN is new-onset for even patients only; no severe SA before infusion, ST not measured.
    """
    i = np.arange(N)
    df = pd.DataFrame({
        "patient_id": [f"P{k:02d}" for k in i],
        "in_analysis_set": ["true"] * 12 + ["false", ""],
        "sn_nadir_value": 0.05 * ((i * 7) % 11) + 0.01,
        "sa_nadir_value": 40.0 + (i * 5) % 13,
        "st_nadir_value": 3.0 + (i * 3) % 17,
        "lg_max_il6": np.r_[np.nan, 1.0 + 0.3 * ((i[1:] * 5) % 9)],
        "lg_max_ferritin": 2.0 + 0.1 * i,
        "lg_max_il10": 1.5 + 0.2 * ((i * 4) % 7),
        "sn_new_onset": np.where(i % 2 == 0, "true", "false"),
        "sa_new_onset": "true",
        "st_new_onset": "false",
        "sn_duration_days": 3.0 + (i * 5) % 8,
        "sa_duration_days": 4.0 + (i * 3) % 7,
        "st_duration_days": np.nan,
        "sn_duration_days_or_zero": 3.0 + (i * 5) % 8,
        "sa_duration_days_or_zero": 4.0 + (i * 3) % 7,
        "st_duration_days_or_zero": np.nan,
        "sn_recovery_day": np.where(i % 4 == 0, np.nan, 8.0 + i),
        "sa_recovery_day": 9.0 + (i * 2) % 5,
        "st_recovery_day": np.nan,
        "crs_onset_day": np.where(i % 3 == 0, np.nan, 1.0 + i % 4),
        "crs_peak_day": 2.0 + i % 5,
        "crs_recovery_day": 6.0 + (i * 7) % 9,
        "crs_duration_days": 5.0 + i % 6,
        "lg_ldh": 2.2 + 0.05 * ((i * 3) % 10),
        "sn_baseline": "false", "sa_baseline": "false", "st_baseline": "false",
        "sn_t3": "true", "sa_t3": "true", "st_t3": "",
    })
    return df


def derived() -> pd.DataFrame:
    """:func:`raw` typed as read_derived returns it."""
    return typed(raw())


def test_typed_flags_and_analysis_set():
    s = pd.Series(["true", "FALSE", "", None, True])
    assert typed(pd.DataFrame({"sn_pht": s}))["sn_pht"].tolist() == [True, False, pd.NA, pd.NA, True]
    with pytest.raises(DerivedColumnError, match="sn_pht.*'yes'"):
        typed(pd.DataFrame({"sn_pht": ["true", "yes"]}))
    df = derived()
    assert str(df["sn_new_onset"].dtype) == "boolean" and str(df["lg_ldh"].dtype) == "float64"
    assert columns.analysis_set(df)["patient_id"].tolist() == [f"P{k:02d}" for k in range(12)]
    with pytest.raises(DerivedColumnError, match="'in_analysis_set'"):
        columns.analysis_set(df.drop(columns="in_analysis_set"))
    with pytest.raises(DerivedColumnError, match="'in_analysis_set' .object, declared boolean"):
        columns.analysis_set(raw())      # text flags are refused, never read as all true


def test_as_floats_flags_as_one_zero_text_refused():
    df = typed(pd.DataFrame({"pht": ["true", "false", ""], "crs_peak_day": [3, None, 5],
                             "sex": ["M", "F", "M"]}))
    out = columns.as_floats(df, ["pht", "crs_peak_day"])
    assert out["pht"].tolist()[:2] == [1.0, 0.0] and np.isnan(out["pht"].iloc[2])
    assert out["crs_peak_day"].dtype == np.float64 and np.isnan(out["crs_peak_day"].iloc[1])
    with pytest.raises(DerivedColumnError, match="sex"):
        columns.as_floats(df, ["sex"])
    with pytest.raises(DerivedColumnError, match="'lg_ldh'"):
        columns.as_floats(df, ["lg_ldh"])


def test_nadir_markers_rows_equal_direct_spearman_on_analysis_set():
    df = derived()
    out = sp.nadir_markers(df, convention="spss")
    assert list(out.columns) == STAT_COLUMNS
    # marker order of MARKERS: il6, il10, ferritin; three lineages
    assert out["term"].tolist() == ["lg_max_il6", "lg_max_il10", "lg_max_ferritin"] * 3
    assert set(out["analysis"]) == {"spearman_nadir_markers"}
    assert set(out["statistic"]) == {"rho"}
    inset = df.iloc[:12]
    for r in out.itertuples():
        direct = tests.spearman(inset[r.term], inset[r.outcome], convention="spss").iloc[0]
        assert r.estimate == pytest.approx(direct["estimate"], rel=1e-12)
        assert r.p_value == pytest.approx(direct["p_value"], rel=1e-12)
        assert r.n == direct["n"]
        assert r.method.startswith(direct["method"])
    il6 = out[out["term"] == "lg_max_il6"]
    assert il6["n"].tolist() == [11.0] * 3          # P00 has no IL-6; P12, P13 not in the set
    assert out[out["term"] == "lg_max_ferritin"]["n"].tolist() == [12.0] * 3


def test_convention_r_uses_cor_test_rules():
    df = derived()
    spss = sp.nadir_markers(df, convention="spss")
    r = sp.nadir_markers(df, convention="r")
    # no ties in lg_max_ferritin nor sa_nadir_value: R's cor.test uses the exact distribution
    exact = r[(r["term"] == "lg_max_ferritin") & (r["outcome"] == "sa_nadir_value")].iloc[0]
    assert exact["method"].startswith(tests.SPEARMAN_EXACT)
    assert spss.loc[exact.name, "method"].startswith(tests.SPEARMAN_T)
    for a, b in zip(spss.itertuples(), r.itertuples()):
        assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
        direct = tests.spearman(df.iloc[:12][b.term], df.iloc[:12][b.outcome],
                                convention="r").iloc[0]
        assert b.p_value == pytest.approx(direct["p_value"], rel=1e-12)
        assert b.method.startswith(direct["method"])
    with pytest.raises(ValueError, match="convention"):
        sp.nadir_markers(df, convention="sas")


def test_recovery_uses_the_figure4_profiles():
    """Figure 4G rows rest on the Figure 4A-F columns of the derived table as they are:
    L_duration_days_or_zero (0 without severe cytopenia after infusion, missing when unknown)
    and L_recovery_day (recovered episodes only); nothing is recomputed per patient."""
    df = raw()
    i = np.arange(N)
    # SN: episodes for even patients and i % 4 == 1; no severe SN after infusion for i % 4 == 3
    # (duration 0), except P11, which has no T3 value at all (unknown: missing)
    episode = (i % 2 == 0) | (i % 4 == 1)
    df["sn_duration_days"] = np.where(episode, df["sn_duration_days"], np.nan)
    df["sn_duration_days_or_zero"] = np.where(episode, df["sn_duration_days"], 0.0)
    df.loc[11, "sn_duration_days_or_zero"] = np.nan
    df["sn_recovery_day"] = np.where(episode, df["sn_recovery_day"], np.nan)
    df = typed(df)
    out = sp.recovery(df, convention="spss")
    assert set(out["analysis"]) == {"spearman_recovery"}
    assert out["outcome"].unique().tolist() == ["sn_duration_days_or_zero", "sa_duration_days_or_zero",
                                                "st_duration_days_or_zero", "sn_recovery_day",
                                                "sa_recovery_day", "st_recovery_day"]
    assert out["term"].unique().tolist() == ["crs_onset_day", "crs_peak_day", "crs_recovery_day",
                                             "crs_duration_days", "lg_max_il6", "lg_max_il10",
                                             "lg_max_ferritin", "lg_ldh"]
    inset = df.iloc[:12]
    row = out[(out["outcome"] == "sn_duration_days_or_zero") & (out["term"] == "crs_peak_day")].iloc[0]
    direct = tests.spearman(inset["crs_peak_day"], inset["sn_duration_days_or_zero"],
                            convention="spss").iloc[0]
    assert row["n"] == 11
    assert row["estimate"] == pytest.approx(direct["estimate"], rel=1e-12)
    assert row["p_value"] == pytest.approx(direct["p_value"], rel=1e-12)
    assert "duration 0 without severe cytopenia" in row["method"]
    # the n is the complete pairs of the two derived columns: anyone can refit it
    both = inset[["crs_peak_day", "sn_duration_days_or_zero"]].astype(float).notna().all(axis=1)
    assert row["n"] == both.sum()
    # pairwise complete: CRS onset missing for i % 3 == 0 (P00, P03, P06, P09); P11 unknown
    row = out[(out["outcome"] == "sn_duration_days_or_zero") & (out["term"] == "crs_onset_day")].iloc[0]
    assert row["n"] == 7
    # recovery day: episodes (P00-P10 even, P01, P05, P09) minus not recovered (i % 4 == 0)
    row = out[(out["outcome"] == "sn_recovery_day") & (out["term"] == "crs_peak_day")].iloc[0]
    assert row["n"] == 6
    # ST: no T3 values and no episode -> no one known to be free of ST: no pairs
    st = out[out["outcome"] == "st_duration_days_or_zero"]
    assert (st["n"] == 0).all() and st["estimate"].isna().all()


def test_strongest_and_format_matrix():
    stats = pd.DataFrame({"outcome": ["y"] * 4, "term": list("abcd"),
                          "estimate": [0.1, -0.7, np.nan, 0.5],
                          "p_value": [0.5, 0.001, np.nan, 0.02],
                          "n": [10, 10, 2, 10]})
    assert sp.strongest(stats, "y", 2) == ["b", "d"]
    table = sp.format_matrix(stats, {"y": "Y"})
    assert table.columns.tolist() == ["Variable", "a", "b", "c", "d"]
    assert table.iloc[0].tolist() == ["Y", "0.100 (0.500; n=10)", "-0.700 (0.001; n=10)", "",
                                      "0.500 (0.020; n=10)"]


def test_figures_smoke(tmp_path):
    df = derived()
    out = sp.nadir_markers(df, convention="spss")
    outcomes = ["sn_nadir_value", "sa_nadir_value", "st_nadir_value"]
    fig = heatmap(out, outcomes, ["lg_max_il6", "lg_max_il10", "lg_max_ferritin", "lg_max_crp"],
                  labels=LABELS, title="Figure 3A")
    paths = savefig(fig, tmp_path / "heat")
    pairs = [[(o, t) for t in sp.strongest(out, o, 3)] for o in outcomes]
    analysis = columns.analysis_set(df)
    lines = sp.trend_lines(analysis, pairs)
    assert len(lines) == 9 and set(lines["n"]) <= {11, 12}
    paths += savefig(scatter_panels(analysis, out, pairs, lines=lines, labels=LABELS,
                                    panel_letters="BCDEFGHIJ"), tmp_path / "scatter")
    for p in paths:
        assert (tmp_path / p).stat().st_size > 1000


def test_trend_lines_are_least_squares_over_complete_pairs():
    df = columns.analysis_set(derived())
    lines = sp.trend_lines(df, [[("sa_nadir_value", "lg_max_il6")], [("st_recovery_day", "lg_ldh")]])
    assert lines["outcome"].tolist() == ["sa_nadir_value"]       # no ST recovery values: no line
    ok = df["lg_max_il6"].notna()
    x, y = df.loc[ok, "lg_max_il6"].to_numpy(), df.loc[ok, "sa_nadir_value"].to_numpy()
    slope = np.sum((x - x.mean()) * (y - y.mean())) / np.sum((x - x.mean()) ** 2)
    row = lines.iloc[0]
    assert row["slope"] == pytest.approx(slope, rel=1e-10)
    assert row["intercept"] == pytest.approx(y.mean() - slope * x.mean(), rel=1e-10)
    assert (row["x_min"], row["x_max"], row["n"]) == (x.min(), x.max(), 11)
