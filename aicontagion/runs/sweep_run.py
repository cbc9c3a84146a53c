"""One run of a sweep, in the worker: build its :class:`~aicontagion.Sim`, run it, write its record.

:func:`execute` never raises (a failure becomes an error record), so one bad run does not stop a
sweep; :func:`execute_all` hands the runs to an executor (:mod:`aicontagion.runs.executors`), and
records a run whose worker died twice as failed. The executors only decide where
:func:`execute` is called, so the same seeds give the same results on every executor.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterator

import mesa

from aicontagion.core.progress import progress_bar
from aicontagion.runs.executors import one_line, run_tasks
from aicontagion.runs.plan import Run, generator, resolve_policies
from aicontagion.runs.records import write_record, write_series
from aicontagion.sim import Sim


def execute(run: Run) -> dict:
    """Run one simulation and write its record; returns ``{run_id, status, error, seconds}``."""
    t0 = time.perf_counter()
    sim = None
    summary: dict = {}
    try:
        sim = build_sim(run)
        sim.run()
        summary = sim.summary_row()
        if run.series:
            ts = sim.timeseries
            write_series(run.out, run.run_id, ts[ts["level"] == "system"].drop(columns=["level", "entity"]))
        status, error = "ok", None
    except Exception as exc:  # a failing run is recorded, never raised
        status, error = "error", one_line(exc)
    finally:
        _release(sim)
    seconds = time.perf_counter() - t0
    record = _identity(run, sim) | {"status": status, "error": error, "seconds": seconds}
    record |= {k: v for k, v in summary.items() if k not in record}
    write_record(run.out, record)
    return {"run_id": run.run_id, "status": status, "error": error, "seconds": seconds}


def record_failure(run: Run, message: str) -> dict:
    """Record a run that failed outside :func:`execute` (its worker died, the cluster lost it)."""
    record = _identity(run, None) | {"status": "error", "error": message, "seconds": float("nan")}
    write_record(run.out, record)
    return {"run_id": run.run_id, "status": "error", "error": message, "seconds": float("nan")}


def build_sim(run: Run):
    """The :class:`~aicontagion.Sim` of a run (not yet run)."""
    params = dict(run.params)
    productivity = params.pop("productivity", None)
    months = params.pop("months", run.months)
    entries = list(run.policies) + list(params.pop("policies", []))
    policies = resolve_policies(entries)
    if isinstance(run.scenario, dict):
        name, args = next(iter(run.scenario.items()))
        generator = {k.removeprefix("generator."): params.pop(k) for k in list(params) if k.startswith("generator.")}
        overrides = dict(args.get("overrides") or {}) | params
        key = json.dumps({"name": name, "args": args | generator | {"overrides": overrides}}, sort_keys=True)
        return Sim(_system(key), productivity=productivity, seed=run.seed, months=months, policies=policies)
    return Sim(run.scenario, productivity=productivity, seed=run.seed, months=months, policies=policies, **params)


@functools.lru_cache(maxsize=1)
def _system(key: str):
    """A synthetic system (cached per process: runs of one design point share it; Sim copies it)."""
    spec = json.loads(key)
    return generator(spec["name"])(**spec["args"])


def _identity(run: Run, sim) -> dict:
    params = {f"param.{k.replace('.', '__')}": _scalar(v) for k, v in run.params.items()}
    if sim is not None:
        scenario, months, path = sim.spec.name, sim.months, sim.pars["productivity"]
    else:
        scenario = run.scenario if isinstance(run.scenario, str) else next(iter(run.scenario))
        months, path = run.params.get("months", run.months), run.params.get("productivity")
    return {
        "run_id": run.run_id,
        "scenario": scenario,
        "seed": run.seed,
        "months": months,
        "productivity": path,
        "policies": json.dumps(list(run.policies) + list(run.params.get("policies", [])), sort_keys=True),
        **params,
        "code_version": run.code_version,
    }


def _scalar(v):
    return v if isinstance(v, bool | int | float | str) or v is None else json.dumps(v, sort_keys=True)


def _release(sim) -> None:
    """Let the model be garbage collected: Mesa 3.3 keeps every model in a class-level id registry."""
    model = getattr(sim, "model", None)
    if model is not None:
        mesa.Agent._ids.pop(model, None)


def execute_all(
    runs: list[Run], executor: str, address: str | None, workers: int | None, progress: bool, label: str = "sweep"
) -> Iterator[dict]:
    """Run ``runs`` on ``executor``; yield each result as it finishes (with a progress bar)."""
    results = run_tasks(
        execute,
        runs,
        executor=executor,
        workers=workers,
        address=address,
        on_failure=lambda run, message: record_failure(run, message),
        keys=[f"aicontagion-run-{r.run_id}" for r in runs],
    )
    yield from progress_bar_with_failures(results, progress, len(runs), label)


def progress_bar_with_failures(results, on: bool, total: int, label: str) -> Iterator[dict]:
    """Pass results through, counting them (and the failed ones) on a progress bar."""
    if not on:
        yield from results
        return
    bar = progress_bar(None, True, total=total, desc=label, unit="run", leave=True)
    failed = 0
    for res in results:
        failed += res["status"] != "ok"
        bar.update(1)
        if failed:
            bar.set_postfix(failed=failed)
        yield res
    bar.close()


__all__ = ["build_sim", "execute", "execute_all", "record_failure"]
