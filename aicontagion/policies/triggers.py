"""Trigger rules: a policy acts from its start month **and** once its trigger has fired.

A :class:`Trigger` watches the AI borrowers' credit market each month: it fires when the
principal-weighted credit spread of the live debt owed by institutions of ``kinds`` (neoclouds,
SPVs and labs: the borrowers private credit finances) reaches ``spread_above``, or when at least
``defaults_at_least`` of them have defaulted, whichever comes first (a rule with neither never
fires). Once fired it stays fired for the rest of the run (a rescue is not withdrawn because
spreads came back). :meth:`Trigger.check` is what :meth:`aicontagion.policies.base.Policy.active`
calls; :attr:`Trigger.fired_month` is the month it fired (None: not yet).

Every number is the caller's: the built-in experiment's levels are in experiments/guarantees.py
(assumed, with ranges there).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.policies.base import PolicyError, check_kinds, check_nonneg


class Trigger:
    """Fire when AI borrowers' spreads pass ``spread_above`` (annual) or ``defaults_at_least`` of them default.

    Args:
        spread_above: spread level (annual, e.g. 0.06 = 600 bp); None: no spread rule.
        defaults_at_least: number of defaults among ``kinds``; None: no default rule.
        kinds: whose spreads and defaults are watched.
    """

    def __init__(
        self,
        spread_above: float | None = None,
        defaults_at_least: int | None = None,
        kinds: Iterable[str] = ("neocloud", "spv", "ai_lab"),
    ):
        who = "Trigger"
        if spread_above is not None:
            check_nonneg(spread_above, "spread_above", who)
        if defaults_at_least is not None and (
            isinstance(defaults_at_least, bool) or not isinstance(defaults_at_least, int) or defaults_at_least < 1
        ):
            raise PolicyError(f"{who}: defaults_at_least must be a whole number >= 1 (got {defaults_at_least!r})")
        self.spread_above = None if spread_above is None else float(spread_above)
        self.defaults_at_least = defaults_at_least
        self.kinds = check_kinds(kinds, who)
        self.fired_month: int | None = None
        self._run: int | None = None

    def __repr__(self) -> str:
        parts = [f"spread_above={self.spread_above!r}"] if self.spread_above is not None else []
        parts += [f"defaults_at_least={self.defaults_at_least!r}"] if self.defaults_at_least is not None else []
        return f"Trigger({', '.join(parts + [f'kinds={self.kinds!r}'])})"

    def watched(self, state) -> np.ndarray:
        """Rows of the watched institutions."""
        return np.concatenate([state.registry.members[Kind.parse(k)] for k in self.kinds]).astype(np.int64)

    def spread(self, state) -> float:
        """Principal-weighted credit spread of the live debt the watched borrowers owe (NaN: none)."""
        c = state.contracts
        mine = np.zeros(state.n, dtype=bool)
        mine[self.watched(state)] = True
        rows = np.flatnonzero(c.is_debt & c.active & (c.obligor >= 0) & (c.principal > 0))
        rows = rows[mine[c.obligor[rows]] & (state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED)]
        w = c.principal[rows]
        return float((w * state.credit.spread[c.obligor[rows]]).sum() / w.sum()) if w.sum() > 0 else float("nan")

    def defaults(self, state) -> int:
        """How many watched institutions have defaulted."""
        return int((state.lifecycle.status[self.watched(state)] == Status.DEFAULTED).sum())

    def condition(self, state) -> bool:
        """This month's rule, without the latch."""
        if self.spread_above is not None and self.spread(state) >= self.spread_above:
            return True
        return self.defaults_at_least is not None and self.defaults(state) >= self.defaults_at_least

    def check(self, state) -> bool:
        """True from the month the rule first holds (latched); a new run (another state) starts afresh."""
        if self._run != id(state):
            self._run, self.fired_month = id(state), None
        if self.fired_month is None and self.condition(state):
            self.fired_month = int(state.month)
            gov = state.registry.members[Kind.GOVERNMENT]
            state.events.record(int(gov[0]) if gov.size else -1, "policy_trigger", 0.0, repr(self))
        return self.fired_month is not None
