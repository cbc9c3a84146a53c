"""Reports of a run for people: its summary as a text table, a comparison table over setups with
intervals over seeds, and the run's standard figures written to a folder (the same set for
``Sim.save``, ``aicontagion run`` and ``make demo``).

Every table uses one number format (:func:`fmt`: thousands separators, fixed decimals; shares as
percentages) and says which seeds it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from aicontagion.results.plots import plot_sim
from aicontagion.results.style import seeds_text

FIGURES = ("overview", "losses")
"""The figures :func:`save_figures` writes (``<name>.png``)."""


def save_figures(sim, folder: Path, dpi: int = 110) -> list[Path]:
    """Write the run's :data:`FIGURES` as PNG files into ``folder``; returns their paths."""
    paths = []
    for what in FIGURES:
        fig = plot_sim(sim, what)
        path = Path(folder) / f"{what}.png"
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        paths.append(path)
    return paths


KEY_METRICS = (
    ("months_to_first_default", "months to first default", "number"),
    ("months_to_half_loss", "months to 50% of losses", "number"),
    ("months_to_90pct_loss", "months to 90% of losses", "number"),
    ("defaults", "defaults", "number"),
    ("total_loss", "financial losses (USD bn)", "number"),
    ("system_loss_ratio", "losses / system assets", "share"),
    ("fiscal_cost", "fiscal cost (USD bn)", "number"),
)
"""The headline metrics of the tables: summary key, label, format (:func:`fmt`)."""

BLOCKS = (
    ("defaults_by_kind", "defaults by kind", "number"),
    ("losses_by_holder_kind", "losses by holder (USD bn)", "number"),
    ("losses_by_channel", "losses by channel (USD bn)", "number"),
    ("thermometer", "risk thermometer (last month)", "index"),
)
"""The per-kind, per-holder, per-channel and thermometer blocks of a summary."""

DECIMALS = {"number": 1, "index": 3, "share": 2}


def fmt(v, style: str = "number") -> str:
    """One number format for every table: ``1,391.1`` (numbers: thousands separators, one
    decimal), ``0.853`` (indices: three decimals), ``9.20%`` (shares); ``-`` for none (NaN)."""
    if v is None or v != v:
        return "-"
    d = DECIMALS[style]
    return f"{v:.{d}%}" if style == "share" else f"{v:,.{d}f}"


def format_summary(summary: dict, title: str = "") -> str:
    """A run's summary as a readable text table (the title, if given, should name the seed)."""
    lines = [title, "-" * max(len(title), 40)] if title else []
    for key, label, style in KEY_METRICS:
        lines.append(f"{label:32s} {fmt(summary.get(key), style)}")
    for block, label, style in BLOCKS:
        items = summary.get(block, {})
        shown = {k: v for k, v in items.items() if isinstance(v, float | int) and v == v and abs(v) > 1e-9}
        if shown:
            lines.append(f"{label}:")
            lines += [f"  {k:30s} {fmt(v, style)}" for k, v in shown.items()]
    off = [k for k, v in summary.get("channels", {}).items() if not v]
    lines.append(f"{'channels switched off':32s} {', '.join(off) if off else 'none'}")
    if summary.get("default_order"):
        lines.append(
            "default order: "
            + ", ".join(summary["default_order"][:12])
            + (" ..." if len(summary["default_order"]) > 12 else "")
        )
    if "scenario_hash" in summary:
        lines.append(
            f"seed {summary.get('seed')}; scenario {summary.get('scenario')} (hash {summary['scenario_hash']}); "
            f"aicontagion {summary.get('code_version')}"
        )
    return "\n".join(lines)


def table_rows(table: pd.DataFrame) -> list[tuple[str, str, str]]:
    """The rows of a comparison: (column, label, format) for the headline metrics, then defaults
    and losses by kind (those that are not zero in every run)."""
    rows = [(k, label, style) for k, label, style in KEY_METRICS if k in table.columns]
    for prefix, what in (("defaults_by_kind.", "defaults: "), ("losses_by_holder_kind.", "losses borne by ")):
        for c in table.columns:
            if c.startswith(prefix) and table[c].abs().max() > 1e-9:
                rows.append((c, what + c.removeprefix(prefix), "number"))
    return rows


def comparison_table(table: pd.DataFrame, q: Sequence[float] = (0.05, 0.95)) -> pd.DataFrame:
    """One column per setup, one row per metric: the mean over seeds and its ``q`` interval
    (``751.9 [412.0, 1,204.3]``), as text in the one number format; with one seed, the value.
    A metric that not every run has (months to first default, when some runs have none) says
    in how many runs it happened (``(7/10)``). ``table`` has one row per (setup, seed)."""
    lo, hi = q
    out = {}
    for setup, g in table.groupby("setup", sort=False):
        n = len(g)
        cells = {}
        for col, label, style in table_rows(table):
            v = g[col].astype(float)
            have = int(v.notna().sum())
            if n == 1 or have <= 1:
                text = fmt(v.mean() if have else float("nan"), style)
            else:
                text = f"{fmt(v.mean(), style)} [{fmt(v.quantile(lo), style)}, {fmt(v.quantile(hi), style)}]"
            if 0 < have < n:
                text += f" ({have}/{n})"
            cells[label] = text
        out[setup] = cells
    return pd.DataFrame(out)


def format_comparison(table: pd.DataFrame, q: Sequence[float] = (0.05, 0.95), title: str | None = None) -> str:
    """:func:`comparison_table` as text, under a line saying what it shows and on which seeds."""
    seeds = sorted(set(table["seed"])) if "seed" in table else []
    scenario = f"{table['scenario'].iloc[0]}: " if "scenario" in table and len(table) else ""
    if len(seeds) == 1:
        what = f"one run per setup ({seeds_text(seeds)}): values of one seed, not means"
    else:
        what = f"mean [{q[0]:.0%}-{q[1]:.0%} interval] over {seeds_text(seeds)} per setup"
    head = title or f"{scenario}{what}"
    lines = [head]
    if len(seeds) > 1:
        lines.append("(k/N): the metric happened in k of the N runs; its mean and interval are over those k")
    with pd.option_context("display.width", 250, "display.max_colwidth", 60):
        lines.append(comparison_table(table, q).to_string())
    return "\n".join(lines)
