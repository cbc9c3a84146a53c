"""Constraints write sale orders from the snapshot; nothing moves until the round clears."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.mechanisms.constraints import (
    AllocationCap,
    CapitalFloor,
    LeverageTarget,
    SaleOrders,
    capital_ratio,
    commitment_appetite,
    private_assets,
    risk_charges,
)
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


def _insurer(state, floor=0.8):
    """The mini pension as an insurer: risk charges on its classes and stakes, its opening ratio."""
    lp = row(state, "pension")
    state.spec.markets["tech_equity"].capital_charge = 0.3
    state.spec.markets["ig_bonds"].capital_charge = 0.01
    state.spec.markets["spv_bonds"].capital_charge = 0.015
    p = state.registry.params["pension_lp"]
    p["capital_floor"][lp] = floor
    p["stake_charge"][lp] = 0.3
    p["other_charge"][lp] = 0.02
    state.operations.capital_ratio0 = capital_ratio(state)
    return lp


def test_an_insurer_below_its_capital_floor_sells_its_highest_charge_holdings_until_the_ratio_is_back(state):
    lp = _insurer(state)
    base = state.operations.capital_ratio0[lp]
    assert np.isfinite(base) and base > 0
    state.books.equity[lp] *= 0.9  # a tenth of its capital lost: below its 0.95 floor
    state.registry.params["pension_lp"]["capital_floor"][lp] = 0.95
    orders = SaleOrders(state)
    CapitalFloor().orders(state, np.array([lp]), orders)
    assert not orders.empty and orders.reason[lp] == "capital"
    units = orders.orders()[0]
    names = state.markets.names
    equity_cls, bonds_cls = names.index("tech_equity"), names.index("ig_bonds")
    assert units[lp, equity_cls] > 0 and units[lp, bonds_cls] == 0  # equity (charge 0.3) first, no bonds
    held, claims, fixed = risk_charges(state, np.array([lp]))
    price = state.markets.marked_price[equity_cls]
    shed = 0.3 * units[lp, equity_cls] * price
    after = state.books.equity[lp] / (held[0] + claims[0] + fixed[0] - shed)
    assert after == pytest.approx(0.95 * base)


def test_an_insurer_short_of_equity_to_sell_goes_on_to_the_next_charge(state):
    lp = _insurer(state)
    state.books.equity[lp] *= 0.2  # more charge to shed than its equity holdings carry
    orders = SaleOrders(state)
    CapitalFloor().orders(state, np.array([lp]), orders)
    units = orders.orders()[0]
    names = state.markets.names
    e, b = names.index("tech_equity"), names.index("ig_bonds")
    assert units[lp, e] == pytest.approx(state.books.holdings[lp, e])  # all its equity
    assert units[lp, b] > 0  # then bonds


def test_an_insurer_above_its_floor_or_without_charges_sells_nothing(state):
    lp = _insurer(state)
    state.books.equity[lp] *= 0.9  # ratio 0.9 of opening: above the 0.8 floor
    orders = SaleOrders(state)
    CapitalFloor().orders(state, np.array([lp]), orders)
    assert orders.empty
    state.operations.capital_ratio0[lp] = np.inf  # no charges at the opening: no floor
    state.books.equity[lp] *= 0.1
    CapitalFloor().orders(state, np.array([lp]), orders)
    assert orders.empty


def test_the_allocation_cap_counts_the_private_part_of_other_assets_the_denominator_effect(state):
    lp = row(state, "pension")
    c = state.contracts
    p = state.registry.params["pension_lp"]
    p["max_private_share"][lp] = 0.3
    stakes = np.flatnonzero(c.is_stake & (c.creditor == lp) & (c.principal > 0))
    value = c.principal[stakes].sum()
    a = state.snapshot.assets[lp]
    assert value > 0 and value < 0.3 * a  # stakes alone are under the cap: nothing to sell
    orders = SaleOrders(state)
    AllocationCap().orders(state, np.array([lp]), orders)
    assert orders.empty
    state.books.other_assets[lp] = 0.3 * a  # other assets, all private: over the cap by the stakes
    p["private_other_share"][lp] = 1.0
    AllocationCap().orders(state, np.array([lp]), orders)
    want = min((value + 0.3 * a - 0.3 * a) / value, 1.0)
    np.testing.assert_allclose(orders.stake_share[stakes], want)


def test_commitment_appetite_falls_from_one_at_the_target_to_zero_at_the_cap(state):
    lp = row(state, "pension")
    c = state.contracts
    p = state.registry.params["pension_lp"]
    p["private_target"][lp], p["max_private_share"][lp] = 0.2, 0.3
    p["private_other_share"][lp] = 1.0
    stakes = c.principal[c.is_stake & (c.creditor == lp)].sum()
    a = state.snapshot.assets[lp]
    got = []
    for share in (0.1, 0.2, 0.25, 0.3, 0.4):
        state.books.other_assets[lp] = share * a - stakes
        assert private_assets(state, np.array([lp]), np.array([stakes]))[0] == pytest.approx(share * a)
        got.append(commitment_appetite(state, np.array([lp, row(state, "bank")])))
    np.testing.assert_allclose([g[0] for g in got], [1.0, 1.0, 0.5, 0.0, 0.0], atol=1e-9)
    assert all(g[1] == 1.0 for g in got)  # not an LP: unpaced
