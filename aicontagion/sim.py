"""The front door: ``Sim`` runs one scenario (``MultiSim`` and ``compare``, for many runs, are in
:mod:`aicontagion.runs.multisim`).

>>> import aicontagion as ac
>>> sim = ac.Sim("ai_2025", productivity="slow", seed=1, months=240).run()
>>> sim.summary["months_to_first_default"], sim.events.head(), sim.timeseries.head()

A ``Sim`` records the arguments it was built with (``sim.pars``) and what ran (``sim.provenance``:
scenario and its hash, productivity path, seed, policies, channels, code version), so its
``repr``, summary, saved files and figures say exactly what ran. Without a seed, a ``Sim`` draws
one and records it: ``Sim(..., seed=sim.seed)`` repeats the run. ``sim.save(DIR)`` writes the
run's files (:func:`output_files`) and ``Sim.load(DIR)`` reads them back for analysis.

``compare`` runs every setup on the same seeds (common random
numbers: the only random draws are the AI-revenue shocks, drawn in the same order in every
setup), so differences between setups are the setups, not noise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ValidationError

from aicontagion.core.channels import Channels
from aicontagion.core.progress import progress_bar
from aicontagion.core.version import code_version
from aicontagion.model import ContagionModel
from aicontagion.policies import Catalogue
from aicontagion.results.metrics import summarise
from aicontagion.results.plots import plot_sim
from aicontagion.results.provenance import FIELDS, dumps, nan_for_null, read_provenance, scenario_hash, write_parquet
from aicontagion.results.report import FIGURES, save_figures
from aicontagion.scenarios.build import System
from aicontagion.scenarios.loader import ScenarioError, apply_overrides, load_scenario, validate
from aicontagion.scenarios.schema import MAX_MONTHS, PathSpec, ScenarioSpec


def _spec(scenario, overrides: dict[str, Any]) -> tuple[ScenarioSpec | None, System | None, str]:
    if isinstance(scenario, System):
        if overrides:
            raise ScenarioError(scenario.spec.name, "", "overrides need a scenario name, path or spec")
        return scenario.spec, scenario, scenario.spec.name
    if isinstance(scenario, ScenarioSpec):
        if overrides:
            raw = scenario.model_dump(mode="python", exclude_unset=False)
            ranges = scenario.ranges
            scenario = validate(apply_overrides(raw, overrides, scenario.name), scenario.name)
            scenario.set_ranges(ranges)
        return scenario, None, scenario.name
    spec = load_scenario(scenario, **overrides)
    return spec, None, str(scenario)


class Sim:
    """One run of one scenario under one AI-productivity path.

    Args:
        scenario: a shipped scenario name (``"ai_2025"``), a YAML path, a ``ScenarioSpec`` or a
            prebuilt ``System`` (synthetic systems).
        productivity: a path name of the scenario (``fast``, ``base``, ``slow``, ``disproven``), a
            ``PathSpec``, or a dict of ``PathSpec`` fields; None: the scenario's default.
        seed: seed of the model's random generator (None: a seed drawn from fresh entropy and
            recorded in ``sim.seed``, so the run can be repeated).
        months: months to run (None: the scenario's ``months``).
        policies: interventions (see :mod:`aicontagion.policies`).
        check_invariants: check balance sheets and money after every stage (slower).
        **overrides: scenario parameters by dotted or ``__`` path, e.g.
            ``productivity__noise_sigma=0.05`` or ``**{"institutions.meta.cash": 50}``.
    """

    def __init__(
        self,
        scenario: Any = "ai_2025",
        productivity: str | PathSpec | Mapping | None = None,
        seed: int | None = None,
        months: int | None = None,
        policies: Iterable = (),
        check_invariants: bool = False,
        record_institutions: bool | None = None,
        channels: Mapping[str, bool] | None = None,
        **overrides: Any,
    ):
        self.spec, self._system, self.label = _spec(scenario, overrides)
        if isinstance(productivity, Mapping):
            productivity = PathSpec(**productivity)
        if isinstance(productivity, str) and productivity not in self.spec.productivity.paths:
            raise ScenarioError(
                self.label,
                "productivity",
                f"unknown path {productivity!r} (expected one of: {', '.join(self.spec.productivity.paths)})",
            )
        self.productivity = productivity
        if months is not None and not (_whole(months) and 0 < months <= MAX_MONTHS):
            raise ScenarioError(self.label, "months", f"must be a whole number from 1 to {MAX_MONTHS} (got {months!r})")
        if seed is not None and not (_whole(seed) and seed >= 0):
            raise ScenarioError(self.label, "seed", f"must be a whole number >= 0 or None (got {seed!r})")
        self.seed_drawn = seed is None
        self.seed = draw_seed() if seed is None else int(seed)
        self.months = int(months) if months is not None else self.spec.months
        self.policies = list(policies)
        for p in self.policies:  # a policy may need an institution the scenario lacks (the state company)
            prepared = p.prepare_scenario(self.spec)
            if prepared is not self.spec:
                self.spec, self._system = prepared, None
        if self.policies:
            catalogue = Catalogue.of(self.spec, self._system)
            for p in self.policies:
                p.validate(catalogue)
        try:
            self.channels = Channels.model_validate(self.spec.channels.model_dump() | dict(channels or {}))
        except ValidationError as exc:
            err = exc.errors()[0]
            raise ScenarioError(self.label, "channels." + ".".join(map(str, err["loc"])), err["msg"]) from None
        self.check_invariants = check_invariants
        self.record_institutions = record_institutions
        self.pars = {
            "scenario": self.spec.name,
            "productivity": _path_label(productivity, self.spec),
            "seed": self.seed,
            "months": self.months,
            "policies": [repr(p) for p in self.policies],
            "channels": self.channels.model_dump(),
            "overrides": {k: v for k, v in overrides.items()},
        }
        self.model: ContagionModel | None = None
        self._timeseries = self._events = None
        self._summary: dict | None = None
        self._provenance: dict | None = None
        self.loaded_from: Path | None = None

    @property
    def provenance(self) -> dict:
        """What ran: scenario, scenario hash, productivity path, seed, months, policies, channels,
        code version (see :mod:`aicontagion.results.provenance`)."""
        if self._provenance is None:
            self._provenance = {
                "scenario": self.spec.name,
                "scenario_hash": scenario_hash(self.spec),
                "productivity": self.pars["productivity"],
                "seed": self.seed,
                "months": self.months,
                "policies": list(self.pars["policies"]),
                "channels": dict(getattr(self, "channels", None) or {}),
                "code_version": code_version(),
            }
        return self._provenance

    def build(self) -> ContagionModel:
        """Create the model (the system is built fresh, so a Sim can be run again)."""
        if self.spec is None:
            raise RuntimeError(
                f"a Sim loaded from {self.loaded_from} holds results only; to run again, build a new "
                f"Sim from its pars: {self.pars}"
            )
        return ContagionModel(
            self._system if self._system is not None else self.spec,  # the model copies a System
            productivity=self.productivity,
            policies=self.policies,
            channels=self.channels,
            check_invariants=self.check_invariants,
            record_institutions=self.record_institutions,
            seed=self.seed,
        )

    def run(self, progress: bool = False) -> Sim:
        """Run all months; returns self. ``progress`` shows a progress bar (tqdm)."""
        self.model = model = self.build()
        steps = progress_bar(
            range(self.months), progress, desc=f"{self.spec.name}/{self.pars['productivity']}", unit="month"
        )
        for _ in steps:
            model.step()
        model.finalize()
        model.close()
        self._timeseries = self._events = None
        self._summary = None
        return self

    def _need_run(self) -> ContagionModel:
        if self.model is None:
            raise RuntimeError("run the Sim first: Sim(...).run()")
        return self.model

    @property
    def timeseries(self) -> pd.DataFrame:
        """Tidy series: ``step, date, level, entity, metric, value`` (see :mod:`aicontagion.results.recorder`)."""
        if self._timeseries is None:
            self._timeseries = self._need_run().recorder.frame()
        return self._timeseries

    @property
    def events(self) -> pd.DataFrame:
        """One row per event: ``step, date, institution, kind, event, amount, cause, day`` (``day``:
        the day of the month inside the liquidity sub-steps; NaN for the monthly stages)."""
        if self._events is None:
            cols = ["step", "date", "institution", "kind", "event", "amount", "cause", "day"]
            events = pd.DataFrame(self._need_run().events, columns=cols)
            self._events = events.assign(day=pd.to_numeric(events["day"]).astype(float))
        return self._events

    @property
    def summary(self) -> dict:
        """Speed, breadth, depth, losses by holder kind and channel, fiscal cost, thermometer, and
        the provenance fields (``seed``, ``scenario``, ``scenario_hash``, ``policies``...)."""
        if self._summary is None:
            summary = summarise(self._need_run().state, self.timeseries, self.events)
            self._summary = summary | self.provenance | {"pars": self.pars}
        return self._summary

    def summary_row(self) -> dict:
        """The summary flattened to one level (``defaults_by_kind.neocloud``, ``channels.fire_sales``...),
        for tables; the policies as JSON text."""
        skip = ("pars", "default_order", "policies")
        row = flatten({k: v for k, v in self.summary.items() if k not in skip})
        return row | {"policies": dumps(self.summary["policies"], indent=None)}

    def series(self, metric: str, level: str = "system") -> pd.DataFrame:
        """One metric wide: index ``date``, a column per entity.

        Raises:
            KeyError: ``metric`` is not recorded at ``level`` (the message says at which levels it
                is, or lists the metrics of every level).
        """
        ts = self.timeseries
        sel = ts[(ts["level"] == level) & (ts["metric"] == metric)]
        if sel.empty:
            raise KeyError(unknown_metric_message(ts, metric, level))
        return sel.pivot(index="date", columns="entity", values="value")

    def save(self, out: str | Path, figures: bool = True) -> Path:
        """Write the run's files into ``out`` (see :func:`output_files`): the series, events and
        summary as Parquet (each with the provenance in its file metadata), the summary as JSON,
        and (``figures``) the standard figures as PNG. ``Sim.load(out)`` reads them back."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        prov = self.provenance
        write_parquet(self.timeseries, out / "timeseries.parquet", prov)
        write_parquet(self.events, out / "events.parquet", prov)
        write_parquet(pd.DataFrame([self.summary_row()]), out / "summary.parquet", prov)
        (out / "summary.json").write_text(dumps(self.summary) + "\n")
        if figures:
            save_figures(self, out)
        return out

    @classmethod
    def load(cls, folder: str | Path) -> Sim:
        """A run saved by :meth:`save`, restored for analysis without running it again: its
        ``summary``, ``timeseries``, ``events``, ``pars`` and ``provenance`` (``plot`` works too;
        ``run`` does not: the scenario object is not saved, only its name and hash)."""
        folder = Path(folder)
        files = {name: folder / name for name in output_files(figures=False)}
        missing = [name for name, f in files.items() if not f.is_file()]
        if missing:
            raise FileNotFoundError(f"{folder}: not a saved run (missing {', '.join(missing)})")
        summary = nan_for_null(json.loads(files["summary.json"].read_text()))
        pars = summary["pars"]
        sim = cls.__new__(cls)
        sim.spec, sim._system, sim.label = None, None, pars["scenario"]
        sim.productivity, sim.seed, sim.seed_drawn, sim.months = (
            pars["productivity"],
            pars["seed"],
            False,
            pars["months"],
        )
        sim.policies, sim.check_invariants, sim.record_institutions = [], False, None
        sim.pars, sim.model, sim.loaded_from = pars, None, folder
        sim._timeseries = pd.read_parquet(files["timeseries.parquet"])
        sim._events = pd.read_parquet(files["events.parquet"])
        sim._summary = summary
        sim._provenance = read_provenance(files["summary.parquet"]) or {k: summary.get(k) for k in FIELDS}
        return sim

    def plot(self, what: str = "overview", **kwargs):
        """A matplotlib figure of ``what`` (see :func:`aicontagion.results.plots.plot_sim`)."""
        return plot_sim(self, what, **kwargs)

    def __repr__(self) -> str:
        state = "run" if self.model is not None else "not run"
        if self.loaded_from is not None:
            state = f"loaded from {self.loaded_from}"
        args = ", ".join(f"{k}={v!r}" for k, v in self.pars.items() if v not in (None, [], {}))
        return f"Sim({args}; {state})"


RUN_FILES = ("timeseries.parquet", "events.parquet", "summary.parquet", "summary.json")
"""The data files of a saved run (:meth:`Sim.save`)."""


def output_files(figures: bool = True) -> tuple[str, ...]:
    """Names of the files :meth:`Sim.save` (and ``aicontagion run``) writes into a run's folder."""
    return RUN_FILES + (tuple(f"{name}.png" for name in FIGURES) if figures else ())


def draw_seed() -> int:
    """A fresh seed (0 to 2**32 - 1) from the operating system's entropy."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def unknown_metric_message(ts: pd.DataFrame, metric: str, level: str) -> str:
    """Why ``(level, metric)`` selects nothing in tidy series ``ts``, and what exists instead."""
    levels = list(dict.fromkeys(ts.loc[ts["metric"] == metric, "level"]))
    if levels:
        return (
            f"metric {metric!r} is not recorded at level {level!r}; it is at level(s) {', '.join(levels)}: "
            f"sim.series({metric!r}, level={levels[0]!r})"
        )
    by_level = ts.groupby("level", sort=False)["metric"].unique()
    known = "; ".join(f"{lv}: {', '.join(names)}" for lv, names in by_level.items())
    return f"unknown metric {metric!r} (metrics by level: {known})"


def _whole(x) -> bool:
    """An integer (not a bool); an integral float such as a sweep's ``24.0`` counts."""
    if isinstance(x, bool | np.bool_):
        return False
    return isinstance(x, int | np.integer) or (isinstance(x, float | np.floating) and float(x).is_integer())


def _path_label(productivity, spec: ScenarioSpec) -> str:
    if productivity is None:
        return spec.productivity.default
    if isinstance(productivity, str):
        return productivity
    return "custom(" + ", ".join(f"{k}={v}" for k, v in productivity.model_dump().items()) + ")"


def flatten(d: Mapping, prefix: str = "") -> dict:
    """Nested dict to one level with dotted keys."""
    out = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out
