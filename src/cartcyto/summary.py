"""Print the scorecard summary of every study under a results folder.

Usage: ``python -m cartcyto.summary [results]``

For each ``results/<study>/scorecard.csv`` (studies in name order) prints e.g.::

    wang2021: 179 items, 150 match, 20 within tolerance, 7 discrepant, 2 not reproducible
      discrepant <item>: published <as printed>, reproduced <value> (<rule>): <reason>

Exit status 0, or 1 when the folder holds no scorecard (run the pipeline first).
"""
from __future__ import annotations

import sys
from pathlib import Path

from cartcyto.scorecard import read_scorecard, summarise


def summaries(results_dir: str | Path) -> list[str]:
    """One summary text per study that has a scorecard.csv, in study-name order."""
    out = []
    for path in sorted(Path(results_dir).glob("*/scorecard.csv")):
        out.append(summarise(read_scorecard(str(path)), path.parent.name))
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
