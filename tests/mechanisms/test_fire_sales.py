"""Fire sales: a sale round clears together with price impact; liquidity sales; the switches."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.invariants import check_books
from aicontagion.mechanisms import fire_sales
from aicontagion.mechanisms.constraints import SaleOrders
from tests.mechanisms.conftest import row


def _sell_pension_equity(state, amount=50.0):
    orders = SaleOrders(state)
    orders.sell(np.array([row(state, "pension")]), np.array([amount]), claims=False, reason="test")
    return fire_sales.sell_round(state, orders)


def test_a_round_sells_lowers_the_price_and_keeps_books_balanced(state):
    pension, bank = row(state, "pension"), row(state, "bank")
    eq = state.markets.index["tech_equity"]
    price0 = state.markets.marked_price[eq]
    bank_eq0 = state.books.equity[bank]
    held0 = state.books.holdings[pension].copy()
    proceeds = _sell_pension_equity(state)
    assert proceeds[pension] > 0 and (state.books.holdings[pension] <= held0 + 1e-12).all()
    assert state.markets.marked_price[eq] < price0  # price impact
    assert state.books.equity[bank] < bank_eq0  # overlapping portfolios: the bank is marked down too
    check_books(state, "test")


def test_without_price_impact_a_sale_moves_no_price(state):
    state.markets.switch_off(price_impact=False)
    prices = state.markets.marked_price.copy()
    _sell_pension_equity(state)
    np.testing.assert_allclose(state.markets.marked_price, prices)


@pytest.mark.parametrize("lp_sales", [True, False])
def test_liquidity_sales_cover_binding_dues(state, lp_sales):
    pension = row(state, "pension")
    state.channels = state.channels.model_copy(update={"lp_sales": lp_sales})
    state.dues.due_binding[:] = 0.0
    state.dues.due_binding[pension] = state.books.cash[pension] + 20.0
    cash0 = state.books.cash[pension]
    fire_sales.liquidity_sales(state)
    sold = [e for e in state.events.rows if e["event"] == "fire_sale" and e["institution"] == "pension"]
    if lp_sales:
        assert sold and state.books.cash[pension] > cash0 + 19.0
    else:
        assert not sold and state.books.cash[pension] == cash0
