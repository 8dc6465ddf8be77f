"""The simulation design: scenarios, per-replicate seeds and the split of replicates into jobs.

A scenario is one cohort size (patients in the analysis set) and one effect multiplier (of every
published log hazard ratio and log odds ratio), named ``n<size>_<effect name>``, e.g.
``n76_published``. Replicate ``r`` of scenario ``s`` is generated from
``numpy.random.SeedSequence(seed, spawn_key=(key(s), r))``, where ``key(s)`` is the first 4 bytes
of the SHA-256 of the scenario's name: its cohort depends on (seed, scenario, replicate) only, not
on how replicates are split into jobs, on the other scenarios of the study, or on the executor.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

NAME_PATTERN = r"n[0-9]+_[A-Za-z0-9]+"


@dataclass(frozen=True)
class Scenario:
    """One cell of the design: ``n`` analysis-set patients, ``effect`` x the published effects."""

    name: str
    n: int
    effect_name: str
    effect: float

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "n": self.n, "effect_name": self.effect_name, "effect": self.effect}


def scenarios(simulation: Mapping[str, Any]) -> list[Scenario]:
    """Every (cohort size, effect) pair of the config's ``simulation`` section, sizes first."""
    out = [Scenario(f"n{int(n)}_{name}", int(n), str(name), float(effect))
           for name, effect in simulation["effects"].items() for n in simulation["cohort_sizes"]]
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ValueError(f"simulation: scenario names repeat ({names}); give distinct cohort sizes")
    return out


def scenario_key(name: str) -> int:
    """The stable integer that identifies a scenario in its replicates' seeds."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")


def replicate_seed(seed: int, scenario: str, replicate: int) -> np.random.SeedSequence:
    """The seed of one replicate: a function of (seed, scenario name, replicate) only."""
    return np.random.SeedSequence(int(seed), spawn_key=(scenario_key(scenario), int(replicate)))


def chunks(replicates: int, per_job: int) -> list[tuple[int, int]]:
    """Half-open replicate ranges [start, stop) of ``per_job`` replicates (the last may be shorter)."""
    if replicates < 1 or per_job < 1:
        raise ValueError(f"replicates and replicates_per_job must be >= 1, got {replicates}, {per_job}")
    return [(start, min(start + per_job, replicates)) for start in range(0, replicates, per_job)]


def chunk_name(start: int, stop: int) -> str:
    """File stem of a job's replicates, e.g. ``r00000-00049`` for replicates 0..49."""
    return f"r{start:05d}-{stop - 1:05d}"


def parse_chunk(name: str) -> tuple[int, int]:
    """Inverse of :func:`chunk_name`: (start, stop)."""
    first, last = name[1:].split("-")
    return int(first), int(last) + 1
