"""The crisis measured at the intermediaries (issue 14): capital shortfalls, funding gaps, fund
gates and credit losses, with mark-to-market wealth losses apart."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.results.crisis import (
    CAPITAL_REQUIREMENT,
    CRISIS_DEFINITION,
    capital_shortfalls,
    credit_losses,
)


def test_a_bank_below_the_requirement_has_the_hand_worked_shortfall():
    model = ac.Sim("ai_2025", seed=1, months=1).build()
    s = model.state
    bank = int(s.registry.members[Kind.BANK][0])
    short, below = capital_shortfalls(s)
    assert short[bank] == 0.0 and not below.any()
    assets = s.books.assets(s.contracts, s.markets.marked_price)[bank]
    s.books.equity[bank] = 0.01 * assets  # (books out of balance on purpose: the function alone)
    short, below = capital_shortfalls(s)
    opening = s.snapshot.equity0[bank] / s.snapshot.assets0[bank]
    assert short[bank] == pytest.approx((min(CAPITAL_REQUIREMENT, opening) - 0.01) * assets)
    assert below[bank] and below.sum() == 1


def test_a_pension_funding_gap_counts():
    model = ac.Sim("ai_2025", seed=1, months=1).build()
    s = model.state
    p = int(s.registry.members[Kind.PENSION_LP][0])
    s.books.equity[p] = -5.0
    short, below = capital_shortfalls(s)
    assert short[p] == pytest.approx(5.0) and below[p]


def test_credit_losses_are_write_downs_net_of_guarantees_for_intermediaries_only():
    model = ac.Sim("ai_2025", seed=1, months=1).build()
    s = model.state
    from aicontagion.core.books import Channel

    bank = int(s.registry.members[Kind.BANK][0])
    lab = int(s.registry.members[Kind.AI_LAB][0])
    s.books.pnl[bank, Channel.COUNTERPARTY] = -10.0
    s.books.pnl[bank, Channel.GUARANTEE] = 4.0
    s.books.pnl[bank, Channel.MARKET] = -100.0  # mark-to-market: not a credit loss
    s.books.pnl[lab, Channel.COUNTERPARTY] = -50.0  # not an intermediary
    loss = credit_losses(s)
    assert loss[bank] == pytest.approx(6.0) and loss[lab] == 0.0


def test_bank_2008_is_a_crisis_at_the_banks_and_the_shipped_ai_path_is_not():
    bank = ac.Sim("bank_2008", seed=1, months=36).run().summary
    assert bank["crisis"] and "capital" in bank["crisis_reason"]
    assert bank["intermediaries_below_requirement_peak"] >= 1 and bank["intermediary_capital_shortfall_peak"] > 0
    assert np.isfinite(bank["months_to_crisis"])
    ai = ac.Sim("ai_2025", productivity="disproven", seed=1, months=120).run().summary
    # the AI bust costs wealth (equity marked down) but no intermediary is short of capital
    assert ai["wealth_loss"] > 10 * ai["intermediary_loss"]
    assert not ai["crisis"] and np.isnan(ai["months_to_crisis"])


def test_the_definition_names_every_condition():
    for word in ("bank", "pension", "gate", "credit losses", "wealth losses are reported separately"):
        assert word in CRISIS_DEFINITION
