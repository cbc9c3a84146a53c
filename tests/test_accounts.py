"""Accounting primitives keep every balance sheet balanced and money conserved."""

import numpy as np
import pytest

from aicontagion.accounts import Books, Channel
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType


def _books():
    b = Books(3, 1)
    c = ContractTable()
    c.add(ContractType.LOAN, 0, 1, "loan", principal=10.0, rate=0.05, maturity=12)
    b.cash[:] = [5.0, 20.0, 1.0]
    b.equity = b.assets(c, np.ones(1)) - b.liabilities(c)
    b.cash_at_start = b.cash.sum()
    return b, c


def _ok(b, c):
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    assert abs(b.money_drift()) < 1e-12


def test_expense_moves_cash_and_equity_together():
    b, c = _books()
    b.pay_expense(1, 0, 0.5, Channel.INTEREST, "interest")
    _ok(b, c)
    assert b.pnl[0, Channel.INTEREST] == 0.5 and b.pnl[1, Channel.INTEREST] == -0.5


def test_repayment_at_par_of_a_marked_down_claim_is_a_gain():
    b, c = _books()
    b.revalue_contracts(c, [0], 0.8, Channel.COUNTERPARTY)
    _ok(b, c)
    b.repay_principal(c, [0], 5.0)
    _ok(b, c)
    assert b.pnl[0, Channel.COUNTERPARTY] == pytest.approx(-2.0 + 1.0)


def test_outside_flows_are_recorded():
    b, c = _books()
    b.transfer(EXTERNAL, 2, 3.0, "ai_revenue")
    b.book(2, 3.0, Channel.OPERATING)
    b.transfer(0, EXTERNAL, 1.0, "opex")
    b.book(0, -1.0, Channel.OPERATING)
    _ok(b, c)
    assert b.external.inflow["ai_revenue"] == 3.0 and b.external.outflow["opex"] == 1.0


def test_a_missed_booking_is_detected():
    b, c = _books()
    b.transfer(1, 2, 1.0, "gift")  # cash moved, no equity booked
    assert np.abs(b.imbalance(c, np.ones(1))).max() == pytest.approx(1.0)


def test_drawdown_keeps_old_principal_at_its_mark():
    b, c = _books()
    b.revalue_contracts(c, [0], 0.5, Channel.COUNTERPARTY)
    b.lend(c, [0], 10.0)
    _ok(b, c)
    assert c.principal[0] == 20.0 and c.value()[0] == pytest.approx(5.0 + 10.0)


def test_contract_table_grows_and_splits():
    c = ContractTable(capacity=8)
    rows = c.add_many(ctype=[ContractType.BOND] * 20, creditor=range(20), obligor=[0] * 20, principal=[1.0] * 20)
    assert len(c) == 20 and rows[-1] == 19
    new = c.split(np.array([3]), np.array([0.25]), EXTERNAL)
    assert c.principal[3] == pytest.approx(0.75) and c.principal[new[0]] == pytest.approx(0.25)
    assert c.creditor[new[0]] == EXTERNAL
    with pytest.raises(KeyError):
        c.add(ContractType.LOAN, 0, 1, colour="red")
