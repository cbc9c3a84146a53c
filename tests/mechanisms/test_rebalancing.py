"""Rebalancing toward strategic weights: hand-worked on the mini scenario's pension (tech equity
100 and IG bonds 100 at the start: weights 1/2 and 1/2)."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.mechanisms.rebalancing import gaps, rebalance
from tests.mechanisms.conftest import row


def _halve_tech(state):
    m = state.markets
    tech = m.index["tech_equity"]
    fund = m.marked_fundamental.copy()
    fund[tech] *= 0.5
    m.fundamental[:] = fund
    m._remark(state.books, state.contracts, fund, m.marked_impact, Channel.MARKET)
    return tech, m.index["ig_bonds"]


def _speed(state, who, s):
    state.registry.params["pension_lp"]["rebalance_speed"][who] = s


def test_after_equity_halves_the_pension_sells_bonds_and_buys_equity_a_share_of_the_gap(state):
    p = row(state, "pension")
    _speed(state, p, 0.5)
    tech, bonds = _halve_tech(state)
    price = state.markets.marked_price
    before = state.books.holdings[p].copy()
    assert before[tech] * price[tech] == pytest.approx(50.0) and before[bonds] * price[bonds] == pytest.approx(100.0)
    g = gaps(state, np.array([p]))[0]
    assert g[tech] == pytest.approx(0.5 * (75.0 - 50.0)) and g[bonds] == pytest.approx(-12.5)  # 150 at 1/2 each
    cash0, money0 = state.books.cash[p], state.books.money_drift()
    paid = rebalance(state)
    after = state.books.holdings[p]
    assert after[bonds] < before[bonds] and after[tech] > before[tech]
    # the buy is paid from what the bond sale raised (price impact takes a little off both sides)
    assert paid == pytest.approx(12.5, rel=0.01) and paid <= 12.5 + 1e-9
    assert state.books.cash[p] == pytest.approx(cash0, abs=0.2)
    assert np.abs(state.books.imbalance(state.contracts, state.markets.marked_price)).max() < 1e-9
    assert state.books.money_drift() == pytest.approx(money0, abs=1e-9)
    # the bonds went to outside buyers; the equity came from outside holders the model does not follow
    assert state.books.external.units[bonds] > 0 and state.books.external.units[tech] == 0.0
    assert (state.markets.sold_share >= 0).all()


def test_a_buy_absorbs_past_selling_pressure_and_takes_back_what_outside_buyers_hold(state):
    p = row(state, "pension")
    _speed(state, p, 1.0)
    tech, _ = _halve_tech(state)
    m = state.markets
    m.sold_share[tech] = 0.01  # past sales still weigh on the price
    state.books.external.units[tech] = 5.0  # units outside buyers bought from the system earlier
    impact_before = m.impact_factor()[tech]
    rebalance(state)
    assert m.sold_share[tech] < 0.01 and m.impact_factor()[tech] > impact_before
    assert m.impact_factor()[tech] <= 1.0
    assert state.books.external.units[tech] == pytest.approx(0.0)  # sold back first
    assert np.abs(state.books.imbalance(state.contracts, m.marked_price)).max() < 1e-9


def test_no_rebalancing_at_speed_zero_or_with_the_channel_off(state):
    p = row(state, "pension")
    _halve_tech(state)
    before = state.books.holdings.copy()
    assert rebalance(state) == 0.0  # the default speed is 0
    _speed(state, p, 0.5)
    state.channels = state.channels.model_copy(update={"rebalancing": False})
    assert rebalance(state) == 0.0
    np.testing.assert_array_equal(state.books.holdings, before)
