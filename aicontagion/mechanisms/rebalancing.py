"""Rebalancing: long-horizon holders buy what fell and sell what rose, toward their strategic weights.

Public pension plans and sovereign wealth funds hold a strategic allocation across public asset
classes and trade back toward it when prices move it (calendar or range rebalancing; Norway's
sovereign fund, for one, kept buying equities through 2008-09 as they fell). It is the
counter-cyclical side of the LP channel: a crash in listed AI equity makes them buy it, paid by
selling the bonds that are now overweight.

For each institution with ``pension_lp.rebalance_speed`` ``s > 0`` (a monthly share of the way,
assumed), over its tradable holdings ``h_c`` (units of each asset class) at marked prices ``p_c``,
with opening weights ``w_c`` (value shares at the start, ``Operations.rebalance_weights``):

```
V     = sum_c h_c p_c                      tradable holdings at marks (USD bn)
gap_c = s x (w_c V - h_c p_c)               > 0: buy, < 0: sell (sum_c gap_c = 0 at marks)
```

The sells clear first, as one round of sales (``Markets.clear_sales``, price impact on every
holder; the impact is booked as ``FIRE_SALE`` P&L, the events are ``rebalance_sale``); then the
buys are scaled to what the sells raised
and clear against outside sellers (``Markets.clear_buys``): a buy first absorbs the decaying
selling pressure (the class's ``sold_share`` falls, so its price recovers toward the
fundamental), never lifting it above the fundamental. Units come back first from the outside
buyers who bought them from the system (their gain or loss on what they sell back is recorded),
the rest from outside holders the model does not follow. The channel switch ``rebalancing``
(``core.channels``) turns it off; a speed of 0 (the default) is no rebalancing.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.constraints import SaleOrders
from aicontagion.mechanisms.fire_sales import execute

READS = ("books", "channels", "contracts", "lifecycle", "markets", "operations", "registry")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "markets", "events")
"""State groups this mechanism writes."""


def opening_weights(holdings: np.ndarray, prices: np.ndarray) -> np.ndarray:
    """Value share of each asset class in each institution's tradable holdings, ``(n, classes)``
    (rows without holdings are zero)."""
    value = holdings * prices[None, :]
    total = value.sum(axis=1, keepdims=True)
    return np.divide(value, total, out=np.zeros_like(value), where=total > 1e-12)


def rebalancers(state) -> np.ndarray:
    """Live pension-kind institutions with a positive ``rebalance_speed``."""
    rows = state.registry.members.get(Kind.PENSION_LP, np.zeros(0, dtype=np.int64))
    if not len(rows) or not state.channels.rebalancing:
        return np.zeros(0, dtype=np.int64)
    speed = state.registry.params["pension_lp"]["rebalance_speed"][rows]
    return rows[(speed > 0) & (state.lifecycle.status[rows] != Status.DEFAULTED)]


def gaps(state, rows: np.ndarray) -> np.ndarray:
    """USD bn at marks to buy (> 0) or sell (< 0) of each class, ``(rows, classes)``."""
    prices = state.markets.marked_price
    value = state.books.holdings[rows] * prices[None, :]
    total = value.sum(axis=1, keepdims=True)
    speed = state.registry.params["pension_lp"]["rebalance_speed"][rows][:, None]
    return speed * (state.operations.rebalance_weights[rows] * total - value)


def rebalance(state) -> float:
    """This month's rebalancing trades; returns USD bn bought (at trade prices)."""
    rows = rebalancers(state)
    if rows.size == 0:
        return 0.0
    g = gaps(state, rows)
    sell = np.maximum(-g, 0.0)
    if sell.sum() <= 1e-9:
        return 0.0
    orders = SaleOrders(state)
    for k, who in enumerate(rows):
        for cls in np.flatnonzero(sell[k] > 1e-12):
            orders.sell_class(int(who), int(cls), float(sell[k, cls]), "rebalance")
    raised = execute(state, orders)[rows]  # the proceeds pay for the buys (nothing is repaid)
    for who, x in zip(rows, raised, strict=True):
        if x > 1e-9:
            state.events.record(int(who), "rebalance_sale", float(x), "toward strategic weights")
    buy = np.maximum(g, 0.0)
    scale = np.minimum(ratio(raised, buy.sum(axis=1)), 1.0)
    want = buy * scale[:, None]  # USD bn at marks
    prices = state.markets.marked_price
    units = np.zeros_like(state.books.holdings)
    units[rows] = np.divide(want, prices[None, :], out=np.zeros_like(want), where=prices[None, :] > 0)
    # at trade prices the buys may cost a little more than the marks: never more than was raised
    trade = state.markets.trade_price
    cost = units[rows] @ trade
    shrink = np.minimum(ratio(raised, cost, default=1.0), 1.0)
    units[rows] *= shrink[:, None]
    paid = state.markets.clear_buys(state.books, state.contracts, units)
    for who, x in zip(rows, paid[rows], strict=True):
        if x > 1e-9:
            state.events.record(int(who), "rebalance_buy", float(x), "toward strategic weights")
    return float(paid.sum())
