"""Where a sweep's runs execute: this process, a local process pool, or a Dask cluster.

:func:`execute` runs one :class:`~aicontagion.sweep.Run` and writes its record; it never
raises (a failure becomes an error record), so one bad run does not stop a sweep. The executors
only decide where :func:`execute` is called, so the same seeds give the same results on every
executor:

* ``serial``: in this process, one after another;
* ``processes``: a pool of ``workers`` spawned processes (Mesa forces the ``spawn`` start
  method); a worker that dies (out of memory) is replaced, its run retried once and then
  recorded as failed;
* ``dask``: ``dask.distributed``: a LocalCluster of ``workers`` processes, or the running
  cluster at ``scheduler_address`` (``tcp://host:8786``, e.g. one started by dask-jobqueue on
  SLURM). Workers need aicontagion installed and the output folder on a shared file system.
"""

from __future__ import annotations

import functools
import json
import os
import time
import traceback
from collections import Counter, deque
from collections.abc import Iterator

from aicontagion.records import write_record, write_series
from aicontagion.sweep import Run, resolve_policies

MAX_IN_FLIGHT_PER_WORKER = 2  # runs queued per process-pool worker (bounds memory and lost work)
MAX_CRASHES = 2  # a run whose worker died this many times is recorded as failed


# ---------------------------------------------------------------- one run (in the worker)
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
        status, error = "error", _one_line(exc)
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
    from aicontagion.sim import Sim

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
    from aicontagion.sweep import _generator

    spec = json.loads(key)
    return _generator(spec["name"])(**spec["args"])


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


def _one_line(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}{at}"[:2000]


def _release(sim) -> None:
    """Let the model be garbage collected: Mesa 3.3 keeps every model in a class-level id registry."""
    model = getattr(sim, "model", None)
    if model is not None:
        import mesa

        mesa.Agent._ids.pop(model, None)


# ---------------------------------------------------------------- executors (in the parent)
def execute_all(
    runs: list[Run], executor: str, address: str | None, workers: int | None, progress: bool, label: str = "sweep"
) -> Iterator[dict]:
    """Run ``runs`` on ``executor``; yield each result as it finishes (with a progress bar)."""
    if not runs:
        return
    workers = workers or os.cpu_count() or 1
    source = {"serial": _serial, "processes": _processes, "dask": _dask}[executor]
    results = source(runs, address, workers)
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(runs), desc=label, unit="run")
        failed = 0
        for res in results:
            failed += res["status"] != "ok"
            bar.update(1)
            if failed:
                bar.set_postfix(failed=failed)
            yield res
        bar.close()
    else:
        yield from results


def _serial(runs: list[Run], address, workers) -> Iterator[dict]:
    for run in runs:
        yield execute(run)


def _processes(runs: list[Run], address, workers: int) -> Iterator[dict]:
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    queue = deque(runs)
    crashes: Counter[str] = Counter()
    ctx = multiprocessing.get_context("spawn")
    while queue:
        pool = ProcessPoolExecutor(max_workers=min(workers, len(queue)), mp_context=ctx)
        inflight: dict = {}
        broken = False
        try:
            while (queue or inflight) and not broken:
                while queue and len(inflight) < MAX_IN_FLIGHT_PER_WORKER * workers:
                    run = queue.popleft()
                    inflight[pool.submit(execute, run)] = run
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    run = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        inflight[fut] = run  # handled with the others below
                    except Exception as exc:
                        yield record_failure(run, _one_line(exc))
            for run in inflight.values():  # the pool broke: retry these runs in a new pool
                crashes[run.run_id] += 1
                if crashes[run.run_id] >= MAX_CRASHES:
                    yield record_failure(run, "worker process died (out of memory?) twice while running it")
                else:
                    queue.appendleft(run)
        except BaseException:  # interrupted: drop the queue, do not wait for running work
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=not broken, cancel_futures=True)


def _dask(runs: list[Run], address: str | None, workers: int) -> Iterator[dict]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("the dask executor needs dask.distributed: pip install 'aicontagion[dist]'") from None
    import logging

    cluster = None
    if address:
        client = Client(address)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        keys = [f"aicontagion-run-{r.run_id}" for r in runs]
        futures = client.map(execute, runs, key=keys, pure=False)
        by_key = dict(zip(keys, runs, strict=True))
        for fut in as_completed(futures):
            run = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # the worker died or the cluster lost the task
                yield record_failure(run, _one_line(exc))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


__all__ = ["build_sim", "execute", "execute_all", "record_failure"]
