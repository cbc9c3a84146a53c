"""Banks' risk-weighted assets and the risk-based capital floor (12 CFR 217; issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.invariants import check_books
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.constraints import LeverageTarget, RiskCapitalFloor, SaleOrders
from aicontagion.mechanisms.risk_weights import (
    claim_weights,
    held_debt_weights,
    project_rows,
    risk_capital_ratio,
    risk_headroom,
    risk_weighted_assets,
)
from aicontagion.model import ContagionModel
from aicontagion.network.contracts import ContractType, Seniority
from aicontagion.policies.state_company import COMPANY_ID, with_state_company
from aicontagion.scenarios.loader import load_scenario
from tests.mechanisms.conftest import row


def _weights(state, bank):
    """The mini bank under ai_2025's weights: public equity 300%, bonds 100%, other assets 50%."""
    state.spec.markets["tech_equity"].risk_weight = 3.0
    state.registry.params["bank"]["other_risk_weight"][bank] = 0.5


def test_the_risk_weighted_assets_of_a_small_bank_by_hand(state):
    """The mini bank holds cash 20 (0%), public equity 20 (300%), IG bonds 60 (100%), two drawn
    credit lines of 1 and 5 (corporate, 100%) and 324 of other assets (50%):
    RWA = 0 + 60 + 60 + 6 + 162 = 288, and its ratio is 30 / 288."""
    bank = row(state, "bank")
    _weights(state, bank)
    assert state.books.cash[bank] == pytest.approx(20.0)
    assert risk_weighted_assets(state, np.array([bank]))[0] == pytest.approx(288.0)
    assert risk_capital_ratio(state)[bank] == pytest.approx(30.0 / 288.0)
    assert np.isnan(risk_capital_ratio(state)[row(state, "giant")])  # only banks have the ratio


def test_agency_debt_needs_a_fifth_of_the_capital_of_a_corporate_loan_and_treasury_debt_none():
    """Equal claims of 10 on a tech giant (corporate, 100%), on the state company (GSE, 20%,
    12 CFR 217.32(c)) and on the Treasury (0%, 217.32(a)) add 10, 2 and 0 to a bank's RWA."""
    model = ContagionModel(with_state_company(load_scenario("ai_2025")), seed=1, collect=False)
    s = model.state
    bank = s.registry.ids.index("jpmorgan")
    co, treasury = s.registry.ids.index(COMPANY_ID), s.registry.members[Kind.GOVERNMENT][0]
    assert s.registry.ids[treasury] == "government"
    before = risk_weighted_assets(s, np.array([bank]))[0]
    added = []
    for obligor in (s.registry.ids.index("meta"), co, treasury):
        r = s.contracts.add(
            ContractType.BOND,
            bank,
            obligor,
            None,
            principal=10.0,
            rate=0.05,
            start=0,
            maturity=60,
            seniority=Seniority.SENIOR,
        )
        added.append(risk_weighted_assets(s, np.array([bank]))[0] - before)
        before += added[-1]
        assert claim_weights(s, np.array([r]))[0] == pytest.approx(added[-1] / 10.0)
    assert added == pytest.approx([10.0, 2.0, 0.0])
    assert added[1] == pytest.approx(0.2 * added[0])


def test_no_bank_starts_below_its_risk_based_floor():
    """With no policy, the opening state of ai_2025 asks no bank to sell (else a fire sale by construction)."""
    s = ContagionModel("ai_2025", seed=1, collect=False).state
    banks = s.registry.members[Kind.BANK]
    assert (s.registry.params["bank"]["risk_capital_floor"][banks] > 0).all()  # the rule is on
    assert (risk_headroom(s, banks) > 0).all()
    orders = SaleOrders(s)
    RiskCapitalFloor().orders(s, banks, orders)
    assert orders.empty


def _risky_bank(model):
    """The mini bank, with ai_2025's weights and a floor of 0.9 x its opening ratio, swaps 100 of its
    other assets (50%) for public equity (300%): its assets and equity do not move (leverage 30 / 430
    stays above its 4.5% buffer) but its RWA rise by 250, from 288 to 538."""
    s = model.state
    bank = row(s, "bank")
    _weights(s, bank)
    s.operations.risk_ratio0 = risk_capital_ratio(s)
    s.registry.params["bank"]["risk_capital_floor"][bank] = 0.9
    eq = s.markets.names.index("tech_equity")
    s.books.holdings[bank, eq] += 100.0 / s.markets.marked_price[eq]
    s.books.other_assets[bank] -= 100.0
    return s, bank, eq


def test_a_bank_above_its_leverage_buffer_but_below_its_risk_floor_sells_its_riskiest_holdings(model):
    s, bank, eq = _risky_bank(model)
    assert risk_weighted_assets(s, np.array([bank]))[0] == pytest.approx(538.0)
    lev = LeverageTarget()
    orders = SaleOrders(s)
    lev.orders(s, np.array([bank]), orders)
    assert orders.empty  # the leverage rule alone would do nothing
    RiskCapitalFloor().orders(s, np.array([bank]), orders)
    units = orders.orders()[0]
    bonds = s.markets.names.index("ig_bonds")
    assert units[bank, eq] > 0 and units[bank, bonds] == 0  # the 300% class first
    floor_rwa = 30.0 / (0.9 * 30.0 / 288.0)  # = 320
    shed = 3.0 * units[bank, eq] * s.markets.marked_price[eq]
    assert 538.0 - shed == pytest.approx(floor_rwa)
    assert orders.reason[bank] == "risk_capital"


def test_the_risk_floor_delevers_the_bank_through_the_month_and_its_books_balance(model):
    s, bank, eq = _risky_bank(model)
    held = s.books.holdings[bank, eq]
    ratio0 = risk_capital_ratio(s)[bank]
    model.step()
    check_books(s, "after the month")  # (the model also checks every stage: check_invariants=True)
    assert s.books.holdings[bank, eq] < held - 50.0  # most of the swapped equity sold
    assert risk_capital_ratio(s)[bank] > ratio0
    ev = s.events.frame()
    sales = ev[(ev["institution"] == "bank") & (ev["event"] == "fire_sale")]
    assert (sales["cause"] == "risk_capital").any()


def test_the_risk_floor_limits_new_bank_lending(model):
    """Bank-route room is the risk headroom over the project-loan weight (130%)."""
    from aicontagion.mechanisms.origination import route_capacity

    s, bank, _ = _risky_bank(model)
    banks, room = route_capacity(s, "bank", np.array([row(s, "neo")]))
    assert banks.tolist() == [bank] and room[0] == 0.0  # over its floor: no new project loans
    s.registry.params["bank"]["risk_capital_floor"][bank] = 0.0  # off: today's leverage-only room
    _, room_off = route_capacity(s, "bank", np.array([row(s, "neo")]))
    assert room_off[0] > 0.0


def test_a_risk_weight_outside_zero_to_twelve_and_a_half_is_rejected():
    from aicontagion.scenarios.schema import MarketSpec

    with pytest.raises(ValueError):
        MarketSpec(depth=10.0, risk_weight=13.0)
    assert MarketSpec(depth=10.0, risk_weight=12.5).risk_weight == 12.5


def test_a_bank_can_buy_five_times_more_agency_debt_than_corporate_debt_with_the_same_capital():
    """The state company's bond issues go to a bank up to its RWA headroom / 20%; a corporate
    claim of the same size uses five times the headroom (100%). Other holders are not limited."""
    from aicontagion.policies.state_company import agency_room

    s = ContagionModel(with_state_company(load_scenario("ai_2025")), seed=1, collect=False).state
    bank, lp = s.registry.ids.index("jpmorgan"), s.registry.members[Kind.PENSION_LP][0]
    head = risk_headroom(s, np.array([bank]))[0]
    room = agency_room(s, np.array([bank, lp]))
    assert room[0] == pytest.approx(head / 0.2) and np.isinf(room[1])
    s.registry.params["bank"]["risk_capital_floor"][bank] = 0.0  # off: no limit
    assert np.isinf(agency_room(s, np.array([bank]))[0])


def test_the_kept_weights_equal_weighing_every_row_afresh_after_a_run_that_originates():
    """held_debt_weights keeps the weights of rows' kinds across the contracts written during a run
    (issue 12, item 6) and applies the project-loan weight at reading; after two years of ai_2025,
    with bank-route loans written and sold on, it equals claim_weights of every held debt row, and
    the banks' RWA from the bank-held rows equals the RWA from all rows."""
    model = ContagionModel(load_scenario("ai_2025"), seed=1, collect=False)
    for _ in range(24):
        model.step()
    state = model.state
    c = state.contracts
    rows, weights = held_debt_weights(state)
    assert rows.tolist() == np.flatnonzero(c.is_debt & (c.creditor >= 0)).tolist()
    np.testing.assert_array_equal(weights, claim_weights(state, rows))
    assert project_rows(state).size > 0  # the bank route wrote loans, so the override is exercised
    banks = state.registry.members[Kind.BANK]
    mixed = np.concatenate([banks, state.registry.members[Kind.PENSION_LP][:1]])  # not all banks: every row
    np.testing.assert_allclose(risk_weighted_assets(state, banks), risk_weighted_assets(state, mixed)[:-1], rtol=1e-12)
