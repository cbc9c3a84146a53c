"""The deleverage stage: constraint-driven sales in simultaneous rounds until quiet.

Each round, every kind's constraints (:mod:`aicontagion.mechanisms.constraints`) write sale orders from the
same snapshot; the round's orders clear together with price impact
(:meth:`~aicontagion.mechanisms.markets.Markets.clear_sales`), fund stakes go to secondary buyers at a
discount, proceeds repay what the constraint demands (a bank's funding, a fund's credit lines),
and any institution pushed below zero equity is resolved before the next round.
"""

from __future__ import annotations

import numpy as np

from aicontagion.agents import AGENT_CLASSES
from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.constraints import SaleOrders
from aicontagion.network.contracts import EXTERNAL, ContractType

MAX_ROUNDS = 10


def deleverage(model) -> None:
    """5. Constraint-driven sales, cleared simultaneously in rounds until quiet."""
    for _ in range(MAX_ROUNDS):
        model.assets = model.books.assets(model.contracts, model.markets.marked_price)
        orders = SaleOrders(model)
        for kind, cls in AGENT_CLASSES.items():
            rows = model.members[kind]
            rows = rows[model.status[rows] != Status.DEFAULTED]
            for con in getattr(cls, "constraints", ()):
                if rows.size:
                    con.orders(model, rows, orders)
        if orders.empty:
            break
        proceeds = execute(model, orders)
        use_proceeds(model, orders, proceeds)
        model._check("deleverage")
        model._resolve_defaults(np.zeros(model.n, dtype=bool), "fire sale")


def execute(model, orders: SaleOrders) -> np.ndarray:
    """Clear a round's orders together (market sales, then secondary stake sales); proceeds per institution."""
    units, claim_rows, claim_share, stake_rows, stake_share = orders.orders()
    proceeds = model.markets.clear_sales(model.books, model.contracts, units, claim_rows, claim_share)
    return proceeds + sell_stakes(model, stake_rows, stake_share)


def sell_stakes(model, rows: np.ndarray, frac: np.ndarray) -> np.ndarray:
    """Stakes sold to outside buyers at the holder's secondary-market discount."""
    out = np.zeros(model.n)
    if rows.size == 0:
        return out
    c = model.contracts
    holder = c.creditor[rows]
    value = c.principal[rows] * frac
    disc = np.nan_to_num(model.params["pension_lp"]["secondary_discount"][holder], nan=0.2)
    price = value * (1.0 - disc)
    model.books.transfer(EXTERNAL, holder, price, "secondary_sale")
    model.books.book(holder, price - value, Channel.FIRE_SALE)
    c.split(rows, frac, EXTERNAL)
    np.add.at(out, holder, price)
    return out


def use_proceeds(model, orders: SaleOrders, proceeds: np.ndarray) -> None:
    """A bank repays funding with what it sold; a fund repays its credit lines (pro rata)."""
    c = model.contracts
    funding = np.flatnonzero((orders.repay == SaleOrders.FUNDING) & (proceeds > 0))
    if funding.size:
        pay = np.minimum(proceeds[funding], model.books.ext_liab[funding])
        model.books.transfer(funding, EXTERNAL, pay, "deleveraging")
        model.books.ext_liab[funding] -= pay
    curing = (orders.repay == SaleOrders.LINES) & (proceeds > 0)
    if curing.any():
        lines = c.rows_of(ContractType.CREDIT_LINE)
        lines = lines[(c.obligor[lines] >= 0) & (c.principal[lines] > 0)]
        lines = lines[curing[c.obligor[lines]]]
        owed = np.bincount(c.obligor[lines], weights=c.principal[lines], minlength=model.n)
        share = np.minimum(ratio(proceeds, owed), 1.0)
        pay = c.principal[lines] * share[c.obligor[lines]]
        if pay.any():
            model.books.repay_principal(c, lines, pay, "covenant_cure")
            term = c.amortising[lines]
            c.limit[lines[term]] -= pay[term]  # a term loan's repaid principal cannot be drawn again
    for i in np.flatnonzero(proceeds > 1e-9):
        model.record_event(int(i), "fire_sale", float(proceeds[i]), orders.reason[i] or "liquidation")


LIQUID_KINDS = (Kind.BANK, Kind.PRIVATE_CREDIT_FUND, Kind.PENSION_LP, Kind.MONEY_MARKET_FUND)


def liquidity_sales(model) -> None:
    """Before the month's payments clear, institutions that hold tradables and lack the cash for
    what is due sell tradables pro rata, all in one simultaneous round (a fire sale for liquidity:
    how a funding run becomes a price spiral)."""
    rows = np.concatenate([model.members[k] for k in LIQUID_KINDS])
    rows = rows[model.status[rows] != Status.DEFAULTED]
    need = model.due_binding[rows] - model.books.cash[rows]  # all binding dues, fees and calls included
    rows, need = rows[need > 1e-9], need[need > 1e-9]
    if rows.size == 0:
        return
    orders = SaleOrders(model)
    orders.sell(rows, need, claims=True, reason="liquidity")
    if orders.empty:
        return
    proceeds = execute(model, orders)
    for i in np.flatnonzero(proceeds > 1e-9):
        model.record_event(int(i), "fire_sale", float(proceeds[i]), "liquidity")
