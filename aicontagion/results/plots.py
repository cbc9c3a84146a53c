"""Figures: free functions that take results and an optional ``ax`` and return matplotlib objects.

Nothing here shows figures on screen or switches backends; callers decide where figures go.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind

KIND_COLOURS = {
    "tech_giant": "#1f77b4",
    "ai_lab": "#9467bd",
    "chip_supplier": "#2ca02c",
    "neocloud": "#ff7f0e",
    "spv": "#d62728",
    "private_credit_fund": "#8c564b",
    "bank": "#17becf",
    "pension_lp": "#7f7f7f",
    "government": "#000000",
    "outside": "#bcbd22",
}
CHANNEL_COLOURS = {
    "operating": "#7f7f7f",
    "interest": "#bcbd22",
    "depreciation": "#c7c7c7",
    "market": "#1f77b4",
    "fire_sale": "#d62728",
    "counterparty": "#ff7f0e",
    "strategic_default": "#9467bd",
    "funding": "#2ca02c",
    "guarantee": "#17becf",
    "resolution": "#8c564b",
}


def _ax(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.6))
    return ax


def _system(ts: pd.DataFrame, metric: str) -> pd.Series:
    s = ts[(ts["level"] == "system") & (ts["metric"] == metric)]
    return s.set_index("date")["value"]


def plot_revenue(ts: pd.DataFrame, hurdle: float, ax=None, label: str | None = None):
    """AI end revenue (USD bn/yr) against the hurdle revenue."""
    ax = _ax(ax)
    _system(ts, "ai_revenue").plot(ax=ax, label=label or "AI end revenue")
    ax.axhline(hurdle, color="k", ls="--", lw=0.8, label=f"hurdle {hurdle:.0f}")
    ax.set_ylabel("USD bn / year")
    ax.set_title("AI end revenue vs hurdle")
    ax.legend(fontsize=7)
    return ax


def plot_equity_by_kind(ts: pd.DataFrame, ax=None):
    """Equity of each kind relative to the start."""
    ax = _ax(ax)
    k = ts[(ts["level"] == "kind") & (ts["metric"] == "equity")].pivot(index="date", columns="entity", values="value")
    base = k.iloc[0].replace(0, np.nan)
    rel = k / base.abs()
    for col in rel.columns:
        if rel[col].notna().any():
            ax.plot(rel.index, rel[col], label=col, color=KIND_COLOURS.get(col))
    ax.axhline(0, color="k", lw=0.5)
    ax.set_title("equity by kind (1 = start)")
    ax.legend(fontsize=6, ncol=2)
    return ax


def plot_losses_by_channel(ts: pd.DataFrame, ax=None):
    """Cumulative financial losses (USD bn) by channel, stacked."""
    ax = _ax(ax)
    sel = ts[(ts["level"] == "system") & ts["metric"].str.startswith("loss_")]
    wide = sel.pivot(index="date", columns="metric", values="value").clip(lower=0)
    wide.columns = [c.removeprefix("loss_") for c in wide.columns]
    ax.stackplot(
        wide.index,
        wide.T.values,
        labels=wide.columns,
        colors=[CHANNEL_COLOURS.get(c, "grey") for c in wide.columns],
        alpha=0.8,
    )
    ax.set_title("cumulative losses by channel")
    ax.set_ylabel("USD bn")
    ax.legend(fontsize=6, loc="upper left")
    return ax


def plot_defaults(events: pd.DataFrame, ax=None):
    """When each institution defaulted, coloured by kind."""
    ax = _ax(ax)
    d = events[events["event"] == "default"] if len(events) else events
    if len(d) == 0:
        ax.text(0.5, 0.5, "no defaults", ha="center", va="center", transform=ax.transAxes)
    for y, r in enumerate(d.itertuples()):
        ax.scatter(r.date, y, color=KIND_COLOURS.get(r.kind, "grey"), s=25)
        ax.annotate(r.institution, (r.date, y), fontsize=6, xytext=(4, -2), textcoords="offset points")
    ax.set_yticks([])
    ax.set_title("defaults in order")
    return ax


def plot_prices(ts: pd.DataFrame, ax=None):
    """Trade prices of the asset classes (1 = start)."""
    ax = _ax(ax)
    sel = ts[(ts["level"] == "system") & ts["metric"].str.startswith("price_")]
    wide = sel.pivot(index="date", columns="metric", values="value")
    for c in wide.columns:
        ax.plot(wide.index, wide[c], label=c.removeprefix("price_"))
    ax.set_title("asset prices (1 = start)")
    ax.legend(fontsize=6)
    return ax


def plot_thermometer(ts: pd.DataFrame, axes=None):
    """The five risk-thermometer indicators (SEED_NOTES section 7) over time."""
    if axes is None:
        fig, axes = plt.subplots(1, 5, figsize=(16, 3))
    pairs = [
        ("ai_revenue_to_hurdle", "1. AI revenue / hurdle"),
        ("neocloud_equity_index", "2. neocloud equity (1=start)"),
        ("spv_bond_price", "3. SPV debt price"),
        ("take_or_pay_share", "4. take-or-pay share"),
        ("utilisation", "5. compute utilisation"),
    ]
    for ax, (metric, title) in zip(axes, pairs, strict=True):
        _system(ts, metric).plot(ax=ax)
        ax.set_title(title, fontsize=9)
    return axes


def plot_losses_by_holder(summary: dict, ax=None):
    """Financial losses (USD bn) by holder kind, outsiders included."""
    ax = _ax(ax)
    data = {k: v for k, v in summary["losses_by_holder_kind"].items() if abs(v) > 1e-9}
    ax.bar(list(data), list(data.values()), color=[KIND_COLOURS.get(k, "grey") for k in data])
    ax.set_ylabel("USD bn")
    ax.set_title("who bears the loss")
    ax.tick_params(axis="x", rotation=45, labelsize=7)
    return ax


def plot_sim(sim, what: str = "overview", **kwargs):
    """A figure for one run: ``overview``, ``losses``, ``thermometer``, ``defaults`` or ``prices``."""
    ts, ev = sim.timeseries, sim.events
    title = f"{sim.pars['scenario']} / {sim.pars['productivity']} / seed {sim.seed}"
    if what == "overview":
        fig, ax = plt.subplots(2, 3, figsize=(15, 7.5))
        plot_revenue(ts, sim.summary["hurdle_revenue"], ax[0, 0])
        plot_equity_by_kind(ts, ax[0, 1])
        plot_losses_by_channel(ts, ax[0, 2])
        plot_defaults(ev, ax[1, 0])
        plot_prices(ts, ax[1, 1])
        plot_losses_by_holder(sim.summary, ax[1, 2])
    elif what == "thermometer":
        fig, axes = plt.subplots(1, 5, figsize=(16, 3))
        plot_thermometer(ts, axes)
    elif what in ("losses", "defaults", "prices"):
        fig, a = plt.subplots(figsize=(7, 4))
        {
            "losses": lambda: plot_losses_by_holder(sim.summary, a),
            "defaults": lambda: plot_defaults(ev, a),
            "prices": lambda: plot_prices(ts, a),
        }[what]()
    else:
        raise ValueError(f"unknown plot {what!r} (overview, losses, thermometer, defaults, prices)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_paths(sims: Mapping[str, object]):
    """Compare runs (e.g. the four productivity paths): revenue, losses, defaults, SPV bond price."""
    fig, ax = plt.subplots(1, 4, figsize=(17, 3.8))
    for name, sim in sims.items():
        ts = sim.timeseries
        _system(ts, "ai_revenue").plot(ax=ax[0], label=name)
        _system(ts, "losses").plot(ax=ax[1], label=name)
        _system(ts, "defaults").plot(ax=ax[2], label=name)
        _system(ts, "spv_bond_price").plot(ax=ax[3], label=name)
    hurdle = next(iter(sims.values())).summary["hurdle_revenue"]
    ax[0].axhline(hurdle, color="k", ls="--", lw=0.8)
    for a, t in zip(
        ax,
        (
            "AI end revenue (USD bn/yr)",
            "cumulative losses (USD bn)",
            "institutions defaulted",
            "SPV debt price (per 100)",
        ),
        strict=True,
    ):
        a.set_title(t, fontsize=10)
        a.legend(fontsize=7)
    fig.tight_layout()
    return fig


__all__ = [
    "plot_sim",
    "plot_paths",
    "plot_revenue",
    "plot_equity_by_kind",
    "plot_losses_by_channel",
    "plot_defaults",
    "plot_prices",
    "plot_thermometer",
    "plot_losses_by_holder",
    "Kind",
]
