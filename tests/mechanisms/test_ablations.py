"""Ablations applied at the start: closing the funds' bank lines keeps every equity and balance."""

from __future__ import annotations

import numpy as np

from aicontagion.core.invariants import check_books
from aicontagion.mechanisms.ablations import close_fund_bank_lines
from tests.mechanisms.conftest import contract


def test_closing_fund_bank_lines(state):
    equity = state.books.equity.copy()
    closed = close_fund_bank_lines(state)
    line = contract(state, "fund_line")
    assert closed.tolist() == [line]
    assert not state.contracts.active[line] and state.contracts.principal[line] == 0.0
    np.testing.assert_allclose(state.books.equity, equity)
    check_books(state, "test")
    assert contract(state, "neo_line") not in closed  # a bank line to a neocloud stays
