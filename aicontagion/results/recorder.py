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

    def __init__(self, model, per_institution: bool):
        self.model = model
        self.per_institution = per_institution
        self.steps: list[int] = []
        self.dates: list[pd.Timestamp] = []
        self.system: list[np.ndarray] = []
        self.kinds: list[np.ndarray] = []
        self.insts: list[np.ndarray] = []
        self.system_names = list(metrics.system_metric_names(model))

    def collect(self) -> None:
        """Record the current month."""
        m = self.model
        self.steps.append(m.steps)
        self.dates.append(m.date.to_timestamp())
        self.system.append(np.array(metrics.system_values(m), dtype=float))
        assets = m.books.assets(m.contracts, m.markets.marked_price)
        losses = metrics.own_losses(m)
        dead = (m.status == Status.DEFAULTED).astype(float)
        per = np.vstack([m.books.equity, assets, m.books.cash, losses, dead, m.distress])
        k = len(Kind)
        counts = np.maximum(np.bincount(m.kind, minlength=k), 1)
        by_kind = np.vstack([np.bincount(m.kind, weights=row, minlength=k) for row in per])
        by_kind[-1] /= counts  # mean distress
        self.kinds.append(by_kind)
        if self.per_institution:
            self.insts.append(
                np.vstack([m.books.equity, m.books.cash, assets, m.distress, m.spread, losses, m.status.astype(float)])
            )

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
        kinds_present = np.unique(self.model.kind)
        kv = np.stack(self.kinds)[:, :, kinds_present].transpose(0, 2, 1)  # (t, kinds, metrics)
        parts.append(_long(steps, dates, "kind", [Kind(int(k)).label for k in kinds_present], KIND_METRICS, kv))
        if self.per_institution and self.insts:
            iv = np.stack(self.insts).transpose(0, 2, 1)  # (t, n, metrics)
            parts.append(_long(steps, dates, "institution", self.model.ids, INSTITUTION_METRICS, iv))
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
