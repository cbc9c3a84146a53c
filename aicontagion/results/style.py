"""One figure style for the package: a single palette, metric names with units, date axes, legends
outside the data, captions that say what ran.

* :data:`PALETTE`: one colour per institution kind *and* holder kind (``outside_creditors``,
  ``outside``), per loss channel (``channel:<name>``) and per productivity path (``path:<name>``);
  :func:`colour` looks a name up (kinds first).
* :data:`METRICS`: each series' readable name and unit (:func:`label`, :func:`unit`).
* :func:`date_axis`: matplotlib's concise date ticks (no overlapping labels).
* :func:`legend_outside`: the legend to the right of the axes, never over the data.
* :func:`seeds_text` and :func:`caption`: which seeds and scenario a figure shows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.dates as mdates

PALETTE: dict[str, str] = {
    # institution kinds (and the holder kinds of the loss tables, which are kinds plus outsiders)
    "tech_giant": "#1f77b4",
    "ai_lab": "#9467bd",
    "chip_supplier": "#2ca02c",
    "neocloud": "#ff7f0e",
    "spv": "#d62728",
    "private_credit_fund": "#8c564b",
    "bank": "#17becf",
    "pension_lp": "#7f7f7f",
    "government": "#000000",
    "money_market_fund": "#e377c2",
    "outside_creditors": "#bcbd22",
    "outside_buyers": "#dbdb8d",
    "outside": "#bcbd22",
    # loss channels
    "channel:operating": "#7f7f7f",
    "channel:interest": "#bcbd22",
    "channel:depreciation": "#c7c7c7",
    "channel:market": "#1f77b4",
    "channel:fire_sale": "#d62728",
    "channel:counterparty": "#ff7f0e",
    "channel:strategic_default": "#9467bd",
    "channel:funding": "#2ca02c",
    "channel:guarantee": "#17becf",
    "channel:resolution": "#8c564b",
    # productivity paths
    "path:fast": "#2ca02c",
    "path:base": "#1f77b4",
    "path:slow": "#ff7f0e",
    "path:disproven": "#d62728",
}
"""The package's colours: every figure takes kinds', holders', channels' and paths' colours from here."""

KIND_COLOURS = {k: v for k, v in PALETTE.items() if ":" not in k}
CHANNEL_COLOURS = {k.removeprefix("channel:"): v for k, v in PALETTE.items() if k.startswith("channel:")}
PATH_COLOURS = {k.removeprefix("path:"): v for k, v in PALETTE.items() if k.startswith("path:")}
CYCLE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
"""Colours of setups that are not productivity paths, in order."""

METRICS: dict[str, tuple[str, str]] = {
    "ai_revenue": ("AI end revenue", "USD bn / year"),
    "expected_ai_revenue": ("expected AI end revenue", "USD bn / year"),
    "sentiment": ("sentiment: expected AI revenue / hurdle", "ratio"),
    "capacity": ("installed compute capacity", "USD bn / year of revenue served"),
    "rent_index": ("GPU rent", "index, 1 = start"),
    "rent_usd": ("GPU rent", "USD / GPU-hour"),
    "rent_to_break_even": ("GPU rent / break-even rent", "ratio"),
    "capex_spent": ("capex spent", "USD bn, cumulative"),
    "system_equity": ("system equity", "USD bn"),
    "losses": ("marked-to-market losses at final bearers", "USD bn, to date"),
    "outside_losses": ("losses of outside creditors", "USD bn, to date"),
    "defaults": ("institutions in default", "count, cumulative"),
    "fiscal_cost": ("fiscal cost", "USD bn, cumulative"),
    "ai_revenue_to_hurdle": ("AI revenue / hurdle revenue", "ratio"),
    "ai_revenue_growth": ("AI revenue growth", "year on year"),
    "neocloud_equity_index": ("neocloud equity", "index, 1 = start"),
    "neocloud_spread": ("neocloud credit spread", "per year"),
    "spv_bond_price": ("SPV debt price (live debt)", "per 100 of face"),
    "spv_spread": ("SPV credit spread", "per year"),
    "take_or_pay_share": ("take-or-pay share of contracts", "share, payment-weighted"),
    "customer_concentration": ("neocloud customer concentration", "Herfindahl index, 0-1"),
    "contract_months_left": ("contract months left", "months, payment-weighted"),
    "pipeline_share": ("capacity waiting for power", "share of installed"),
    "utilisation": ("compute utilisation", "share"),
}
"""Readable name and unit of each system series (prices ``price_<asset>``: index, 1 = start;
channel losses ``loss_<channel>``: USD bn to date)."""


def label(metric: str) -> str:
    """The readable name of a series."""
    if metric in METRICS:
        return METRICS[metric][0]
    if metric.startswith("price_"):
        return f"price of {metric.removeprefix('price_').replace('_', ' ')}"
    if metric.startswith("loss_"):
        return f"losses through {metric.removeprefix('loss_').replace('_', ' ')}"
    return metric.replace("_", " ")


def unit(metric: str) -> str:
    """The unit of a series."""
    if metric in METRICS:
        return METRICS[metric][1]
    if metric.startswith("price_"):
        return "index, 1 = start"
    if metric.startswith("loss_"):
        return "USD bn, to date"
    return ""


def axis_label(metric: str) -> str:
    """``name (unit)`` for an axis."""
    u = unit(metric)
    return f"{label(metric)} ({u})" if u else label(metric)


def colour(name: str, i: int = 0) -> str:
    """The colour of a kind, holder kind, channel or path (looked up in that order), else the
    ``i``-th colour of :data:`CYCLE`."""
    for key in (name, f"channel:{name}", f"path:{name}"):
        if key in PALETTE:
            return PALETTE[key]
    return CYCLE[i % len(CYCLE)]


def date_axis(ax):
    """Concise date ticks on the x axis (years, then months; labels never overlap); returns ``ax``."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_xlabel("date (month)")
    return ax


def legend_outside(ax, title: str | None = None, **kwargs):
    """The legend to the right of the axes (outside the data); returns it (None if nothing is labelled)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    opts = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "fontsize": 7, "frameon": False}
    return ax.legend(handles, labels, title=title, title_fontsize=7, **(opts | kwargs))


def seeds_text(seeds: int | Iterable[int]) -> str:
    """``seed 1``, ``seeds 0, 3`` or ``10 seeds (0-9)``."""
    if isinstance(seeds, int):
        return f"seed {seeds}"
    seeds = sorted({int(s) for s in seeds})
    if len(seeds) == 1:
        return f"seed {seeds[0]}"
    if len(seeds) <= 3:
        return "seeds " + ", ".join(map(str, seeds))
    contiguous = seeds == list(range(seeds[0], seeds[-1] + 1))
    return f"{len(seeds)} seeds ({seeds[0]}-{seeds[-1]})" if contiguous else f"{len(seeds)} seeds"


def caption(fig, text: str):
    """A caption at the bottom left of ``fig`` (its ``supxlabel``, so constrained layout leaves room
    for it); returns the text artist."""
    return fig.supxlabel(text, x=0.005, ha="left", fontsize=7, color="#444444", wrap=True)


def setup_colours(names: Iterable[str]) -> Mapping[str, str]:
    """A colour per setup: a path's own colour, else the next colour of :data:`CYCLE`."""
    out, i = {}, 0
    for n in names:
        if f"path:{n}" in PALETTE:
            out[n] = PALETTE[f"path:{n}"]
        else:
            out[n] = CYCLE[i % len(CYCLE)]
            i += 1
    return out


__all__ = [
    "CHANNEL_COLOURS",
    "CYCLE",
    "KIND_COLOURS",
    "METRICS",
    "PALETTE",
    "PATH_COLOURS",
    "axis_label",
    "caption",
    "colour",
    "date_axis",
    "label",
    "legend_outside",
    "seeds_text",
    "setup_colours",
    "unit",
]
