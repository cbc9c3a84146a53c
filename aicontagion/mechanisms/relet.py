"""Re-letting vacated capacity from the demand that exists: lease-up by market absorption.

When a lease or an opening-fleet offtake ends (expiry, walk-away, the customer's default), its
provider offers the capacity to new tenants (``operations.relet``, USD bn/month at the old
contract rents). It does not find them at once in a glut: new tenants come only from demand that
is looking for capacity, and every idle facility in the market competes for it. Per month:

* ``N = D / u0``: the capacity AI demand ``D`` (USD bn/yr of revenue) fills at the opening
  utilisation ``u0`` (the market's normal occupancy);
* idle capacity ``E = max(S - N, 0)`` with ``S`` the installed capacity (the demand block,
  mechanisms/ai_revenue.py), the vacated facility's own included;
* absorption ``A = N x max(exp(g) - 1, 0) + min(S, N) / L``: new demand at the demand block's
  expected monthly growth ``g`` (the smoothed growth agents read, not this month's noisy change)
  plus the tenants of the capacity that wears out this month (``L`` the GPU life in months), who
  must move;
* the *lease-up share* ``q = min(1, A / E)`` (1 when nothing stands idle): the share of each idle
  facility's vacant capacity let this month, every idle unit competing pro rata for the absorbed
  demand (net absorption against vacancy, the measure of months of supply used for office and
  data-centre markets: ``1 / q`` months). Derived from the demand block; no parameter of its own.

``operations.vacant`` (USD bn/month at contract rents, part of ``relet``) is what is still empty;
each month ``q`` of it is let (:func:`lease_up`). Let capacity earns market rent
(``x rent index x usage``, mechanisms/income.py). Valuations that re-let capacity later
(mechanisms/valuation.py, the tenant's sublet value and expectation damages in
mechanisms/strategic_default.py) read the same ``q`` as held from now on: a unit vacant now is let
in month ``k`` with probability ``1 - (1 - q)^k`` (:func:`leased_annuity`).

With the ``relet_demand`` switch off, vacated capacity is let at once (``q = 1``).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.numeric import geometric_sum

READS = ("ai", "channels", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("operations",)
"""State groups this mechanism writes."""


def absorption_share(revenue: float, monthly_growth: float, capacity: float, u0: float, life_months: float) -> float:
    """Lease-up share ``q`` (per month) from demand ``revenue`` (USD bn/yr) and its expected
    ``monthly_growth`` (log), installed ``capacity`` (USD bn/yr of revenue served), the opening
    utilisation ``u0`` and the capacity's life in months."""
    need = revenue / u0
    idle = capacity - need
    if idle <= 1e-12 * max(capacity, 1.0):
        return 1.0
    absorbed = need * max(np.expm1(monthly_growth), 0.0) + min(capacity, need) / max(life_months, 1.0)
    return float(min(1.0, absorbed / idle))


def lease_up_share(state) -> float:
    """This month's lease-up share ``q`` in ``state`` (1 with ``relet_demand`` off)."""
    if not state.channels.relet_demand:
        return 1.0
    d = state.ai.demand_state
    life = state.spec.compute.useful_life_years * 12.0
    return absorption_share(d.revenue, state.ai.demand.growth, d.capacity, state.ai.initial_utilisation, life)


def offer(operations, providers: np.ndarray, payment: np.ndarray) -> None:
    """Providers offer vacated capacity (``payment``, USD bn/month at contract rents) for re-letting:
    it joins ``relet`` and stands vacant until let."""
    np.add.at(operations.relet, providers, payment)
    np.add.at(operations.vacant, providers, payment)


def lease_up(state) -> None:
    """Let this month's share ``q`` of every provider's vacant capacity."""
    q = lease_up_share(state)
    state.operations.vacant *= 1.0 - q


def let_capacity(operations) -> np.ndarray:
    """USD bn/month (at contract rents) of vacated capacity let to new tenants, per institution."""
    return np.maximum(operations.relet - operations.vacant, 0.0)


def leased_annuity(months, annual_rate, q) -> np.ndarray:
    """PV of 1 a month on a unit vacant now, let in month ``k`` with probability ``1 - (1 - q)^k``,
    for ``months`` months (paid at month ends); ``q = 1``: the plain annuity."""
    months = np.maximum(np.asarray(months, dtype=float), 0.0)
    d = (1.0 + np.asarray(annual_rate, dtype=float)) ** (-1.0 / 12.0)
    x = (1.0 - np.clip(np.asarray(q, dtype=float), 0.0, 1.0)) * d
    return geometric_sum(d, months) - geometric_sum(x, months)
