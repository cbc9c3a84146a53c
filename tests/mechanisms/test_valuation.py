"""Project-finance marks of SPV debt: hand-worked present values, a walk-away that moves value
from the bondholders exactly as the contract terms say, and the rating floor reading the bands."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.books import Channel
from aicontagion.core.decisions import Decisions
from aicontagion.mechanisms import credit
from aicontagion.mechanisms.actions import apply_decisions
from aicontagion.mechanisms.constraints import RatingFloor, SaleOrders
from aicontagion.mechanisms.strategic_default import appraise, kept_values
from aicontagion.mechanisms.valuation import BANDS, SPECULATIVE, lease_values, project_marks, project_values
from tests.mechanisms.conftest import contract, row


def _pv(months, rate):
    """Sum of (1 + rate)^(-k/12) for k = 1..months, term by term."""
    return sum((1.0 + rate) ** (-k / 12.0) for k in range(1, int(months) + 1))


def _no_damages(state):
    rules = state.spec.resolution.model_copy(update={"expectation_damages": False})
    state.spec = state.spec.model_copy(update={"resolution": rules})


def _at(state, month):
    state.month = month
    state.snapshot.debt = state.books.liabilities(state.contracts)


def test_a_lease_is_worth_its_rent_at_the_tenants_own_rate(state):
    _at(state, 0)
    lease, giant = contract(state, "spv_lease"), row(state, "giant")
    state.operations.strategic_value[giant] = 1e6  # renewing is always worth it: p_renew = 1
    v = lease_values(state, np.array([lease]))
    c = state.contracts
    r = state.registry.treasury_rate + state.credit.spread[giant]
    pay = c.payment[lease]  # take-or-pay 1
    # the lease starts in month 12; the committed term is its first 4 years (months 12..59)
    assert v["p_renew"][0] == 1.0
    assert v["committed"][0] == pytest.approx(pay * _pv(48, r) * (1 + r) ** -1, rel=1e-9)
    after = c.maturity[lease] - 59
    assert v["beyond"][0] == pytest.approx(pay * _pv(after, r) * (1 + r) ** (-60 / 12), rel=1e-9)


def test_a_tenant_downgrade_lowers_the_project_value(state):
    _at(state, 13)
    spv, giant = row(state, "spv"), row(state, "giant")
    before = project_values(state)["value"][spv]
    state.credit.spread[giant] += 0.05
    after = project_values(state)["value"][spv]
    assert after < before - 1.0


def test_a_renewal_signal_lowers_the_value_before_the_tenant_leaves(state):
    _at(state, 13)
    spv, giant, lease = row(state, "spv"), row(state, "giant"), contract(state, "spv_lease")
    state.operations.strategic_value[giant] = 1e6
    sure = project_values(state)["value"][spv]
    state.operations.strategic_value[giant] = 0.0  # the tenant no longer values the capacity
    state.ai.demand_state.rent_index = 0.5  # and subletting it fetches half the rent
    state.contracts.rvg[lease] = 0.0  # no guarantee to pay early by leaving
    v = lease_values(state, np.array([lease]))
    a = appraise(state, np.array([lease]), 13)
    assert v["p_renew"][0] == pytest.approx(min(1.0, (a["next_sublet"][0] + a["rvg_cost"][0]) / a["next_pay"][0]))
    assert v["p_renew"][0] < 1.0
    assert project_values(state)["value"][spv] < sure


def test_a_walk_away_moves_value_from_bondholders_as_the_contract_terms_say(state):
    """Hand-worked book: the tenant repudiates mid-term paying a fixed fee (no expectation damages).

    Before: the SPV's value is its cash plus the lease's PV (rent, renewal, guarantee). After: its
    cash plus the fee plus the vacated capacity re-let at market rent to the bonds' maturity. The
    bond's mark falls to that value over its face; the bondholder books exactly that fall, the
    SPV books the fee less its facility's fall to re-let value, the tenant books the fee, and
    nobody else's equity moves: no counterparty gains.
    """
    _at(state, 13)
    c, b = state.contracts, state.books
    spv, giant, pension = row(state, "spv"), row(state, "giant"), row(state, "pension")
    lease, bond = contract(state, "spv_lease"), contract(state, "spv_bond")
    state.operations.strategic_value[giant] = 1e6
    state.ai.demand_state.rent_index = 0.4  # a weak market to re-let into
    b.cash[spv] = 1.0  # a thin reserve, so the walk-away reaches the bond
    b.equity[spv] -= 5.0
    b.cash_at_start -= 5.0
    credit.update_credit_marks(state)
    assert c.credit_mark[bond] == pytest.approx(1.0)  # the lease covers the bond
    face = c.principal[bond]

    fee = 2.0
    equity0 = b.equity.copy()
    b.transfer(giant, spv, fee, "fee")
    b.book(giant, -fee, Channel.STRATEGIC_DEFAULT)
    b.book(spv, fee, Channel.STRATEGIC_DEFAULT)
    d = Decisions()
    d.terminations.append((lease, "strategic_default", "test"))
    apply_decisions(state, d)
    assert not c.active[lease] and state.operations.relet[spv] == pytest.approx(c.payment[lease])

    rent = min(state.ai.demand_state.rent_index, 1.0) * state.ai.usage * c.payment[lease]
    r_mkt = state.registry.treasury_rate + state.spec.resolution.merchant_spread
    relet_pv = rent * _pv(c.maturity[bond] - 13, r_mkt)
    value = project_values(state)
    claims = b.claims(c)[spv]
    collateral = relet_pv * (1 - state.spec.resolution.bankruptcy_cost)  # below the going value
    assert value["value"][spv] == pytest.approx(b.cash[spv] + claims + max(relet_pv, collateral), rel=1e-9)
    expected_mark = min(1.0, value["value"][spv] / face)
    assert expected_mark < 0.9
    rows, marks = project_marks(state, value)
    assert marks[list(rows).index(bond)] == pytest.approx(expected_mark)

    mark_before = c.mark[bond]
    credit.update_credit_marks(state)
    assert c.credit_mark[bond] == pytest.approx(expected_mark)
    change = b.equity - equity0
    bond_loss = face * (mark_before - c.mark[bond])
    assert change[pension] == pytest.approx(-bond_loss)
    impairment = -b.pnl[spv, Channel.STRATEGIC_DEFAULT] + fee
    assert change[spv] == pytest.approx(fee - impairment)
    assert change[giant] == pytest.approx(-fee)
    others = np.ones(state.n, dtype=bool)
    others[[spv, giant, pension]] = False
    np.testing.assert_allclose(change[others], 0.0, atol=1e-12)
    assert value["band"][spv] >= SPECULATIVE and BANDS[value["band"][spv]] in ("B", "CCC")


def test_expectation_damages_are_the_rent_repudiated_less_the_relet_value(state):
    _at(state, 13)
    lease = contract(state, "spv_lease")
    state.ai.demand_state.rent_index = 0.5  # re-letting fetches half the rent
    a = appraise(state, np.array([lease]), 13)
    assert a["fee"][0] == pytest.approx(max(a["pay_pv"][0] - a["sublet_pv"][0], 0.0))
    assert a["fee"][0] > 12 * state.contracts.payment[lease] * 0.5  # more than half a year of rent here
    _no_damages(state)
    a = appraise(state, np.array([lease]), 13)
    assert a["fee"][0] == pytest.approx(state.contracts.termination_fee[lease])


def test_the_tenants_stake_in_the_spv_is_a_cost_of_walking(state):
    _at(state, 13)
    lease, spv = contract(state, "spv_lease"), row(state, "spv")
    _no_damages(state)
    state.ai.demand_state.rent_index = 0.5  # the facility would fall to half its book
    state.contracts.rvg[lease] = 0.0  # and no guarantee covers the fall
    a = appraise(state, np.array([lease]), 13)
    impairment = state.books.facility[spv] * 1.0 * 0.5  # single tenant: its share is 1
    expected = 0.2 * min(max(state.books.equity[spv], 0.0), impairment - a["fee"][0] - a["rvg_short"][0])
    assert a["stake_cost"][0] == pytest.approx(max(expected, 0.0))
    assert a["stake_cost"][0] > 0


def test_project_marks_off_keeps_the_book_equity_mark(model):
    state = model.state
    state.channels = state.channels.model_copy(update={"project_marks": False})
    _at(state, 13)
    bond, spv = contract(state, "spv_bond"), row(state, "spv")
    state.lifecycle.distress[spv] = 0.5
    state.contracts.credit_mark[bond] = 1.0
    credit.update_credit_marks(state)
    expected = 1.0 - 0.5 * state.spec.resolution.lgd_senior  # spv_bond is senior
    assert state.contracts.credit_mark[bond] == pytest.approx(expected)


def test_the_insurers_rating_floor_sells_speculative_project_debt(state):
    pension, spv, bond = row(state, "pension"), row(state, "spv"), contract(state, "spv_bond")
    state.registry.params["pension_lp"]["forced_sale_mark"][pension] = 0.5
    state.credit.rating = np.full(state.n, -1)
    orders = SaleOrders(state)
    RatingFloor().orders(state, np.array([pension]), orders)
    assert orders.claim_share[bond] == 0.0  # unrated, mark 1: kept
    state.credit.rating[spv] = SPECULATIVE
    orders = SaleOrders(state)
    RatingFloor().orders(state, np.array([pension]), orders)
    assert orders.claim_share[bond] == 1.0


def test_under_expectation_damages_a_solvent_customer_never_gains_by_walking(state):
    """P > K + T never holds: T includes P - S and K >= S (``max(kappa V, S)`` calibrated,
    ``max(V, R, S)`` derived)."""
    c = state.contracts
    rows = c.executory_rows
    rows = rows[c.obligor[rows] >= 0]
    for rule in ("calibrated", "derived"):
        rules = state.spec.resolution.model_copy(update={"strategic_value": rule})
        state.spec = state.spec.model_copy(update={"resolution": rules})
        for month, rent in ((3, 1.0), (13, 0.5), (30, 0.2)):
            _at(state, month)
            state.ai.demand_state.rent_index = rent
            a = appraise(state, rows, month)
            keep, _ = kept_values(state, a)
            assert np.all(keep >= a["sublet_pv"])
            assert np.all(a["pay_pv"] <= keep + a["walk_cost"] + 1e-9)
