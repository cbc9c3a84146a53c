"""Pension funding ratios: the accrued-benefit obligation is a memo liability set from the opening
funding ratio; with contributions on, sponsors pay in the amortisation of the rise in the unfunded
liability (cash from outside, CAPITAL), and every sheet still balances."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.mechanisms import pension_funding as pf
from aicontagion.model import ContagionModel
from aicontagion.scenarios.loader import ScenarioError
from tests.mechanisms.conftest import row


def _model(on: bool) -> ContagionModel:
    return ContagionModel(
        "ai_2025", productivity="disproven", seed=1, check_invariants=True, pension_funding__contributions=on
    )


def test_the_opening_funding_ratio_is_the_scenarios_and_only_plans_have_one():
    s = _model(False).state
    i = row(s, "public_pensions")
    fr = pf.funding_ratio(s)
    assert fr[i] == pytest.approx(s.spec.pension_funding.funding_ratio["public_pensions"])
    assert pf.obligations(s)[i] == pytest.approx(s.snapshot.assets0[i] / fr[i])
    assert np.isnan(fr[row(s, "life_insurers")])
    assert not pf.contributions(s, np.array([i])).any()  # off: today's behaviour


def test_sponsors_pay_in_the_amortised_rise_of_the_unfunded_liability():
    m = _model(True)
    s = m.state
    i = row(s, "public_pensions")
    liab = pf.obligations(s)[i]
    paid = 0.0
    for _ in range(18):  # the disproven path's fall in tech equity lowers the plan's assets
        m.step()
        a = s.snapshot.assets[i]
        want = max(max(liab - a, 0.0) - max(liab - s.snapshot.assets0[i], 0.0), 0.0) / (
            12 * s.spec.pension_funding.amortisation_years
        )
        assert pf.contributions(s, np.array([i]))[0] == pytest.approx(want)
        paid += want
    assert s.snapshot.assets[i] < s.snapshot.assets0[i]
    assert s.books.external.inflow["sponsor_contribution"] > 0.0
    assert s.books.pnl[i, Channel.CAPITAL] >= s.books.external.inflow["sponsor_contribution"] - 1e-9


def test_contributions_do_not_change_losses_counted():
    off = _model(False)
    on = _model(True)
    for _ in range(24):
        off.step()
        on.step()
    i = row(on.state, "public_pensions")
    assert on.state.books.cash[i] > off.state.books.cash[i]  # the sponsor's money
    own = [Channel.OPERATING, Channel.INTEREST, Channel.MARKET, Channel.FIRE_SALE, Channel.COUNTERPARTY]
    assert on.state.books.pnl[i, own] == pytest.approx(off.state.books.pnl[i, own], rel=1e-6, abs=1e-6)


def test_a_funding_ratio_for_an_institution_that_is_not_a_pension_is_rejected():
    with pytest.raises(ScenarioError, match="pension_funding"):
        ContagionModel("ai_2025", pension_funding__funding_ratio={"jpmorgan": 0.8})
