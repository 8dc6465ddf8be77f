"""``python -m cartcyto.synth <outdir>``: regenerate every bundled synthetic cohort under ``outdir``.

Writes ``<outdir>/wang2021`` and, when the module ``cartcyto.synth.mullanfiroze2022`` exists,
``<outdir>/mullanfiroze2022``, each with its generator's default seed (``--seed`` overrides it
for all of them).
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path

from cartcyto.synth.wang2021 import DEFAULT_SEED as WANG_SEED
from cartcyto.synth.wang2021 import write_wang2021


def _seed_of(func, override):
    if override is not None:
        return override
    default = inspect.signature(func).parameters.get("seed")
    return None if default is None or default.default is inspect.Parameter.empty else default.default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cartcyto.synth",
                                     description="Regenerate the bundled SYNTHETIC cohorts.")
    parser.add_argument("outdir", type=Path, help="folder that receives one sub-folder per cohort (e.g. data)")
    parser.add_argument("--seed", type=int, default=None, help="seed for every generator (default: each one's own)")
    args = parser.parse_args(argv)
    out = args.outdir
    written = [write_wang2021(out / "wang2021", seed=WANG_SEED if args.seed is None else args.seed)]
    if importlib.util.find_spec("cartcyto.synth.mullanfiroze2022") is not None:
        mod = importlib.import_module("cartcyto.synth.mullanfiroze2022")
        func = mod.write_mullanfiroze2022
        seed = _seed_of(func, args.seed)
        target = out / "mullanfiroze2022"
        written.append(func(target, seed=seed) if seed is not None else func(target))
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
