"""The default cascade: an insolvent institution is recorded, resolved and emptied; losses reach
its creditors, and a second round resolves whoever they push below zero."""

from __future__ import annotations

import numpy as np

from aicontagion.core.invariants import check_books, check_estates
from aicontagion.core.kinds import Status
from aicontagion.mechanisms.defaults import resolve_defaults
from tests.mechanisms.conftest import row


def test_an_illiquid_institution_defaults_and_its_creditors_lose(model):
    s = model.state
    s.month = 0
    spv, fund = row(s, "spv"), row(s, "fund")
    fund_equity = s.books.equity[fund]
    illiquid = np.zeros(s.n, dtype=bool)
    illiquid[spv] = True
    checked = []
    resolve_defaults(s, illiquid, "could not pay", checked.append)
    assert s.lifecycle.status[spv] == Status.DEFAULTED and s.lifecycle.default_month[spv] == 0
    assert [e["cause"] for e in s.events.rows if e["event"] == "default"][0].startswith("could not pay")
    assert s.books.equity[fund] < fund_equity  # its 80% stake in the SPV is wiped out
    assert checked and checked[0] == "resolution"
    check_books(s, "test")
    check_estates(s, "test")


def test_solvent_and_liquid_institutions_do_not_default(state):
    resolve_defaults(state, np.zeros(state.n, dtype=bool), "could not pay")
    assert (state.lifecycle.status != Status.DEFAULTED).all()
    assert not state.events.rows
