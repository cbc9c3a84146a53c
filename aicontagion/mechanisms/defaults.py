"""The default cascade: who defaults this round, recorded, resolved, until no new one defaults.

An institution defaults when it could not pay what was due in full (``illiquid``) or when its
equity is below zero (strictly: ``equity < -tol x max(1, |opening equity|)``); the government
never defaults. Each round, the new defaulters are recorded (with the counterparty behind their
largest loss), resolved together (:func:`aicontagion.mechanisms.resolution.resolve`: the estate
is liquidated, creditors paid by seniority, the rest written off), stakes in them remarked,
and their vacated facilities offered for re-letting; losses may push further institutions below
zero, which the next round resolves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms import relet
from aicontagion.mechanisms.credit import remark_stakes, update_causes
from aicontagion.mechanisms.income import relet_eligible
from aicontagion.mechanisms.resolution import resolve
from aicontagion.mechanisms.treasury import fund_government

READS = ("books", "contracts", "markets", "spec", "channels", "month", "registry", "ai", "snapshot")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "lifecycle", "operations", "events")
"""State groups this mechanism writes."""

TOL = 1e-9


def resolve_defaults(state, illiquid: np.ndarray, reason: str, check: Callable[[str], None] | None = None) -> None:
    """Resolve institutions that could not pay (``illiquid``) or whose equity is below zero; cascade.

    ``check(stage)`` is called after each round (the model's invariant check).
    """
    candidates = illiquid.copy()
    life, reg = state.lifecycle, state.registry
    for _ in range(state.n + 1):
        alive = life.status != Status.DEFAULTED
        insolvent = state.books.equity < -TOL * np.maximum(1.0, np.abs(state.snapshot.equity0))
        new = (alive & (candidates | insolvent) & (reg.kind != Kind.GOVERNMENT)).nonzero()[0]
        if new.size == 0:
            return
        owed = state.books.borrowings(state.contracts)  # once per round, not once per defaulter
        for i in new:
            why = reason if candidates[i] else "equity below zero"
            src = life.loss_source.get(int(i))
            state.events.record(int(i), "default", float(owed[i]), why + (f" (largest loss: {src})" if src else ""))
        life.status[new] = Status.DEFAULTED
        life.default_month[new] = state.month
        update_causes(state)
        result = resolve(
            state.books,
            state.contracts,
            state.markets,
            new,
            state.month,
            state.spec.resolution,
            state.ai.demand_state.rent_index,
            life.cause,
            pay_guarantees=state.channels.guarantees,
            relet=state.operations.relet,
            preferred_outside=reg.kind == Kind.BANK,
            takeover=state.operations.takeover,
        )
        life.loss_source = {int(k): reg.ids[int(v)] for k, v in enumerate(result.loss_source) if v >= 0}
        vac = result.vacated
        vac = vac[(state.contracts.creditor[vac] >= 0) & relet_eligible(state.contracts, vac)]
        relet.offer(state.operations, state.contracts.creditor[vac], state.contracts.payment[vac])
        remark_stakes(state)
        fund_government(state)
        if check is not None:
            check("resolution")
        candidates = np.zeros(state.n, dtype=bool)
