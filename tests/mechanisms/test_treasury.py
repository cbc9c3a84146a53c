"""The Treasury funds the government with debt; the fiscal cost is the fall of its equity."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.mechanisms.treasury import fiscal_cost, fund_government, fund_government_for
from tests.mechanisms.conftest import row


def test_the_government_borrows_what_it_lacks_without_a_loss(state):
    gov = row(state, "government")
    cash, debt, equity = state.books.cash[gov], state.books.ext_liab[gov], state.books.equity[gov]
    fund_government_for(state, cash + 30.0)
    assert state.books.cash[gov] == pytest.approx(cash + 30.0)
    assert state.books.ext_liab[gov] == pytest.approx(debt + 30.0)
    assert state.books.equity[gov] == pytest.approx(equity) and fiscal_cost(state) == pytest.approx(0.0)


def test_negative_cash_is_covered_and_losses_are_the_fiscal_cost(state):
    gov = row(state, "government")
    state.books.pay_expense(gov, -1, state.books.cash[gov] + 12.0, Channel.GUARANTEE, "test payout")
    assert state.books.cash[gov] < 0
    fund_government(state)
    assert state.books.cash[gov] == pytest.approx(0.0)
    assert fiscal_cost(state) == pytest.approx(state.snapshot.equity0[gov] - state.books.equity[gov])
    assert fiscal_cost(state) > 0


def test_government_bonds_fall_with_the_treasury_yields_rise_and_treasury_debt_pays_interest():
    """ai_2025's gov_bonds are priced on the sovereign: issuing 10% of GDP of Treasury debt raises
    the yield by 0.03 x 0.1 = 30bp (Laubach), so bonds of duration 5 fall to 1 - 5 x 0.003 = 0.985;
    and the government pays the live yield (the opening rate plus those 30bp) on that debt."""
    from aicontagion.mechanisms.treasury import GDP, sovereign_spread
    from aicontagion.model import ContagionModel

    model = ContagionModel("ai_2025", seed=1, collect=False)
    s = model.state
    gov = s.registry.ids.index("government")
    a = s.markets.names.index("gov_bonds")
    assert s.markets.fundamental[a] == pytest.approx(1.0)
    fund_government_for(s, 0.1 * GDP)
    assert sovereign_spread(s) == pytest.approx(0.003)
    model.step()
    assert s.markets.fundamental[a] == pytest.approx(0.985)
    y = s.spec.treasury_rate + 0.003
    assert s.system.flows["ext_liability_rate"][gov] == pytest.approx(y)
    assert s.books.pnl[gov, Channel.INTEREST] == pytest.approx(-0.1 * GDP * y / 12.0, rel=0.05)


def test_the_treasury_yield_rises_with_the_governments_debt_and_its_coupon_blends(state):
    """Two issuances of 1% and 2% of GDP: the yield rises by 3bp x 1 = 3bp, then by 3bp x 2 more;
    the government's coupon is the stock-weighted average of its opening coupon on its opening debt
    and of the two yields on the two tranches (each tranche keeps the coupon it was sold at)."""
    from aicontagion.mechanisms.treasury import GDP, treasury_yield

    gov = row(state, "government")
    stock0 = float(state.books.ext_liab[gov])
    rate0 = float(state.system.flows["ext_liability_rate"][gov])
    y0 = treasury_yield(state)
    assert stock0 > 0 and y0 == pytest.approx(state.registry.treasury_rate)  # opening debt: no spread
    fund_government_for(state, state.books.cash[gov] + 0.01 * GDP)
    first = treasury_yield(state)
    assert first == pytest.approx(y0 + 0.0003)
    fund_government_for(state, state.books.cash[gov] + 0.02 * GDP)
    second = treasury_yield(state)
    assert second == pytest.approx(y0 + 0.0009)
    blended = (rate0 * stock0 + first * 0.01 * GDP + second * 0.02 * GDP) / (stock0 + 0.03 * GDP)
    assert state.system.flows["ext_liability_rate"][gov] == pytest.approx(blended)
    assert rate0 < blended < second


def test_a_loan_priced_after_a_fiscal_shock_pays_more(state):
    """The rate on new debt (credit.new_debt_rate: the base of origination, borrowing and rollovers)
    rises one for one with the sovereign spread: issuing 10% of GDP adds 30bp to a borrower's rate."""
    from aicontagion.mechanisms.credit import new_debt_rate
    from aicontagion.mechanisms.treasury import GDP

    gov = row(state, "government")
    borrower = int(np.argmax(state.credit.spread))
    before = new_debt_rate(state, borrower)
    fund_government_for(state, state.books.cash[gov] + 0.1 * GDP)
    assert new_debt_rate(state, borrower) == pytest.approx(before + 0.003)
