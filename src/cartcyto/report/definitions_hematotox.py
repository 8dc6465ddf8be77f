"""Definitions-page rows of the hematotoxicity gradings in force (from the design's ``hematotox``
block, so the page states exactly the rules the derivation used), each with its source."""
from __future__ import annotations

from typing import Any, Mapping

from cartcyto.derive.daygrid import COMPARISON_SIGN
from cartcyto.derive.icaht import rule_threshold

CANONICAL_UNITS = {"anc": "10^9/L", "plt": "10^9/L", "hb": "g/L"}

SOURCES = {
    "icaht": ("Rejeski K et al. EHA/EBMT ICAHT consensus grading. Blood 2023;142(10):865-877, Table 2 "
              "(the grade cut-offs as the automatedicahtgrading R reference assigns them; the joining, "
              "cumulative counting and censoring rules as the T-ICAHT table note restates them)"),
    "ticaht": ("Rejeski K, ..., Shouval R. T-ICAHT. Blood 2025, doi:10.1182/blood.2025028833, Table 1 "
               "and its notes (late grades need two or more laboratory tests)"),
    "score": "Rejeski K et al. CAR-HEMATOTOX. Blood 2021;138(24):2499-2513",
    "phenotype": ("Rejeski K et al. CAR-HEMATOTOX. Blood 2021;138(24):2499-2513 (recovery phenotypes). "
                  "The paper's own wording was not available to this project when it was written: the "
                  "thresholds are the project's reading of the paper, each a design key "
                  "(hematotox.phenotype); check them against the paper before relying on them"),
}


def _rule(rule: Mapping[str, Any], test: str) -> str:
    comp, threshold = rule_threshold(rule)
    text = f"grade {rule['grade']}: {test} {COMPARISON_SIGN[comp]} {threshold:g}"
    return text + (f" on >= {rule['days']} counted day(s)" if rule["days"] is not None else "")


def _component(name: str, comp: Mapping[str, Any]) -> str:
    unit = " or ".join(comp["units"]) if comp["source"] == "markers" else CANONICAL_UNITS[comp["test"]]
    cuts = ", ".join(f"{op} {cut:g} -> {pts}" for op, cut, pts in comp["points"])
    return f"{name} ({unit}): {cuts}, else 0"


def hematotox_rows(cfg: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """Rows ``(section, item, definition)`` for the definitions page."""
    rows = [
        ("hematotoxicity", "counting",
         f"{cfg['counting']}: days meeting a threshold, a recovery of fewer than {cfg['recovery_days']} consecutive "
         "days above it joined and counted" + (" (summed over the window)" if cfg["counting"] == "cumulative"
                                               else " (longest joined episode only)")),
        ("hematotoxicity", "days without a value",
         f"{cfg['gap_policy']} across gaps of up to {cfg['max_gap_days']} days (the day's lowest value of each "
         f"measured day); a longer gap next to a value meeting a day-count rule makes the grade not gradable"),
        ("hematotoxicity", "censoring",
         f"each window ends at the earliest of {', '.join(cfg['censor_at'])} (that day observed)"),
    ]
    for name, label in (("icaht", "ICAHT"), ("ticaht", "T-ICAHT")):
        spec = cfg[name]
        test = spec["test"].upper()
        for part in ("early", "late"):
            sec = spec[part]
            lo, hi = sec["window"]
            extra = " or last follow-up" if sec["end_at_last_followup"] else ""
            text = (f"days {lo}-{hi} (or censoring{extra}); a rule needs >= {sec['min_measurements']} measured "
                    f"day(s) meeting its threshold; " + "; ".join(_rule(r, test) for r in sec["rules"])
                    + "; highest grade whose rule holds, else 0. Source: " + SOURCES[name])
            rows.append((label, f"{part} {label}", text))
    sc = cfg["score"]
    comps = "; ".join(_component(k, c) for k, c in sc["components"].items())
    rows.append(("CAR-HEMATOTOX", "score",
                 f"baseline = last value on days {sc['anchor']} - {sc['window_days']} .. {sc['anchor']}; {comps}; "
                 f"high risk = score >= {sc['high_at_least']}; empty when a component is missing"
                 + ("; without a dated value in the window: " + ", ".join(
                     f"{k} from the patients.csv column {c}" for k, c in sc["undated_columns"].items())
                    if sc["undated_columns"] else "") + ". Source: " + SOURCES["score"]))
    ph = cfg["phenotype"]
    rows.append(("recovery phenotype", "quick / intermittent / aplastic",
                 f"days {ph['window'][0]}-{ph['window'][1]} (censored); aplastic: {ph['test'].upper()} < "
                 f"{ph['aplastic_below']:g} on >= {ph['aplastic_days']} consecutive days; intermittent: a measured "
                 f"value > {ph['recovery_above']:g} after the first < {ph['dip_below']:g}, then a measured value < "
                 f"{ph['dip_below']:g} after day {ph['dip_after_day']}; quick: recovery without such a dip (or never "
                 f"< {ph['dip_below']:g}). Source: " + SOURCES["phenotype"]))
    rows.append(("hematotoxicity", "severe early ICAHT (analyses)", f"grade >= {cfg['severe_icaht_at_least']}"))
    return rows
