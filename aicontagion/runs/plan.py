"""The plan of a sweep: its design points, every run (point x seed) and the id of its record.

A run's id is a hash of the scenario (for a file: its content), the point's parameters, the
seed, the months, the policies and the code version, so re-running a sweep finds the runs
already done. Design draws come from ``numpy.random.default_rng(design.seed)``.
"""

from __future__ import annotations

import hashlib
import inspect
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from aicontagion.policies import from_name
from aicontagion.runs.records import code_version
from aicontagion.runs.spec import Design, PolicyEntry, SweepSpec
from aicontagion.scenarios.loader import load_scenario, resolve
from aicontagion.scenarios.synthetic import (
    BANK_BASE,
    BASE,
    core_periphery_banks,
    kind_counts,
    scenario_sections,
    synthetic,
)

GENERATORS: dict[str, Callable] = {"synthetic": synthetic, "core_periphery_banks": core_periphery_banks}
"""Generators of synthetic systems a sweep's ``scenario`` may name."""


def resolve_policies(entries) -> list:
    """Policy objects for spec entries (``{name, args}``); ``none`` gives no policy.

    Names are looked up in the policy registry (:func:`aicontagion.policies.from_name`).
    """
    out = []
    for e in entries:
        name, args = (e.name, e.args) if isinstance(e, PolicyEntry) else (e["name"], e.get("args", {}))
        if name == "none":
            if args:
                raise ValueError("policy 'none' takes no arguments")
            continue
        out.extend(from_name(name, **args))
    return out


def generator(name: str) -> Callable:
    """A generator of :mod:`aicontagion.scenarios.synthetic` by name (``synthetic``,
    ``core_periphery_banks``)."""
    return GENERATORS[name]


def base_spec(spec: SweepSpec):
    """The scenario spec behind the sweep (for synthetic systems: its scenario-level sections)."""
    if isinstance(spec.scenario, str):
        return load_scenario(spec.scenario), None
    name, args = next(iter(spec.scenario.items()))
    params = inspect.signature(generator(name)).parameters
    inspect.signature(generator(name)).bind(**args)  # unknown or missing arguments: TypeError
    if name == "synthetic":  # the kind mix (a typo in a kind is an error now, not in every run)
        kind_counts(args.get("n_institutions", 0), **{k: v for k, v in args.items() if k not in params})
    base, months = (BASE, 120) if name == "synthetic" else (BANK_BASE, None)
    return scenario_sections(
        args.get("name") or name, args.get("months", months), args.get("overrides"), base=base
    ), args


def design_points(design: Design) -> list[dict[str, Any]]:
    """The design's points: the grid's cartesian product times the sampled (or explicit) points.

    Random and Latin-hypercube draws come from ``numpy.random.default_rng(design.seed)``, so the
    design (and with it every run's id) is the same each time the spec is read.
    """
    keys = list(design.grid)
    grid = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*design.grid.values())]
    sampled: list[dict[str, Any]] = [{}]
    block = design.random or design.latin_hypercube
    if block is not None:
        rng = np.random.default_rng(design.seed)
        names = list(block.ranges)
        lo = np.array([block.ranges[k].low for k in names], dtype=float)
        hi = np.array([block.ranges[k].high for k in names], dtype=float)
        integer = np.array([block.ranges[k].integer for k in names])
        hi_open = np.where(integer, hi + 1.0, hi)  # integer ranges include their high end
        if design.random is not None:
            unit = rng.random((block.samples, len(names)))
        else:
            unit = qmc.LatinHypercube(d=len(names), rng=rng).random(block.samples)
        values = lo + unit * (hi_open - lo)
        sampled = [
            {k: int(np.floor(v)) if integer[j] else float(v) for j, (k, v) in enumerate(zip(names, row, strict=True))}
            for row in values
        ]
    if design.points is not None:
        sampled = [dict(p) for p in design.points]
    return [g | s for g in grid for s in sampled]


@dataclass(frozen=True)
class Run:
    """One simulation of a sweep: everything a worker needs, and the id of its record."""

    run_id: str
    scenario: str | dict
    months: int | None
    seed: int
    params: dict[str, Any]
    policies: tuple[dict, ...]
    code_version: str
    out: str
    series: bool


def plan(spec: SweepSpec, out: str | Path, version: str | None = None) -> list[Run]:
    """Every run of the sweep (design points x seeds), with its id."""
    version = version or code_version()
    scenario_id = _scenario_identity(spec.scenario)
    policies = tuple(p.model_dump() for p in spec.policies)
    points = design_points(spec.design)
    if spec.productivity is not None:
        paths = spec.productivity if isinstance(spec.productivity, list) else [spec.productivity]
        points = [p | {"productivity": path} for path in paths for p in points]
    for point in points:  # policy alternatives in the grid: entries in one form ({name, args})
        if "policies" in point:
            point["policies"] = [PolicyEntry.model_validate(e).model_dump() for e in point["policies"]]
    runs = []
    for point in _normalise(points):
        for seed in spec.seed_list:
            ident = {
                "scenario": scenario_id,
                "months": spec.months,
                "params": point,
                "policies": policies,
                "seed": seed,
                "code": version,
                "series": spec.series,
            }
            digest = hashlib.sha256(json.dumps(ident, sort_keys=True, default=str).encode()).hexdigest()[:20]
            runs.append(Run(digest, spec.scenario, spec.months, seed, point, policies, version, str(out), spec.series))
    return runs


def _normalise(points: list[dict]) -> list[dict]:
    """One type per design key across points: all-integer keys stay int, numbers become float."""
    keys = {k for p in points for k in p}
    for k in keys:
        values = [p.get(k) for p in points]
        numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(numbers) == len(values) and not all(isinstance(v, int) for v in numbers):
            for p in points:
                p[k] = float(p[k])
    return points


def _scenario_identity(scenario) -> Any:
    if isinstance(scenario, dict):
        return scenario
    path = resolve(scenario)
    return {"scenario": str(scenario), "file": hashlib.sha256(path.read_bytes()).hexdigest()[:16]}
