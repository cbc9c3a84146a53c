"""The tenant's option to walk: what a Hyperion-shaped SPV lease is worth to a giant against a bond.

A bond commits the giant to the buildings' whole cost; an SPV lease commits it only for the
lease's first renewal term (``origination.renewal_years``), and each later term is renewed at the
tenant's choice, against a residual value guarantee. Per USD of buildings' cost, discounted at the
giant's own borrowing rate ``r = Treasury + spread`` (monthly payments, ``lease_years`` of
``lease_yield`` a year, ``rvg_share`` of cost guaranteed):

* **bond** route: ``1`` (the debt service of a bond at the giant's own rate is worth its
  principal) less the buildings' value at the lease's end, which the giant keeps and the SPV would
  own instead (read as the guaranteed residual, ``rvg_share``, discounted from the lease's end);
* **SPV** route: the rent over the whole lease, plus the expected guarantee shortfall at its end
  (``rvg_share x (1 - keep)``, ``keep = max(min(rent index, 1), relet_floor)``, as the walk-away
  rule's shortfall in :func:`aicontagion.mechanisms.strategic_default.appraise`), less the
  **option value**: the rent after the committed term times ``1 - p``, where ``p`` is the model's
  own renewal probability for the tenant (the payment-weighted ``p_renew`` of its live renewable
  leases from :func:`aicontagion.mechanisms.valuation.lease_values`, 1 where it has none).
  ``p = (K + RVG cost) / P`` there, so ``P (1 - p) = P - K - RVG cost`` is what not renewing saves
  the tenant: the next terms' rent less the value it keeps from the capacity and the cost of
  settling the guarantee; it is 0 while renewing is worth its cost.

**Rating room** (``origination.lease_debt``, off by default): S&P adds to a tenant's debt only
the present value of the lease payments it is committed to (the non-cancellable term, not the
renewals at its option; S&P, "Corporate Methodology: Ratios And Adjustments", operating-lease
adjustment, docs/calibration.md). :func:`committed_lease_debt` is that PV for the giant's leases
and offtakes, at its own borrowing rate; with the switch on it counts against its bond ceiling
``max_debt_to_assets``.

No new number: every input is already in the scenario or the state. The route choice
(:mod:`aicontagion.agents.tech_giant`) takes the SPV first when its cost is below the bond's and
``origination.value_exit_option`` is on.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.strategic_default import annuity, committed_term_end
from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.mechanisms.valuation import renewal_probability_of

READS = ("ai", "contracts", "credit", "month", "registry", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ()
"""State groups this mechanism writes (none: a pure appraisal)."""


def _discount(months, annual_rate) -> np.ndarray:
    return (1.0 + np.asarray(annual_rate, dtype=float)) ** (-np.asarray(months, dtype=float) / 12.0)


def renewal_probability(state, tenants: np.ndarray) -> np.ndarray:
    """Per tenant row: the payment-weighted renewal probability of its live renewable leases and
    offtakes (the project-finance valuation's ``p_renew``); 1 where it has none."""
    obligor, payment = state.contracts.obligor, state.contracts.payment
    live = state.contracts.executory_rows
    live = live[(state.contracts.maturity[live] >= state.month) & (state.contracts.renewal[live] > 0)]
    live = live[(obligor[live] >= 0) & np.isin(obligor[live], tenants)]
    out = np.ones(tenants.size)
    if live.size == 0:
        return out
    p = renewal_probability_of(state, live)
    w = np.maximum(payment[live], 0.0)
    num = np.bincount(obligor[live], weights=w * p, minlength=state.n)[tenants]
    den = np.bincount(obligor[live], weights=w, minlength=state.n)[tenants]
    return np.where(den > 1e-12, ratio(num, den, default=1.0), 1.0)


def route_costs(state, tenants: np.ndarray) -> dict[str, np.ndarray]:
    """Per tenant row, per USD of buildings' cost (PV at its borrowing rate): ``bond``, ``spv``
    (with the option), ``option`` (its value) and ``p`` (the renewal probability used)."""
    o = state.spec.origination
    r = treasury_yield(state) + np.maximum(state.credit.spread[tenants], 0.0)
    months = o.lease_years * 12.0
    committed = min(o.renewal_years * 12.0, months) if o.renewal_years > 0 else months
    rent = o.lease_yield / 12.0
    keep = max(min(state.ai.demand_state.rent_index, 1.0), state.spec.resolution.relet_floor)
    end = _discount(months, r)
    bond = 1.0 - o.rvg_share * end
    after = rent * (annuity(months, r) - annuity(committed, r))  # rent after the committed term, PV now
    p = renewal_probability(state, tenants)
    option = (1.0 - p) * after
    spv = rent * annuity(months, r) + o.rvg_share * (1.0 - keep) * end - option
    return {"bond": bond, "spv": spv, "option": option, "p": p}


def spv_first(state, tenants: np.ndarray) -> np.ndarray:
    """Whether each tenant finances its buildings by its SPV before bonds (the option switched on
    and the SPV route's cost, option included, below the bond's)."""
    if not state.spec.origination.value_exit_option or tenants.size == 0:
        return np.zeros(tenants.size, dtype=bool)
    cost = route_costs(state, tenants)
    return cost["spv"] < cost["bond"]


def committed_lease_debt(state, tenants: np.ndarray) -> np.ndarray:
    """Per tenant row: PV (USD bn, at its borrowing rate) of the payments left in the committed
    term of its live leases and offtakes (S&P's lease-adjusted debt)."""
    obligor, payment = state.contracts.obligor, state.contracts.payment
    t = state.month
    live = state.contracts.executory_rows
    live = live[(state.contracts.maturity[live] >= t) & (obligor[live] >= 0)]
    live = live[np.isin(obligor[live], tenants)]
    if live.size == 0:
        return np.zeros(tenants.size)
    r = treasury_yield(state) + np.maximum(state.credit.spread[obligor[live]], 0.0)
    start = np.maximum(state.contracts.start[live], t)
    months = committed_term_end(state.contracts, live, t) - start + 1
    pv = payment[live] * annuity(months, r) * _discount(start - t, r)
    return np.bincount(obligor[live], weights=pv, minlength=state.n)[tenants]
