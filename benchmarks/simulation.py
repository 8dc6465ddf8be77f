"""Per-replicate cost of the simulation study (prints figures; not a timed test).

    .venv/bin/python benchmarks/simulation.py --sizes 40 76 150 300 --replicates 20

For each cohort size: runs ``--replicates`` replicates of the published-effect scenario exactly as
a simulation job does (``cartcyto.simulation.replicate.run_replicate``: generate, derive in memory,
fit the three Figure 5 Cox models and the PHT logistic model), after one warm-up replicate, and
prints the wall and CPU seconds per replicate, split into generate / derive / fit, and the peak
resident memory of the process. Target (issue 12): well under 1 s per replicate at n = 76.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from cartcyto.derive.patients import derive_patients  # noqa: E402
from cartcyto.design import resolve_study  # noqa: E402
from cartcyto.simulation import replicate as rep  # noqa: E402
from cartcyto.simulation.cohort import cohort_from_tables  # noqa: E402
from cartcyto.simulation.design import Scenario, replicate_seed  # noqa: E402
from cartcyto.synth.wang2021 import Wang2021Model, build_wang2021  # noqa: E402


def _clock():
    return time.perf_counter(), time.process_time()


def one(scenario: Scenario, r: int, seed: int, study: dict, acc: dict) -> None:
    """One replicate, step by step (the same calls as ``run_replicate``), adding to ``acc``."""
    w0, c0 = _clock()
    model = Wang2021Model(n_analysis=scenario.n, n_excluded=0, effect=scenario.effect,
                          outcomes=False, unit_variants=False)
    tables = build_wang2021(replicate_seed(seed, scenario.name, r), model)
    w1, c1 = _clock()
    patients = derive_patients(cohort_from_tables(tables), study)
    w2, c2 = _clock()
    for spec in rep.models(study, scenario.effect):
        rep._rows(rep._fit(patients, spec, study), spec)
    w3, c3 = _clock()
    for step, (a, b, ca, cb) in {"generate": (w0, w1, c0, c1), "derive": (w1, w2, c1, c2),
                                 "fit": (w2, w3, c2, c3)}.items():
        acc[step][0] += b - a
        acc[step][1] += cb - ca


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40, 76, 150, 300])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20210630)
    args = ap.parse_args(argv)
    study = resolve_study("benchmark", {"cohort": "(generated in memory)", "design": "wang2021"}, "spss",
                          designs_dir=REPO / "workflow" / "designs")
    print(f"{'n':>5} {'wall s/rep':>11} {'CPU s/rep':>10}   generate / derive / fit (CPU s)   whole run_replicate (wall)")
    for n in args.sizes:
        scen = Scenario(f"n{n}_published", n, "published", 1.0)
        rep.run_replicate(scen, 10_000, args.seed, study)           # warm-up (imports, caches)
        acc = {k: [0.0, 0.0] for k in ("generate", "derive", "fit")}
        for r in range(args.replicates):
            one(scen, r, args.seed, study, acc)
        k = args.replicates
        wall = sum(v[0] for v in acc.values()) / k
        cpu = sum(v[1] for v in acc.values()) / k
        t0 = time.perf_counter()
        for r in range(args.replicates):
            rep.run_replicate(scen, r, args.seed, study)
        whole = (time.perf_counter() - t0) / k
        parts = " / ".join(f"{acc[s][1] / k:.3f}" for s in ("generate", "derive", "fit"))
        print(f"{n:>5} {wall:>11.3f} {cpu:>10.3f}   {parts:<32} {whole:.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB; {args.replicates} replicates per size after one warm-up")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
