"""Trigger rules: a policy acts from its start month and once its trigger fired (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.policies import Bailout, ImplicitGuarantee, LenderOfLastResort, PolicyError
from aicontagion.policies.guarantees import investment_response
from aicontagion.policies.triggers import Trigger


def _model(policy, path="disproven", seed=1):
    return ac.Sim("ai_2025", productivity=path, seed=seed, months=1, policies=[policy]).build()


def test_bad_triggers_are_refused():
    with pytest.raises(PolicyError, match="spread_above"):
        Trigger(spread_above=-0.1)
    with pytest.raises(PolicyError, match="defaults_at_least"):
        Trigger(defaults_at_least=0)
    with pytest.raises(PolicyError, match="kind"):
        Trigger(kinds=("hedge_fund",))
    with pytest.raises(PolicyError, match="trigger"):
        Bailout(trigger="when things go bad")


def test_the_spread_rule_is_the_principal_weighted_spread_of_the_watched_debt():
    trigger = Trigger(spread_above=1.0, kinds=("neocloud",))
    model = _model(ImplicitGuarantee(trigger=trigger))
    s = model.state
    c = s.contracts
    rows = np.flatnonzero(c.is_debt & c.active & (c.obligor >= 0) & (c.principal > 0))
    rows = rows[np.isin(c.obligor[rows], trigger.watched(s))]
    w = c.principal[rows]
    assert trigger.spread(s) == pytest.approx((w * s.credit.spread[c.obligor[rows]]).sum() / w.sum())
    s.credit.spread[trigger.watched(s)] = 0.99
    assert not trigger.condition(s)
    s.credit.spread[trigger.watched(s)] = 1.01
    assert trigger.condition(s)


def test_a_defaults_trigger_latches_and_gates_the_policy():
    trigger = Trigger(defaults_at_least=1)
    policy = LenderOfLastResort(kinds=("neocloud",), trigger=trigger)
    model = _model(policy)
    fired = None
    for _ in range(60):
        model.step()
        dead = trigger.defaults(model.state)
        if fired is None and trigger.fired_month is not None:
            fired = trigger.fired_month
            assert dead >= 1
        if fired is None and not trigger.condition(model.state):
            assert not policy.active(model.state)
    assert fired is not None and policy.active(model.state)  # latched: still active after
    assert "policy_trigger" in {e["event"] for e in model.state.events.rows}


def test_a_policy_waits_for_both_its_start_and_its_trigger():
    trigger = Trigger(spread_above=0.0)  # holds from the first month
    policy = Bailout(kinds=("bank",), start=5, trigger=trigger)
    model = _model(policy)
    for month in range(8):
        model.step()
        assert policy.active(model.state) == (month >= 5)


def test_a_fresh_run_starts_with_the_trigger_unfired():
    trigger = Trigger(defaults_at_least=1)
    policy = ImplicitGuarantee(trigger=trigger)
    model = _model(policy)
    for _ in range(40):
        model.step()
    assert trigger.fired_month is not None
    model2 = _model(policy)
    model2.step()
    assert trigger.defaults(model2.state) == 0
    assert not trigger.check(model2.state) and trigger.fired_month is None
    assert policy.multiplier is None  # the guarantee has not started in the new run


def test_a_guarantee_that_starts_on_distress_does_not_reward_it():
    """The investment response is taken on the planned (opening) spread: a borrower whose spread
    blew out before the trigger fired gets no larger response than at its opening spread."""
    trigger = Trigger(defaults_at_least=1)
    policy = ImplicitGuarantee(kinds=("neocloud", "spv"), trigger=trigger)
    model = _model(policy)
    for _ in range(60):
        model.step()
    s = model.state
    assert policy.multiplier is not None
    planned = investment_response(
        s.credit.spread0[policy.rows],
        policy.compression,
        s.registry.treasury_rate,
        s.spec.funding.investment_elasticity,
    )
    assert (policy.multiplier <= planned + 1e-12).all()


@pytest.mark.parametrize("extra", [0.0, 0.05, 0.2, 1.0])
def test_the_response_never_rises_with_the_borrowers_own_distress(extra):
    """Property: however wide a borrower's spread is when the guarantee starts, its multiplier is
    the one of its opening spread or lower."""
    policy = ImplicitGuarantee(kinds=("neocloud",))
    model = _model(policy, path="base")
    s = model.state
    s.credit.spread[policy.rows] = s.credit.spread0[policy.rows] + extra  # distress before the start
    s.month = 0
    policy.adjust_funding(s)
    calm = investment_response(
        s.credit.spread0[policy.rows],
        policy.compression,
        s.registry.treasury_rate,
        s.spec.funding.investment_elasticity,
    )
    np.testing.assert_allclose(policy.multiplier, calm)
