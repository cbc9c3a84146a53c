"""Property tests on random systems: the accounting invariants hold whatever the network."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aicontagion as ac
from aicontagion.core.kinds import Status
from aicontagion.scenarios.loader import ScenarioError, validate
from tests.strategies import systems

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sim(raw, seed, months=18):
    try:
        spec = validate(raw, "random.yaml")
        sim = ac.Sim(spec, seed=seed, months=months, check_invariants=True)
        sim.build()
    except ScenarioError:
        return None  # an impossible random sheet (rejected with a clear error) is not a counterexample
    return sim


@SETTINGS
@given(raw=systems(), seed=st.integers(0, 2**16))
def test_every_stage_balances_and_conserves_money(raw, seed):
    sim = _sim(raw, seed)
    if sim is None:
        return
    sim.run()  # raises inside the step on any imbalance or money drift
    m = sim.model
    assert np.abs(m.state.books.imbalance(m.state.contracts, m.state.markets.marked_price)).max() < 1e-6
    assert abs(m.state.books.money_drift()) < 1e-6
    # defaulted institutions hold nothing and owe nothing; nobody else has negative equity
    dead = m.state.lifecycle.status == Status.DEFAULTED
    assert np.all(m.state.books.equity[~dead] >= -1e-6 * np.maximum(1, np.abs(m.state.snapshot.equity0[~dead])))
    assert np.all(m.state.books.cash >= -1e-9)


@SETTINGS
@given(raw=systems(max_institutions=6, max_contracts=10), seed=st.integers(0, 2**16))
def test_same_seed_same_results(raw, seed):
    a, b = _sim(raw, seed, 12), _sim(raw, seed, 12)
    if a is None:
        return
    a.run()
    b.run()
    np.testing.assert_array_equal(a.timeseries["value"].to_numpy(), b.timeseries["value"].to_numpy())
