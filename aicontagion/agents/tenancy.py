"""The customer's rule for leases and offtakes: keep paying, walk away, or not renew.

A customer (a tech giant or an AI lab) compares, for each of its leases and offtakes:

* ``P``: present value of the payments left in the current term (at its discount rate);
* ``V``: present value of the AI cash flow it expects from the capacity: its share of AI end
  revenue net of AI operating costs, projected from today's revenue toward the expected revenue
  at the horizon (then flat), attributed to the contract in proportion to its payment among the
  customer's compute spending (contracts plus its own capex);
* ``T``: the cost of walking away: the termination fee, the residual value guarantee shortfall
  (guaranteed value less the facility's re-let value, capped at the guarantee) and a reputation
  penalty (a spread on all its debt for some years).

**Strategic default**: it terminates mid-term when ``P > V + T``. **Non-renewal**: at the end of
a renewable term it does not renew when the next term's ``P > V + RVG shortfall``. Both are
economic rules, never random triggers; the parameters are in the scenario.
"""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions
from aicontagion.obligations import Purpose


def pv_growing(months, monthly_growth, growth_months, annual_rate) -> np.ndarray:
    """PV of a flow of 1 now growing at ``monthly_growth`` (log) for ``growth_months``, then flat.

    Paid at month ends for ``months`` months; discounted at ``annual_rate``. Closed form.
    """
    months = np.maximum(np.asarray(months, dtype=float), 0.0)
    g = np.asarray(monthly_growth, dtype=float)
    h = np.minimum(np.asarray(growth_months, dtype=float), months)
    d = (1.0 + np.asarray(annual_rate, dtype=float)) ** (-1.0 / 12.0)
    q = np.exp(g) * d  # growth-and-discount per month
    first = np.where(np.abs(q - 1) < 1e-12, h, q * (1 - q**h) / np.where(np.abs(1 - q) < 1e-12, 1, 1 - q))
    rest_n = months - h
    tail = np.where(np.abs(d - 1) < 1e-12, rest_n, d * (1 - d**rest_n) / np.where(np.abs(1 - d) < 1e-12, 1, 1 - d))
    return first + np.exp(g * h) * d**h * tail


def review_commitments(model, customers: np.ndarray, params: dict[str, np.ndarray], decisions: Decisions,
                       event: str) -> None:
    """Record strategic defaults and non-renewals of ``customers`` (rows) for this month.

    ``params`` are the kind's parameter arrays over all institutions (``discount_rate``,
    ``reputation_spread``, ``reputation_years``).
    """
    c = model.contracts
    t = model.month
    is_customer = np.zeros(model.n, dtype=bool)
    is_customer[customers] = True
    rows = np.flatnonzero(c.is_executory & (c.maturity >= t) & (c.obligor >= 0))
    rows = rows[is_customer[c.obligor[rows]]]
    if rows.size == 0:
        return
    cust = c.obligor[rows]
    disc = params["discount_rate"][cust]
    demand = model.demand_state
    horizon = model.scenario.productivity.expectation_horizon_years * 12.0
    growth = np.log(max(demand.expected_revenue, 1e-9) / max(demand.revenue, 1e-9)) / horizon

    # AI cash flow per month of each customer, and its compute spending
    flows = model.system.flows
    gross = flows["ai_revenue_share"] * (1.0 - flows["ai_cost_share"]) * demand.revenue / 12.0
    live = c.is_executory & (c.maturity >= t) & (c.obligor >= 0)
    spend = np.bincount(c.obligor[live], weights=c.payment[live], minlength=model.n) + model.capex_plan
    weight = c.payment[rows] / np.maximum(spend[cust], 1e-12)

    renewable = c.renewal[rows] > 0
    elapsed = np.maximum(t - c.start[rows], 0)
    term_end = np.where(renewable, c.start[rows] + (elapsed // np.maximum(c.renewal[rows], 1) + 1)
                        * c.renewal[rows] - 1, c.maturity[rows])
    term_end = np.minimum(term_end, c.maturity[rows])
    delay = np.maximum(c.start[rows] - t, 0)
    months_left = term_end - np.maximum(t, c.start[rows]) + 1
    dfac = (1.0 + disc) ** (-delay / 12.0)
    pay_pv = c.payment[rows] * _annuity(months_left, disc) * dfac
    start_level = np.exp(growth * delay)
    value_pv = weight * gross[cust] * start_level * pv_growing(months_left, growth, np.maximum(horizon - delay, 0),
                                                                 disc) * dfac

    keep = max(min(demand.rent_index, 1.0), model.scenario.resolution.relet_floor)
    provider = c.creditor[rows]
    facility = np.where(provider >= 0, model.books.facility[np.maximum(provider, 0)], 0.0)
    rvg_short = np.minimum(c.rvg[rows], facility * (1.0 - keep))
    debt = model.books.liabilities(c)
    rep_spread = params["reputation_spread"][cust]
    rep_years = params["reputation_years"][cust]
    rep = rep_spread * rep_years * debt[cust]
    walk_cost = c.termination_fee[rows] + rvg_short + rep

    at_renewal = renewable & (t == term_end) & (term_end < c.maturity[rows])
    next_months = np.minimum(c.renewal[rows], c.maturity[rows] - t)
    next_pay = c.payment[rows] * _annuity(next_months, disc) * (1.0 + disc) ** (-1 / 12)
    next_val = weight * gross[cust] * np.exp(growth) * pv_growing(next_months, growth, horizon, disc) * (
        1.0 + disc) ** (-1 / 12)
    no_renew = at_renewal & (next_pay > next_val + rvg_short)
    walk = ~at_renewal & (pay_pv > value_pv + walk_cost)

    for k in np.flatnonzero(walk | no_renew):
        row = int(rows[k])
        i = int(cust[k])
        what = "non_renewal" if no_renew[k] else event
        fee = (0.0 if no_renew[k] else c.termination_fee[row]) + rvg_short[k]
        pv, vv = (next_pay[k], next_val[k]) if no_renew[k] else (pay_pv[k], value_pv[k])
        why = f"AI value {vv:.3g} < lease cost {pv:.3g}" + ("" if no_renew[k] else f" - walk cost {walk_cost[k]:.3g}")
        decisions.terminations.append((row, what, why))
        if fee > 0:
            decisions.obligations.add(i, int(c.creditor[row]), fee, 1, Purpose.FEE, row)
        if not no_renew[k] and rep[k] > 0:
            model.add_reputation_penalty(i, float(rep_spread[k]), float(rep_years[k]))


def _annuity(months, annual_rate):
    return pv_growing(months, 0.0, 0.0, annual_rate)

