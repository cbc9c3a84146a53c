"""The model's clock: months counted from the scenario's start month (``"YYYY-MM"``)."""

from __future__ import annotations


def month_index(month: str, start: str) -> int:
    """Months from ``start`` to ``month`` (both ``"YYYY-MM"``); negative before the start."""
    y, m = month.split("-")
    y0, m0 = start.split("-")
    return (int(y) - int(y0)) * 12 + (int(m) - int(m0))
