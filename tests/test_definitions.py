"""The definitions page is drawn from the resolved config, so changing a threshold changes it."""
from design_fixtures import resolve_study
from cartcyto.report.definitions import definitions_html, definitions_table


def test_definitions_follow_config_and_convention():
    study = resolve_study("w", {"cohort": "data/wang2021", "design": "wang2021"}, "spss")
    table = definitions_table(study)
    sn = table[(table["section"] == "lineage") & (table["item"] == "sn")]["value"].item()
    assert "anc < 0.5" in sn and "3 consecutive" in sn
    assert "Breslow" in definitions_html(study)

    custom = resolve_study("w", {"cohort": "x", "design": "wang2021", "conventions": "r",
                                 "overrides": {"criteria": {"name": "cibmtr",
                                                            "lineages": {"sn": {"severe_below": 1.0}}}}})
    table = definitions_table(custom)
    assert "anc < 1.0" in table[table["item"] == "sn"]["value"].item()
    assert "Efron" in definitions_html(custom)


def test_ctcae_design_uses_grade_3_4_thresholds():
    study = resolve_study("m", {"cohort": "x", "design": "mullanfiroze2022"})
    table = definitions_table(study)
    assert "plt < 50" in table[table["item"] == "st"]["value"].item()


def test_sensitivity_analyses_listed_only_for_the_families_a_design_runs():
    wang = definitions_table(resolve_study("w", {"cohort": "x", "design": "wang2021"}, "spss"))
    sens = wang[wang["section"] == "sensitivity analyses (not the paper's)"]
    assert list(sens["item"]) == ["multiplicity", "competing risks", "model diagnostics"]
    assert "Holm" in sens["value"].iloc[0] and "Gray" in sens["value"].iloc[1]
    km = wang[wang["item"] == "Kaplan-Meier median"]["value"].item()
    assert "log(-log S)" in km
    r = definitions_table(resolve_study("w", {"cohort": "x", "design": "wang2021", "conventions": "r"}))
    assert 'conf.type = "log"' in r[r["item"] == "Kaplan-Meier median"]["value"].item()
    mf = definitions_table(resolve_study("m", {"cohort": "x", "design": "mullanfiroze2022"}))
    assert not (mf["section"] == "sensitivity analyses (not the paper's)").any()
