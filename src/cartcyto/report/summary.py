"""Print the scorecard summary of every study under a results folder.

Usage: ``python -m cartcyto.report.summary [results] [--write-expected tests/expected_scorecard.csv]``

``--write-expected`` also writes the verdict of every item (study, item, status) to the given
file: CI compares each run with that committed file, so a change that improves the scorecard
updates it in the same commit.

For each ``results/<study>/scorecard.csv`` (studies in name order) prints e.g.::

    wang2021: 179 items, 150 match, 20 within tolerance, 7 discrepant, 2 not reproducible
      discrepant <item>: published <as printed>, reproduced <value> (<rule>): <reason>
      check failed <analysis> <outcome> [<check>]: WARNING: <message>   (model_checks rows)

Exit status 0, or 1 when the folder holds no scorecard (run the pipeline first).
"""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from cartcyto.report.scorecard import read_scorecard, summarise


def summaries(results_dir: str | Path) -> list[str]:
    """One summary text per study that has a scorecard.csv, in study-name order."""
    out = []
    for path in sorted(Path(results_dir).glob("*/scorecard.csv")):
        text = summarise(read_scorecard(str(path)), path.parent.name)
        out.append("\n".join([text, *check_warnings(path.parent / "statistics.csv")]))
    return out


def check_warnings(statistics: Path) -> list[str]:
    """One line per failed model check (statistics rows with statistic 'warning')."""
    if not statistics.exists():
        return []
    stats = pd.read_csv(statistics, dtype=str, keep_default_na=False)
    rows = stats[stats["statistic"] == "warning"]
    return [f"  check failed {r.analysis} {r.outcome} [{r.level}]: {r.method}"
            for r in rows.itertuples()]


def expected_verdicts(results_dir: str | Path) -> pd.DataFrame:
    """(study, item, status) of every scorecard under ``results_dir``, sorted."""
    frames = [read_scorecard(str(p))[["item", "status"]].assign(study=p.parent.name)
              for p in sorted(Path(results_dir).glob("*/scorecard.csv"))]
    if not frames:
        return pd.DataFrame(columns=["study", "item", "status"])
    df = pd.concat(frames, ignore_index=True)[["study", "item", "status"]]
    return df.sort_values(["study", "item"]).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    expected_out = None
    if "--write-expected" in args:
        i = args.index("--write-expected")
        if i + 1 >= len(args):
            sys.stderr.write("--write-expected needs a file name\n")
            return 2
        expected_out = args[i + 1]
        del args[i:i + 2]
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if args and args[0] in ("-h", "--help") else 2
    results_dir = args[0] if args else "results"
    texts = summaries(results_dir)
    if not texts:
        sys.stderr.write(f"no <study>/scorecard.csv under {results_dir}/: run the pipeline first "
                         f"(snakemake --cores N)\n")
        return 1
    print("\n".join(texts))
    if expected_out:
        expected_verdicts(results_dir).to_csv(expected_out, index=False, lineterminator="\n")
        print(f"verdicts written to {expected_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
