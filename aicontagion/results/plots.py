"""Figures: free functions that take results and an optional ``ax`` and return matplotlib objects.

Every figure follows :mod:`aicontagion.results.style`: axes labelled with units, dates with concise
ticks, one colour per institution kind, holder kind, channel and path (:data:`~aicontagion.results.style.PALETTE`),
legends outside the data, and the scenario and seed(s) in the title or caption. Nothing here shows
figures on screen or switches backends; callers decide where figures go.

Losses are named for what they are: the ``losses`` series and the channel series are losses at the
final bearers **marked to market, to date** (they fall when marks recover); the bar chart of
holders is the final run's losses. The SPV debt price is an index of **live** debt: when an issuer
defaults its debt leaves the index, so the figures mark each SPV default where it happens.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind
from aicontagion.results.style import (
    CHANNEL_COLOURS,
    CYCLE,
    KIND_COLOURS,
    axis_label,
    caption,
    colour,
    date_axis,
    label,
    legend_outside,
    seeds_text,
    setup_colours,
    unit,
)

THERMOMETER_PANELS = (
    ("ai_revenue_to_hurdle", "1. AI revenue / hurdle"),
    ("neocloud_equity_index", "2. neocloud equity"),
    ("spv_bond_price", "3. SPV debt price (live debt; x: issuer default)"),
    ("take_or_pay_share", "4. take-or-pay share"),
    ("utilisation", "5. compute utilisation"),
)
SPV_DEFAULT_MARK = {"marker": "x", "s": 36, "linewidths": 1.5, "zorder": 5}


def _ax(ax, figsize=(7.5, 3.8)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _system(ts: pd.DataFrame, metric: str) -> pd.Series:
    s = ts[(ts["level"] == "system") & (ts["metric"] == metric)]
    return s.set_index("date")["value"]


def run_title(sim) -> str:
    """``scenario / path path / seed N`` for a Sim (run or loaded)."""
    return f"{sim.pars['scenario']} / {sim.pars['productivity']} path / seed {sim.seed}"


def run_caption(sim) -> str:
    """Provenance for a figure's caption: months, policies, scenario hash, code version."""
    prov = sim.provenance
    policies = ", ".join(prov.get("policies") or []) or "none"
    return (
        f"one run ({seeds_text(sim.seed)}), {prov.get('months')} months; policies: {policies}; "
        f"scenario hash {prov.get('scenario_hash')}; aicontagion {prov.get('code_version')}"
    )


def plot_revenue(ts: pd.DataFrame, hurdle: float, ax=None, label_: str | None = None):
    """AI end revenue (USD bn/yr) against the hurdle revenue."""
    ax = _ax(ax)
    s = _system(ts, "ai_revenue")
    ax.plot(s.index, s.values, color=colour("base"), label=label_ or "AI end revenue")
    ax.axhline(hurdle, color="k", ls="--", lw=0.8, label=f"hurdle revenue ({hurdle:,.0f})")
    ax.set_ylabel(axis_label("ai_revenue"))
    ax.set_ylim(bottom=0)
    ax.set_title("AI end revenue vs hurdle")
    date_axis(ax)
    legend_outside(ax)
    return ax


def plot_equity_by_kind(ts: pd.DataFrame, ax=None):
    """Equity of each kind relative to its start (kinds with no opening equity are left out)."""
    ax = _ax(ax)
    k = ts[(ts["level"] == "kind") & (ts["metric"] == "equity")].pivot(index="date", columns="entity", values="value")
    base = k.iloc[0].where(k.iloc[0] > 0)
    rel = k / base
    for col in rel.columns:
        if rel[col].notna().any():
            ax.plot(rel.index, rel[col], label=col, color=KIND_COLOURS.get(col))
    ax.axhline(1, color="k", lw=0.5, ls=":")
    ax.axhline(0, color="k", lw=0.5)
    ax.set_ylabel("equity (index, 1 = start)")
    ax.set_title("equity by institution kind")
    date_axis(ax)
    legend_outside(ax, title="kind")
    return ax


def plot_losses_by_channel(ts: pd.DataFrame, ax=None):
    """Losses at the final bearers by channel, marked to market, to date (USD bn), stacked."""
    ax = _ax(ax)
    sel = ts[(ts["level"] == "system") & ts["metric"].str.startswith("loss_")]
    wide = sel.pivot(index="date", columns="metric", values="value").clip(lower=0)
    wide.columns = [c.removeprefix("loss_") for c in wide.columns]
    wide = wide.loc[:, wide.abs().max() > 1e-9]
    if wide.shape[1]:
        ax.stackplot(
            wide.index,
            wide.T.values,
            labels=[c.replace("_", " ") for c in wide.columns],
            colors=[CHANNEL_COLOURS.get(c, "grey") for c in wide.columns],
            alpha=0.85,
        )
    else:
        ax.text(0.5, 0.5, "no losses", ha="center", va="center", transform=ax.transAxes)
    ax.set_title("losses by channel (marked to market)")
    ax.set_ylabel("USD bn, to date")
    date_axis(ax)
    legend_outside(ax, title="channel")
    return ax


def plot_defaults(events: pd.DataFrame, ax=None, span: tuple | None = None):
    """When each institution defaulted (x: date; y: order of default), coloured by kind; ``span``
    (first and last date of the run) sets the x axis, so a run without defaults shows its dates."""
    ax = _ax(ax)
    d = events[events["event"] == "default"] if len(events) else events
    if len(d) == 0:
        ax.text(0.5, 0.5, "no defaults", ha="center", va="center", transform=ax.transAxes)
    seen = set()
    if len(d):
        lo, hi = d["date"].min(), d["date"].max()
        middle = lo + (hi - lo) / 2
    for y, r in enumerate(d.itertuples(), start=1):
        ax.scatter(
            r.date, y, color=KIND_COLOURS.get(r.kind, "grey"), s=28, label=None if r.kind in seen else r.kind, zorder=3
        )
        seen.add(r.kind)
        right = r.date <= middle  # names right of early defaults, left of late ones: inside the axes
        ax.annotate(
            r.institution,
            (r.date, y),
            fontsize=7,
            xytext=(5 if right else -5, -3),
            textcoords="offset points",
            ha="left" if right else "right",
        )
    if len(d):
        ax.set_ylim(0.3, len(d) + 0.7)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.margins(x=0.08)
    else:
        ax.set_yticks([])
    if span is not None:
        ax.set_xlim(pd.Timestamp(span[0]), pd.Timestamp(span[1]))
    ax.set_ylabel("order of default (1 = first)")
    ax.set_title(f"defaults in order ({len(d)})")
    date_axis(ax)
    legend_outside(ax, title="kind")
    return ax


def plot_prices(ts: pd.DataFrame, ax=None):
    """Trade prices of the asset classes (index, 1 = start)."""
    ax = _ax(ax)
    sel = ts[(ts["level"] == "system") & ts["metric"].str.startswith("price_")]
    wide = sel.pivot(index="date", columns="metric", values="value")
    styles = ("-", "--", "-.", ":")
    for i, c in enumerate(wide.columns):
        ax.plot(wide.index, wide[c], label=c.removeprefix("price_").replace("_", " "), ls=styles[i % 4], color=f"C{i}")
    ax.set_title("asset prices")
    ax.set_ylabel("trade price (index, 1 = start)")
    date_axis(ax)
    legend_outside(ax, title="asset")
    return ax


def spv_defaults(events: pd.DataFrame) -> pd.DataFrame:
    """The SPV defaults (``date``, ``institution``): where an issuer's debt leaves the SPV debt index."""
    if len(events) == 0:
        return pd.DataFrame(columns=["date", "institution"])
    d = events[(events["event"] == "default") & (events["kind"] == Kind.SPV.label)]
    return d[["date", "institution"]].reset_index(drop=True)


def mark_spv_defaults(ax, price: pd.Series, events: pd.DataFrame, color: str = "k", annotate: bool = True):
    """Mark each SPV default on an SPV debt price line (the issuer's debt leaves the index there)."""
    d = spv_defaults(events)
    for i, r in enumerate(d.itertuples()):
        before = price[price.index < r.date].dropna()
        y = before.iloc[-1] if len(before) else price.dropna().iloc[0] if price.notna().any() else np.nan
        ax.scatter([r.date], [y], color=color, label="SPV issuer defaults" if i == 0 else None, **SPV_DEFAULT_MARK)
        if annotate:
            ax.annotate(r.institution, (r.date, y), fontsize=6, xytext=(3, 4), textcoords="offset points", color=color)
    return ax


def plot_thermometer(ts: pd.DataFrame, axes=None, events: pd.DataFrame | None = None):
    """The five risk-thermometer indicators (SEED_NOTES section 7) over time."""
    if axes is None:
        _, axes = plt.subplots(1, 5, figsize=(17, 3.2), layout="constrained")
    for ax, (metric, title) in zip(axes, THERMOMETER_PANELS, strict=True):
        s = _system(ts, metric)
        ax.plot(s.index, s.values, color=colour("base"))
        if metric == "spv_bond_price" and events is not None:
            mark_spv_defaults(ax, s, events, annotate=False)
        if metric == "ai_revenue_to_hurdle":
            ax.axhline(1.0, color="k", lw=0.6, ls="--")
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(unit(metric), fontsize=8)
        date_axis(ax)
    return axes


def plot_losses_by_holder(summary: dict, ax=None):
    """Final losses (USD bn) by holder kind, outsiders included, at the end of the run."""
    ax = _ax(ax)
    data = {k: v for k, v in summary["losses_by_holder_kind"].items() if abs(v) >= 0.05}  # shown as 0.1 or more
    names = list(data)
    ax.bar(range(len(names)), list(data.values()), color=[colour(k) for k in names])
    ax.set_xticks(range(len(names)), [n.replace("_", " ") for n in names], rotation=30, ha="right", fontsize=8)
    for i, v in enumerate(data.values()):
        ax.annotate(
            f"{v:,.1f}", (i, v), ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points"
        )
    ax.set_ylabel("losses at the end of the run (USD bn)")
    ax.set_xlabel("holder kind (through which the loss is borne)")
    ax.set_title(f"who bears the loss (total {summary['total_loss']:,.1f} bn)")
    ax.margins(y=0.12)
    if not names:
        ax.text(0.5, 0.5, "no losses", ha="center", va="center", transform=ax.transAxes)
    return ax


def plot_sim(sim, what: str = "overview", **kwargs):
    """A figure for one run (run or loaded): ``overview``, ``losses``, ``thermometer``, ``defaults`` or ``prices``."""
    ts, ev = sim.timeseries, sim.events
    if what == "overview":
        fig, ax = plt.subplots(2, 3, figsize=(18, 8.5), layout="constrained")
        plot_revenue(ts, sim.summary["hurdle_revenue"], ax[0, 0])
        plot_equity_by_kind(ts, ax[0, 1])
        plot_losses_by_channel(ts, ax[0, 2])
        plot_defaults(ev, ax[1, 0], span=(ts["date"].min(), ts["date"].max()))
        plot_prices(ts, ax[1, 1])
        plot_losses_by_holder(sim.summary, ax[1, 2])
    elif what == "thermometer":
        fig, axes = plt.subplots(1, 5, figsize=(18, 3.6), layout="constrained")
        plot_thermometer(ts, axes, events=ev)
    elif what in ("losses", "defaults", "prices"):
        fig, a = plt.subplots(figsize=(8, 4.5), layout="constrained")
        {
            "losses": lambda: plot_losses_by_holder(sim.summary, a),
            "defaults": lambda: plot_defaults(ev, a, span=(ts["date"].min(), ts["date"].max())),
            "prices": lambda: plot_prices(ts, a),
        }[what]()
    else:
        raise ValueError(f"unknown plot {what!r} (overview, losses, thermometer, defaults, prices)")
    fig.suptitle(run_title(sim))
    fig.get_layout_engine().set(h_pad=0.12)
    caption(fig, run_caption(sim))
    return fig


def plot_paths(sims: Mapping[str, object]):
    """Compare runs (e.g. the four productivity paths), one colour per run: AI revenue against the
    hurdle, marked-to-market losses, defaults and the SPV debt price (issuer defaults marked)."""
    fig, ax = plt.subplots(1, 4, figsize=(19, 4.4), layout="constrained")
    colours = setup_colours(sims)
    styles = ("-", "--", "-.", ":")  # lines that coincide stay visible
    for i, (name, sim) in enumerate(sims.items()):
        ts, c, ls = sim.timeseries, colours[name], styles[i % len(styles)]
        for a, metric in zip(ax, ("ai_revenue", "losses", "defaults", "spv_bond_price"), strict=True):
            s = _system(ts, metric)
            if metric == "defaults":
                a.step(s.index, s.values, where="post", color=c, ls=ls, label=name)
            else:
                a.plot(s.index, s.values, color=c, ls=ls, label=name)
            if metric == "spv_bond_price":
                mark_spv_defaults(a, s, sim.events, color=c)
    first = next(iter(sims.values()))
    ax[0].axhline(first.summary["hurdle_revenue"], color="k", ls="--", lw=0.8, label="hurdle revenue")
    panels = (
        ("AI end revenue vs hurdle", "revenue (USD bn / year)"),
        ("losses at final bearers, marked to market", "losses (USD bn, to date)"),
        ("defaults", "institutions in default (cumulative)"),
        ("SPV debt price (live debt; x: issuer defaults)", "price (per 100 of face)"),
    )
    for a, (title, ylabel) in zip(ax, panels, strict=True):
        a.set_title(title, fontsize=10)
        a.set_ylabel(ylabel)
        date_axis(a)
    ax[2].yaxis.get_major_locator().set_params(integer=True)
    legend_outside(ax[3], title="path")
    seeds = sorted({int(s.seed) for s in sims.values()})
    fig.suptitle(f"{first.pars['scenario']}: {', '.join(sims)} ({seeds_text(seeds)}, one run each)")
    caption(
        fig,
        "Losses are marked to market, to date: they fall when marks recover. The SPV debt price is an index of "
        "live debt: at an issuer's default (x) its debt leaves the index. " + run_caption(first).split("; ", 1)[1],
    )
    fig.get_layout_engine().set(h_pad=0.12)
    return fig


def plot_bands(
    quantiles: pd.DataFrame,
    metric: str,
    seeds: Iterable[int],
    ax=None,
    lo: str = "q05",
    mid: str = "q50",
    hi: str = "q95",
    scenario: str = "",
):
    """The median of a series over seeds with a band (``lo``-``hi`` columns of ``quantiles``, as
    :meth:`aicontagion.runs.multisim.MultiSim.quantiles` gives), one colour per setup."""
    ax = _ax(ax, figsize=(8, 4))
    data = quantiles[quantiles["metric"] == metric]
    if data.empty:
        raise KeyError(f"no quantiles of metric {metric!r}")
    setups = list(dict.fromkeys(data["setup"]))
    colours = setup_colours(setups)
    band = f"{lo[1:].lstrip('0') or '0'}-{hi[1:]}% band"
    for name, g in data.groupby("setup", sort=False):
        c = colours[name]
        ax.fill_between(g["date"], g[lo], g[hi], color=c, alpha=0.2, lw=0)
        ax.plot(g["date"], g[mid], color=c, label=f"{name}: median, {band}" if name != "run" else None)
    ax.set_ylabel(axis_label(metric))
    where = f"{scenario}: " if scenario else ""
    ax.set_title(f"{where}{label(metric)} over {seeds_text(list(seeds))}", fontsize=10)
    if setups == ["run"]:
        ax.plot([], [], color=colours["run"], label=f"median, {band}")
    date_axis(ax)
    legend_outside(ax)
    return ax


__all__ = [
    "KIND_COLOURS",
    "CHANNEL_COLOURS",
    "mark_spv_defaults",
    "plot_bands",
    "plot_indices",
    "plot_sim",
    "plot_paths",
    "plot_revenue",
    "plot_equity_by_kind",
    "plot_losses_by_channel",
    "plot_defaults",
    "plot_prices",
    "plot_thermometer",
    "plot_losses_by_holder",
    "run_caption",
    "run_title",
    "spv_defaults",
]


def plot_indices(
    indices: pd.DataFrame,
    outcome: str,
    outcome_label: str = "",
    what: str = "",
    n: int = 12,
    conf_level: float = 0.95,
):
    """A tornado of one outcome of a sensitivity analysis (:mod:`aicontagion.runs.sensitivity`):
    Morris ``mu*`` (left) and Sobol ``S1``/``ST`` (right), largest on top, with the bootstrap
    intervals as error bars; ``outcome_label`` names the outcome with its unit."""
    g = indices[indices["outcome"] == outcome]
    morris = g[g["method"] == "morris"].sort_values("mu_star").tail(n)
    sobol = g[(g["method"] == "sobol")].sort_values("ST", na_position="first").tail(n)
    panels = [p for p, t in (("morris", morris), ("sobol", sobol)) if len(t)]
    fig, axes = plt.subplots(1, len(panels), figsize=(6.2 * len(panels), 0.35 * max(len(morris), len(sobol), 4) + 1.8))
    axes = np.atleast_1d(axes)
    for ax, panel in zip(axes, panels, strict=True):
        if panel == "morris":
            y = np.arange(len(morris))
            ax.barh(y, morris["mu_star"], xerr=morris["mu_star_conf"], color=CYCLE[0], alpha=0.8, capsize=2)
            ax.set_yticks(y, morris["parameter"], fontsize=8)
            ax.set_xlabel(f"Morris mu* ({outcome_label or outcome})", fontsize=8)
            ax.set_title("screening: mean absolute elementary effect", fontsize=9)
        else:
            y = np.arange(len(sobol))
            ax.barh(y + 0.2, sobol["ST"], 0.4, xerr=sobol["ST_conf"], color=CYCLE[1], label="total ST", capsize=2)
            ax.barh(y - 0.2, sobol["S1"], 0.4, xerr=sobol["S1_conf"], color=CYCLE[2], label="first-order S1", capsize=2)
            ax.set_yticks(y, sobol["parameter"], fontsize=8)
            ax.set_xlabel("Sobol index (share of the outcome's variance)", fontsize=8)
            ax.set_title("variance shares", fontsize=9)
            ax.legend(fontsize=7, loc="lower right")
        ax.tick_params(labelsize=7)
    fig.suptitle(f"what drives {outcome}: {outcome_label or outcome}", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    bars = f"Error bars: {100 * conf_level:g}% bootstrap intervals."
    caption(fig, f"{what}. {bars}" if what else bars)
    return fig
