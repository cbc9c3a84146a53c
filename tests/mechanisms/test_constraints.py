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
