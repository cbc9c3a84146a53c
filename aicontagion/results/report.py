"""Reports of a run for people: its summary as a text table, a comparison table over setups, and
the run's standard figures written to a folder (the same set for ``aicontagion run`` and ``make demo``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt

from aicontagion.results.plots import plot_sim

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
    ("months_to_first_default", "months to first default", "{:.0f}"),
    ("months_to_half_loss", "months to 50% of losses", "{:.0f}"),
    ("months_to_90pct_loss", "months to 90% of losses", "{:.0f}"),
    ("defaults", "defaults", "{:.0f}"),
    ("total_loss", "financial losses (USD bn)", "{:,.1f}"),
    ("system_loss_ratio", "losses / system assets", "{:.2%}"),
    ("fiscal_cost", "fiscal cost (USD bn)", "{:,.1f}"),
)


def format_summary(summary: dict, title: str = "") -> str:
    """A run's summary as a readable text table."""
    lines = [title, "-" * max(len(title), 40)] if title else []
    for key, label, fmt in KEY_METRICS:
        v = summary.get(key)
        lines.append(f"{label:32s} {'-' if v is None or v != v else fmt.format(v)}")
    for block, label in (
        ("defaults_by_kind", "defaults by kind"),
        ("losses_by_holder_kind", "losses by holder (USD bn)"),
        ("losses_by_channel", "losses by channel (USD bn)"),
        ("thermometer", "risk thermometer (last)"),
    ):
        items = summary.get(block, {})
        shown = {k: v for k, v in items.items() if isinstance(v, float | int) and v == v and abs(v) > 1e-9}
        if shown:
            lines.append(f"{label}:")
            lines += [f"  {k:30s} {v:,.3g}" for k, v in shown.items()]
    if summary.get("default_order"):
        lines.append(
            "default order: "
            + ", ".join(summary["default_order"][:12])
            + (" ..." if len(summary["default_order"]) > 12 else "")
        )
    return "\n".join(lines)


def comparison_table(table):
    """Mean over seeds of the key metrics, one column per setup."""
    cols = [k for k, _, _ in KEY_METRICS if k in table.columns]
    extra = [c for c in table.columns if c.startswith("defaults_by_kind.") or c.startswith("losses_by_holder_kind.")]
    return table.groupby("setup", sort=False)[cols + extra].mean().T
