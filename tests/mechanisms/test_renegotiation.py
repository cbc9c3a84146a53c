"""Renegotiation: a customer short of cash gets a cut where the provider values the cut contract
above its recovery in the customer's default, and only where the cut avoids the default."""

import numpy as np
import pytest

from aicontagion.core.decisions import Decisions
from aicontagion.core.obligations import Purpose
from aicontagion.mechanisms.renegotiation import provider_terms, renegotiate
from tests.mechanisms.conftest import contract, row


def _to_decide(model):
    """Run the demand and income stages of month 0: this month's dues are built."""
    model.state.month += 1
    model.state.events.tick(model.steps, model.state.date)
    model.stage_demand()
    model.stage_income()
    s = model.state
    s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)
    s.snapshot.debt = s.books.liabilities(s.contracts)
    return s, Decisions(obligations=model._obligations)


def test_provider_accepts_a_cut_worth_more_than_default_and_the_lab_avoids_default(model):
    s, d = _to_decide(model)
    lab, neo, k = row(s, "lab"), row(s, "neo"), contract(s, "lab_offtake")
    s.ai.demand_state.rent_index = 0.3  # a glutted market: re-letting the capacity fetches little
    terms = provider_terms(s, np.array([k]), s.month)
    # hand-worked: the provider's value in default is the re-let value plus the recovered claim
    assert terms["in_default"][0] < terms["pay_pv"][0]
    c_max = 1 - terms["in_default"][0] / terms["pay_pv"][0]
    assert terms["c_max"][0] == pytest.approx(c_max)
    payment, due = s.contracts.payment[k], d.obligations.due_on(np.array([k]), Purpose.RENT)[0]
    shortfall = 0.5 * min(c_max, 1.0) * due  # short of half of what the largest cut saves this month
    before = s.dues.due_now[lab]
    cut = renegotiate(s, np.array([lab]), np.array([shortfall]), d)
    assert 0 < cut[k] <= c_max + 1e-12
    granted = cut[k]
    # both sides are better off than in default: the provider keeps more than its recovery ...
    assert (1 - granted) * terms["pay_pv"][0] >= terms["in_default"][0] - 1e-9
    # ... and the lab covers this month's shortfall
    assert before - s.dues.due_now[lab] == pytest.approx(granted * due)
    assert granted * due >= shortfall
    assert d.obligations.due_on(np.array([k]), Purpose.RENT)[0] == pytest.approx((1 - granted) * due)
    assert s.contracts.payment[k] == pytest.approx((1 - granted) * payment)
    assert any(e["event"] == "renegotiation" and e["institution"] == lab for e in d.events)
    assert neo != lab


def test_no_cut_when_the_provider_recovers_more_in_default(model):
    s, d = _to_decide(model)
    lab, k = row(s, "lab"), contract(s, "lab_offtake")
    s.ai.demand_state.rent_index = 1.5  # re-letting fetches more than the contract pays
    terms = provider_terms(s, np.array([k]), s.month)
    assert terms["c_max"][0] == 0.0
    payment = s.contracts.payment[k]
    cut = renegotiate(s, np.array([lab]), np.array([0.1]), d)
    assert cut[k] == 0.0 and s.contracts.payment[k] == payment
    assert not any(e["event"] == "renegotiation" for e in d.events)


def test_no_cut_when_it_would_not_avoid_the_default(model):
    s, d = _to_decide(model)
    lab, k = row(s, "lab"), contract(s, "lab_offtake")
    s.ai.demand_state.rent_index = 0.3
    payment = s.contracts.payment[k]
    cut = renegotiate(s, np.array([lab]), np.array([1e3]), d)  # no cut covers a 1,000bn hole
    assert cut[k] == 0.0 and s.contracts.payment[k] == payment


def test_switched_off(model):
    s, d = _to_decide(model)
    s.channels = s.channels.model_copy(update={"renegotiation": False})
    s.ai.demand_state.rent_index = 0.3
    assert not renegotiate(s, np.array([row(s, "lab")]), np.array([0.01]), d).any()
