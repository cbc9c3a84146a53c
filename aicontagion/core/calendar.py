"""The model's clock: months counted from the scenario's start month (``"YYYY-MM"``)."""

from __future__ import annotations


def month_index(month: str, start: str) -> int:
    """Months from ``start`` to ``month`` (both ``"YYYY-MM"``); negative before the start."""
    y, m = (int(x) for x in month.split("-"))
    y0, m0 = (int(x) for x in start.split("-"))
    return (y - y0) * 12 + (m - m0)
