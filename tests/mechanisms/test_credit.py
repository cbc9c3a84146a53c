"""Credit: distress, spreads and credit marks on a small state."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Status
from aicontagion.mechanisms import credit
from aicontagion.mechanisms.credit import update_distress
from tests.mechanisms.conftest import contract, row
from tests.mechanisms.test_liquidity_substeps import _model


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


def test_the_proportional_sector_term_scales_with_each_borrowers_opening_spread(state):
    """Hand-worked: a kind loses 10% of its opening assets. Additive: every member pays
    spread_sector_loss x 0.1 more. Proportional (duration times spread): a member pays
    spread0 x beta x 0.1 more, so one at 0.7% gets 0.7 x 10 x 0.1 = 0.7 points, one at 5% gets 5
    points; an unrated member (spread0 0) keeps the additive term."""
    kinds = state.registry.kind
    members = np.flatnonzero(kinds == kinds[row(state, "neo")])
    state.books.equity[:] = state.snapshot.equity0
    loss = 0.1 * state.snapshot.assets0[members].sum()
    state.books.equity[members[0]] -= loss
    state.lifecycle.distress[:] = 0.0
    state.credit.spread0[members] = 0.007
    state.credit.spread0[members[0]] = 0.05
    f = state.spec.funding
    state.spec.funding = f.model_copy(update={"sector_spread_form": "additive"})
    credit.update_spreads(state)
    np.testing.assert_allclose(state.credit.spread[members] - state.credit.spread0[members], f.spread_sector_loss * 0.1)
    state.spec.funding = f.model_copy(update={"sector_spread_form": "proportional", "spread_sector_beta": 10.0})
    credit.update_spreads(state)
    np.testing.assert_allclose(state.credit.spread[members], state.credit.spread0[members] * (1.0 + 10.0 * 0.1))
    state.credit.spread0[members[0]] = 0.0  # unrated: the additive term
    credit.update_spreads(state)
    assert state.credit.spread[members[0]] == pytest.approx(f.spread_sector_loss * 0.1)


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


# -- a money-market fund's NAV per share (amortized cost, income distributed) ---------------------
def _fund(tmp_path):
    s = _model(tmp_path).state
    return s, s.registry.ids.index("mmf"), s.registry.ids.index("dealer"), s.contracts.ids.index("repo")


def test_a_money_market_funds_income_is_no_cushion_against_breaking_the_buck(tmp_path):

    s, mmf, _, _ = _fund(tmp_path)
    e0 = s.snapshot.equity0[mmf]
    loss = 0.01 * e0  # above the 0.5% buck
    s.books.pnl[mmf, Channel.INTEREST] += 3.0 * loss  # income earned (distributed daily)
    s.books.pnl[mmf, Channel.COUNTERPARTY] -= loss
    s.books.equity[mmf] += 2.0 * loss  # the fund's equity is above its opening NAV
    update_distress(s)
    assert s.lifecycle.distress[mmf] == pytest.approx(0.01)  # the share price is 0.99: the buck is broken


def test_a_money_market_fund_carries_live_paper_at_par_and_a_defaulted_issuers_at_recovery(tmp_path):

    s, mmf, dealer, repo = _fund(tmp_path)
    e0 = s.snapshot.equity0[mmf]
    c = s.contracts
    down = 0.1 * c.principal[repo]
    c.mark[repo] = 0.9  # the dealer's paper marked down 10% while it has not defaulted
    s.books.equity[mmf] -= down
    s.books.pnl[mmf, Channel.COUNTERPARTY] -= down
    update_distress(s)
    assert s.lifecycle.distress[mmf] == pytest.approx(0.0)  # amortized cost: the share price stays 1.00
    s.lifecycle.status[dealer] = Status.DEFAULTED  # now the write-down is realised
    update_distress(s)
    assert s.lifecycle.distress[mmf] == pytest.approx(down / e0)
    assert s.lifecycle.distress[mmf] > 0.005  # worth more than the cushion: it breaks the buck
