"""Income: operating flows booked, obligations built; a defaulted institution earns nothing."""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Status
from aicontagion.core.obligations import Purpose
from aicontagion.mechanisms.defaults import resolve_defaults
from aicontagion.mechanisms.income import operate
from tests.mechanisms.conftest import row


def _start_month(model):
    model.state.month = 0
    model.stage_demand()


def test_operate_books_income_and_builds_the_months_dues(model):
    _start_month(model)
    s = model.state
    pnl0 = s.books.pnl.sum(axis=1).copy()
    obl = operate(s)
    arr = obl.arrays()
    assert arr["due"].size > 0 and (arr["due"] >= 0).all()
    purposes = set(arr["purpose"].tolist())
    assert {int(Purpose.INTEREST), int(Purpose.RENT)} <= purposes  # outside debt interest, offtake rents
    giant = row(s, "giant")
    assert s.books.pnl[giant].sum() > pnl0[giant]  # core cash flow and AI revenue booked
    np.testing.assert_array_equal(s.operations.capex_plan > 0, s.system.flows["capex"] > 0)


def test_a_defaulted_institution_earns_and_owes_nothing(model):
    _start_month(model)
    s = model.state
    giant = row(s, "giant")
    illiquid = np.zeros(s.n, dtype=bool)
    illiquid[giant] = True
    resolve_defaults(s, illiquid, "test")  # resolved: its estate is emptied, its contracts end
    assert s.lifecycle.status[giant] == Status.DEFAULTED
    pnl0 = s.books.pnl[giant].copy()
    obl = operate(s)
    arr = obl.arrays()
    assert not (arr["obligor"] == giant).any() or arr["due"][arr["obligor"] == giant].sum() == 0.0
    assert s.operations.capex_plan[giant] == 0.0
    ai_and_core = s.books.pnl[giant] - pnl0
    assert ai_and_core.max() <= 1e-12  # no income booked
