"""Liquidity sub-steps: a repo run inside one month resolves week by week.

A hand-built system: one dealer funded by 40 of overnight-style repo from a money-market fund
(maturing next month, so in four weekly slices of 10), with 12 of cash and 30 of MBS; the fund
runs because the dealer's distress is set above its ``run_distress``. Worked by hand:

* week 1 (day 8):  10 withdrawn, paid from cash (12 -> 2);
* week 2 (day 15): 10 withdrawn, 2 from cash and 8 from selling MBS;
* week 3 (day 22) and week 4 (day 30): 10 each from MBS sales;
* the dealer has lost all 40 of its repo funding within the month, over four sub-steps, and the
  balance sheets balance and money is conserved after every sub-step.
"""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.core.invariants import check_books
from aicontagion.mechanisms.credit import update_distress
from aicontagion.mechanisms.liquidity_substeps import day_of, run_substeps
from aicontagion.model import ContagionModel
from aicontagion.network.contracts import EXTERNAL
from aicontagion.policies import LenderOfLastResort, RescueMerger

YAML = """
name: repo_run
description: one dealer, one money-market fund, a repo book  # assumed
start: "2008-01"  # assumed
months: 12  # assumed
treasury_rate: 0.03  # assumed
productivity:
  default: none
  initial_revenue: 1.0
  initial_growth: 0.0
  noise_sigma: 0.0
  paths: {{none: {{ceiling: 0.002, midpoint: "2008-01", steepness: 0.1}}}}
markets:
  mbs: {{depth: {depth}, impact: 0.15, impact_share: 0.05, resilience: 0.05}}  # assumed
  gov_bonds: {{depth: 5000.0, impact: 0.01, impact_share: 0.05, resilience: 0.5}}  # assumed
behaviour:
  bank: {{hoard_distress: 0.9, leverage_buffer: 0.0, leverage_target: 0.0, line_cut_distress: 0.9,
         payout_share: 0.0, run_distress: 0.25}}
  money_market_fund: {{buck: 0.5, liquidity_floor: 0.0, redemption_sensitivity: 0.0, run_distress: 0.15,
                      run_share: 0.0}}
funding: {{haircut_sensitivity: 0.0, outside_run_distress: 0.3, rollover_max_spread: 0.5,
          liquidity_substeps: {k}}}
institutions:
  - {{id: dealer, kind: bank, cash: {cash}, equity: 5.0, ext_liabilities: {ext}, ext_liability_rate: 0.0,
     core_cash_flow: 0.0, other_assets: {other}, holdings: {{mbs: {mbs}}}}}
  - {{id: mmf, kind: money_market_fund, cash: 5.0, holdings: {{gov_bonds: 60.0}}}}{extra}
  - {{id: government, kind: government, cash: 0.0, equity: 0.0}}
contracts:
  - {{id: repo, type: repo, lender: mmf, borrower: dealer, principal: 40.0, rate: 0.0, maturity: "2008-02",
     collateral: mbs, haircut: 0.0, seniority: secured}}
"""


def _model(tmp_path, k=4, cash=12.0, mbs=40.0, depth=1e6, other=0.0, extra="", **kw):
    ext = cash + mbs + other - 5.0 - 40.0  # loans (other assets) cannot be sold in a week
    path = tmp_path / "repo_run.yaml"
    path.write_text(YAML.format(k=k, cash=cash, mbs=mbs, ext=ext, depth=depth, other=other, extra=extra))
    return ContagionModel(str(path), seed=1, check_invariants=True, **kw)


def _start_run(model):
    s = model.state
    s.month = 0  # the fund stage of January: the repo matures in February
    dealer = s.registry.ids.index("dealer")
    s.snapshot.equity0[dealer] = 10.0  # equity 5 against 10 at the start: distress 0.5
    s.lifecycle.distress[dealer] = 0.5  # above the fund's run_distress (0.15): it runs
    return s, dealer


def test_days_of_the_sub_steps():
    assert [day_of(k, 4) for k in range(4)] == [8, 15, 22, 30]
    assert [day_of(k, 1) for k in range(1)] == [30]


def test_a_repo_run_takes_four_weeks_and_the_books_balance_each_week(tmp_path):
    model = _model(tmp_path)
    s, dealer = _start_run(model)
    repo = s.contracts.ids.index("repo")
    seen = []

    def check(stage):  # the invariants after every sub-step (and every default round)
        check_books(s, stage, estates=True)
        seen.append((stage, float(s.contracts.principal[repo]), float(s.books.cash[dealer])))

    run_substeps(s, 4, None, check)
    weeks = [(w["day"], round(w["repo"], 6), round(w["withdrawn"], 6)) for w in s.weeks]
    assert weeks == [(8, 30.0, 10.0), (15, 20.0, 10.0), (22, 10.0, 10.0), (30, 0.0, 10.0)]
    after = [principal for stage, principal, _ in seen if stage == "liquidity substep"]
    assert after == pytest.approx([30.0, 20.0, 10.0, 0.0], abs=1e-9)
    runs = [e for e in s.events.rows if e["event"] == "run"]
    assert [e["day"] for e in runs] == [8, 15, 22, 30] and all(e["cause"].startswith("mmf:") for e in runs)
    sales = [e for e in s.events.rows if e["event"] == "fire_sale"]
    assert [e["day"] for e in sales] == [15, 22, 30]  # week 1 was paid from cash
    assert sales[0]["amount"] == pytest.approx(8.0, rel=1e-3)
    assert s.books.cash[dealer] == pytest.approx(0.0, abs=1e-6)
    assert s.lifecycle.status[dealer] != 2  # solvent: it sold, it did not default
    assert s.events.day is None  # monthly events carry no day


def test_a_dealer_without_enough_to_sell_defaults_in_the_week_its_cash_runs_out(tmp_path):
    # 12 of cash and 10 of MBS at a price that falls as it sells: weeks 1 and 2 are met, week 3 is
    # not (the rest of the repo is lent against loans, so no margin call: the channel is off here)
    model = _model(tmp_path, cash=12.0, mbs=10.0, depth=200.0, other=30.0, channels={"margin_calls": False})
    s, dealer = _start_run(model)
    run_substeps(s, 4, None, lambda stage: check_books(s, stage, estates=True))
    default = [e for e in s.events.rows if e["event"] == "default"]
    assert [e["institution"] for e in default] == ["dealer"]
    assert default[0]["day"] == 22 and "run (day 22)" in default[0]["cause"]
    assert [w["defaults"] for w in s.weeks] == [0, 0, 1, 0]


def test_the_lender_of_last_resort_lends_inside_the_month(tmp_path):
    model = _model(
        tmp_path,
        cash=12.0,
        mbs=10.0,
        depth=200.0,
        other=30.0,
        policies=[LenderOfLastResort(haircut=0.5)],
        channels={"margin_calls": False},
    )
    s, dealer = _start_run(model)
    model.policies[0].initialize(s)
    run_substeps(s, 4, lambda need: model.policies[0].liquidity_substep(s, need), None)
    loans = [e for e in s.events.rows if e["event"] == "lender_of_last_resort"]
    # cash ran out in week 2: the central bank lends half the MBS's value (5), the dealer sells for the rest
    assert loans and loans[0]["day"] == 15 and loans[0]["amount"] == pytest.approx(5.0)
    assert [e["day"] for e in s.events.rows if e["event"] == "default"] == [22]  # loans are no collateral


def test_no_run_no_withdrawal(tmp_path):
    model = _model(tmp_path)
    s = model.state
    s.month = 0
    run_substeps(s, 4)
    assert [w["withdrawn"] for w in s.weeks] == [0.0] * 4
    assert s.contracts.principal[s.contracts.ids.index("repo")] == 40.0


@pytest.mark.parametrize("scenario", ["ai_2025", "tests/data/mini.yaml"])
def test_one_sub_step_is_the_monthly_model(scenario):
    """``liquidity_substeps: 1`` (these scenarios' default) is the monthly model: same events and
    series with the value set explicitly, no sub-step rows; tests/test_baseline.py checks the
    same runs against summaries recorded before the sub-steps existed."""
    a = ContagionModel(scenario, seed=3).run(24)
    b = ContagionModel(scenario, seed=3, funding__liquidity_substeps=1).run(24)
    assert a.state.spec.funding.liquidity_substeps == 1
    assert a.events == b.events and not a.state.weeks and not b.state.weeks
    assert all(e["day"] is None for e in b.events)
    assert a.recorder.frame().equals(b.recorder.frame())


def test_four_sub_steps_on_bank_2008_keep_the_books_and_resolve_days():
    m = ContagionModel("bank_2008", seed=1, check_invariants=True, funding__liquidity_substeps=4).run(24)
    days = {e["day"] for e in m.events if e["event"] in ("run", "default", "margin_call")}
    assert days - {None} <= {8, 15, 22, 30} and days - {None}
    assert np.isfinite([w["repo"] for w in m.state.weeks]).all()


ACQUIRER = """
  - {id: acquirer, kind: bank, cash: 20.0, equity: 50.0, ext_liabilities: 470.0, ext_liability_rate: 0.0,
     core_cash_flow: 0.0, other_assets: 500.0}"""


def _rescue(tmp_path, budget):
    model = _model(
        tmp_path,
        cash=12.0,
        mbs=10.0,
        depth=200.0,
        other=30.0,
        extra=ACQUIRER,
        policies=[RescueMerger(budget=budget)],
        channels={"margin_calls": False},
    )
    s, dealer = _start_run(model)
    policy = model.policies[0]
    policy.initialize(s)
    run_substeps(s, 4, lambda need: policy.liquidity_substep(s, need), lambda st: check_books(s, st, estates=True))
    return s, dealer, policy


def test_a_rescue_merger_stops_the_run_when_the_budget_covers_the_gap(tmp_path):
    s, dealer, policy = _rescue(tmp_path, budget=29.0)
    rescue = [e for e in s.events.rows if e["event"] == "rescue_merger"]
    # week 2: 10 withdrawn, 2 of cash left: the government lends 8 and the acquirer stands behind it
    assert [(e["institution"], e["day"]) for e in rescue] == [("dealer", 15)]
    assert rescue[0]["amount"] == pytest.approx(8.0) and rescue[0]["cause"].startswith("acquirer:")
    assert policy.rescued == {"dealer": "acquirer"} and policy.left == pytest.approx(21.0)
    assert not [e for e in s.events.rows if e["event"] == "default"]
    assert [e["day"] for e in s.events.rows if e["event"] == "run"] == [8, 15]  # no run after the rescue
    assert s.contracts.principal[s.contracts.ids.index("repo")] == pytest.approx(20.0)


def test_no_rescue_when_the_gap_exceeds_the_budget(tmp_path):
    s, dealer, policy = _rescue(tmp_path, budget=5.0)  # no buyer without enough government backing
    assert not [e for e in s.events.rows if e["event"] == "rescue_merger"] and policy.left == 5.0
    assert [e["day"] for e in s.events.rows if e["event"] == "default"] == [22]


def test_the_channel_switches_hold_inside_the_sub_steps(tmp_path):
    """funding_runs off: no lender leaves; fire_sales off: a borrower short of cash cannot sell."""
    model = _model(tmp_path, channels={"funding_runs": False})
    s, _ = _start_run(model)
    run_substeps(s, 4)
    assert not [e for e in s.events.rows if e["event"] == "run"] and [w["withdrawn"] for w in s.weeks] == [0.0] * 4
    model = _model(tmp_path, channels={"fire_sales": False})
    s, _ = _start_run(model)
    run_substeps(s, 4)
    assert not [e for e in s.events.rows if e["event"] == "fire_sale"]
    assert [e["day"] for e in s.events.rows if e["event"] == "default"] == [15]  # cash covers week 1 only


def test_a_fund_that_broke_the_buck_withdraws_from_a_sound_dealer_week_by_week(tmp_path):
    model = _model(tmp_path, cash=12.0, mbs=40.0)
    s = model.state
    s.month = 0  # the repo matures in February: four weekly slices of 10
    mmf, dealer = s.registry.ids.index("mmf"), s.registry.ids.index("dealer")
    loss = 0.01 * s.snapshot.equity0[mmf]  # a realised loss above the 0.5% buck (the YAML's buck of 0.5 set to 0.5%)
    s.registry.params["money_market_fund"]["buck"][mmf] = 0.005
    s.books.transfer(mmf, EXTERNAL, loss, "written_off")  # paper of an outside issuer that defaulted
    s.books.book(mmf, -loss, Channel.COUNTERPARTY)
    update_distress(s)
    assert s.lifecycle.distress[dealer] == 0.0 and s.lifecycle.distress[mmf] > 0.005
    run_substeps(s, 4, None, lambda stage: check_books(s, stage, estates=True))
    assert [w["withdrawn"] for w in s.weeks] == pytest.approx([10.0] * 4)
    runs = [e for e in s.events.rows if e["event"] == "run"]
    assert [e["day"] for e in runs] == [8, 15, 22, 30]
    assert all("broke the buck" in e["cause"] for e in runs)
    assert s.contracts.principal[s.contracts.ids.index("repo")] == pytest.approx(0.0)
    assert s.lifecycle.status[dealer] != 3  # the dealer paid from cash and sales: no default
