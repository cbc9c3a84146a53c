"""Funding: rollover, rollover failure and the funding-runs switch on a small state."""

from __future__ import annotations

from aicontagion.mechanisms import funding
from tests.mechanisms.conftest import contract, row


def _maturing(state):
    line = contract(state, "fund_line")  # a bullet credit line from the bank to the fund
    state.month = 10
    state.contracts.maturity[line] = 11
    state.contracts.tenor[line] = 24
    return line


def test_willing_lender_and_open_market_roll_the_debt(state):
    line = _maturing(state)
    funding.rollover(state)
    assert state.contracts.maturity[line] == 11 + 24
    assert not [e for e in state.events.rows if e["event"] == "rollover_failure"]


def test_a_closed_market_means_a_rollover_failure(state):
    line = _maturing(state)
    fund = row(state, "fund")
    state.credit.spread[fund] = state.spec.funding.rollover_max_spread + 0.01
    funding.rollover(state)
    assert state.contracts.maturity[line] == 11  # falls due next month
    events = [e for e in state.events.rows if e["event"] == "rollover_failure"]
    assert events and events[0]["institution"] == "fund" and "market closed" in events[0]["cause"]
    assert state.lifecycle.funding_hint[fund]


def test_with_funding_runs_off_everything_that_may_roll_rolls(state):
    line = _maturing(state)
    state.credit.spread[row(state, "fund")] = 1.0
    state.channels = state.channels.model_copy(update={"funding_runs": False})
    funding.rollover(state)
    assert state.contracts.maturity[line] == 11 + 24


def test_margin_calls_switch(state):
    state.channels = state.channels.model_copy(update={"margin_calls": False})
    before = state.contracts.call_due.copy()
    funding.margin_calls(state)
    assert (state.contracts.call_due == before).all()
