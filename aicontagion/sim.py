"""The front door: ``Sim`` runs one scenario (``MultiSim`` and ``compare``, for many runs, are in
:mod:`aicontagion.runs.multisim`).

>>> import aicontagion as ac
>>> sim = ac.Sim("ai_2025", productivity="slow", seed=1, months=240).run()
>>> sim.summary["months_to_first_default"], sim.events.head(), sim.timeseries.head()

A ``Sim`` records the arguments it was built with (``sim.pars``), so its ``repr``, saved results
and figures say exactly what ran. ``compare`` runs every setup on the same seeds (common random
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

from aicontagion.core.progress import progress_bar
from aicontagion.model import ContagionModel
from aicontagion.policies import Catalogue
from aicontagion.results.metrics import summarise
from aicontagion.results.plots import plot_sim
from aicontagion.scenarios.build import System, build_system
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
            scenario = validate(apply_overrides(raw, overrides, scenario.name), scenario.name)
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
        seed: seed of the model's random generator (None: fresh entropy).
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
        self.seed = seed
        if months is not None and not (_whole(months) and 0 < months <= MAX_MONTHS):
            raise ScenarioError(self.label, "months", f"must be a whole number from 1 to {MAX_MONTHS} (got {months!r})")
        if seed is not None and not (_whole(seed) and seed >= 0):
            raise ScenarioError(self.label, "seed", f"must be a whole number >= 0 or None (got {seed!r})")
        self.months = int(months) if months is not None else self.spec.months
        self.policies = list(policies)
        if self.policies:
            catalogue = Catalogue.of(self.spec, self._system)
            for p in self.policies:
                p.validate(catalogue)
        self.check_invariants = check_invariants
        self.record_institutions = record_institutions
        self.pars = {
            "scenario": self.spec.name,
            "productivity": _path_label(productivity, self.spec),
            "seed": seed,
            "months": self.months,
            "policies": [repr(p) for p in self.policies],
            "overrides": {k: v for k, v in overrides.items()},
        }
        self.model: ContagionModel | None = None
        self._timeseries = self._events = None
        self._summary: dict | None = None

    def build(self) -> ContagionModel:
        """Create the model (the system is built fresh, so a Sim can be run again)."""
        system = self._system.copy() if self._system is not None else build_system(self.spec)
        return ContagionModel(
            system,
            path=self.productivity,
            policies=self.policies,
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
        for p in model.policies:
            p.finalize(model)
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
        """One row per event: ``step, date, institution, kind, event, amount, cause``."""
        if self._events is None:
            cols = ["step", "date", "institution", "kind", "event", "amount", "cause"]
            self._events = pd.DataFrame(self._need_run().events, columns=cols)
        return self._events

    @property
    def summary(self) -> dict:
        """Speed, breadth, depth, losses by holder kind and channel, fiscal cost, thermometer."""
        if self._summary is None:
            self._summary = summarise(self._need_run(), self.timeseries, self.events) | {"pars": self.pars}
        return self._summary

    def summary_row(self) -> dict:
        """The summary flattened to one level (``defaults_by_kind.neocloud``...), for tables."""
        return flatten({k: v for k, v in self.summary.items() if k not in ("pars", "default_order")})

    def series(self, metric: str, level: str = "system") -> pd.DataFrame:
        """One metric wide: index ``date``, a column per entity."""
        ts = self.timeseries
        sel = ts[(ts["level"] == level) & (ts["metric"] == metric)]
        return sel.pivot(index="date", columns="entity", values="value")

    def save(self, out: str | Path) -> Path:
        """Write ``timeseries.parquet``, ``events.parquet``, ``summary.parquet`` and ``summary.json``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.timeseries.to_parquet(out / "timeseries.parquet", index=False)
        self.events.to_parquet(out / "events.parquet", index=False)
        pd.DataFrame([self.summary_row() | {"scenario": self.spec.name}]).to_parquet(
            out / "summary.parquet", index=False
        )
        (out / "summary.json").write_text(json.dumps(self.summary, indent=2, default=_json_default))
        return out

    def plot(self, what: str = "overview", **kwargs):
        """A matplotlib figure of ``what`` (see :func:`aicontagion.results.plots.plot_sim`)."""
        return plot_sim(self, what, **kwargs)

    def __repr__(self) -> str:
        state = "run" if self.model is not None else "not run"
        args = ", ".join(f"{k}={v!r}" for k, v in self.pars.items() if v not in (None, [], {}))
        return f"Sim({args}; {state})"


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


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, pd.Timestamp):
        return o.isoformat()
    return str(o)


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
