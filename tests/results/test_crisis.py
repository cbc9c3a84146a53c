"""The crisis measured at the intermediaries (issue 14): capital shortfalls, funding gaps, fund
gates and credit losses, with mark-to-market wealth losses apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.results.crisis import (
    CAPITAL_REQUIREMENT,
    COMPONENTS,
    CRISIS_DEFINITION,
    GATE_MATERIALITY,
    SERIES,
    capital_shortfalls,
    credit_losses,
    crisis_summary,
    material_gates,
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


def _gate_events(fund: str, amount: float) -> pd.DataFrame:
    row = {"step": 5, "date": None, "institution": fund, "kind": "private_credit_fund", "event": "gate"}
    return pd.DataFrame([row | {"amount": amount, "cause": "redemptions above gate"}])


def test_an_immaterial_gate_is_not_a_crisis_and_a_material_one_is():
    model = ac.Sim("ai_2025", seed=1, months=1).build()
    s = model.state
    f = int(s.registry.members[Kind.PRIVATE_CREDIT_FUND][0])
    fund, nav0 = s.registry.ids[f], float(s.snapshot.equity0[f])
    wide = pd.DataFrame({n: [0.0] for n in SERIES}, index=[5])
    tiny = _gate_events(fund, 0.1 * GATE_MATERIALITY * nav0)  # a queue of a tenth of the threshold
    assert material_gates(s, tiny).empty
    quiet = crisis_summary(s, wide, tiny, {})
    assert not quiet["crisis"] and quiet["fund_gates"] == 1 and quiet["material_fund_gates"] == 0
    assert not quiet["crisis_fund_gate"]
    big = _gate_events(fund, 2.0 * GATE_MATERIALITY * nav0)
    loud = crisis_summary(s, wide, big, {})
    assert loud["crisis"] and loud["crisis_fund_gate"] and loud["months_to_crisis"] == 5
    assert loud["crisis_reason"] == "fund_gate" and not loud["crisis_bank_capital"]
    # a money-market fund breaking the buck is material whatever its size
    buck = _gate_events(fund, 0.0).assign(event="broke_the_buck")
    assert len(material_gates(s, buck)) == 1


def test_the_components_split_banks_pensions_and_failed_funds():
    model = ac.Sim("ai_2025", seed=1, months=1).build()
    s = model.state
    wide = pd.DataFrame({n: [0.0, 0.0] for n in SERIES}, index=[3, 4])
    wide.loc[4, ["intermediaries_below_requirement", "pensions_funding_gap"]] = 1.0
    out = crisis_summary(s, wide, pd.DataFrame(columns=["step", "event", "institution", "amount"]), {})
    assert out["crisis"] and out["crisis_pension_gap"] and not out["crisis_bank_capital"]
    assert out["months_to_crisis"] == 4 and out["crisis_reason"] == "pension_gap"
    assert set(COMPONENTS) == {"bank_capital", "pension_gap", "fund_gate", "credit_loss"}
