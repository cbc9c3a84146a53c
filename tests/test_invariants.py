"""Invariants on whole runs: defaulted estates stay empty, nothing happens to an institution after
its default, and non-finite values are violations (issue 11)."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.invariants import InvariantError, check_books
from aicontagion.core.kinds import Status
from aicontagion.scenarios import synthetic


def _events_after_default(sim) -> int:
    ev = sim.events
    first = ev[ev.event == "default"].groupby("institution").step.min()
    later = ev[ev.institution.isin(first.index) & (ev.event != "default")]
    return int((later.step.to_numpy() > first.reindex(later.institution).to_numpy()).sum())


@pytest.mark.parametrize(
    "scenario, path, seed",
    [("ai_2025", "slow", 6), ("ai_2025", "disproven", 1), ("bank_2008", None, 1)],
)
def test_defaulted_estates_stay_empty(scenario, path, seed):
    sim = ac.Sim(scenario, productivity=path, seed=seed, months=120, check_invariants=True).run()  # estates checked
    assert sim.summary["defaults"] > 0
    assert _events_after_default(sim) == 0


def test_a_defaulted_chip_supplier_earns_nothing():
    """A defaulted chip supplier no longer sells chips: its share is bought from outsiders."""
    sim = ac.Sim(synthetic(1000, seed=0), productivity="base", seed=0, months=12, check_invariants=True).run()
    s = sim.model.state
    dead = np.flatnonzero(s.lifecycle.status == Status.DEFAULTED)
    assert dead.size > 0
    np.testing.assert_allclose(s.books.cash[dead], 0.0, atol=1e-9)
    np.testing.assert_allclose(s.books.equity[dead], 0.0, atol=1e-9)
    assert _events_after_default(sim) == 0


def test_nan_is_a_violation():
    m = ac.Sim("tests/data/mini.yaml", seed=1, months=1).build()
    check_books(m.state, "start", estates=True)
    m.state.books.cash[0] = np.nan
    with pytest.raises(InvariantError, match="non-finite cash"):
        check_books(m.state, "start")
