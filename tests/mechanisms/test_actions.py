"""Applying decisions: everything recorded is carried out together, after all kinds decided."""

from __future__ import annotations

import pytest

from aicontagion.core.decisions import Decisions
from aicontagion.core.invariants import check_books
from aicontagion.mechanisms.actions import apply_decisions
from tests.mechanisms.conftest import contract, row


def test_line_cuts_and_reputation_penalties(state):
    state.month = 3
    line = contract(state, "neo_line")
    giant = row(state, "giant")
    d = Decisions()
    d.line_cuts.append(line)
    d.reputation.append((giant, 0.02, 2.0))
    apply_decisions(state, d)
    c = state.contracts
    assert c.limit[line] == c.principal[line]
    cut = [e for e in state.events.rows if e["event"] == "line_cut"]
    assert cut and cut[0]["institution"] == "neo" and cut[0]["cause"] == "bank"
    assert state.credit.reputation_penalty[giant] == pytest.approx(0.02)
    assert state.credit.reputation_until[giant] == 3 + 24
    check_books(state, "test")


def test_new_equity_is_sold_to_outsiders_at_a_discount(state):
    neo = row(state, "neo")
    cash, equity = state.books.cash[neo], state.books.equity[neo]
    d = Decisions()
    d.equity_issues.append((neo, 4.0, 0.25))
    apply_decisions(state, d)
    assert state.books.cash[neo] == pytest.approx(cash + 4.0)
    assert state.books.equity[neo] == pytest.approx(equity + 4.0)
    check_books(state, "test")
