"""Build-out vehicle pools: one single-tenant SPV per campus, the next one opening when one is full."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.decisions import Decisions
from aicontagion.core.invariants import check_books
from aicontagion.core.kinds import Status
from aicontagion.mechanisms import build_out_vehicles, origination
from aicontagion.model import ContagionModel
from aicontagion.network.contracts import ContractType
from aicontagion.scenarios.loader import ScenarioError, read_raw, resolve, validate

MINI = "tests/data/mini.yaml"


def mini_pool(pool, giant=None, **fields):
    """The mini system with a pool of empty build-out SPVs for the giant (``vehicle`` the template);
    ``giant``: fields of the giant changed."""
    raw = read_raw(resolve(MINI))
    for inst in raw["institutions"]:
        if inst["id"] == "giant":
            inst.update(giant or {})
    raw["institutions"].append({"id": "vehicle", "kind": "spv", "cash": 0, "facility_life_years": 30, "spread": 0.02})
    raw["origination"] = {"vehicles": {"giant": pool}, "spv_bond_buyers": {"pension": 0.5}} | fields
    raw["compute"] = raw["compute"] | {"gpu_lead_months": 3, "build_lead_months": 6}
    return validate(raw, "mini_pool")


def deals_for(state, giant: int, amount: float) -> list:
    """The deals the giant's vehicles record for ``amount`` of this month's buildings."""
    state.operations.order_book.due_build[giant] = amount
    d = Decisions()
    took = build_out_vehicles.finance_spv(state, np.array([giant]), np.array([amount]), d)
    assert took[0] == pytest.approx(amount)
    return d.originations


def test_the_pool_is_declared_compactly_and_copies_its_template():
    spec = mini_pool({"template": "vehicle", "count": 3})
    extra = [i for i in spec.institutions if i.id.startswith("vehicle")]
    assert [i.id for i in extra] == ["vehicle", "vehicle_2", "vehicle_3"]
    assert all(i.kind == "spv" and i.spread == 0.02 and i.cash == 0 for i in extra)
    assert validate(spec.model_dump(mode="python"), "again").institutions == spec.institutions  # idempotent


def test_a_giant_whose_deals_exceed_one_campus_opens_the_next_vehicle_with_its_own_contracts():
    m = ContagionModel(mini_pool({"template": "vehicle", "count": 3}, campus_size=4.0), seed=1, check_invariants=True)
    m.step()
    s = m.state
    ids = s.registry.ids
    giant = ids.index("giant")
    v1, v2, v3 = (ids.index(x) for x in ("vehicle", "vehicle_2", "vehicle_3"))
    deals = deals_for(s, giant, 6.0)
    assert [(v, x) for _, v, _, x in deals] == [(v1, pytest.approx(4.0)), (v2, pytest.approx(2.0))]
    size = s.contracts.size
    origination.apply(s, deals)
    check_books(s, "test")
    c = s.contracts
    new = np.arange(size, c.size)
    o = s.spec.origination
    for v, cost in ((v1, 4.0), (v2, 2.0)):  # each vehicle: its own buildings, bonds, equity and lease
        assert s.books.facility[v] == pytest.approx(cost)
        bonds = new[(c.ctype[new] == ContractType.BOND) & (c.obligor[new] == v)]
        assert c.principal[bonds].sum() == pytest.approx(cost * (1 - o.spv_equity_share))
        lease = new[(c.ctype[new] == ContractType.LEASE) & (c.creditor[new] == v)]
        assert lease.size == 1 and c.obligor[lease[0]] == giant
        assert c.payment[lease[0]] == pytest.approx(cost * o.lease_yield / 12)
        assert c.rvg[lease[0]] == pytest.approx(cost * o.rvg_share)
        assert s.books.equity[v] == pytest.approx(cost * o.spv_equity_share)
    assert s.books.facility[v3] == 0.0 and not (c.obligor[new] == v3).any()  # still dormant
    opened = [e["institution"] for e in s.events.rows if e["event"] == "vehicle_opened"]
    assert opened == ["vehicle", "vehicle_2"]
    # the pool's last vehicle keeps taking deals once it is full, with one event saying so
    deals = deals_for(s, giant, 2.0) + deals_for(s, giant, 9.0)
    assert [(v, x) for _, v, _, x in deals] == [(v2, pytest.approx(2.0)), (v3, pytest.approx(9.0))]
    origination.apply(s, deals)
    check_books(s, "test")
    assert s.books.facility[v3] == pytest.approx(9.0)
    assert [e["institution"] for e in s.events.rows if e["event"] == "vehicle_pool_exhausted"] == ["vehicle_3"]


def test_no_new_vehicle_opens_for_a_tenant_whose_vehicle_defaulted():
    m = ContagionModel(mini_pool({"template": "vehicle", "count": 3}, campus_size=4.0), seed=1)
    m.step()
    s = m.state
    ids = s.registry.ids
    giant, v1, v2 = (ids.index(x) for x in ("giant", "vehicle", "vehicle_2"))
    assert [(v, x) for _, v, _, x in deals_for(s, giant, 5.0)] == [(v1, pytest.approx(4.0)), (v2, pytest.approx(1.0))]
    s.lifecycle.status[v1] = Status.DEFAULTED  # the full one defaults: the open one takes no more, none opens
    s.operations.order_book.due_build[giant] = 3.0
    d = Decisions()
    took = build_out_vehicles.finance_spv(s, np.array([giant]), np.array([3.0]), d)
    assert took[0] == 0.0 and not d.originations and s.operations.order_book.due_build[giant] == 3.0


def test_a_run_with_small_campuses_opens_several_vehicles_and_keeps_the_books():
    # a giant short of cash and at its leverage ceiling: its vehicles pay for all its buildings
    short = {"cash": 1.0, "core_cash_flow": 5.0, "params": {"max_debt_to_assets": 0.01}}
    spec = mini_pool({"template": "vehicle", "count": 20}, giant=short, campus_size=0.5)
    m = ContagionModel(spec, seed=1, check_invariants=True)  # balance and money conservation every month
    for _ in range(12):
        m.step()
    s = m.state
    ids = s.registry.ids
    opened = [e["institution"] for e in s.events.rows if e["event"] == "vehicle_opened"]
    assert len(opened) >= 2, "the mini giant's buildings should fill more than one 0.5bn campus"
    pool = [ids.index(x) for x in opened]
    filled = s.operations.origination.filled[pool]
    assert filled[:-1] == pytest.approx(np.full(len(pool) - 1, 0.5)) and filled[-1] <= 0.5 + 1e-9
    c = s.contracts
    leases = np.flatnonzero(c.ctype[: c.size] == ContractType.LEASE)
    lessors = c.creditor[leases][np.isin(c.creditor[leases], pool)]
    assert sorted(lessors.tolist()) == sorted(pool)  # each vehicle leases its own campus, one lease row a year


@pytest.mark.parametrize(
    ("pool", "where"),
    [
        ({"template": "vehicle", "count": 0}, "origination.vehicles.giant.count: out of range"),
        ({"template": "giant", "count": 2}, "origination.vehicles.giant.template: 'giant' is not an spv"),
        ({"template": "vehicle", "size": 2}, "origination.vehicles.giant.size: unknown key"),
    ],
)
def test_the_schema_rejects_a_bad_pool_entry_in_one_line(pool, where):
    with pytest.raises(ScenarioError) as exc:
        mini_pool(pool)
    text = str(exc.value)
    assert "\n" not in text and "mini_pool" in text and where in text
