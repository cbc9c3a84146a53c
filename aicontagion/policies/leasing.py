"""The state company as a lessor: it buys a share of the build-out's buildings and leases them to
the builders that ordered them (the "national AI compute company" that owns capacity).

Each month (in the record stage, once its policy is active) :func:`take_buildings` takes
``share`` of next month's building deliveries of each live builder among ``tenants`` (tech giants
and neoclouds: the kinds that order capex through the order book,
:data:`aicontagion.mechanisms.order_book.BUILDERS`) out of the builder's order book, pays the
outside builders for them (``capex_construction``, as a build-out SPV does) and books them as its
own facility; :func:`lease_buildings` leases them to that builder from the month of delivery: a
take-or-pay lease of ``tenor`` months at ``rent_yield`` of their cost a year (the company's
choice: at cost by default, :meth:`StateCompany.cost_rent`), renewable as the scenario's SPV leases, with
a year's rent as the termination fee and no residual value guarantee (the state bears the
residual). A builder that takes part of its buildings this way pays rent instead of capex, as a
giant whose SPV takes its buildings. Deals of one year and tenant share a lease row (the table
grows by years, not months). Money moves by :meth:`Books.transfer`, so every sheet stays balanced.

Only buildings are taken: chips are bought from the chip sellers at their margin
(:mod:`aicontagion.agents.financing`), which a buyer outside the order book would bypass.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.network.contracts import EXTERNAL, ContractType

LESSEE_KINDS = ("tech_giant", "neocloud")
"""Builders whose buildings the company can take and lease back."""


def next_buildings(state, tenants: np.ndarray) -> np.ndarray:
    """Buildings (USD bn) each of ``tenants`` has due for delivery next month (0 without an order book)."""
    book = state.operations.order_book
    if book is None:
        return np.zeros(tenants.size)
    slot = (state.month + 1) % book.slots
    out = np.zeros(tenants.size)
    which, at = book.builders(tenants)
    out[which] = book.build[at, slot]
    return out


def take_buildings(state, company: int, tenants: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """Take ``share`` of next month's building deliveries of the live ``tenants`` out of their order
    book; returns ``(tenants, cost)`` of what was taken (USD bn). Nothing is paid yet."""
    book = state.operations.order_book
    live = tenants[state.lifecycle.status[tenants] == Status.ACTIVE]
    if book is None or share <= 0 or live.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    slot = (state.month + 1) % book.slots
    which, at = book.builders(live)
    live, cost = live[which], share * book.build[at, slot]
    keep = cost > 1e-9
    live, cost, at = live[keep], cost[keep], at[keep]
    book.build[at, slot] -= cost
    return live, cost


def lease_buildings(
    state, company: int, tenants: np.ndarray, cost: np.ndarray, rent_yield: float, tenor: int, rows: dict
) -> None:
    """Pay for ``cost`` (USD bn per tenant) of buildings, own them, and lease them to ``tenants``
    from next month at ``rent_yield`` a year for ``tenor`` months. ``rows`` maps ``(tenant, year)``
    to its lease row and is updated. The company must already hold the cash."""
    if tenants.size == 0:
        return
    c, b, t = state.contracts, state.books, state.month
    renewal = int(state.spec.origination.renewal_years * 12)
    b.transfer(np.full(tenants.size, company), np.full(tenants.size, EXTERNAL), cost, "capex_construction")
    b.facility[company] += float(cost.sum())
    for r, x in zip(tenants, cost, strict=True):
        key = (int(r), t // 12)
        row = rows.get(key)
        if row is None or not c.active[row]:
            row = int(
                c.add_many(
                    ctype=[int(ContractType.LEASE)],
                    creditor=[company],
                    obligor=[int(r)],
                    start=[t + 1],
                    maturity=[t + tenor],
                    take_or_pay=[1.0],
                    renewal=[renewal],
                )[0]
            )
            rows[key] = row
        c.payment[row] += x * rent_yield / 12.0
        c.termination_fee[row] += x * rent_yield
        state.events.record(company, "state_company_lease", float(x), f"buildings leased to {state.registry.ids[r]}")
    signed = state.operations.valued_at_signing  # a lease signed in the run is not valued by the signing rule
    if signed.size < c.size:
        state.operations.valued_at_signing = np.append(signed, np.zeros(c.size - signed.size, dtype=bool))


def leased_capacity(state, company: int) -> float:
    """The buildings the company owns (USD bn, at book value)."""
    return float(state.books.facility[company])


def lessees(state, kinds) -> np.ndarray:
    """Rows of the institutions of ``kinds`` that order through the order book."""
    return np.concatenate([state.registry.members[Kind.parse(k)] for k in kinds]).astype(np.int64)
