"""The deleverage stage: constraint-driven sales in simultaneous rounds until quiet.

Each round, every kind's constraints (:mod:`aicontagion.constraints`) write sale orders from the
same snapshot; the round's orders clear together with price impact
(:meth:`~aicontagion.markets.Markets.clear_sales`), fund stakes go to secondary buyers at a
discount, proceeds repay what the constraint demands (a bank's funding, a fund's credit lines),
and any institution pushed below zero equity is resolved before the next round.
"""

from __future__ import annotations

import numpy as np

from aicontagion.accounts import Channel
from aicontagion.agents import AGENT_CLASSES
from aicontagion.constraints import SaleOrders
from aicontagion.kinds import Kind, Status
from aicontagion.network.contracts import EXTERNAL, ContractType

MAX_ROUNDS = 10


def deleverage(model) -> None:
    """5. Constraint-driven sales, cleared simultaneously in rounds until quiet."""
    for _ in range(MAX_ROUNDS):
        model.assets = model.books.assets(model.contracts, model.markets.marked_price)
        orders = SaleOrders(units=np.zeros_like(model.books.holdings))
        for kind, cls in AGENT_CLASSES.items():
            rows = model.members[kind]
            rows = rows[model.status[rows] != Status.DEFAULTED]
            for con in getattr(cls, "constraints", ()):
                if rows.size:
                    con.orders(model, rows, orders)
        if orders.empty:
            break
        rows = np.array(sorted(orders.claim_share), dtype=np.int64)
        frac = np.array([orders.claim_share[r] for r in rows], dtype=float)
        proceeds = model.markets.clear_sales(model.books, model.contracts, orders.units, rows, frac)
        proceeds += sell_stakes(model, orders.stake_share)
        use_proceeds(model, orders, proceeds)
        model._check("deleverage")
        model._resolve_defaults(np.zeros(model.n, dtype=bool), "fire sale")


def sell_stakes(model, stake_share: dict[int, float]) -> np.ndarray:
    out = np.zeros(model.n)
    if not stake_share:
        return out
    c = model.contracts
    rows = np.array(sorted(stake_share), dtype=np.int64)
    frac = np.array([stake_share[r] for r in rows])
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
    c = model.contracts
    for i, use in orders.repay.items():
        amount = float(proceeds[i])
        if amount <= 0:
            continue
        if use == "funding":
            pay = min(amount, float(model.books.ext_liab[i]))
            model.books.transfer(i, EXTERNAL, pay, "deleveraging")
            model.books.ext_liab[i] -= pay
        elif use == "lines":
            lines = np.flatnonzero(
                (c.ctype == ContractType.CREDIT_LINE) & c.active & (c.obligor == i) & (c.principal > 0)
            )
            owed = c.principal[lines]
            if owed.sum() > 1e-12:
                pay = owed * min(1.0, amount / owed.sum())
                model.books.repay_principal(c, lines, pay, "covenant_cure")
                term = c.amortising[lines]
                c.limit[lines[term]] -= pay[term]  # a term loan's repaid principal cannot be drawn again
    for i in np.flatnonzero(proceeds > 1e-9):
        model.record_event(int(i), "fire_sale", float(proceeds[i]), orders.reason.get(int(i), "liquidation"))


LIQUID_KINDS = (Kind.BANK, Kind.PRIVATE_CREDIT_FUND, Kind.PENSION_LP, Kind.MONEY_MARKET_FUND)


def liquidity_sales(model) -> None:
    """Before the month's payments clear, institutions that hold tradables and lack the cash for
    what is due sell tradables pro rata, all in one simultaneous round (a fire sale for liquidity:
    how a funding run becomes a price spiral)."""
    rows = np.concatenate([model.members[k] for k in LIQUID_KINDS])
    rows = rows[model.status[rows] != Status.DEFAULTED]
    need = model.due_now[rows] - model.books.cash[rows]
    rows, need = rows[need > 1e-9], need[need > 1e-9]
    if rows.size == 0:
        return
    orders = SaleOrders(units=np.zeros_like(model.books.holdings))
    for i, gap in zip(rows, need, strict=True):
        if orders.sell_pro_rata(model, int(i), float(gap)) > 0:
            orders.reason[int(i)] = "liquidity"
    if orders.empty:
        return
    claim_rows = np.array(sorted(orders.claim_share), dtype=np.int64)
    frac = np.array([orders.claim_share[r] for r in claim_rows], dtype=float)
    proceeds = model.markets.clear_sales(model.books, model.contracts, orders.units, claim_rows, frac)
    for i in np.flatnonzero(proceeds > 1e-9):
        model.record_event(int(i), "fire_sale", float(proceeds[i]), "liquidity")
