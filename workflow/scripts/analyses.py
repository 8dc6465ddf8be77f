"""Run one study's analysis families in one job, each as its own rule would run it.

``snakemake.params.families`` lists each family's script, named inputs, outputs and log (see
workflow/rules/analyses.smk). The libraries that the family scripts import are imported once, here
(the scripts' top-level import statements run first); each family's script then runs unchanged in
a process forked from this one, with a ``snakemake`` object holding only that family's inputs,
outputs, log and params. So every family starts from the same fresh state without paying for
interpreter start-up and imports again, and ``threads`` families run at a time (the ones drawing
the most figures first). Where fork is not available (Windows) they run one after another here.
"""
import ast
import os
import runpy
import sys
import time
import traceback
from pathlib import Path

from snakemake.io import Namedlist, apply_wildcards

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class FamilyJob:
    """The ``snakemake`` object one family's script sees."""

    def __init__(self, job, plan: dict):
        wildcards = dict(job.wildcards.items())
        self.input = Namedlist(fromdict={k: apply_wildcards(v, wildcards) for k, v in plan["input"].items()})
        self.output = Namedlist(fromdict={k: apply_wildcards(v, wildcards) for k, v in plan["output"].items()})
        self.log = Namedlist([getattr(job.log, plan["family"])])
        self.params = Namedlist(fromdict={"study": job.params.study})
        self.wildcards = job.wildcards
        self.threads = 1
        self.resources = job.resources
        self.config = job.config
        self.rule = plan["family"]
        self.scriptdir = str(HERE)


def preload(plans: list[dict]) -> None:
    """Run the top-level import statements of every family script once, before forking."""
    for plan in plans:
        path = HERE / plan["script"]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        try:
            exec(compile(ast.Module(body=imports, type_ignores=[]), str(path), "exec"), {"__name__": "preload"})  # noqa: S102
        except Exception:  # noqa: BLE001 - the family itself reports it when it runs
            pass


def run_family(job, plan: dict) -> bool:
    """Run one family's script with its own ``snakemake`` object; False (traceback in its log) on failure."""
    family_job = FamilyJob(job, plan)
    try:
        runpy.run_path(str(HERE / plan["script"]), init_globals={"snakemake": family_job}, run_name="__main__")
        return True
    except BaseException:  # noqa: BLE001 - reported below, the job fails
        text = traceback.format_exc()
        sys.stderr.write(f"analysis family '{plan['family']}' failed:\n{text}")
        with open(family_job.log[0], "a", encoding="utf-8") as fh:
            fh.write(text)
        return False


def figure_count(plan: dict) -> int:
    return sum(str(path).endswith(".png") for path in plan["output"].values())


def run_forked(job, plans: list[dict], workers: int) -> list[str]:
    """Each family in its own forked process, ``workers`` at a time; returns the failed families."""
    pending = sorted(plans, key=figure_count, reverse=True)  # stable: design order among equals
    running, failed = {}, []
    while pending or running:
        while pending and len(running) < workers:
            plan = pending.pop(0)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:  # the child runs one family and leaves without running the parent's exit code
                code = 1
                try:
                    code = 0 if run_family(job, plan) else 1
                finally:
                    sys.stdout.flush()
                    sys.stderr.flush()
                    os._exit(code)
            running[pid] = (plan, time.perf_counter())
        pid, status, usage = os.wait4(-1, 0)
        plan, started = running.pop(pid)
        ok = os.waitstatus_to_exitcode(status) == 0
        if not ok:
            failed.append(plan["family"])
        sys.stderr.write(f"analyses: {plan['family']} {'done' if ok else 'FAILED'} in "
                         f"{time.perf_counter() - started:.1f} s ({usage.ru_utime + usage.ru_stime:.1f} CPU-s)\n")
    return failed


def main(snakemake):
    plans = snakemake.params.families
    started = time.perf_counter()
    preload(plans)
    sys.stderr.write(f"analyses: libraries of {len(plans)} families imported in "
                     f"{time.perf_counter() - started:.1f} s; {max(1, snakemake.threads)} at a time\n")
    if hasattr(os, "fork"):
        failed = run_forked(snakemake, plans, max(1, snakemake.threads))
    else:
        failed = [plan["family"] for plan in plans if not run_family(snakemake, plan)]
    if failed:
        raise SystemExit(f"analysis families failed: {', '.join(failed)} (see their logs under "
                         f"results/{snakemake.wildcards.study}/logs/)")


main(snakemake)  # noqa: F821
