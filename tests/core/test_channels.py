"""Every contagion channel has a switch, the switch stops what it names, and runs report it."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.books import Channel
from aicontagion.core.channels import CHANNEL_NAMES, Channels
from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import ContractType
from aicontagion.scenarios.loader import ScenarioError


@pytest.fixture(scope="module")
def disproven():
    """Under the contracts' own fees (no expectation damages), so that customers walk at all: with
    expectation damages a solvent customer never gains by walking (docs/model.md, 7.8)."""
    fees_only = {"resolution.expectation_damages": False}
    return {
        on: ac.Sim(
            "ai_2025", productivity="disproven", seed=1, months=120, channels={} if on else CHANNELS_OFF, **fees_only
        ).run()
        for on in (True, False)
    }


CHANNELS_OFF = {"strategic_default": False, "fire_sales": False, "lp_sales": False}


def _events(sim, event):
    e = sim.events
    return e[e["event"] == event]


def test_switches_are_reported_and_strict():
    sim = ac.Sim("tests/data/mini.yaml", seed=1, months=2, channels={"fire_sales": False})
    assert sim.pars["channels"]["fire_sales"] is False and sim.pars["channels"]["funding_runs"] is True
    assert sim.run().summary["channels"]["fire_sales"] is False
    assert "channels.fire_sales" in sim.summary_row()
    with pytest.raises(ScenarioError, match="channels"):
        ac.Sim("tests/data/mini.yaml", channels={"fire_sale": False})
    assert set(Channels().model_dump()) == set(CHANNEL_NAMES)


def test_strategic_default_and_fire_sales_off_stop_what_they_name(disproven):
    on, off = disproven[True], disproven[False]
    assert len(_events(on, "strategic_default")) > 0 and len(_events(off, "strategic_default")) == 0
    assert len(_events(on, "fire_sale")) > 0 and len(_events(off, "fire_sale")) == 0
    assert on.summary["total_loss"] != off.summary["total_loss"]


def test_the_scenario_file_and_overrides_set_switches_too():
    sim = ac.Sim("tests/data/mini.yaml", seed=1, months=2, **{"channels.margin_calls": False})
    assert sim.channels.margin_calls is False


@pytest.fixture(scope="module")
def bank_runs():
    base = ac.Sim("bank_2008", seed=1, months=24).run()
    off = ac.Sim("bank_2008", seed=1, months=24, channels={"funding_runs": False, "margin_calls": False}).run()
    return base, off


def test_funding_runs_and_margin_calls_off(bank_runs):
    base, off = bank_runs
    assert len(_events(base, "margin_call")) > 0 and len(_events(off, "margin_call")) == 0
    runs = {"run", "rollover_failure", "hoarding"}
    assert base.events["event"].isin(runs).any() and not off.events["event"].isin(runs).any()


def test_price_impact_and_appraisal_lag_off():
    m = ac.Sim("ai_2025", seed=1, months=1, channels={"price_impact": False, "appraisal_lag": False}).build()
    assert np.all(m.state.markets.appraisal == 1.0)
    assert np.all(m.state.markets.impact_factor(np.full(len(m.state.markets.names), 0.5)) == 1.0)


def test_fund_leverage_off_closes_bank_lines_to_funds_and_keeps_equity():
    on = ac.Sim("ai_2025", seed=1, months=1).build()
    off = ac.Sim("ai_2025", seed=1, months=1, channels={"fund_leverage": False}).build()
    c, kind = on.state.contracts, on.state.registry.kind
    lines = c.rows_of(ContractType.CREDIT_LINE)
    to_funds = lines[(c.obligor[lines] >= 0) & (kind[np.maximum(c.obligor[lines], 0)] == Kind.PRIVATE_CREDIT_FUND)]
    from_banks = to_funds[(c.creditor[to_funds] >= 0) & (kind[np.maximum(c.creditor[to_funds], 0)] == Kind.BANK)]
    s = off.state
    c = s.contracts
    assert from_banks.size > 0 and not c.active[from_banks].any() and (c.limit[from_banks] == 0).all()
    np.testing.assert_allclose(s.books.equity, on.state.books.equity)
    gap = s.books.imbalance(c, s.markets.marked_price)
    assert np.abs(gap).max() < 1e-9
    # the funds owe the drawn balance to outside lenders instead: their leverage is unchanged, and
    # no asset goes negative
    funds = s.registry.members[Kind.PRIVATE_CREDIT_FUND]
    liab_on = on.state.books.liabilities(on.state.contracts)[funds]
    np.testing.assert_allclose(s.books.liabilities(c)[funds], liab_on)
    assert (s.books.other_assets >= -1e-12).all() and (s.books.cash[funds] >= 0).all()


def test_lp_sales_off_means_no_pension_sales():
    sim = ac.Sim("ai_2025", productivity="disproven", seed=1, months=120, channels={"lp_sales": False}).run()
    sales = _events(sim, "fire_sale")
    assert not (sales["kind"] == "pension_lp").any()


def test_guarantees_off_pay_nothing():
    paid = {}
    for on in (True, False):
        pol = ac.policies.from_name("implicit_guarantee", kinds=["neocloud", "spv"])
        sim = ac.Sim("ai_2025", productivity="disproven", seed=1, months=120, policies=pol, channels={"guarantees": on})
        paid[on] = np.abs(sim.run().model.state.books.pnl[:, Channel.GUARANTEE]).sum()
    assert paid[True] > 1.0 and paid[False] == 0.0
