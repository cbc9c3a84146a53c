"""The option not to renew an SPV lease in the giants' route choice (mechanisms/exit_option.py)."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.agents.tech_giant import TechGiant
from aicontagion.core.decisions import Decisions
from aicontagion.mechanisms.exit_option import committed_lease_debt, renewal_probability, route_costs, spv_first
from aicontagion.mechanisms.valuation import lease_values
from aicontagion.model import ContagionModel
from aicontagion.scenarios.loader import read_raw, resolve, validate


def giant_with_walkable_lease(**origination_fields):
    """The mini system with a build-out SPV for the giant; the giant's renewable lease has no
    residual value guarantee and it holds no stake in the lessor, so not renewing costs it little."""
    raw = read_raw(resolve("tests/data/mini.yaml"))
    raw["institutions"].append({"id": "vehicle", "kind": "spv", "cash": 0, "facility_life_years": 30, "spread": 0.02})
    raw["origination"] = {"vehicles": {"giant": "vehicle"}, "spv_bond_buyers": {"pension": 0.5}} | origination_fields
    raw["compute"] = raw["compute"] | {"gpu_lead_months": 3, "build_lead_months": 6}
    for c in raw["contracts"]:
        if c["id"] == "spv_lease":
            c["residual_value_guarantee"] = 0
    raw["contracts"] = [c for c in raw["contracts"] if c["id"] != "spv_equity_giant"]
    m = ContagionModel(validate(raw, "mini_walkable"), seed=1, check_invariants=True)
    m.step()
    return m


def glut(s, giant):
    """Demand falls short: the capacity rents at a tenth of its contract rent, so replacing it
    costs the giant little and the AI value it expects from it is below the next term's rent (the
    strategic value multiplier 0, for the calibrated kept-value rule)."""
    s.operations.strategic_value[giant] = 0.0
    s.ai.demand_state.rent_index = 0.1


def by_hand(s, giant, p):
    """Bond and SPV costs per USD of cost, written out (monthly payments, annual rates)."""
    o = s.spec.origination
    r = s.registry.treasury_rate + s.credit.spread[giant][0]
    m = (1 + r) ** (1 / 12) - 1  # monthly rate

    def ann(n):
        return (1 - (1 + m) ** -n) / m

    n, k = o.lease_years * 12, o.renewal_years * 12
    end = (1 + r) ** -o.lease_years
    keep = max(min(s.ai.demand_state.rent_index, 1.0), s.spec.resolution.relet_floor)
    rent = o.lease_yield / 12
    option = (1 - p) * rent * (ann(n) - ann(k))
    return 1 - o.rvg_share * end, rent * ann(n) + o.rvg_share * (1 - keep) * end - option, option


def test_no_uncertainty_no_option_and_the_bond_is_cheaper():
    m = giant_with_walkable_lease()
    s = m.state
    giant = np.array([s.registry.ids.index("giant")])
    cost = route_costs(s, giant)
    p = cost["p"][0]
    assert p > 0.98  # at the opening rents renewing is (nearly) always worth its cost
    bond, spv, option = by_hand(s, giant, p)
    assert cost["bond"][0] == pytest.approx(bond) and cost["spv"][0] == pytest.approx(spv)
    assert cost["option"][0] == pytest.approx(option) and option < 0.02
    # 20 years of 10.5% rent at 4.6% cost about 1.38 of the buildings, a bond about 0.78 (the
    # buildings' residual kept): with next to no option the lease is dearer
    assert spv + option == pytest.approx(1.38, abs=0.01) and bond == pytest.approx(0.78, abs=0.01)
    assert not spv_first(s, giant)[0]


def test_in_a_glut_the_option_makes_the_lease_cheaper_than_the_bond():
    m = giant_with_walkable_lease()
    s = m.state
    giant = np.array([s.registry.ids.index("giant")])
    glut(s, giant)
    p = renewal_probability(s, giant)[0]
    lease = np.flatnonzero((s.contracts.obligor == giant[0]) & (s.contracts.renewal > 0))
    assert p == pytest.approx(lease_values(s, lease)["p_renew"][0])
    # the giant would renew only if keeping the capacity were worth the next term's rent: re-let
    # value 0.1 x usage of it, so p is about 0.1
    assert p == pytest.approx(0.1 * s.ai.usage, abs=0.01)
    bond, spv, option = by_hand(s, giant, p)
    cost = route_costs(s, giant)
    assert cost["option"][0] == pytest.approx(option) and cost["spv"][0] == pytest.approx(spv)
    assert option > 0.8 and spv < bond  # rent of years 5-20 (~1.0) x 0.9 outweighs the 0.6 gap
    assert spv_first(s, giant)[0]


def test_the_switch_turns_the_option_off():
    m = giant_with_walkable_lease(value_exit_option=False)
    s = m.state
    giant = np.array([s.registry.ids.index("giant")])
    glut(s, giant)
    assert route_costs(s, giant)["option"][0] > 0.8
    assert not spv_first(s, giant)[0]


@pytest.mark.parametrize("on", [True, False])
def test_the_giant_leases_before_it_issues_bonds_only_with_the_option(on):
    m = giant_with_walkable_lease(value_exit_option=on)
    s = m.state
    giant = np.array([s.registry.ids.index("giant")])
    glut(s, giant)
    s.books.cash[giant] = 0.0  # it has to finance this month's capex
    s.operations.order_book.due_build[giant] = 5.0
    d = Decisions()
    TechGiant.decide(s, giant, d)
    spv = sum(x for route, _, _, x in d.originations if route == "spv")
    bonds = sum(b["amount"] for b in d.new_debt if b["borrower"] == giant[0])
    if on:
        assert spv == pytest.approx(5.0)  # the buildings go to the vehicle first
    else:
        assert spv == 0.0 and bonds > 0.0  # room under the leverage ceiling: bonds only


def test_lease_debt_counts_only_the_committed_terms():
    m = giant_with_walkable_lease()
    s = m.state
    c = s.contracts
    gi = s.registry.ids.index("giant")
    r = s.registry.treasury_rate + s.credit.spread[gi]
    mr = (1 + r) ** (1 / 12) - 1  # monthly rate
    t = s.month

    def pv(row, last):  # the payments from the next month (or the start) to ``last``
        start = max(int(c.start[row]), t)
        n = last - start + 1
        return c.payment[row] * (1 - (1 + mr) ** -n) / mr * (1 + r) ** (-(start - t) / 12)

    live = c.executory_rows
    live = live[(c.obligor[live] == gi) & (c.maturity[live] >= t)]
    lease = int(live[c.renewal[live] > 0][0])  # 2026-01 to 2045-12, renewable every 4 years
    assert t < c.start[lease]
    committed = {lease: int(c.start[lease]) + 48 - 1}  # its first 4-year term only
    want = sum(pv(row, committed.get(int(row), int(c.maturity[row]))) for row in live)
    got = committed_lease_debt(s, np.array([gi]))[0]
    assert got == pytest.approx(want)
    # counting the whole 20-year lease would add the renewals at the giant's option
    assert pv(lease, int(c.maturity[lease])) - pv(lease, committed[lease]) > 10.0
