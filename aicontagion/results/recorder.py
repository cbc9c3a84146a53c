"""Record the model each month into arrays, and hand out tidy DataFrames at the end.

Three levels of series are kept (all USD bn unless the metric says otherwise):

* ``system``: one row per month and metric (AI revenue, sentiment, rents, prices, cumulative
  losses by channel, the risk thermometer...): see :func:`aicontagion.results.metrics.system_metric_names`;
* ``kind``: per institution kind: equity, assets, cash, own losses (see
  :func:`aicontagion.results.metrics.own_losses`), defaults, mean distress;
* ``institution``: per institution (systems up to 500 institutions by default): equity, cash,
  assets, distress, spread, cumulative losses, status.

Collection appends a few numpy arrays per month (no per-agent Python), so it costs little at
any scale; the long table is built once, on demand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind, Status
from aicontagion.results import metrics

KIND_METRICS = ("equity", "assets", "cash", "losses", "defaults", "distress")
INSTITUTION_METRICS = ("equity", "cash", "assets", "distress", "spread", "losses", "status")


class Recorder:
    """Collects the model's series month by month."""

    def __init__(self, state, per_institution: bool):
        self.state = state
        self.per_institution = per_institution
        self.steps: list[int] = []
        self.periods: list[pd.Period] = []  # the month of each record
        self._dates: list[pd.Timestamp] = []  # their starts, converted when read (see dates)
        self.system: list[np.ndarray] = []
        self.kinds: list[np.ndarray] = []
        self.insts: list[np.ndarray] = []
        self.system_names = list(metrics.system_metric_names(state))

    def latest(self, metric: str) -> float:
        """The last recorded value of a system series (see :func:`aicontagion.results.metrics.system_metric_names`)."""
        return float(self.system[-1][self.system_names.index(metric)])

    def collect(self) -> None:
        """Record the current month."""
        state = self.state
        self.steps.append(state.step)
        self.periods.append(state.date)  # Period.to_timestamp costs ~0.1 ms: converted in bulk when read
        assets = state.books.assets(state.contracts, state.markets.marked_price)
        self.system.append(np.array(metrics.system_values(state, assets), dtype=float))
        losses = metrics.own_losses(state)
        dead = (state.lifecycle.status == Status.DEFAULTED).astype(float)
        # np.array of equal-length rows: what np.vstack builds, in one call instead of about ten
        per = np.array([state.books.equity, assets, state.books.cash, losses, dead, state.lifecycle.distress])
        k = len(Kind)
        counts = np.maximum(np.bincount(state.registry.kind, minlength=k), 1)
        by_kind = np.array([np.bincount(state.registry.kind, weights=row, minlength=k) for row in per])
        by_kind[-1] /= counts  # mean distress
        self.kinds.append(by_kind)
        if self.per_institution:
            self.insts.append(
                np.array(
                    [
                        state.books.equity,
                        state.books.cash,
                        assets,
                        state.lifecycle.distress,
                        state.credit.spread,
                        losses,
                        state.lifecycle.status.astype(float),
                    ]
                )
            )

    @property
    def dates(self) -> list[pd.Timestamp]:
        """The first day of each recorded month (what ``Period.to_timestamp`` gives), converted in
        one call for the months recorded since the last read."""
        if len(self._dates) < len(self.periods):
            self._dates.extend(pd.PeriodIndex(self.periods[len(self._dates) :]).to_timestamp())
        return self._dates

    def frame(self) -> pd.DataFrame:
        """Tidy series: columns ``step, date, level, entity, metric, value``."""
        parts = []
        steps = np.array(self.steps)
        dates = pd.DatetimeIndex(self.dates)
        t = len(steps)
        if t == 0:
            return pd.DataFrame(columns=["step", "date", "level", "entity", "metric", "value"])
        sysv = np.vstack(self.system)  # (t, metrics)
        parts.append(_long(steps, dates, "system", ["system"], self.system_names, sysv[:, None, :]))
        kinds_present = np.unique(self.state.registry.kind)
        kv = np.stack(self.kinds)[:, :, kinds_present].transpose(0, 2, 1)  # (t, kinds, metrics)
        parts.append(_long(steps, dates, "kind", [Kind(int(k)).label for k in kinds_present], KIND_METRICS, kv))
        if self.per_institution and self.insts:
            iv = np.stack(self.insts).transpose(0, 2, 1)  # (t, n, metrics)
            parts.append(_long(steps, dates, "institution", self.state.registry.ids, INSTITUTION_METRICS, iv))
        return pd.concat(parts, ignore_index=True)


def _long(steps, dates, level, entities, names, values) -> pd.DataFrame:
    """Long table from a (time, entity, metric) array."""
    t, e, k = values.shape
    return pd.DataFrame(
        {
            "step": np.repeat(steps, e * k),
            "date": np.repeat(dates, e * k),
            "level": level,
            "entity": np.tile(np.repeat(np.asarray(entities, dtype=object), k), t),
            "metric": np.tile(np.asarray(names, dtype=object), t * e),
            "value": values.reshape(-1),
        }
    )
