"""The state-backed compute company: it finances what private credit will not roll, borrows as
near-sovereign paper held across the system, and in conservatorship keeps paying while the
Treasury injects exactly its negative net worth (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.books import Channel
from aicontagion.core.invariants import check_books
from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms.relet import let_capacity
from aicontagion.mechanisms.treasury import DEBT_YIELD_SENSITIVITY, GDP, fiscal_cost, fund_government, sovereign_spread
from aicontagion.network.contracts import ContractType
from aicontagion.policies import PolicyError, agency_repo
from aicontagion.policies.state_company import COMPANY_ID, StateCompany, with_state_company
from aicontagion.policies.triggers import Trigger
from aicontagion.scenarios.loader import load_scenario


@pytest.fixture(scope="module")
def spec():
    return with_state_company(load_scenario("ai_2025"))


def _model(spec, policy, months=1):
    model = ac.Sim(
        spec, productivity="disproven", seed=1, months=months, policies=[policy], check_invariants=True
    ).build()
    return model


def test_an_empty_company_changes_nothing_without_the_policy(spec):
    a = ac.Sim(spec, productivity="disproven", seed=1, months=36).run().summary
    b = ac.Sim("ai_2025", productivity="disproven", seed=1, months=36).run().summary
    for k in ("total_loss", "defaults", "months_to_first_default", "wealth_loss"):
        assert a[k] == b[k] or (np.isnan(a[k]) and np.isnan(b[k]))


def test_the_policy_adds_the_company_to_a_scenario_without_it():
    sim = ac.Sim("ai_2025", months=2, policies=[StateCompany()])
    assert COMPANY_ID in [i.id for i in sim.spec.institutions]
    assert COMPANY_ID not in [i.id for i in load_scenario("ai_2025").institutions]
    assert sim.run().summary["total_loss"] >= 0
    with pytest.raises(PolicyError, match="has no government"):
        with_state_company(load_scenario("ai_2025").model_copy(update={"institutions": []}))


def test_mandate_buys_maturing_loans_and_its_bonds_are_held_across_the_system(spec):
    policy = StateCompany(mandate=True)
    model = _model(spec, policy)
    for _ in range(72):
        model.step()
    s = model.state
    co = s.registry.ids.index(COMPANY_ID)
    c = s.contracts
    held = np.flatnonzero(c.is_debt & (c.creditor == co) & (c.principal > 0))
    assert policy.bought > 0 and held.size > 0
    kinds = {Kind(int(s.registry.kind[o])).label for o in c.obligor[held]}
    assert kinds <= {"spv", "neocloud"}
    holders = policy.holders(s)
    assert holders.get("outside", 0) > 0 and sum(v for k, v in holders.items() if k != "outside") > 0
    assert set(holders) - {"outside"} <= {"bank", "money_market_fund", "pension_lp"}
    # near-sovereign funding: the Treasury rate plus (belief x premium + (1 - belief) x its own spread)
    # belief 0.9 scaled by the sovereign's credibility, 1 - fiscal cost / capacity (the company's own
    # marks count in the fiscal cost: its bought loans are marked from their projects)
    assert policy.belief_now(s) == pytest.approx(0.9 * (1 - max(fiscal_cost(s), 0.0) / policy.capacity))
    assert 0.8 < policy.belief_now(s) <= 0.9
    assert policy.funding_rate(s) == pytest.approx(s.registry.treasury_rate + sovereign_spread(s) + s.credit.spread[co])
    assert 0.9 * 0.004 <= s.credit.spread[co] < 0.02


def test_conservatorship_injects_exactly_the_negative_net_worth_and_the_company_keeps_paying(spec):
    policy = StateCompany(mandate=True)
    model = _model(spec, policy)
    for _ in range(72):
        model.step()
    s = model.state
    co, gov = policy.co, policy.gov
    c = s.contracts
    held = np.flatnonzero(c.is_debt & (c.creditor == co) & (c.principal > 0))
    assert held.size
    # a hand-made loss: its loans written down to 10 cents, more than its net worth
    s.books.revalue_contracts(c, held, np.full(held.size, 0.1), Channel.COUNTERPARTY)
    negative = -float(s.books.equity[co])
    assert negative > 0
    gov_equity, draws = float(s.books.equity[gov]), policy.draws
    injected = policy.conservatorship(s)
    assert injected == pytest.approx(negative)
    assert policy.draws - draws == pytest.approx(negative)
    assert s.books.equity[co] == pytest.approx(0.0, abs=1e-9)
    assert float(s.books.equity[gov]) == pytest.approx(gov_equity - negative)  # the Treasury's loss
    check_books(s, "conservatorship")  # balanced, money conserved (Treasury debt funds the draw)
    # it keeps operating: its bondholders are paid and it never goes through resolution
    bonds = np.flatnonzero(c.is_debt & (c.obligor == co) & (c.principal > 0))
    for _ in range(12):
        model.step()
        assert s.books.equity[co] >= -1e-9  # after each month's end: net worth kept non-negative
        assert s.books.cash[co] >= -1e-9  # it had the cash for what was due (rolled into agency debt)
    assert s.lifecycle.status[co] != Status.DEFAULTED
    assert not [e for e in s.events.rows if e["institution"] == COMPANY_ID and e["event"] == "default"]
    assert (c.mark[bonds] > 0.99).all()  # near-sovereign paper: its holders lose next to nothing
    assert policy.draws == pytest.approx(sum(d for _, d in policy.draw_log))


def test_a_trigger_holds_the_company_back_until_credit_retreats(spec):
    trigger = Trigger(defaults_at_least=1)
    policy = StateCompany(mandate=True, trigger=trigger)
    model = _model(spec, policy)
    for _ in range(72):
        model.step()
        if trigger.fired_month is None:
            assert policy.bought == 0.0
    assert trigger.fired_month is not None and policy.bought > 0


def test_belief_and_the_sovereign_spread_fall_and_rise_with_the_fiscal_cost(spec):
    policy = StateCompany(mandate=True, fiscal_capacity=100.0)
    model = _model(spec, policy)
    model.step()
    s = model.state
    assert policy.belief_now(s) == pytest.approx(0.9)
    s.books.transfer(policy.gov, -1, 40.0, "test")  # a hand-made fiscal cost of 40
    s.books.book(policy.gov, -40.0, Channel.GUARANTEE)
    assert policy.belief_now(s) == pytest.approx(0.9 * 0.6)
    before = sovereign_spread(s)
    fund_government(s)  # the Treasury borrows the 40
    assert sovereign_spread(s) - before == pytest.approx(DEBT_YIELD_SENSITIVITY * 40.0 / GDP)


def _lease_rows(s, co):
    c = s.contracts
    return np.flatnonzero((c.ctype == int(ContractType.LEASE)) & (c.creditor == co) & c.active)


def test_the_company_owns_leased_buildings_and_collects_their_rents(spec):
    policy = StateCompany(lease_share=0.5)
    model = _model(spec, policy)
    s = model.state
    co = s.registry.ids.index(COMPANY_ID)
    for _ in range(24):
        c = s.contracts
        rows = _lease_rows(s, co)
        tenant_ok = s.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED
        due = float(c.payment[rows][(c.start[rows] <= s.month + 1) & tenant_ok].sum())
        before = float(s.books.pnl[co, Channel.OPERATING])
        model.step()
        # take-or-pay: every live tenant pays the month's rent on the buildings delivered so far;
        # capacity a defaulted tenant vacated earns market rent as far as it is let again
        relet_income = let_capacity(s.operations)[co] * s.ai.demand_state.rent_index * s.ai.usage
        got = float(s.books.pnl[co, Channel.OPERATING]) - before
        assert got == pytest.approx(due + relet_income, rel=1e-9, abs=1e-9)
    c = s.contracts
    rows = _lease_rows(s, co)
    kinds = {Kind(int(s.registry.kind[o])).label for o in c.obligor[rows]}
    assert rows.size and kinds <= {"tech_giant", "neocloud"} and "tech_giant" in kinds
    # the rent is at cost: its funding rate plus margin plus depreciation, on what it paid
    yield_now = policy.cost_rent(s)
    assert 0.8 * yield_now < c.payment[rows].sum() * 12.0 / policy.leased < 1.2 * yield_now
    assert policy.cost_rent(s) == pytest.approx(policy.funding_rate(s) + 0.01 + 1.0 / 30.0)
    assert s.books.facility[co] > 0.9 * policy.leased  # owned, less depreciation
    assert float(s.books.pnl[co, Channel.OPERATING]) > 0
    assert policy.holders(s).get("outside", 0.0) > 0  # bought with agency bonds
    with pytest.raises(PolicyError, match="lease_kinds"):
        StateCompany(lease_share=0.5, lease_kinds=("bank",))


def test_conservatorship_keeps_a_leasing_company_paying_its_bonds(spec):
    policy = StateCompany(lease_share=0.5)
    model = _model(spec, policy)
    s = model.state
    for _ in range(24):
        model.step()
    co, c = policy.co, s.contracts
    # a hand-made loss: its buildings impaired to a tenth of their book value, more than its net worth
    loss = 0.9 * float(s.books.facility[co])
    s.books.facility[co] -= loss
    s.books.book(co, -loss, Channel.MARKET)
    negative = -float(s.books.equity[co])
    assert negative > 0
    assert policy.conservatorship(s) == pytest.approx(negative)
    check_books(s, "conservatorship of a lessor")
    bonds = np.flatnonzero(c.is_debt & (c.obligor == co) & (c.principal > 0))
    rent0 = float(s.books.pnl[co, Channel.OPERATING])
    for _ in range(12):
        model.step()
        assert s.books.equity[co] >= -1e-9 and s.books.cash[co] >= -1e-9
    assert s.lifecycle.status[co] != Status.DEFAULTED
    assert float(s.books.pnl[co, Channel.OPERATING]) > rent0  # its tenants still pay it rent
    assert (c.mark[bonds] > 0.99).all() and policy.leased > 0


def test_agency_repo_haircuts_rise_and_what_holders_can_raise_falls_when_belief_falls(spec):
    policy = StateCompany(mandate=True, lease_share=0.5, fiscal_capacity=100.0)
    model = _model(spec, policy)
    for _ in range(6):
        model.step()
    s = model.state
    co = policy.co
    value = agency_repo.collateral(s, co)
    holder = int(np.argmax(value))
    assert value[holder] > 0 and Kind(int(s.registry.kind[holder])).label in {"bank", "money_market_fund", "pension_lp"}
    b0, h0 = policy.belief_now(s), policy.haircut(s)
    assert h0 == pytest.approx(
        agency_repo.HAIRCUT_BELIEVED + (1 - b0) * (agency_repo.HAIRCUT_DOUBTED - agency_repo.HAIRCUT_BELIEVED)
    )
    room0 = agency_repo.capacity(s, co, b0, policy.repo_rows)[holder]
    s.books.transfer(policy.gov, -1, 50.0, "test")  # a hand-made fiscal cost of half the capacity
    s.books.book(policy.gov, -50.0, Channel.GUARANTEE)
    b1 = policy.belief_now(s)
    assert b1 == pytest.approx(b0 - 0.9 * 0.5, abs=0.02)
    assert policy.haircut(s) > h0 + 0.09  # doubt about the guarantee widens the haircut ...
    room1 = agency_repo.capacity(s, co, b1, policy.repo_rows)[holder]
    assert room1 < room0  # ... and shrinks what every holder can raise on its agency bonds
    assert (
        agency_repo.haircut(1.0) == agency_repo.HAIRCUT_BELIEVED
        and agency_repo.haircut(0.0) == agency_repo.HAIRCUT_DOUBTED
    )
    # a holder short of cash borrows at most (1 - haircut) of the bonds' marked value
    need = np.zeros(s.n)
    need[holder] = float(s.books.cash[holder]) + 10 * value[holder]
    cash0 = float(s.books.cash[holder])
    lent = agency_repo.borrow(s, co, b1, policy.funding_rate(s), need, policy.repo_rows)
    assert lent == pytest.approx(room1)
    assert float(s.books.cash[holder]) - cash0 == pytest.approx(room1)
    assert agency_repo.capacity(s, co, b1, policy.repo_rows)[holder] == pytest.approx(0.0, abs=1e-9)
    fund_government(s)
    check_books(s, "agency repo")
