"""Fire sales: constraint-driven sales in simultaneous rounds, and sales for liquidity.

Each round of the deleverage stage, every kind's constraints
(:mod:`aicontagion.mechanisms.constraints`) write sale orders from the same snapshot (the model
collects them, :meth:`aicontagion.model.ContagionModel.stage_deleverage`); :func:`sell_round`
clears them together with price impact
(:meth:`~aicontagion.mechanisms.markets.Markets.clear_sales`), fund stakes go to secondary buyers at a
discount, proceeds repay what the constraint demands (a bank's funding, a fund's credit lines),
and any institution pushed below zero equity is resolved before the next round.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import fill_nan, ratio
from aicontagion.mechanisms.constraints import SaleOrders
from aicontagion.network.contracts import EXTERNAL, ContractType

READS = ("channels", "dues", "lifecycle", "registry")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "events", "markets")
"""State groups this mechanism writes."""


MAX_ROUNDS = 10


def sell_round(state, orders: SaleOrders) -> np.ndarray:
    """One round of the deleverage stage: clear ``orders`` together and use the proceeds as each
    constraint demands; returns the proceeds per institution (USD bn)."""
    proceeds = execute(state, orders)
    use_proceeds(state, orders, proceeds)
    return proceeds


def execute(state, orders: SaleOrders) -> np.ndarray:
    """Clear a round's orders together (market sales, then secondary stake sales); proceeds per institution."""
    units, claim_rows, claim_share, stake_rows, stake_share = orders.orders()
    proceeds = state.markets.clear_sales(state.books, state.contracts, units, claim_rows, claim_share)
    return proceeds + sell_stakes(state, stake_rows, stake_share)


def sell_stakes(state, rows: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Stakes sold to outside buyers at the holder's secondary-market discount."""
    out = np.zeros(state.n)
    if rows.size == 0:
        return out
    c = state.contracts
    holder = c.creditor[rows]
    value = c.principal[rows] * frac
    disc = fill_nan(state.registry.params["pension_lp"]["secondary_discount"][holder], 0.2)
    price = value * (1.0 - disc)
    state.books.transfer(EXTERNAL, holder, price, "secondary_sale")
    state.books.book(holder, price - value, Channel.FIRE_SALE)
    c.split(rows, frac, EXTERNAL)
    np.add.at(out, holder, price)
    return out


def use_proceeds(state, orders: SaleOrders, proceeds: np.ndarray) -> None:
    """A bank repays funding with what it sold; a fund repays its credit lines (pro rata)."""
    c = state.contracts
    funding = np.flatnonzero((orders.repay == SaleOrders.FUNDING) & (proceeds > 0))
    if funding.size:
        pay = np.minimum(proceeds[funding], state.books.ext_liab[funding])
        state.books.transfer(funding, EXTERNAL, pay, "deleveraging")
        state.books.ext_liab[funding] -= pay
    curing = (orders.repay == SaleOrders.LINES) & (proceeds > 0)
    if curing.any():
        lines = c.rows_of(ContractType.CREDIT_LINE)
        lines = lines[(c.obligor[lines] >= 0) & (c.principal[lines] > 0)]
        lines = lines[curing[c.obligor[lines]]]
        owed = np.bincount(c.obligor[lines], weights=c.principal[lines], minlength=state.n)
        share = np.minimum(ratio(proceeds, owed), 1.0)
        pay = c.principal[lines] * share[c.obligor[lines]]
        if pay.any():
            state.books.repay_principal(c, lines, pay, "covenant_cure")
            term = c.amortising[lines]
            c.limit[lines[term]] -= pay[term]  # a term loan's repaid principal cannot be drawn again
    for i in np.flatnonzero(proceeds > 1e-9):
        state.events.record(int(i), "fire_sale", float(proceeds[i]), orders.reason[i] or "liquidation")


LIQUID_KINDS = (Kind.BANK, Kind.PRIVATE_CREDIT_FUND, Kind.PENSION_LP, Kind.MONEY_MARKET_FUND)


def liquidity_sales(state) -> None:
    """Before the month's payments clear, institutions that hold tradables and lack the cash for
    what is due sell tradables pro rata, all in one simultaneous round (a fire sale for liquidity:
    how a funding run becomes a price spiral)."""
    kinds = [k for k in LIQUID_KINDS if state.channels.lp_sales or k != Kind.PENSION_LP]
    rows = np.concatenate([state.registry.members[k] for k in kinds])
    rows = rows[state.lifecycle.status[rows] != Status.DEFAULTED]
    need = state.dues.due_binding[rows] - state.books.cash[rows]  # all binding dues, fees and calls included
    rows, need = rows[need > 1e-9], need[need > 1e-9]
    if rows.size == 0:
        return
    orders = SaleOrders(state)
    orders.sell(rows, need, claims=True, reason="liquidity")
    if orders.empty:
        return
    proceeds = execute(state, orders)
    for i in np.flatnonzero(proceeds > 1e-9):
        state.events.record(int(i), "fire_sale", float(proceeds[i]), "liquidity")
