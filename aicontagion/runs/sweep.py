"""Parameter sweeps: a YAML spec, a design over scenario parameters, one Parquet file per run.

A spec names the scenario, the months, the seeds, the policies and a design::

    scenario: ai_2025                # a shipped name, a YAML path, or {synthetic: {n_institutions: 2000}}
    months: 120
    seeds: 4                         # a count (0..3) or a list [1, 7, 9]
    productivity: [base, disproven]  # one path or a list (an axis of the design)
    policies: [{name: implicit_guarantee, args: {coverage: 0.5}}]
    design:
      seed: 0                        # seed of the random draws of the design itself
      grid: {funding.spread_distress: [0.03, 0.06]}
      latin_hypercube:               # or random: (uniform draws); both take samples and ranges
        samples: 8
        ranges: {productivity.noise_sigma: [0.01, 0.06]}
      # points: [{productivity.noise_sigma: 0.02}, ...]  # or explicit points (a sensitivity sample)
    series: false                    # also write system-level series per run (under _series/)

Design points are the cartesian product of the grid with the sampled points; every point runs
on every seed, so setups share common random numbers. Keys are scenario parameters by dotted
path (as for ``Sim``), ``productivity`` (the path name), ``months``, ``policies`` (grid only:
alternative policy lists) or, for a synthetic scenario, ``generator.<argument>`` (e.g.
``generator.contracts_per_institution``).

Each run is ``Sim(scenario, productivity, seed, months, policies, **overrides).run()``; its
record is ``sim.summary_row()`` plus the run's parameters as columns (``param.<key>`` with dots
written ``__``), ``run_id``, ``scenario``, ``seed``, ``months``, ``policies``, ``code_version``,
``status`` (``ok`` / ``error``), ``error`` and ``seconds``. A run's file is named by a hash of
the scenario, its parameters, seed and code version, and written atomically (a hidden temporary
file, then a rename), so ``pandas.read_parquet(DIR)`` reads the whole sweep (file names starting
with ``.`` or ``_`` are ignored by it: ``_series/``, ``_sweep.json``). Re-running the same sweep
skips runs already done (failed runs are retried), so a killed sweep resumes. A failing run is
recorded with its error and the sweep goes on. The executors (:mod:`aicontagion.runs.executors`) give
identical results for the same seeds.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from aicontagion.runs.executors import check_scheduler, choose_executor
from aicontagion.runs.plan import Run, base_spec, design_points, generator, plan, resolve_policies
from aicontagion.runs.records import code_version, finish_sweep, trusted_records, write_json
from aicontagion.runs.spec import EXECUTORS, Design, PolicyEntry, SweepSpec, read_spec
from aicontagion.runs.sweep_run import execute_all
from aicontagion.scenarios.loader import ScenarioError, apply_overrides, validate
from aicontagion.scenarios.schema import MAX_MONTHS

SWEEP_FILE = "_sweep.json"  # the spec of the sweep in a folder, with its fingerprint


class SweepError(ScenarioError):
    """A bad sweep spec; ``str(err)`` is one line: ``file: field: what``."""


# ---------------------------------------------------------------- loading and validation
def load_sweep(spec: str | Path | Mapping | SweepSpec) -> tuple[SweepSpec, str]:
    """Read and validate a sweep spec (a YAML path, a mapping or a spec); returns it and its label.

    Raises :class:`SweepError` (one line: file, field, what) on anything that would make every
    run fail: unknown keys, bad values, unknown scenario, path, policy or design parameter.
    """
    parsed, label = read_spec(spec, SweepSpec, SweepError, "sweep")
    _check(parsed, label)
    return parsed, label


def _check(spec: SweepSpec, label: str) -> None:
    """Everything that can be checked before the first run: scenario, paths, keys, policies."""
    try:
        base, gen_args = base_spec(spec)
    except (ScenarioError, ValueError, TypeError) as exc:
        raise SweepError(label, "scenario", str(exc)) from None
    paths = spec.productivity if isinstance(spec.productivity, list) else [spec.productivity]
    for p in paths:
        if p is not None and p not in base.productivity.paths:
            raise SweepError(
                label, "productivity", f"unknown path {p!r} (expected one of: {', '.join(base.productivity.paths)})"
            )
    try:
        resolve_policies(spec.policies)
    except (ValueError, TypeError) as exc:
        raise SweepError(label, "policies", str(exc)) from None
    blocks = {"grid": spec.design.grid}
    for kind in ("random", "latin_hypercube"):
        if getattr(spec.design, kind) is not None:
            blocks[kind] = getattr(spec.design, kind).ranges
    if spec.design.points is not None:
        blocks["points"] = dict.fromkeys(k for p in spec.design.points for k in p)
    seen: set[str] = set()
    for block, keys in blocks.items():
        for key in keys:
            where = {"grid": f"design.grid.{key}", "points": f"design.points.{key}"}.get(
                block, f"design.{block}.ranges.{key}"
            )
            if block == "points" and key in ("policies", "productivity"):
                raise SweepError(label, where, f"{key} vary under grid only")
            if key in seen:
                raise SweepError(label, where, "named twice in the design")
            seen.add(key)
            problem = _key_problem(key, block, base, gen_args, spec)
            if problem:
                raise SweepError(label, where, problem)
    _check_values(spec, base, label)
    if "productivity" in seen and spec.productivity is not None:
        raise SweepError(label, "productivity", "also a design key: give the paths in one place")
    for n, alternative in enumerate(spec.design.grid.get("policies", [])):
        try:
            resolve_policies([PolicyEntry.model_validate(e) for e in alternative])
        except (ValueError, TypeError, ValidationError) as exc:
            raise SweepError(label, f"design.grid.policies[{n}]", str(exc).splitlines()[0]) from None


def _check_values(spec: SweepSpec, base, label: str) -> None:
    """Every grid value and range end, checked as the runs would use it: a value that would
    make its runs fail (``-5.0`` for a share, NaN, ``months: 0``) stops the sweep before it starts."""
    raw = base.model_dump(mode="python")
    values: list[tuple[str, str, Any]] = [
        (f"design.grid.{k}[{n}]", k, v) for k, vs in spec.design.grid.items() for n, v in enumerate(vs)
    ]
    for kind in ("random", "latin_hypercube"):
        block = getattr(spec.design, kind)
        for k, r in block.ranges.items() if block is not None else ():
            for end in ("low", "high"):
                v = getattr(r, end)
                values.append((f"design.{kind}.ranges.{k}.{end}", k, int(v) if r.integer else v))
    values += _point_extremes(spec.design.points or [])
    for where, key, value in values:
        bad = _not_finite(value)
        if bad is not None:
            raise SweepError(label, where, f"not a finite number (got {bad!r})")
        if key == "months":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MONTHS:
                raise SweepError(label, where, f"months must be a whole number from 1 to {MAX_MONTHS} (got {value!r})")
        elif key in ("productivity", "policies") or key.startswith("generator."):
            continue  # checked by name (paths, policies) or by the generator itself
        else:
            try:
                validate(apply_overrides(raw, {key: value}, label), label)
            except ScenarioError as exc:
                raise SweepError(label, where, exc.message) from None
    for n, entry in enumerate(spec.policies):
        bad = _not_finite(entry.args)
        if bad is not None:
            raise SweepError(label, f"policies[{n}].args", f"not a finite number (got {bad!r})")


def _point_extremes(points: list[dict]) -> list[tuple[str, str, Any]]:
    """The values of explicit points to check: per key its lowest and highest number (the
    schema's bounds are intervals, so the ends stand for all) and every other distinct value;
    a NaN anywhere is kept (it compares false with everything)."""
    by_key: dict[str, list] = {}
    for p in points:
        for k, v in p.items():
            by_key.setdefault(k, []).append(v)
    out = []
    for key, vs in by_key.items():
        is_number = [isinstance(v, int | float) and not isinstance(v, bool) for v in vs]
        numbers = [v for v, n in zip(vs, is_number, strict=True) if n]
        rest = {json.dumps(v, sort_keys=True, default=str): v for v, n in zip(vs, is_number, strict=True) if not n}
        nans = [v for v in numbers if isinstance(v, float) and not math.isfinite(v)]
        finite = [v for v in numbers if not (isinstance(v, float) and not math.isfinite(v))]
        picked = nans[:1] + ([min(finite), max(finite)] if finite else []) + list(rest.values())
        out += [(f"design.points.{key}", key, v) for v in picked]
    return out


def _not_finite(value: Any):
    """The first NaN or infinity inside ``value`` (lists and mappings searched), or None."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, float) and not math.isfinite(v):
            return v
        if isinstance(v, Mapping):
            stack.extend(v.values())
        elif isinstance(v, list | tuple):
            stack.extend(v)
    return None


def _key_problem(key: str, block: str, base, gen_args, spec: SweepSpec) -> str | None:
    if key == "productivity":
        if block != "grid":
            return "productivity paths are names: list them under grid"
        bad = [p for p in spec.design.grid[key] if p not in base.productivity.paths]
        return f"unknown path {bad[0]!r}" if bad else None
    if key == "policies":
        if block != "grid" or not all(isinstance(a, list) for a in spec.design.grid[key]):
            return "policies vary under grid only, as a list of policy lists"
        return None
    if key.startswith("generator."):
        if gen_args is None:
            return "generator.* keys need a synthetic scenario"
        name = next(iter(spec.scenario))
        params = inspect.signature(generator(name)).parameters
        arg = key.removeprefix("generator.")
        if arg not in params or arg in ("overrides", "name"):
            return f"not an argument of {name} (its arguments: {', '.join(p for p in params if p != 'overrides')})"
        return None
    if not _exists(base.model_dump(mode="python"), key.replace("__", ".").split(".")):
        return f"not a parameter of scenario {base.name}"
    return None


def _exists(node: Any, parts: list[str]) -> bool:
    for part in parts:
        if isinstance(node, list):
            node = next((x for x in node if isinstance(x, dict) and x.get("id") == part), None)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
        if node is None:
            return False
    return True


# ---------------------------------------------------------------- the front door
@dataclass
class SweepResult:
    """What a sweep did: runs in the design, already done before, run now, failed now."""

    out: Path
    total: int
    skipped: int
    ran: int
    failed: int
    seconds: float
    errors: list[dict]

    def table(self) -> pd.DataFrame:
        """The whole sweep's records (``pandas.read_parquet`` of the folder)."""
        return read_sweep(self.out)

    def __str__(self) -> str:
        return (
            f"{self.total} runs: {self.skipped} already done, {self.ran} run now ({self.failed} failed) "
            f"in {self.seconds:.1f} s; results in {self.out}/"
        )


def run_sweep(
    spec: str | Path | Mapping | SweepSpec,
    out: str | Path,
    executor: str = "auto",
    scheduler_address: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    retry_errors: bool = True,
    on_result: Callable[[dict], None] | None = None,
) -> SweepResult:
    """Run a sweep (the Python twin of ``aicontagion sweep SPEC --out DIR ...``).

    Args:
        spec: a YAML path, a mapping or a :class:`SweepSpec`.
        out: the results folder (one Parquet file per run; ``pandas.read_parquet(out)`` reads all).
        executor: ``serial``, ``processes`` (a local process pool), ``dask`` (dask.distributed:
            a LocalCluster, or the cluster at ``scheduler_address``) or ``auto`` (the default:
            :func:`~aicontagion.runs.executors.choose_executor` by the number of runs to do).
        scheduler_address: a running Dask scheduler (``tcp://host:8786``); ``dask`` only.
        workers: processes or Dask workers to start (default: the machine's cores).
        progress: show a progress bar.
        retry_errors: run again the runs recorded as failed (runs recorded ``ok`` are always skipped).
        on_result: called with each finished run's ``{run_id, status, error, seconds}``.
    """
    if executor not in EXECUTORS + ("auto",):
        raise SweepError("", "executor", f"unknown executor {executor!r} (expected one of: {', '.join(EXECUTORS)})")
    if scheduler_address and executor != "dask":
        raise SweepError("", "scheduler_address", "only the dask executor connects to a scheduler")
    if workers is not None and workers <= 0:
        raise SweepError("", "workers", f"must be positive (got {workers})")
    parsed, label = load_sweep(spec)
    if scheduler_address:
        try:  # before anything is written
            check_scheduler(scheduler_address)
        except ValueError as exc:
            raise SweepError(label, "scheduler_address", str(exc)) from None
    out = Path(out)
    fingerprint = spec_fingerprint(parsed)
    _same_sweep(out, fingerprint, label)
    runs = list({r.run_id: r for r in plan(parsed, out)}.values())  # a repeated point runs once
    done, failed_before = trusted_records(out)
    todo = [r for r in runs if r.run_id not in done and (retry_errors or r.run_id not in failed_before)]
    if executor == "auto":
        executor = choose_executor(len(todo), workers)
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    write_json(
        out / SWEEP_FILE,
        {
            "spec": parsed.model_dump(mode="json"),
            "fingerprint": fingerprint,
            "code_version": runs[0].code_version if runs else code_version(),
            "runs": len(runs),
        },
    )
    errors: list[dict] = []
    ran = 0
    for res in execute_all(todo, executor, scheduler_address, workers, progress, label=parsed.name or "sweep"):
        ran += 1
        if res["status"] != "ok":
            errors.append(res)
        if on_result is not None:
            on_result(res)
    finish_sweep(out)
    return SweepResult(out, len(runs), len(runs) - len(todo), ran, len(errors), time.perf_counter() - t0, errors)


def spec_fingerprint(spec: SweepSpec) -> str:
    """A hash of the spec's content (its ``name`` aside: a label): a folder holds the runs of one spec."""
    return _fingerprint(spec.model_dump(mode="json"))


def _fingerprint(dumped: dict) -> str:
    content = {k: v for k, v in dumped.items() if k != "name"}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _same_sweep(out: Path, fingerprint: str, label: str) -> None:
    """Refuse a folder that holds another spec's sweep (its rows would mix with this one's)."""
    path = out / SWEEP_FILE
    if not path.is_file():
        return
    try:
        before = json.loads(path.read_text())
        theirs = (
            before.get("fingerprint")
            or hashlib.sha256(json.dumps(before["spec"], sort_keys=True).encode()).hexdigest()[:16]
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise SweepError(label, "out", f"{out}/{SWEEP_FILE} is unreadable: use another output folder") from None
    if theirs != fingerprint:
        raise SweepError(
            label,
            "out",
            f"{out} holds a sweep of a different spec (fingerprint {theirs}, this spec {fingerprint}): "
            "use another output folder",
        )


def read_sweep(out: str | Path) -> pd.DataFrame:
    """All run records of a sweep folder, one row per run (``pandas.read_parquet`` of it)."""
    return pd.read_parquet(out)


__all__ = [
    "Design",
    "Run",
    "SweepError",
    "SweepResult",
    "SweepSpec",
    "design_points",
    "load_sweep",
    "plan",
    "read_sweep",
    "resolve_policies",
    "run_sweep",
    "spec_fingerprint",
]
