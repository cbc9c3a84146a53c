"""The policy protocol: :class:`Policy` (hooks by stage), :class:`PolicyError`, and the checks
and look-ups every policy shares (:class:`Catalogue` of what a scenario offers as targets).

A policy has ``initialize(model)`` (once, when the model is built), ``apply(model, decisions)``
(every month of its window, in the decide stage, after the institutions decided),
``adjust_funding(model)`` (every month, in the funding stage, after spreads are set and before
rollover), ``after_step(model)`` and ``finalize(model)``. The model calls these hooks from its
stage table (:data:`aicontagion.model.STAGES`). A policy records its constructor arguments, so
``repr(policy)`` and saved results say exactly what ran, and it acts only between months
``start`` and ``end``, and, if it has a ``trigger`` (:class:`aicontagion.policies.triggers.Trigger`),
only from the month the trigger fires (a strict rule: a start date *and* a market condition).
Bad arguments (unknown kinds or institutions, negative budgets, an end
before the start) raise :class:`PolicyError` when the policy or the Sim is built.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from aicontagion.core.kinds import Kind


class PolicyError(ValueError):
    """A policy built with impossible arguments, or aimed at something the scenario lacks."""


class Policy:
    """Base class for interventions.

    Args:
        start: first month (0 = the scenario's start month) in which the policy acts.
        end: last month in which it acts (None: to the end of the run).
        trigger: a rule (:class:`~aicontagion.policies.triggers.Trigger`) that must also have fired.
    """

    name = "policy"

    def __init__(self, start: int = 0, end: int | None = None, trigger: Any = None, **kwargs: Any):
        for field, month in (("start", start), ("end", end)):
            if month is not None and (isinstance(month, bool) or not isinstance(month, int | np.integer)):
                raise PolicyError(f"{type(self).__name__}: {field} must be a whole month (got {month!r})")
        if start < 0:
            raise PolicyError(f"{type(self).__name__}: start must be >= 0 (got {start})")
        if end is not None and end < start:
            raise PolicyError(f"{type(self).__name__}: end {end} is before start {start}")
        if trigger is not None and not callable(getattr(trigger, "check", None)):
            raise PolicyError(f"{type(self).__name__}: trigger must be a Trigger (got {trigger!r})")
        self.start, self.end, self.trigger = start, end, trigger
        self.args = {"start": start, "end": end} | kwargs | ({"trigger": trigger} if trigger is not None else {})

    def active(self, state) -> bool:
        """True in the months the policy acts: within its window and once its trigger fired."""
        if state.month < self.start or (self.end is not None and state.month > self.end):
            return False
        return self.trigger is None or bool(self.trigger.check(state))

    def prepare_scenario(self, spec):
        """The scenario the policy needs (default: ``spec`` unchanged). A policy that adds an
        institution (the state company) returns a copy with it; :class:`~aicontagion.sim.Sim`
        calls this before building, so ``--policy`` works on any scenario file."""
        return spec

    def validate(self, catalogue: Catalogue) -> None:
        """Check the policy against a scenario's :class:`Catalogue` (named targets exist)."""

    def initialize(self, state) -> None:
        """Called once when the model is built."""

    def apply(self, state, decisions) -> None:
        """Called every month of the window in the decide stage, after the institutions decided."""

    def adjust_funding(self, state) -> None:
        """Called every month in the funding stage, after spreads are set and before rollover."""

    def liquidity_substep(self, state, need) -> None:
        """Called in each liquidity sub-step of the funding stage (``funding.liquidity_substeps``
        above 1) with what each institution owes its lenders in the sub-step (USD bn: runs and
        margin calls), before its sales for liquidity; what its cash does not cover it must
        borrow, sell or default on."""

    def after_step(self, state) -> None:
        """Called every month after the funding stage."""

    def finalize(self, state) -> None:
        """Called once at the end of the run."""

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.args.items() if not (k == "end" and v is None) and not (k == "start" and v == 0)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


# ---------------------------------------------------------------- helpers
def check_kinds(kinds: Iterable[str], who: str) -> tuple[str, ...]:
    out = tuple(kinds)
    for k in out:
        if not isinstance(k, str):
            raise PolicyError(f"{who}: kinds are names such as 'bank' (got {k!r})")
        try:
            Kind.parse(k)
        except ValueError as exc:
            raise PolicyError(f"{who}: {exc}") from None
    return out


def _is_number(value) -> bool:
    """A real number (not a bool, a string or None); NaN is a number here and is refused by the checks."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)


def check_nonneg(value: float, field: str, who: str) -> float:
    if not _is_number(value) or not np.isfinite(float(value)) and value != np.inf or value < 0:
        raise PolicyError(f"{who}: {field} must be a non-negative number (got {value!r})")
    return float(value)


def check_share(value: float, field: str, who: str) -> float:
    if not _is_number(value) or not 0.0 <= value <= 1.0:
        raise PolicyError(f"{who}: {field} must be between 0 and 1 (got {value!r})")
    return float(value)


def government_of(state) -> int:
    gov = state.registry.members[Kind.GOVERNMENT]
    if gov.size == 0:
        raise PolicyError("the scenario has no government institution to act through")
    return int(gov[0])


def targets_of(state, kinds: tuple[str, ...], ids: tuple[str, ...]) -> np.ndarray:
    rows = [state.registry.members[Kind.parse(k)] for k in kinds] + [
        np.array([state.registry.ids.index(i)]) for i in ids
    ]
    return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Catalogue:
    """What a policy may be aimed at: a scenario's institutions (ids, kinds) and debt contracts."""

    name: str
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    debt_contracts: frozenset[str]

    @classmethod
    def of(cls, spec, system=None) -> Catalogue:
        """From a scenario spec, or from a prebuilt system (synthetic systems have no specs)."""
        if system is not None:
            ids = tuple(system.ids)
            kinds = tuple(Kind(int(k)).label for k in system.kind)
            c = system.contracts
            debt = frozenset(c.ids[r] for r in np.flatnonzero(c.is_debt))
        else:
            ids = tuple(i.id for i in spec.institutions)
            kinds = tuple(i.kind for i in spec.institutions)
            debt = frozenset(c.id for c in spec.contracts if c.id and getattr(c, "lender", None) is not None)
        return cls(spec.name, ids, kinds, debt)


def check_ids(cat: Catalogue, ids: tuple[str, ...], who: str) -> None:
    known = set(cat.ids)
    for i in ids:
        if i not in known:
            raise PolicyError(f"{who}: unknown institution {i!r} in scenario {cat.name}")
    if "government" not in cat.kinds:
        raise PolicyError(f"{who}: scenario {cat.name} has no government institution to act through")
