"""The state company takes over failed borrowers' facilities (issue 14, item 1): the lenders
recover the takeover price instead of the fire sale's proceeds, the company's book and agency
debt grow by the price, and the customers keep paying it."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.books import Books, Channel
from aicontagion.core.events import EventLog
from aicontagion.core.invariants import check_books
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.params import Resolution
from aicontagion.mechanisms.markets import Markets
from aicontagion.mechanisms.resolution import resolve
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType, Seniority
from aicontagion.policies import PolicyError
from aicontagion.policies.state_company import COMPANY_ID, StateCompany, with_state_company
from aicontagion.policies.takeover import LABEL, take_over
from aicontagion.results.metrics import loss_identity
from aicontagion.scenarios.loader import load_scenario
from aicontagion.scenarios.schema import MarketSpec

CO, TENANT = 5, 6
RULES = Resolution(bankruptcy_cost=0.1)
RELET_INDEX = 0.5


def _estate():
    """Institution 0 (a failed neocloud) owes 6 secured to 1, 4 + 4 senior to 2 and 3, 5
    subordinated to 4 (19 in all); it holds a facility of 10, 2 GPUs (class 0, marked at 1) and
    leases capacity to 6 at 0.5 a month; 5 is the company, empty."""
    n = 7
    b = Books(n, 1)
    c = ContractTable()
    for lender, amount, sen in [
        (1, 6.0, Seniority.SECURED),
        (2, 4.0, Seniority.SENIOR),
        (3, 4.0, Seniority.SENIOR),
        (4, 5.0, Seniority.SUBORDINATED),
    ]:
        c.add(ContractType.LOAN, lender, 0, None, principal=amount, rate=0.0, maturity=100, seniority=sen)
    lease = c.add(ContractType.LEASE, 0, TENANT, None, payment=0.5, maturity=60, take_or_pay=1.0)
    b.facility[0] = 10.0
    b.holdings[0, 0] = 2.0
    b.cash[1:5] = 1.0
    b.cash[TENANT] = 3.0
    mk = Markets(["gpu"], [MarketSpec(depth=10)])
    b.equity = b.assets(c, mk.marked_price) - b.liabilities(c)
    b.cash_at_start = b.cash.sum()
    return b, c, mk, lease


def _state(b, c, mk):
    n = b.n
    return SimpleNamespace(
        n=n,
        books=b,
        contracts=c,
        markets=mk,
        registry=SimpleNamespace(gpu_class=0, kind=np.full(n, int(Kind.NEOCLOUD)), ids=[f"i{k}" for k in range(n)]),
        operations=SimpleNamespace(gpu_new=np.zeros(n), relet=np.zeros(n), vacant=np.zeros(n)),
        events=EventLog([f"i{k}" for k in range(n)], ["neocloud"] * n),
    )


def _issue(b, c):
    """Agency bonds sold to outside investors (what StateCompany.issue does, without the holders)."""

    def issue(amount: float) -> None:
        row = c.add(ContractType.BOND, EXTERNAL, CO, None, rate=0.04, maturity=60)
        b.lend(c, [row], [amount], "agency_bond")

    return issue


def _resolve(takeover: bool):
    b, c, mk, lease = _estate()
    state = _state(b, c, mk)
    hook = (lambda d: take_over(state, CO, d, _issue(b, c))) if takeover else None
    res = resolve(
        b, c, mk, np.array([0]), 0, RULES, RELET_INDEX, np.full(b.n, int(Channel.COUNTERPARTY)), takeover=hook
    )
    return b, c, mk, lease, res


def test_lenders_recover_the_takeover_price_instead_of_the_fire_sale():
    b0, c0, mk0, _, fire = _resolve(False)
    b1, c1, mk1, lease, took = _resolve(True)
    # without the takeover: the facility is sold empty at 10 x 0.5 x (1 - 0.1) = 4.5 and the GPUs
    # go to the market with price impact; with it the company pays carrying value, 10 + 2 x 1
    facility_fire = 10.0 * RELET_INDEX * (1.0 - RULES.bankruptcy_cost)
    gpu_fire = fire.estate[0] - facility_fire
    assert 0.0 < gpu_fire < 2.0  # the fire sale's price impact
    price = 12.0
    assert took.estate[0] == pytest.approx(price)
    assert took.recovered[0] - fire.recovered[0] == pytest.approx(price - (facility_fire + gpu_fire))
    # the secured lender's collateral is the takeover price: paid its 6 in full
    assert b1.cash[1] == pytest.approx(1.0 + 6.0)
    # the company's book grows by the price, its agency debt by the price, its equity not at all
    assert b1.facility[CO] == pytest.approx(10.0) and b1.holdings[CO, 0] == pytest.approx(2.0)
    bonds = np.flatnonzero(c1.is_debt & (c1.obligor == CO))
    assert c1.principal[bonds].sum() == pytest.approx(price)
    assert b1.equity[CO] == pytest.approx(0.0, abs=1e-12)
    # it keeps the tenant: the lease now has the company as provider; without, it ended
    assert c1.active[lease] and c1.creditor[lease] == CO
    assert not c0.active[np.flatnonzero(c0.ctype == ContractType.LEASE)].any()
    # outside buyers got nothing from this estate; the GPU market was not hit
    assert b1.external.inflow["liquidation"] == pytest.approx(0.0)
    assert mk1.trade_price[0] == pytest.approx(1.0) and mk0.trade_price[0] < 1.0
    for b, c, mk in ((b0, c0, mk0), (b1, c1, mk1)):
        assert np.abs(b.imbalance(c, mk.marked_price)).max() < 1e-9
        assert b.money_drift() == pytest.approx(0.0, abs=1e-9)
        assert b.equity[0] == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------- in a run
@pytest.fixture(scope="module")
def runs():
    spec = with_state_company(load_scenario("ai_2025"))
    out = {}
    for tk in (False, True):
        p = StateCompany(kinds=("spv", "neocloud"), takeover=tk)
        model = ac.Sim(spec, productivity="disproven", seed=1, months=60, policies=[p], check_invariants=True).build()
        for _ in range(60):
            model.step()
            check_books(model.state, "month", estates=True)
        out[tk] = (p, model)
    return out


def test_in_a_run_the_company_takes_over_failed_facilities_and_collects_their_rents(runs):
    p, model = runs[True]
    s = model.state
    co = s.registry.ids.index(COMPANY_ID)
    ev = s.events.frame()
    assert p.taken > 0
    assert ev.loc[ev["event"] == LABEL, "amount"].sum() == pytest.approx(p.taken)
    c = s.contracts
    executory = np.isin(c.ctype, [int(ContractType.LEASE), int(ContractType.OFFTAKE)])
    taken_rows = np.flatnonzero(executory & (c.creditor == co))
    assert taken_rows.size > 0
    assert s.books.facility[co] > 0 and s.lifecycle.status[co] != Status.DEFAULTED
    # without the takeover the company owns nothing and the same defaults leave estates to outside buyers
    p0, m0 = runs[False]
    assert p0.taken == 0.0 and m0.state.books.facility[m0.state.registry.ids.index(COMPANY_ID)] == 0.0
    # it collects the contracts' payments and pays the facilities' running costs
    assert p.opex > 0
    assert s.books.pnl[co, int(Channel.OPERATING)] > 0
    co0 = m0.state.registry.ids.index(COMPANY_ID)
    assert m0.state.books.pnl[co0, int(Channel.OPERATING)] == 0.0  # without it, the company earns no rents
    # its conservatorship draws cover exactly its negative net worth: it never ends negative
    assert s.books.equity[co] >= -1e-9


def test_losses_are_counted_once_with_the_company_as_a_holder():
    spec = with_state_company(load_scenario("ai_2025"))
    policy = StateCompany(kinds=("spv", "neocloud"), lease_share=0.5, takeover=True)
    done = ac.Sim(spec, productivity="disproven", seed=1, months=120, policies=[policy]).run()
    terms = loss_identity(done.model.state)
    assert policy.taken > 0
    assert terms["net_borne"] == pytest.approx(terms["equity_side"], rel=1e-9, abs=1e-6)
    assert terms["stake_gap"] < 1e-6
    assert terms["gross_borne"] == pytest.approx(done.summary["total_loss"], rel=1e-9)


def test_takeover_must_be_a_switch():
    with pytest.raises(PolicyError, match="takeover must be true or false"):
        StateCompany(takeover="yes")
