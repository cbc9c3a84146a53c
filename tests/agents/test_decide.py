"""Agents: each kind's decide rule records decisions from the state and changes nothing itself."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aicontagion.agents import AGENT_CLASSES, Bank
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind
from aicontagion.model import ContagionModel

MINI = str(Path(__file__).parents[1] / "data" / "mini.yaml")


@pytest.fixture
def model():
    m = ContagionModel(MINI, productivity="base", seed=1)
    m.state.month = 0
    m.stage_demand()
    m.stage_income()
    return m


def test_a_bank_cuts_the_undrawn_line_of_a_distressed_borrower(model):
    s = model.state
    neo, bank = s.registry.ids.index("neo"), s.registry.ids.index("bank")
    line = s.contracts.ids.index("neo_line")
    s.lifecycle.distress[neo] = s.registry.params["bank"]["line_cut_distress"][bank] + 0.1
    d = Decisions()
    Bank.decide(s, np.array([bank]), d)
    assert line in d.line_cuts
    assert s.contracts.limit[line] > s.contracts.principal[line]  # recorded only, applied later


def test_every_kind_decides_without_touching_the_books(model):
    s = model.state
    cash, equity = s.books.cash.copy(), s.books.equity.copy()
    limits, active = s.contracts.limit.copy(), s.contracts.active.copy()
    d = Decisions(obligations=model._obligations)
    model._willingness()
    for kind, cls in AGENT_CLASSES.items():
        rows = s.registry.members[kind]
        if rows.size:
            cls.decide(s, rows, d)
    np.testing.assert_array_equal(s.books.cash, cash)
    np.testing.assert_array_equal(s.books.equity, equity)
    np.testing.assert_array_equal(s.contracts.limit, limits)
    np.testing.assert_array_equal(s.contracts.active, active)
    assert d.obligations.arrays()["due"].size > 0  # capex, fees and calls were recorded


def test_agents_are_views_on_the_state(model):
    giant = next(a for a in model.institutions if a.kind == Kind.TECH_GIANT)
    s = model.state
    assert giant.equity == s.books.equity[giant.row] and giant.cash == s.books.cash[giant.row]
    sheet = giant.balance_sheet()
    assets = sum(v for k, v in sheet.items() if k not in ("contract_debt", "outside_liabilities", "equity"))
    assert assets - sheet["contract_debt"] - sheet["outside_liabilities"] == pytest.approx(sheet["equity"])
