"""Re-letting from the demand that exists: the lease-up share in a glut by hand, the leased
annuity term by term, and a walk-away in a glut that lowers the SPV bond's mark by the slower
lease-up (mechanisms/relet.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from aicontagion.core.decisions import Decisions
from aicontagion.mechanisms import credit, relet
from aicontagion.mechanisms.actions import apply_decisions
from aicontagion.mechanisms.valuation import project_values
from tests.mechanisms.conftest import contract, row


def test_the_lease_up_share_in_a_glut_by_hand():
    # demand 500 USD bn/yr growing 2% a month, capacity 1250, normal use 0.8, 60-month life:
    # demand fills 625 of capacity, 625 stands idle; absorbed 625 x 2% new + 625 / 60 displaced
    q = relet.absorption_share(500.0, np.log(1.02), 1250.0, 0.8, 60.0)
    assert q == pytest.approx((12.5 + 625.0 / 60.0) / 625.0, rel=1e-12)
    assert q == pytest.approx(0.036667, rel=1e-4)  # about 27 months of supply
    # falling demand: only the tenants of retiring capacity move
    assert relet.absorption_share(480.0, np.log(0.99), 1250.0, 0.8, 60.0) == pytest.approx((600.0 / 60.0) / 650.0)
    # nothing idle (demand above normal use of the capacity): let at once
    assert relet.absorption_share(900.0, 0.01, 1000.0, 0.8, 60.0) == 1.0


def test_the_leased_annuity_term_by_term():
    q, r, m = 0.05, 0.09, 40
    by_hand = sum((1.0 - (1.0 - q) ** k) * (1.0 + r) ** (-k / 12.0) for k in range(1, m + 1))
    assert float(relet.leased_annuity(m, r, q)) == pytest.approx(by_hand, rel=1e-12)
    plain = sum((1.0 + r) ** (-k / 12.0) for k in range(1, m + 1))
    assert float(relet.leased_annuity(m, r, 1.0)) == pytest.approx(plain, rel=1e-12)
    assert float(relet.leased_annuity(m, r, 0.0)) == pytest.approx(0.0, abs=1e-12)


def _glut(state, utilisation: float):
    """Demand at ``utilisation`` of the installed capacity, expected to stay flat."""
    d = state.ai.demand_state
    capacity = d.revenue / utilisation
    state.ai.demand_state = dataclasses.replace(d, capacity=capacity, utilisation=utilisation)
    state.ai.demand.growth = 0.0


def _walk(state):
    state.month = 13
    state.snapshot.debt = state.books.liabilities(state.contracts)
    spv, giant = row(state, "spv"), row(state, "giant")
    lease = contract(state, "spv_lease")
    state.operations.strategic_value[giant] = 1e6
    state.books.cash[spv] = 1.0  # a thin reserve, so the walk-away reaches the bond
    d = Decisions()
    d.terminations.append((lease, "strategic_default", "test"))
    apply_decisions(state, d)
    return spv, lease


def test_a_walk_away_in_a_glut_lowers_the_bond_by_the_slower_lease_up(state):
    u0 = state.ai.initial_utilisation
    _glut(state, 0.5 * u0)  # half the normal use: half the capacity idle
    spv, lease = _walk(state)
    c, b = state.contracts, state.books
    pay = c.payment[lease]
    assert state.operations.vacant[spv] == pytest.approx(pay)  # offered, not yet let

    q = relet.lease_up_share(state)
    life = state.spec.compute.useful_life_years * 12.0
    need = state.ai.demand_state.revenue / u0
    idle = state.ai.demand_state.capacity - need
    assert q == pytest.approx(need / life / idle)  # flat demand: only displaced tenants
    assert 0.0 < q < 0.1

    horizon = max(int(c.maturity[r]) for r in np.flatnonzero(c.is_debt & (c.obligor == spv)))
    rent = pay * min(state.ai.demand_state.rent_index, 1.0) * state.ai.usage
    r_mkt = state.registry.treasury_rate + state.spec.resolution.merchant_spread
    going = rent * float(relet.leased_annuity(horizon - 13, r_mkt, q))
    collateral = going * (1 - state.spec.resolution.bankruptcy_cost)
    value = project_values(state)["value"][spv]
    assert value == pytest.approx(b.cash[spv] + b.claims(c)[spv] + max(going, collateral), rel=1e-9)

    credit.update_credit_marks(state)
    bond = contract(state, "spv_bond")
    glut_mark = c.credit_mark[bond]
    state.channels = state.channels.model_copy(update={"relet_demand": False})  # let at once
    at_once = project_values(state)["value"][spv]
    assert at_once - value == pytest.approx(rent * float(relet.leased_annuity(horizon - 13, r_mkt, 1.0)) - going)
    credit.update_credit_marks(state)
    assert c.credit_mark[bond] > glut_mark + 0.05

    # each month the market lets q of what is still vacant; the let part earns market rent
    state.channels = state.channels.model_copy(update={"relet_demand": True})
    relet.lease_up(state)
    assert state.operations.vacant[spv] == pytest.approx(pay * (1.0 - q))
    assert relet.let_capacity(state.operations)[spv] == pytest.approx(pay * q)
