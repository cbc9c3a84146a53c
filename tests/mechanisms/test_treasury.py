"""The Treasury funds the government with debt; the fiscal cost is the fall of its equity."""

from __future__ import annotations

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
