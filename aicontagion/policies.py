"""Interventions: the only way to act on a running model from outside its rules.

A policy has ``initialize(model)`` (once, when the model is built), ``apply(model, decisions)``
(every month, in the decide stage, after the institutions decided), ``after_step(model)`` (every
month, after the funding stage) and ``finalize(model)`` (once, at the end). It records its
constructor arguments, so ``repr(policy)`` and saved results say exactly what ran, and it can be
limited to a window of months with ``start`` and ``end``.
"""

from __future__ import annotations

from typing import Any


class Policy:
    """Base class for interventions.

    Args:
        start: first month (0 = the scenario's start month) in which the policy acts.
        end: last month in which it acts (None: to the end of the run).
    """

    def __init__(self, start: int = 0, end: int | None = None, **kwargs: Any):
        if start < 0:
            raise ValueError(f"{type(self).__name__}: start must be >= 0 (got {start})")
        if end is not None and end < start:
            raise ValueError(f"{type(self).__name__}: end {end} is before start {start}")
        self.start, self.end = start, end
        self.args = {"start": start, "end": end} | kwargs

    def active(self, model) -> bool:
        """True in the months the policy acts."""
        return model.month >= self.start and (self.end is None or model.month <= self.end)

    def initialize(self, model) -> None:
        """Called once when the model is built (validate targets here)."""

    def apply(self, model, decisions) -> None:
        """Called every month in the decide stage, after the institutions decided."""

    def after_step(self, model) -> None:
        """Called every month after the funding stage."""

    def finalize(self, model) -> None:
        """Called once at the end of the run."""

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.args.items() if not (k == "end" and v is None) and not (k == "start" and v == 0)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"
