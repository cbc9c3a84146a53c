"""Where many simulations run: this process, a local process pool, or a Dask cluster.

One layer for everything that runs many simulations (sweeps, :func:`~aicontagion.runs.multisim.compare`,
:class:`~aicontagion.runs.multisim.MultiSim`, the Monte Carlo, the experiments' ``run_many``):
:func:`run_tasks` calls a picklable top-level function on each task and yields the results as
they finish; :func:`map_tasks` returns them in the tasks' order. The executors only decide where
the function runs, so the same tasks give the same results on every executor:

* ``serial``: in this process, one after another;
* ``processes``: a pool of ``workers`` spawned processes (Mesa forces the ``spawn`` start
  method); a worker that dies (out of memory) is replaced, its task retried once and then
  handed to ``on_failure``; a worker ends itself when the process that started it dies (even
  by SIGKILL), so a killed sweep leaves no workers running;
* ``dask``: ``dask.distributed``: a LocalCluster of ``workers`` processes (listening on
  loopback only, dashboard off unless ``AICONTAGION_DASK_DASHBOARD`` gives an address, e.g.
  ``127.0.0.1:8787``), or the running cluster at ``address`` (``tcp://host:8786`` or
  ``tls://host:8786``, e.g. one started by dask-jobqueue on SLURM; checked with
  :func:`check_scheduler` before any work). Workers need aicontagion installed (and, for
  sweeps, the output folder on a shared file system).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from aicontagion.core.progress import progress_bar

EXECUTORS = ("serial", "processes", "dask")
MAX_IN_FLIGHT_PER_WORKER = 2  # tasks queued per process-pool worker (bounds memory and lost work)
MAX_CRASHES = 2  # a task whose worker died this many times is handed to ``on_failure``
SCHEDULER_SCHEMES = ("tcp", "tls")
SCHEDULER_TIMEOUT = 5.0  # seconds to wait for a scheduler to answer
PARENT_POLL_SECONDS = 0.5  # how often a pool worker checks that its parent is alive
DASHBOARD_ENV = "AICONTAGION_DASK_DASHBOARD"  # address of the LocalCluster dashboard (default: none)


SERIAL_BELOW_RUNS_PER_WORKER = 4
"""``auto`` runs serially below this many runs per worker: spawning a pool costs one package import
per worker (about 1-2 s), more than a few short runs (a small sweep was 3.5x slower on processes)."""


def choose_executor(n_tasks: int, workers: int | None = None) -> str:
    """``serial`` for little work (or one core), ``processes`` otherwise: the ``auto`` executor."""
    workers = workers or os.cpu_count() or 1
    return "serial" if workers <= 1 or n_tasks < SERIAL_BELOW_RUNS_PER_WORKER * workers else "processes"


def _raise(task: Any, message: str):
    raise RuntimeError(message)


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Sequence,
    executor: str = "serial",
    workers: int | None = None,
    address: str | None = None,
    on_failure: Callable[[Any, str], Any] = _raise,
    keys: Sequence[str] | None = None,
) -> Iterator[Any]:
    """Yield ``fn(task)`` for every task, as each finishes (serial: in order).

    Args:
        fn: a top-level (picklable) function of one task.
        executor: ``serial``, ``processes`` or ``dask``.
        workers: pool processes or LocalCluster workers (default: the machine's cores).
        address: a running Dask scheduler (``dask`` only).
        on_failure: ``(task, one-line message) -> result`` for a task lost with its worker (or an
            exception raised by ``fn`` on Dask or in a pool); the default raises.
        keys: Dask task keys, one per task (default: generated).
    """
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r} (expected one of: {', '.join(EXECUTORS)})")
    if not tasks:
        return
    workers = workers or os.cpu_count() or 1
    if executor == "serial":
        for task in tasks:
            yield fn(task)
    elif executor == "processes":
        yield from _processes(fn, tasks, workers, on_failure)
    else:
        yield from _dask(fn, tasks, workers, address, on_failure, keys)


def _indexed(args: tuple[Callable, int, Any]) -> tuple[int, Any]:
    fn, i, task = args
    return i, fn(task)


def map_tasks(
    fn: Callable[[Any], Any],
    tasks: Iterable,
    executor: str = "serial",
    workers: int | None = None,
    progress: bool = False,
    label: str = "runs",
    **kwargs,
) -> list:
    """``[fn(t) for t in tasks]`` on ``executor``, in the tasks' order, with an optional progress bar."""
    tasks = list(tasks)
    out: list = [None] * len(tasks)
    jobs = [(fn, i, t) for i, t in enumerate(tasks)]
    results = run_tasks(_indexed, jobs, executor=executor, workers=workers, **kwargs)
    for i, res in progress_bar(results, progress, total=len(tasks), desc=label, unit="run"):
        out[i] = res
    return out


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: the worker ends itself (``os._exit``) once ``parent`` is gone,
    checked every :data:`PARENT_POLL_SECONDS` by a daemon thread (a SIGKILLed parent cannot
    shut its pool down, and orphans would go on running queued work and writing records)."""
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="aicontagion-parent-watch", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _processes(fn, tasks: Sequence, workers: int, on_failure) -> Iterator[Any]:
    queue = deque(tasks)
    crashes: dict[int, int] = {}
    ctx = multiprocessing.get_context("spawn")
    while queue:
        pool = ProcessPoolExecutor(
            max_workers=min(workers, len(queue)), mp_context=ctx, initializer=die_with_parent, initargs=(os.getpid(),)
        )
        inflight: dict = {}
        broken = False
        try:
            while (queue or inflight) and not broken:
                while queue and len(inflight) < MAX_IN_FLIGHT_PER_WORKER * workers:
                    task = queue.popleft()
                    inflight[pool.submit(fn, task)] = task
                done, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in done:
                    task = inflight.pop(fut)
                    try:
                        yield fut.result()
                    except BrokenProcessPool:
                        broken = True
                        inflight[fut] = task  # handled with the others below
                    except Exception as exc:
                        yield on_failure(task, one_line(exc))
            for task in inflight.values():  # the pool broke: retry these tasks in a new pool
                crashes[id(task)] = crashes.get(id(task), 0) + 1
                if crashes[id(task)] >= MAX_CRASHES:
                    yield on_failure(task, "worker process died (out of memory?) twice while running it")
                else:
                    queue.appendleft(task)
        except BaseException:  # interrupted: drop the queue, do not wait for running work
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=not broken, cancel_futures=True)


def _dask(fn, tasks: Sequence, workers: int, address: str | None, on_failure, keys) -> Iterator[Any]:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("the dask executor needs dask.distributed: pip install 'aicontagion[dist]'") from None
    cluster = None
    if address:
        check_scheduler(address)
        client = Client(address, timeout=SCHEDULER_TIMEOUT)
    else:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            silence_logs=logging.ERROR,
            host="127.0.0.1",
            dashboard_address=os.environ.get(DASHBOARD_ENV) or None,
        )
        client = Client(cluster)
    try:
        keys = list(keys) if keys is not None else [f"aicontagion-task-{os.getpid()}-{i}" for i in range(len(tasks))]
        futures = client.map(fn, list(tasks), key=keys, pure=False)
        by_key = dict(zip(keys, tasks, strict=True))
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # the worker died or the cluster lost the task
                yield on_failure(task, one_line(exc))
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def check_scheduler(address: str, timeout: float = SCHEDULER_TIMEOUT) -> None:
    """Raise ``ValueError`` (one line) unless ``address`` reads ``tcp://host:port`` (or
    ``tls://``, or ``host:port``) and something listens there (``inproc://`` addresses, of a
    cluster in this process, are taken as they are)."""
    scheme, sep, rest = address.strip().partition("://")
    if scheme == "inproc" and sep and rest:  # a cluster inside this process (tests): nothing to dial
        return
    if not sep:
        scheme, rest = "tcp", scheme
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if (
        scheme not in SCHEDULER_SCHEMES
        or not colon
        or not host
        or any(c in host for c in "/ @?#")
        or not port.isdigit()
        or not 0 < int(port) <= 65535
    ):
        raise ValueError(f"malformed address {address!r} (expected tcp://host:port or tls://host:port)")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise ValueError(f"no scheduler answers at {address} ({reason})") from None


def one_line(exc: BaseException) -> str:
    """An exception as one line: its type, its message and where it was raised."""
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}{at}"[:2000]


__all__ = ["EXECUTORS", "choose_executor", "check_scheduler", "die_with_parent", "map_tasks", "one_line", "run_tasks"]
