"""Money-market redemptions inside the liquidity sub-steps: a fund run measured in days.

The hand-built system of tests/mechanisms/test_liquidity_substeps.py (one dealer, one fund with
5 of cash, 60 of Treasury bonds and 40 lent in repo maturing next month) with the fund's NAV
pushed below the buck by a realised loss of 1% and its investors' ``run_share`` set to 0.4 a
month: in each of the four weekly sub-steps its investors take 0.4 / 4 of the NAV at the start of
the stage, so the run is spread over days 8, 15, 22 and 30 instead of one monthly payment.
"""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.agents.money_market_fund import MoneyMarketFund
from aicontagion.core.books import Channel
from aicontagion.core.decisions import Decisions
from aicontagion.core.invariants import check_books
from aicontagion.mechanisms.credit import update_distress
from aicontagion.mechanisms.liquidity_substeps import run_substeps
from aicontagion.network.contracts import EXTERNAL
from aicontagion.policies import LenderOfLastResort
from tests.mechanisms.test_liquidity_substeps import _model

RUN_SHARE = 0.4


def _broken_fund(model):
    s = model.state
    s.month = 0
    mmf = s.registry.ids.index("mmf")
    p = s.registry.params["money_market_fund"]
    p["buck"][mmf], p["run_share"][mmf] = 0.005, RUN_SHARE
    loss = 0.01 * s.snapshot.equity0[mmf]
    s.books.transfer(mmf, EXTERNAL, loss, "written_off")  # paper of an outside issuer that defaulted
    s.books.book(mmf, -loss, Channel.COUNTERPARTY)
    update_distress(s)
    return s, mmf


def test_a_redemption_run_resolves_over_the_four_weeks(tmp_path):
    model = _model(tmp_path, cash=12.0, mbs=40.0)
    s, mmf = _broken_fund(model)
    nav0 = float(s.books.equity[mmf])
    run_substeps(s, 4, None, lambda stage: check_books(s, stage, estates=True))
    paid = [e for e in s.events.rows if e["event"] == "redemption"]
    assert [e["day"] for e in paid] == [8, 15, 22, 30]
    assert [e["amount"] for e in paid] == pytest.approx([nav0 * RUN_SHARE / 4] * 4)
    assert [w["redeemed"] for w in s.weeks] == pytest.approx([nav0 * RUN_SHARE / 4] * 4)
    buck = [e for e in s.events.rows if e["event"] == "broke_the_buck"]
    assert [(e["institution"], e["day"]) for e in buck] == [("mmf", 8)]  # once, on the day it is seen
    # the fund's NAV falls by what its investors took, and a little more: its sales of Treasury
    # bonds move their price (impact 0.01 on a depth of 5,000) and it marks what it still holds
    assert nav0 * (1 - RUN_SHARE) * (1 - 1e-3) < s.books.equity[mmf] < nav0 * (1 - RUN_SHARE)
    # week 1: 5 of cash cannot pay 10.4: the fund sold Treasury bonds the same day
    sales = [e for e in s.events.rows if e["event"] == "fire_sale" and e["institution"] == "mmf"]
    assert sales and sales[0]["day"] == 8


def test_a_guaranteed_fund_is_not_run(tmp_path):
    model = _model(tmp_path, cash=12.0, mbs=40.0)
    s, mmf = _broken_fund(model)
    s.credit.always_rolls[mmf] = True  # the Treasury guarantees its shares (September 2008)
    run_substeps(s, 4)
    assert not [e for e in s.events.rows if e["event"] in ("redemption", "run", "broke_the_buck")]
    assert [w["redeemed"] for w in s.weeks] == [0.0] * 4
    assert s.contracts.principal[s.contracts.ids.index("repo")] == 40.0  # it keeps lending


def test_a_fund_facility_lends_the_redemptions_instead_of_sales(tmp_path):
    # the AMLF (September 2008): the central bank lends a fund against its paper at no haircut
    amlf = LenderOfLastResort(kinds=("money_market_fund",), haircut=0.0, penalty=0.0025)
    model = _model(tmp_path, cash=12.0, mbs=40.0, policies=[amlf])
    s, mmf = _broken_fund(model)
    nav0, cash0 = float(s.books.equity[mmf]), float(s.books.cash[mmf])  # 5 less the 1% loss paid out
    amlf.initialize(s)
    run_substeps(s, 4, lambda need: amlf.liquidity_substep(s, need), lambda st: check_books(s, st, estates=True))
    loans = [e for e in s.events.rows if e["event"] == "lender_of_last_resort"]
    assert loans and loans[0]["institution"] == "mmf" and loans[0]["day"] == 8
    assert loans[0]["amount"] == pytest.approx(nav0 * RUN_SHARE / 4 - cash0)  # what its cash lacked
    assert not [e for e in s.events.rows if e["event"] == "fire_sale" and e["institution"] == "mmf"]
    assert np.isclose(sum(w["redeemed"] for w in s.weeks), nav0 * RUN_SHARE)  # paid in full, nothing sold


@pytest.mark.parametrize("k", [1, 4])
def test_the_run_is_paid_once_monthly_or_weekly_never_both(tmp_path, k):
    """With one sub-step the decide stage pays ``run_share`` of the NAV (the monthly model); with
    four it pays none of it (the sub-steps do), and logs ``broke_the_buck`` only monthly."""
    model = _model(tmp_path, k=k, cash=12.0, mbs=40.0)
    s, mmf = _broken_fund(model)
    s.lifecycle.distress_prev[mmf] = 0.0  # it broke the buck in the last funding stage
    s.books.cash[mmf] += 100.0  # enough spare cash to pay any outflow (the rule pays from cash only)
    decisions = Decisions()
    MoneyMarketFund.decide(s, np.array([mmf]), decisions)
    paid = sum(float(a.sum()) for _, a in decisions.distributions)
    nav, fall = s.books.equity[mmf], s.lifecycle.distress[mmf]
    sensitivity = s.registry.params["money_market_fund"]["redemption_sensitivity"][mmf]
    assert paid == pytest.approx(nav * (sensitivity * fall + (RUN_SHARE if k == 1 else 0.0)))
    assert [e["event"] for e in decisions.events] == (["broke_the_buck"] if k == 1 else [])
