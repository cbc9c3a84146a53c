"""Credit: distress, spreads and credit marks on a small state."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.kinds import Status
from aicontagion.mechanisms import credit
from tests.mechanisms.conftest import contract, row


def test_distress_is_the_relative_equity_loss(state):
    bank = row(state, "bank")
    e0 = state.snapshot.equity0[bank]
    state.books.equity[bank] = 0.25 * e0
    credit.update_distress(state)
    assert state.lifecycle.distress[bank] == pytest.approx(0.75)
    assert state.lifecycle.status[bank] == Status.DISTRESSED  # above distressed_at = 0.5
    state.lifecycle.status[bank] = Status.DEFAULTED
    credit.update_distress(state)
    assert state.lifecycle.distress[bank] == 1.0


def test_spreads_rise_with_distress(state):
    neo = row(state, "neo")
    state.lifecycle.distress[neo] = 0.4
    credit.update_spreads(state)
    expected = state.credit.spread0[neo] + state.spec.funding.spread_distress * 0.4
    assert state.credit.spread[neo] == pytest.approx(expected, abs=1e-3)  # + the sector-loss term (small)
    assert state.credit.spread[neo] >= expected - 1e-12


def test_credit_marks_follow_distress_with_the_appraisal_lag(state):
    loan = contract(state, "neo_loan")  # a secured private loan, appraisal 0.2 a month
    neo = row(state, "neo")
    state.lifecycle.distress[neo] = 0.5
    credit.update_credit_marks(state)
    lgd = state.spec.resolution.lgd_secured
    target = 1.0 - 0.5 * lgd
    assert state.contracts.credit_mark[loan] == pytest.approx(1.0 + 0.2 * (target - 1.0))


def test_without_the_appraisal_lag_marks_move_at_once(model):
    s = model.state
    s.markets.switch_off(appraisal_lag=False)
    s.channels = s.channels.model_copy(update={"appraisal_lag": False})
    loan, neo = contract(s, "neo_loan"), row(s, "neo")
    s.lifecycle.distress[neo] = 0.5
    credit.update_credit_marks(s)
    assert s.contracts.credit_mark[loan] == pytest.approx(1.0 - 0.5 * s.spec.resolution.lgd_secured)
    assert np.all(s.markets.appraisal == 1.0)
