"""Shared helpers for the experiment scripts (``experiments/*.py``) and the notebooks.

* :func:`parser` and :func:`options`: the common command line (``--seeds N``, ``--months``,
  ``--quick``, ``--processes``, ``--out``) with a default and a quick setting for each;
* :func:`run_many`: like :func:`aicontagion.compare` (every setup on the same seeds, one summary
  row per run, the same columns), but it also keeps the chosen system and kind series, the
  events and, if asked, every cash movement (:class:`FlowLedger`) of each run;
* :func:`save` and :func:`show`: write a tidy frame to Parquet, print a table.

Worker processes (``processes > 1``) use the spawn start method (Mesa's), so they import this
module, not the calling script: call ``run_many`` with more than one process only under
``if __name__ == "__main__":`` in a script.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from aicontagion.core.version import code_version
from aicontagion.results.provenance import write_parquet
from aicontagion.runs.executors import map_tasks
from aicontagion.sim import Sim

OUTSIDE = "outside"


# ---------------------------------------------------------------- command line
def parser(doc: str, name: str, seeds: int, quick_seeds: int, months: int = 240, quick_months: int | None = None):
    """The experiment scripts' common options; ``doc`` is the script's docstring (first line = description)."""
    ap = argparse.ArgumentParser(description=doc.strip().splitlines()[0], prog=f"{name}.py")
    ap.add_argument(
        "--seeds", type=int, default=None, help=f"number of seeds, 0..N-1 (default {seeds}, quick {quick_seeds})"
    )
    ap.add_argument(
        "--months", type=int, default=None, help=f"months per run (default {months}, quick {quick_months or months})"
    )
    ap.add_argument("--quick", action="store_true", help="few seeds and a short horizon: a smoke run in seconds")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2, quick 1)")
    ap.add_argument("--out", default=f"results/{name}", help=f"output folder (default results/{name})")
    ap.set_defaults(_defaults=(seeds, quick_seeds, months, quick_months or months))
    return ap


def options(ap: argparse.ArgumentParser, argv=None) -> argparse.Namespace:
    """Parse ``argv``; fills ``seeds`` (a list), ``months`` and ``out`` (a created Path)."""
    args = ap.parse_args(argv)
    seeds, quick_seeds, months, quick_months = args._defaults
    n = args.seeds if args.seeds is not None else (quick_seeds if args.quick else seeds)
    if n < 1:
        ap.error("--seeds must be at least 1")
    args.seeds = list(range(n))
    args.months = args.months or (quick_months if args.quick else months)
    args.processes = args.processes or (1 if args.quick else 2)
    args.out = Path(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    args.started = time.perf_counter()
    return args


def elapsed(args) -> float:
    """Seconds since :func:`options` parsed the arguments."""
    return time.perf_counter() - args.started


def save(frame: pd.DataFrame, path: Path, provenance: Mapping | None = None) -> Path:
    """Write ``frame`` to Parquet (no index), with the code version and ``provenance`` (e.g. the
    script's options) in the file's metadata (:func:`aicontagion.results.provenance.read_provenance`)."""
    return write_parquet(frame, path, {"code_version": code_version()} | dict(provenance or {}))


def show(frame: pd.DataFrame, title: str | None = None, digits: int = 3, colwidth: int = 60) -> str:
    """A table as text (numbers to ``digits`` significant figures), printed and returned."""
    with pd.option_context("display.width", 250, "display.max_columns", 40, "display.max_colwidth", colwidth):
        text = frame.to_string(index=False, float_format=lambda v: f"{v:,.{digits}g}", na_rep="-")
    text = (f"\n{title}\n" if title else "") + text
    print(text)
    return text


# ---------------------------------------------------------------- cash flows
class FlowLedger:
    """Records every cash movement of one model: month, payer, payee (-1: outside), purpose, amount.

    All cash moves through ``Books.transfer`` and ``Books.pay_expenses``; the ledger wraps those
    two methods of one ``Books`` instance (nothing else changes), so
    ``inflows - outflows == cash change`` for every institution (see :meth:`check`).
    """

    def __init__(self, model):
        self.model = model
        self.ids = list(model.state.registry.ids)
        self.cash0 = model.state.books.cash.copy()
        self._parts: list[tuple] = []
        books = model.state.books
        transfer, pay_expenses = books.transfer, books.pay_expenses

        def record(payer, payee, amount, label):
            p, q, a = np.broadcast_arrays(
                np.asarray(payer, dtype=np.int64), np.asarray(payee, dtype=np.int64), np.asarray(amount, dtype=float)
            )
            if a.size:
                self._parts.append((model.month, p.ravel().copy(), q.ravel().copy(), a.ravel().copy(), label))

        def transfer_(payer, payee, amount, label):
            record(payer, payee, amount, label)
            return transfer(payer, payee, amount, label)

        def pay_expenses_(payer, payee, amount, channel, label, label_names):
            for j in np.unique(label):
                m = label == j
                record(payer[m], payee[m], amount[m], label_names[int(j)])
            return pay_expenses(payer, payee, amount, channel, label, label_names)

        books.transfer = transfer_
        books.pay_expenses = pay_expenses_

    def frame(self, by: str = "month") -> pd.DataFrame:
        """Tidy flows summed per ``by`` (``month`` or ``year``: run year 0, 1...), payer, payee and
        purpose: ``month|year, payer, payee, label, amount`` with institution ids (``outside``)."""
        cols = ["month", "payer", "payee", "label", "amount"]
        if not self._parts:
            return pd.DataFrame(columns=[by] + cols[1:])
        month = np.concatenate([np.full(p[1].size, p[0]) for p in self._parts])
        df = pd.DataFrame(
            {
                "month": month,
                "payer": np.concatenate([p[1] for p in self._parts]),
                "payee": np.concatenate([p[2] for p in self._parts]),
                "label": np.concatenate([np.full(p[1].size, p[4], dtype=object) for p in self._parts]),
                "amount": np.concatenate([p[3] for p in self._parts]),
            }
        )
        df = df[(df["amount"] != 0) & (df["payer"] != df["payee"])]
        if by == "year":
            df = df.assign(month=df["month"] // 12).rename(columns={"month": "year"})
        df = df.groupby([by, "payer", "payee", "label"], as_index=False, sort=True)["amount"].sum()
        names = np.array(self.ids + [OUTSIDE], dtype=object)  # index -1 is the outside world
        df["payer"] = names[df["payer"].to_numpy()]
        df["payee"] = names[df["payee"].to_numpy()]
        return df

    def check(self) -> float:
        """Largest gap between recorded net flows and the cash change of any institution (USD bn)."""
        df = self.frame()
        net = df.groupby("payee")["amount"].sum().sub(df.groupby("payer")["amount"].sum(), fill_value=0.0)
        change = pd.Series(self.model.state.books.cash - self.cash0, index=self.ids)
        return float((net.reindex(self.ids).fillna(0.0) - change).abs().max())


def run_with_flows(sim: Sim) -> tuple[Sim, FlowLedger]:
    """Run ``sim`` (unchanged) with a :class:`FlowLedger` on its model; returns both."""
    build = sim.build
    holder: dict = {}

    def build_and_attach():
        model = build()
        holder["ledger"] = FlowLedger(model)
        return model

    sim.build = build_and_attach
    try:
        sim.run()
    finally:
        del sim.build  # back to the class's method
    return sim, holder["ledger"]


# ---------------------------------------------------------------- many runs
@dataclass
class Runs:
    """Results of :func:`run_many`; every frame has the columns ``setup, seed`` first."""

    summary: pd.DataFrame  # one row per run, the columns of aicontagion.compare
    series: pd.DataFrame = field(default_factory=pd.DataFrame)  # setup, seed, step, date, level, entity, metric, value
    events: pd.DataFrame = field(default_factory=pd.DataFrame)  # setup, seed, step, date, institution, kind, event...
    flows: pd.DataFrame = field(default_factory=pd.DataFrame)  # setup, seed, year, payer, payee, label, amount
    extras: dict = field(default_factory=dict)

    def wide(self, metric: str, level: str = "system", entity: str | None = None) -> pd.DataFrame:
        """One series wide: index ``step``, one column per (setup, seed)."""
        s = self.series[(self.series["level"] == level) & (self.series["metric"] == metric)]
        if entity is not None:
            s = s[s["entity"] == entity]
        wide = s.pivot_table(index="step", columns=["setup", "seed"], values="value")
        order = [k for k in zip(self.summary["setup"], self.summary["seed"], strict=True) if k in wide.columns]
        return wide[order] if order else wide  # setups in the order they were given


def _job(args: tuple) -> dict:
    name, kwargs, seed, metrics, kind_metrics, institution_metrics, flows = args
    sim = Sim(**(dict(kwargs) | {"seed": seed}))
    ledger = None
    if flows:
        sim, ledger = run_with_flows(sim)
    else:
        sim.run()
    tag = {"setup": name, "seed": seed}
    out = {"summary": tag | sim.summary_row()}
    ts = sim.timeseries
    keep = (
        ((ts["level"] == "system") & ts["metric"].isin(list(metrics)))
        | ((ts["level"] == "kind") & ts["metric"].isin(list(kind_metrics)))
        | ((ts["level"] == "institution") & ts["metric"].isin(list(institution_metrics)))
    )
    out["series"] = ts[keep].assign(**tag)
    out["events"] = sim.events.assign(**tag)
    if ledger is not None:
        out["flows"] = ledger.frame(by="year").assign(**tag)
    return out


def run_many(
    setups: Mapping[str, Mapping],
    seeds: Iterable[int] = range(10),
    processes: int = 1,
    metrics: Iterable[str] = (),
    kind_metrics: Iterable[str] = (),
    institution_metrics: Iterable[str] = (),
    flows: bool = False,
    progress: bool = False,
    **common,
) -> Runs:
    """Run every setup on the same seeds (common random numbers), keeping series and events.

    Args:
        setups: name -> ``Sim`` keyword arguments; ``common`` arguments apply to all.
        metrics, kind_metrics, institution_metrics: recorded series to keep (system, kind and
            institution level; see :mod:`aicontagion.results.recorder`).
        flows: also record every cash movement (:class:`FlowLedger`, summed per run year).
    """
    seeds = list(seeds)
    jobs = [
        (name, dict(common) | dict(kw), s, tuple(metrics), tuple(kind_metrics), tuple(institution_metrics), flows)
        for name, kw in setups.items()
        for s in seeds
    ]
    executor = "processes" if processes > 1 and len(jobs) > 1 else "serial"
    results = map_tasks(_job, jobs, executor=executor, workers=min(processes, len(jobs)), progress=progress)

    def cat(key):
        parts = [r[key] for r in results if key in r and len(r[key])]
        if not parts:
            return pd.DataFrame()
        df = pd.concat(parts, ignore_index=True)
        return df[["setup", "seed"] + [c for c in df.columns if c not in ("setup", "seed")]]

    return Runs(
        summary=pd.DataFrame([r["summary"] for r in results]),
        series=cat("series"),
        events=cat("events"),
        flows=cat("flows"),
    )


def band(wide: pd.DataFrame, q=(0.1, 0.5, 0.9)) -> pd.DataFrame:
    """Quantiles over the columns of a wide frame (one column per run): columns ``q10, q50, q90``."""
    return pd.DataFrame({f"q{round(100 * x)}": wide.quantile(x, axis=1) for x in q}, index=wide.index)


__all__ = ["parser", "options", "elapsed", "save", "show", "FlowLedger", "run_with_flows", "Runs", "run_many", "band"]
