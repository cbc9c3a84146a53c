"""Constraints write sale orders from the snapshot; nothing moves until the round clears."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.mechanisms.constraints import LeverageTarget, SaleOrders
from tests.mechanisms.conftest import row


def test_a_bank_below_its_leverage_buffer_orders_sales_to_its_target(state):
    bank = row(state, "bank")
    p = state.registry.params["bank"]
    assets = state.snapshot.assets[bank]
    state.books.equity[bank] = 0.03 * assets  # below the 4.5% buffer
    orders = SaleOrders(state)
    holdings = state.books.holdings.copy()
    LeverageTarget().orders(state, np.array([bank]), orders)
    assert not orders.empty and orders.frac[bank] > 0
    wanted = assets - state.books.equity[bank] / p["leverage_target"][bank]
    tradable = orders.hold_value[bank] + orders.claim_value[bank]
    assert orders.frac[bank] == pytest.approx(min(wanted / tradable, 1.0))
    assert orders.claims[bank] and orders.repay[bank] == SaleOrders.FUNDING and orders.reason[bank] == "leverage"
    np.testing.assert_array_equal(state.books.holdings, holdings)  # only orders, no sale yet


def test_a_sound_bank_orders_nothing(state):
    orders = SaleOrders(state)
    LeverageTarget().orders(state, np.array([row(state, "bank")]), orders)
    assert orders.empty


def _slow_bank(state, speed=0.25):
    bank = row(state, "bank")
    state.registry.params["bank"]["leverage_adjustment"][bank] = speed
    state.books.equity[bank] = 0.03 * state.snapshot.assets[bank]  # below the 4.5% buffer
    target = state.registry.params["bank"]["leverage_target"][bank]
    gap = state.snapshot.assets[bank] - state.books.equity[bank] / target
    return bank, gap


def _ordered(state, bank):
    orders = SaleOrders(state)
    LeverageTarget().orders(state, np.array([bank]), orders)
    return orders.frac[bank] * (orders.hold_value[bank] + orders.claim_value[bank])


def test_partial_adjustment_sells_its_speed_times_the_gap_once_a_month(state):
    bank, gap = _slow_bank(state, 0.25)
    state.month = 3
    assert _ordered(state, bank) == pytest.approx(0.25 * gap)
    # the next round of the same month: the plan is spent, the bank does not re-plan
    assert _ordered(state, bank) == pytest.approx(0.0)


def test_partial_adjustment_spreads_the_sales_over_months(state):
    bank, gap = _slow_bank(state, 0.25)
    p = state.registry.params["bank"]
    sold, months = 0.0, 0
    for month in range(3, 40):  # each month the books as if the last month's plan had been sold
        state.month = month
        if state.books.equity[bank] / state.snapshot.assets[bank] >= p["leverage_buffer"][bank]:
            break
        amount = _ordered(state, bank)
        assert amount > 0
        sold += amount
        state.snapshot.assets[bank] -= amount  # sold at marks, the proceeds repay funding
        months += 1
    assert months >= 2  # the gap closes over months, not at once
    assert sold < gap  # and the bank stops once back above its buffer, short of its full target


def test_speed_one_is_the_whole_gap_at_once_re_measured_every_round(state):
    bank, gap = _slow_bank(state, 1.0)
    tradable = SaleOrders(state).hold_value[bank] + SaleOrders(state).claim_value[bank]
    assert _ordered(state, bank) == pytest.approx(min(gap, tradable))
    assert _ordered(state, bank) == pytest.approx(min(gap, tradable))  # no monthly plan: the same again
