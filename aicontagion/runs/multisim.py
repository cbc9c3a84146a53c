"""Many runs: ``MultiSim`` over seeds (of one or several setups), ``compare`` over setups on common seeds.

>>> ms = ac.MultiSim(seeds=range(20), scenario="ai_2025", productivity="slow").run()
>>> ms.summaries                      # one row per (setup, seed): the flattened summary
>>> ms.quantiles(metrics=["losses"])  # setup, step, date, metric, q05, q50, q95 over seeds
>>> ms.plot("losses")                 # the median with a 5-95% band
>>> ac.compare({"base": {"productivity": "base"}, "slow": {"productivity": "slow"}}, seeds=range(20))

Both keep each run's system-level series (``series``: ``setup, seed, step, date, metric, value``)
and give their statistics over seeds as tidy frames (:meth:`MultiSim.mean`, :meth:`MultiSim.median`,
:meth:`MultiSim.quantiles`). They run on the executors of :mod:`aicontagion.runs.executors`
(``processes > 1``: a local pool of spawned processes), with common random numbers: every setup
runs on the same seeds, so differences between setups are the setups, not noise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from aicontagion.core.version import code_version
from aicontagion.results.plots import plot_bands
from aicontagion.results.provenance import dumps, write_parquet
from aicontagion.results.style import caption, label, seeds_text, unit
from aicontagion.runs.executors import map_tasks
from aicontagion.sim import Sim

SERIES_COLUMNS = ["setup", "seed", "step", "date", "metric", "value"]
OVERVIEW_METRICS = ("ai_revenue", "losses", "defaults", "spv_bond_price")
"""The series of :meth:`MultiSim.plot_overview` (and ``bands.png``)."""
FILES = ("summaries.parquet", "series.parquet", "quantiles.parquet", "bands.png", "provenance.json")
"""The files :meth:`MultiSim.save` writes."""


def run_one(args: tuple[str, dict, int]) -> dict:
    """One run's summary row (``setup``, ``seed`` and the flattened summary)."""
    name, kwargs, seed = args
    sim = Sim(**(kwargs | {"seed": seed})).run()
    return {"setup": name, "seed": seed} | sim.summary_row()


def run_one_with_series(args: tuple[str, dict, int]) -> tuple[dict, pd.DataFrame]:
    """One run's summary row and its system-level series (long form, with ``setup`` and ``seed``)."""
    name, kwargs, seed = args
    sim = Sim(**(kwargs | {"seed": seed})).run()
    ts = sim.timeseries
    series = ts.loc[ts["level"] == "system", ["step", "date", "metric", "value"]]
    series.insert(0, "seed", seed)
    series.insert(0, "setup", name)
    return {"setup": name, "seed": seed} | sim.summary_row(), series.reset_index(drop=True)


def quantile_name(q: float) -> str:
    """The column name of quantile ``q``: ``q05``, ``q50``, ``q95``, ``q2.5``."""
    pct = q * 100
    return f"q{round(pct):02d}" if abs(pct - round(pct)) < 1e-9 else f"q{pct:g}"


class MultiSim:
    """Many seeds of one setup (``MultiSim(seeds=..., **sim_kwargs)``) or of several
    (``MultiSim(setups={name: sim_kwargs}, seeds=..., **common)``), all on the same seeds.

    After :meth:`run`: ``summaries`` (one row per setup and seed) and ``series`` (each run's
    system-level series, long form; ``keep_series=False`` skips them for large sweeps).
    """

    def __init__(
        self,
        seeds: Iterable[int] = range(10),
        processes: int = 1,
        setups: Mapping[str, Mapping] | None = None,
        keep_series: bool = True,
        **sim_kwargs,
    ):
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise ValueError("MultiSim needs at least one seed")
        self.kwargs = sim_kwargs
        self.setups = {n: dict(sim_kwargs) | dict(kw) for n, kw in setups.items()} if setups else {"run": sim_kwargs}
        self.processes = processes
        self.keep_series = keep_series
        self.summaries: pd.DataFrame | None = None
        self.series: pd.DataFrame | None = None

    def run(self, progress: bool = False) -> MultiSim:
        """Run every setup on every seed; returns self."""
        jobs = [(name, kw, s) for name, kw in self.setups.items() for s in self.seeds]
        executor = "processes" if self.processes > 1 else "serial"
        fn = run_one_with_series if self.keep_series else run_one
        results = map_tasks(fn, jobs, executor=executor, workers=self.processes, progress=progress)
        if self.keep_series:
            self.summaries = pd.DataFrame([r for r, _ in results])
            self.series = pd.concat([s for _, s in results], ignore_index=True)
        else:
            self.summaries = pd.DataFrame(results)
            self.series = pd.DataFrame(columns=SERIES_COLUMNS)
        return self

    def _series(self, metrics: str | Sequence[str] | None) -> pd.DataFrame:
        if self.series is None:
            raise RuntimeError("run the MultiSim first: MultiSim(...).run()")
        if not self.keep_series:
            raise RuntimeError("this MultiSim ran with keep_series=False: no series to summarise")
        if metrics is None:
            return self.series
        metrics = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in metrics if m not in set(self.series["metric"])]
        if unknown:
            known = ", ".join(dict.fromkeys(self.series["metric"]))
            raise KeyError(f"unknown system metric(s) {', '.join(map(repr, unknown))} (recorded: {known})")
        return self.series[self.series["metric"].isin(metrics)]

    def _over_seeds(self, metrics, how) -> pd.DataFrame:
        keys = ["setup", "step", "date", "metric"]
        return self._series(metrics).groupby(keys, sort=False)["value"].agg(how).reset_index()

    def mean(self, metrics: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Mean over seeds of each system series: ``setup, step, date, metric, mean``."""
        return self._over_seeds(metrics, "mean").rename(columns={"value": "mean"})

    def median(self, metrics: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Median over seeds of each system series: ``setup, step, date, metric, median``."""
        return self._over_seeds(metrics, "median").rename(columns={"value": "median"})

    def quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95), metrics: str | Sequence[str] | None = None):
        """Quantiles over seeds of each system series: ``setup, step, date, metric, q05, q50, q95``
        (one column per quantile, named by :func:`quantile_name`), plus ``seeds``: how many seeds
        have a value there (a series can be NaN, e.g. year-on-year growth in the first year)."""
        data = self._series(metrics)
        keys = ["setup", "step", "date", "metric"]
        grouped = data.groupby(keys, sort=False)["value"]
        out = grouped.quantile(list(q)).unstack(-1)
        out.columns = [quantile_name(x) for x in out.columns]
        out["seeds"] = grouped.count()
        return out.reset_index()

    def summary_quantiles(self, q: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Quantiles over seeds of every numeric summary column: ``setup, metric, mean, q05, q50,
        q95, seeds`` (NaN, e.g. no default, is left out; ``seeds`` counts the runs with a value)."""
        num = self.summaries.select_dtypes("number").drop(columns=["seed"], errors="ignore")
        long = num.assign(setup=self.summaries["setup"]).melt(id_vars="setup", var_name="metric")
        g = long.groupby(["setup", "metric"], sort=False)["value"]
        out = g.quantile(list(q)).unstack(-1)
        out.columns = [quantile_name(x) for x in out.columns]
        out.insert(0, "mean", g.mean())
        out["seeds"] = g.count()
        return out.reset_index()

    def plot(self, metric: str, ax=None, q: tuple[float, float] = (0.05, 0.95)):
        """The median over seeds of a system series with a ``q`` band, one colour per setup;
        returns the axes."""
        lo, hi = q
        qs = self.quantiles(q=(lo, 0.5, hi), metrics=metric)
        scenario = self.summaries["scenario"].iloc[0] if "scenario" in self.summaries else ""
        return plot_bands(qs, metric, self.seeds, ax=ax, lo=quantile_name(lo), hi=quantile_name(hi), scenario=scenario)

    def plot_overview(self, metrics: Sequence[str] = OVERVIEW_METRICS, q: tuple[float, float] = (0.05, 0.95)):
        """A figure of bands over seeds, one panel per metric, the scenario and seeds in the title
        and the code version in the caption; returns the figure."""
        fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics) + 2, 4.2), layout="constrained")
        axes = [axes] if len(metrics) == 1 else list(axes)
        for ax, metric in zip(axes, metrics, strict=True):
            self.plot(metric, ax=ax, q=q)
            ax.set_title(label(metric), fontsize=10)
            ax.set_ylabel(unit(metric))
            if ax is not axes[-1] and ax.get_legend() is not None:
                ax.get_legend().remove()
        fig.suptitle(
            f"{self.provenance()['scenario']}: median and {q[0]:.0%}-{q[1]:.0%} band over {seeds_text(self.seeds)}"
        )
        caption(fig, f"common random numbers (every setup on the same seeds); aicontagion {code_version()}")
        return fig

    def provenance(self) -> dict:
        """What ran: scenario(s), setups (their ``Sim`` arguments), seeds, code version."""
        scenarios = sorted(set(self.summaries["scenario"])) if self.summaries is not None else []
        return {
            "scenario": ", ".join(scenarios),
            "setups": {name: {k: repr(v) for k, v in kw.items()} for name, kw in self.setups.items()},
            "seeds": self.seeds,
            "code_version": code_version(),
        }

    def save(self, out: str | Path) -> Path:
        """Write :data:`FILES` into ``out``: the summaries, the series and their quantiles as Parquet
        (the provenance in each file's metadata) and the bands figure."""
        if self.summaries is None:
            raise RuntimeError("run the MultiSim first: MultiSim(...).run()")
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        prov = self.provenance()
        write_parquet(self.summaries, out / "summaries.parquet", prov)
        write_parquet(self.series, out / "series.parquet", prov)
        if self.keep_series:
            write_parquet(self.quantiles(), out / "quantiles.parquet", prov)
            fig = self.plot_overview()
            fig.savefig(out / "bands.png", dpi=110)
            plt.close(fig)
        (out / "provenance.json").write_text(dumps(prov) + "\n")
        return out

    def __repr__(self) -> str:
        state = "run" if self.summaries is not None else "not run"
        return f"MultiSim(setups={list(self.setups)}, seeds={len(self.seeds)}; {state})"


def compare(
    setups: Mapping[str, Mapping],
    seeds: Iterable[int] = range(10),
    processes: int = 1,
    progress: bool = False,
    keep_series: bool = True,
    **common,
) -> MultiSim:
    """Run every setup on the same seeds; returns the (run) :class:`MultiSim`: ``.summaries`` has
    one row per (setup, seed) with the flattened summary, ``.quantiles()`` and ``.plot()`` the
    series over seeds.

    ``setups`` maps a name to ``Sim`` keyword arguments; ``common`` arguments apply to all.
    """
    return MultiSim(seeds=seeds, processes=processes, setups=setups, keep_series=keep_series, **common).run(progress)


def run_summaries(jobs: list, processes: int, progress: bool) -> pd.DataFrame:
    """One summary row per ``(setup name, Sim kwargs, seed)`` job, on ``processes`` processes."""
    executor = "processes" if processes > 1 else "serial"
    return pd.DataFrame(map_tasks(run_one, jobs, executor=executor, workers=processes, progress=progress))


__all__ = ["MultiSim", "compare", "quantile_name", "run_one", "run_one_with_series", "run_summaries"]
