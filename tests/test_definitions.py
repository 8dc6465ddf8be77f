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
