"""Many runs of one scenario: ``MultiSim`` over seeds, ``compare`` over setups on common seeds.

Both run on the executors of :mod:`aicontagion.runs.executors` (``processes > 1``: a local pool of
spawned processes), with common random numbers: every setup runs on the same seeds, so
differences between setups are the setups, not noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from aicontagion.runs.executors import map_tasks
from aicontagion.sim import Sim


def run_one(args: tuple[str, dict, int]) -> dict:
    name, kwargs, seed = args
    sim = Sim(**(kwargs | {"seed": seed})).run()
    return {"setup": name, "seed": seed} | sim.summary_row()


class MultiSim:
    """Many seeds of one setup: ``MultiSim(seeds=range(20), **sim_kwargs).run().summaries``."""

    def __init__(self, seeds: Iterable[int] = range(10), processes: int = 1, **sim_kwargs):
        self.seeds = list(seeds)
        self.kwargs = sim_kwargs
        self.processes = processes
        self.summaries: pd.DataFrame | None = None

    def run(self, progress: bool = False) -> MultiSim:
        """Run all seeds; ``summaries`` gets one row per seed."""
        self.summaries = run_summaries([("run", self.kwargs, s) for s in self.seeds], self.processes, progress)
        return self

    def quantiles(self, q=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Quantiles of every numeric summary column over seeds."""
        num = self.summaries.select_dtypes("number").drop(columns=["seed"])
        return num.quantile(list(q)).T


def compare(
    setups: Mapping[str, Mapping],
    seeds: Iterable[int] = range(10),
    processes: int = 1,
    progress: bool = False,
    **common,
) -> pd.DataFrame:
    """Run every setup on the same seeds; one row per (setup, seed) with the flattened summary.

    ``setups`` maps a name to ``Sim`` keyword arguments; ``common`` arguments apply to all.
    """
    jobs = [(name, dict(common) | dict(kw), s) for name, kw in setups.items() for s in seeds]
    return run_summaries(jobs, processes, progress)


def run_summaries(jobs: list, processes: int, progress: bool) -> pd.DataFrame:
    """One summary row per ``(setup name, Sim kwargs, seed)`` job, on ``processes`` processes."""
    executor = "processes" if processes > 1 else "serial"
    return pd.DataFrame(map_tasks(run_one, jobs, executor=executor, workers=processes, progress=progress))


__all__ = ["MultiSim", "compare", "run_one", "run_summaries"]
