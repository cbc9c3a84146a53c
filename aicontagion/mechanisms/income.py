"""The income stage: operating cash flows, depreciation, revaluation of intangibles, and what is due.

Per active institution and month (USD bn):

* inflows from outside the system, booked as OPERATING income: its share of AI end revenue;
  positive core cash flow (a giant's other business); spot GPU rental (``spot_revenue`` scaled by
  the GPU fleet's size relative to the start, ``x rent index x usage``); vacated capacity let
  to new tenants at market rents (``let x rent index x usage``; what is let, mechanisms/relet.py:
  a share of the vacant capacity each month, as far as the market absorbs it); revenue from
  outside customers; a chip supplier's sales to unmodelled builders (``outside capex x chip share x its market share``);
* costs, which become obligations to the outside (tier 0): AI operating costs
  (``ai_cost_share`` of AI revenue), ``opex``, negative core cash flow, the cost of goods of
  outside chip sales; interest on outside liabilities (tier 1);
* contract obligations: interest, amortisation, maturing principal, rent (take-or-pay share plus
  the used share), and backstop payments for a neocloud's unsold capacity;
* depreciation: GPUs wear out over their useful life, facilities over theirs (DEPRECIATION);
* an AI lab's franchise value is marked with AI sentiment (MARKET).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Status
from aicontagion.core.numeric import ratio
from aicontagion.core.obligations import Obligations, Purpose, contract_obligations
from aicontagion.mechanisms import capex_returns, order_book, relet
from aicontagion.mechanisms.resolution import contract_share, vacate
from aicontagion.network.contracts import EXTERNAL, ContractType

READS = ("ai", "channels", "credit", "lifecycle", "markets", "month", "registry", "spec", "system")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "dues", "operations")
"""State groups this mechanism writes."""


def spot_capacity(state) -> np.ndarray:
    """USD bn/month each institution earns renting GPUs outside its contracts, at the opening rent
    and full use: the opening ``spot_revenue`` on the opening fleet still in service, plus, for a
    GPU renter (``rents_gpus``: neoclouds by default), ``gpu_revenue_yield`` on the GPUs it bought
    since and that no later offtake occupies (an offtake occupies ``12 x payment / yield`` of them).
    When such an offtake ends, its GPUs return to the spot market this way; vacated data-centre
    space and the opening fleet's contracts are re-let instead (:func:`relet_eligible`)."""
    f = state.system.flows["spot_revenue"]
    if state.registry.gpu_class < 0:
        return f
    units = state.books.holdings[:, state.registry.gpu_class]
    state.operations.gpu_new = np.minimum(
        state.operations.gpu_new, units
    )  # GPUs sold in fire sales or resolution are gone
    old = units - state.operations.gpu_new
    # offtakes that started after the opening are served by GPUs bought since: those are not spot
    c = state.contracts
    yield_ = state.spec.compute.gpu_revenue_yield
    live = c.rows_of(ContractType.OFFTAKE)
    live = live[
        (c.start[live] > 0)
        & (c.start[live] <= state.month)
        & (c.maturity[live] >= state.month)
        & (c.creditor[live] >= 0)
    ]
    occupied = np.bincount(c.creditor[live], weights=c.payment[live], minlength=state.n) * 12.0 / max(yield_, 1e-9)
    free_new = np.maximum(state.operations.gpu_new - occupied, 0.0)
    opening = np.where(state.operations.gpu_opening > 0, f * ratio(old, state.operations.gpu_opening), f)
    bought = np.where(state.system.rents_gpus, yield_ / 12.0 * free_new, 0.0)
    return opening + bought


def relet_eligible(contracts, rows: np.ndarray) -> np.ndarray:
    """Which ended executory rows free capacity the provider re-lets at market rents: leases (space)
    and the offtakes of the opening fleet (later offtakes' GPUs return to spot via
    :func:`spot_capacity`)."""
    c = contracts
    return (c.ctype[rows] == ContractType.LEASE) | (c.start[rows] <= 0)


def capex_growth_factor(state, month: int) -> float:
    """Planned capex relative to the start: grows at ``capex_growth`` a year until ``capex_peak``."""
    cpt = state.spec.compute
    years = min(month, state.registry.capex_peak_month) / 12.0
    return (1.0 + cpt.capex_growth) ** max(years, 0.0)


def outside_capex_month(state, month: int) -> float:
    """USD bn the unmodelled builders spend in ``month``: ``outside_capex / 12`` grown like the
    plan (:func:`capex_growth_factor`) and scaled by their (return-tested) response,
    :func:`~aicontagion.mechanisms.capex_returns.outside_response`."""
    return (
        state.spec.compute.outside_capex
        / 12.0
        * capex_growth_factor(state, month)
        * capex_returns.outside_response(state)
    )


def operate(state) -> Obligations:
    """Book this month's operating flows and return the obligations due."""
    b = state.books
    f = state.system.flows
    d = state.ai.demand_state
    t = state.month
    live = state.lifecycle.status != Status.DEFAULTED
    rows = live.nonzero()[0]
    obl = Obligations()
    usage = state.ai.usage

    growth = capex_growth_factor(state, t)
    state.operations.capex_plan = np.where(live, f["capex"] * growth, 0.0)
    if state.operations.fleet is not None:
        capex_returns.wear(state)  # last month's capex in service, this month's wear
    if state.operations.order_book is not None:
        order_book.advance(state)  # this month's deliveries out, this month's orders in

    ai = f["ai_revenue_share"][rows] * d.revenue / 12.0
    core = f["core_cash_flow"][rows]
    state.operations.spot_capacity = spot_capacity(state)  # this month's, also read by _backstops
    relet.lease_up(state)  # this month's new tenants for vacated capacity (the demand that exists)
    spot = (
        state.operations.spot_capacity[rows] * d.rent_index * usage
        + relet.let_capacity(state.operations)[rows] * d.rent_index * usage
    )
    outside = f["external_revenue"][rows]
    chip_share = f["gpu_market_share"][rows]
    outside_chips = (
        state.spec.compute.outside_capex
        * growth
        / 12.0
        * state.spec.compute.gpu_share_of_capex
        * chip_share
        * capex_returns.outside_response(state)
    )
    income = ai + np.maximum(core, 0.0) + spot + outside + outside_chips
    b.transfer(EXTERNAL, rows, income, "operating_revenue")
    b.book(rows, income, Channel.OPERATING)
    state.dues.monthly_inflow = np.zeros(state.n)
    state.dues.monthly_inflow[rows] = income
    state.operations.outside_revenue += float(income.sum())
    b.earn_deferred(Channel.COUNTERPARTY)  # recoveries on defaulted customers' payments, as they fall due

    margin = f["gross_margin"][rows]
    gpu_costs = (
        state.spec.compute.gpu_operating_cost
        / 12.0
        * np.where(state.system.rents_gpus[rows], state.operations.gpu_new[rows], 0.0)
    )  # the opening fleet's costs are in opex
    costs = (
        ai * f["ai_cost_share"][rows]
        + np.maximum(-core, 0.0)
        + f["opex"][rows]
        + gpu_costs
        + (outside + outside_chips) * np.where(margin > 0, 1.0 - margin, 0.0)
    )
    obl.add(rows, EXTERNAL, costs, 0, Purpose.OPEX)
    obl.add(rows, EXTERNAL, b.ext_liab[rows] * f["ext_liability_rate"][rows] / 12.0, 1, Purpose.INTEREST)

    _expire_leases(state, obl)
    contract_obligations(obl, state.contracts, t, usage)
    _backstops(state, obl)
    _depreciate(state, rows)
    _mark_franchise(state)
    return obl


def _expire_leases(state, obl: Obligations) -> None:
    """Leases and offtakes past their last month end: the customer owes any residual value
    guarantee shortfall, the provider's facility is marked to its re-let value and re-let at
    market rents."""
    c = state.contracts
    rows = c.executory_rows
    rows = rows[c.maturity[rows] < state.month]
    if rows.size == 0:
        return
    provider, customer = c.creditor[rows], c.obligor[rows]
    rules = state.spec.resolution
    keep = max(min(state.ai.demand_state.rent_index, 1.0), rules.relet_floor)
    facility = np.where(provider >= 0, state.books.facility[np.maximum(provider, 0)], 0.0)
    rvg_short = np.minimum(c.rvg[rows], facility * contract_share(c, rows) * (1.0 - keep))
    alive = (customer >= 0) & (state.lifecycle.status[np.maximum(customer, 0)] != Status.DEFAULTED)
    obl.add(customer[alive], provider[alive], rvg_short[alive], 1, Purpose.FEE, rows[alive])
    c.rvg[rows] = 0.0
    vacate(state.books, c, rows, state.ai.demand_state.rent_index, rules.relet_floor, Channel.MARKET)
    inside = (provider >= 0) & relet_eligible(c, rows)
    relet.offer(state.operations, provider[inside], c.payment[rows][inside])
    c.set_active(rows, False)


def _backstops(state, obl: Obligations) -> None:
    """A backstop provider pays for the customer's unsold spot capacity, up to its monthly cap."""
    c = state.contracts
    rows = c.rows_of(ContractType.BACKSTOP)
    rows = rows[(c.maturity[rows] >= state.month) & (c.creditor[rows] >= 0) & (c.obligor[rows] >= 0)]
    if rows.size == 0:
        return
    customer = c.creditor[rows]
    unsold = state.operations.spot_capacity[customer] * state.ai.demand_state.rent_index * (1.0 - state.ai.usage)
    due = np.minimum(np.minimum(c.payment[rows], unsold), np.maximum(c.limit[rows], 0.0))
    alive = state.lifecycle.status[customer] != Status.DEFAULTED
    obl.add(c.obligor[rows][alive], customer[alive], due[alive], 1, Purpose.RENT, rows[alive])


def _depreciate(state, rows: np.ndarray) -> None:
    b = state.books
    g = state.registry.gpu_class
    if g >= 0:
        rate = 1.0 / (state.spec.compute.useful_life_years * 12.0)
        wear = b.holdings[rows, g] * rate
        b.holdings[rows, g] -= wear
        state.operations.gpu_new[rows] *= 1.0 - rate
        b.book(rows, -wear * state.markets.marked_price[g], Channel.DEPRECIATION)
    in_use = state.system.in_service[rows] <= state.month  # no wear before the facility is in service
    dep = np.where(in_use, b.facility[rows] / np.maximum(state.system.facility_life[rows], 1.0), 0.0)
    b.facility[rows] -= dep
    b.book(rows, -dep, Channel.DEPRECIATION)


def _mark_franchise(state) -> None:
    b = state.books
    target = state.operations.franchise0 * state.ai.equity_ratio
    target[state.lifecycle.status == Status.DEFAULTED] = 0.0
    delta = target - b.franchise
    b.franchise = target
    b.book(np.arange(state.n), delta, Channel.MARKET)
