"""Build-out vehicles: which of a giant's pool of single-tenant SPVs takes this month's buildings.

A giant beyond its bond ceiling has its buildings paid by its open build-out vehicle (one of its
pool, ``origination.vehicles``: SPVs with empty opening balance sheets). A vehicle takes deals
until their cost reaches ``origination.campus_size`` (USD bn, one campus: Hyperion's 27), then the
pool's next vehicle opens, so each campus is its own non-recourse vehicle with its own bonds,
equity and lease (:func:`~aicontagion.mechanisms.origination.apply` writes them). The last vehicle
of a pool keeps taking deals (event ``vehicle_pool_exhausted``); once one of a tenant's vehicles
has defaulted, no new vehicle deal is signed with that tenant.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Status
from aicontagion.mechanisms import capex_returns
from aicontagion.mechanisms.origination import Ledger, active

READS = ("lifecycle", "operations", "registry", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("events", "operations")
"""State groups this mechanism writes (the ledger's open vehicles, the order book's deliveries)."""


def finance_spv(state, rows: np.ndarray, need: np.ndarray, decisions) -> np.ndarray:
    """Giants ``rows`` short of ``need`` (USD bn) after their bonds: their vehicles pay up to that
    much of this month's building deliveries. Returns what the vehicles take over (USD bn); the
    giant's deliveries are reduced by it (it leases the buildings instead)."""
    if not active(state):
        return np.zeros(rows.size)
    led: Ledger = state.operations.origination
    book = state.operations.order_book
    take = np.zeros(rows.size)
    if book is None:
        return take
    for k in np.flatnonzero((led.vehicle[rows] >= 0) & (need > 1e-9)):
        r = int(rows[k])
        take[k] = _allot(state, led, r, min(float(need[k]), float(book.due_build[r])), decisions)
    book.due_build[rows] -= take
    capex_returns.add(state, rows, take)  # the tenant's capacity, paid by its vehicle
    return take


def _allot(state, led: Ledger, tenant: int, amount: float, decisions) -> float:
    """Record deals of ``amount`` (USD bn) for ``tenant``'s vehicles: the open one up to
    ``campus_size``, then the pool's next one. Once one of its vehicles has defaulted, no new
    vehicle deal is signed with the tenant (none opens for it). Returns what they take."""
    campus = state.spec.origination.campus_size
    pool = led.pool[tenant]
    left = amount
    while left > 1e-9:
        v = int(led.vehicle[tenant])
        at = pool.index(v)
        if (state.lifecycle.status[pool[: at + 1]] != Status.ACTIVE).any():
            break
        last = at + 1 == len(pool)
        if led.filled[v] >= campus - 1e-9 and not last:  # the next vehicle opens
            led.vehicle[tenant] = pool[at + 1]
            continue
        x = left if last else min(left, campus - led.filled[v])
        if last and led.filled[v] + x > campus + 1e-9 and tenant not in led.exhausted:
            led.exhausted.add(tenant)
            who = state.registry.ids[tenant]
            state.events.record(v, "vehicle_pool_exhausted", float(led.filled[v] + x), f"{who}'s last vehicle")
        led.filled[v] += x
        left -= x
        decisions.originations.append(("spv", v, tenant, x))
    return amount - left
