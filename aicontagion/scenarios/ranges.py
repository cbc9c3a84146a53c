"""Uncertainty ranges of scenario numbers: ``{value: .., range: [low, high]}`` or a named distribution.

A number marked ``assumed`` (or cited with a published range) may carry its uncertainty in the
scenario file; the scenario runs at ``value``, the range feeds the sensitivity analysis
(:mod:`aicontagion.runs.sensitivity`)::

    noise_sigma: {value: 0.03, range: [0.015, 0.06]}                       # uniform over the range
    gate: {value: 0.05, dist: triangular, low: 0.02, high: 0.1}            # peak at value (or mode:)
    spread_distress: {value: 0.05, dist: loguniform, low: 0.025, high: 0.1}

:func:`split_ranges` replaces every such mapping by its ``value`` (so the schema sees plain
numbers and results do not change) and returns the ranges, each a :class:`ParamRange` named by
the dotted path that overrides take (``behaviour.bank.run_distress``; list items by id:
``institutions.openai.params.outside_capacity``). A malformed range is a one-line
:class:`~aicontagion.scenarios.loader.ScenarioError`-style error raised through ``error``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DISTS = ("uniform", "triangular", "loguniform")
_KEYS = {"value", "range", "dist", "low", "high", "mode"}
SALIB_DISTS = {"uniform": "unif", "triangular": "triang", "loguniform": "logunif"}


@dataclass(frozen=True)
class ParamRange:
    """The uncertainty of one scenario number: its point ``value`` and ``dist`` over ``[low, high]``
    (``mode``: the peak of a triangular distribution; ``integer``: a whole-number parameter)."""

    path: str
    value: float
    low: float
    high: float
    dist: str = "uniform"
    mode: float | None = None
    integer: bool = False

    def salib_bounds(self) -> list[float]:
        """Bounds in SALib's form: ``[low, high]``, or ``[low, high, peak as a share of the width]``."""
        if self.dist == "triangular":
            return [self.low, self.high, (self.mode - self.low) / (self.high - self.low)]
        return [self.low, self.high]

    def describe(self) -> str:
        """``0.03 in [0.015, 0.06] (uniform)``."""
        peak = f", peak {self.mode:g}" if self.dist == "triangular" else ""
        return f"{self.value:g} in [{self.low:g}, {self.high:g}] ({self.dist}{peak})"


def is_range(node: Any) -> bool:
    """A mapping that gives a number's range: it has ``value`` and ``range`` or ``dist``."""
    return isinstance(node, dict) and "value" in node and ("range" in node or "dist" in node)


def split_ranges(raw: dict, error: Callable[[str, str], Exception]) -> tuple[dict, tuple[ParamRange, ...]]:
    """``raw`` with every range mapping replaced by its value, and the ranges found (file order).

    ``error(where, message)`` builds the exception raised for a malformed range. ``raw`` is not
    changed; sections without ranges are shared, not copied.
    """
    found: list[ParamRange] = []
    out = _walk(raw, [], "", found, error)
    return out, tuple(found)


def _walk(node: Any, path: list[str], where: str, found: list, error) -> Any:
    if is_range(node):
        found.append(_parse(node, ".".join(path), where, error))
        return node["value"]
    if isinstance(node, dict):
        out = None
        for k, v in node.items():
            sub = _walk(v, path + [str(k)], f"{where}.{k}" if where else str(k), found, error)
            if sub is not v:
                out = dict(node) if out is None else out
                out[k] = sub
        return node if out is None else out
    if isinstance(node, list):
        out = None
        for n, item in enumerate(node):
            ident = item.get("id") if isinstance(item, dict) else None
            step = str(ident) if isinstance(ident, str) else str(n)
            sub = _walk(item, path + [step], f"{where}[{n}]" + (f" ({ident})" if ident else ""), found, error)
            if sub is not item:
                out = list(node) if out is None else out
                out[n] = sub
        return node if out is None else out
    return node


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _parse(node: dict, path: str, where: str, error) -> ParamRange:
    extra = sorted(set(node) - _KEYS)
    if extra:
        raise error(where, f"unknown key {extra[0]!r} in a range (expected value, range or dist, low, high, mode)")
    dist = node.get("dist", "uniform")
    if dist not in DISTS:
        raise error(where, f"unknown distribution {dist!r} (expected one of: {', '.join(DISTS)})")
    if "range" in node:
        if "low" in node or "high" in node:
            raise error(where, "give either range: [low, high] or low: and high:, not both")
        r = node["range"]
        if not (isinstance(r, list) and len(r) == 2):
            raise error(where, f"range must be a list [low, high] (got {r!r})")
        low, high = r
    else:
        if "low" not in node or "high" not in node:
            raise error(where, f"a {dist} distribution needs low: and high: (or range: [low, high])")
        low, high = node["low"], node["high"]
    value, mode = node["value"], node.get("mode", node["value"])
    if dist != "triangular" and "mode" in node:
        raise error(where, f"mode is for triangular distributions, not {dist}")
    for name, v in (("value", value), ("low", low), ("high", high), ("mode", mode)):
        if not _number(v):
            raise error(where, f"{name} must be a number (got {v!r})")
        if not math.isfinite(v):
            raise error(where, f"{name} is not a finite number (got {v!r})")
    if not low < high:
        raise error(where, f"range: low {low:g} must be below high {high:g}")
    if not low <= value <= high:
        raise error(where, f"value {value:g} is outside its range [{low:g}, {high:g}]")
    if not low <= mode <= high:
        raise error(where, f"mode {mode:g} is outside the range [{low:g}, {high:g}]")
    if dist == "loguniform" and low <= 0:
        raise error(where, f"a loguniform range needs low > 0 (got {low:g})")
    integer = all(isinstance(v, int) for v in (value, low, high))
    return ParamRange(
        path,
        float(value),
        float(low),
        float(high),
        dist,
        float(mode) if dist == "triangular" else None,
        integer,
    )


__all__ = ["DISTS", "ParamRange", "is_range", "split_ranges"]
