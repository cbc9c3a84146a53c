"""Origination: SPV deals with leases, loans by route, warehouse sales, LP fundraising."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion import Sim
from aicontagion.core.invariants import check_books
from aicontagion.mechanisms import fund_raising, origination
from aicontagion.mechanisms.origination import loan_order
from aicontagion.model import ContagionModel
from aicontagion.network.contracts import ContractType
from aicontagion.scenarios.loader import read_raw, resolve, validate

MINI = "tests/data/mini.yaml"


def mini_with_vehicle(**origination_fields):
    """The mini system plus an empty build-out SPV for the giant, and the fund as a bond buyer."""
    raw = read_raw(resolve(MINI))
    raw["institutions"].append({"id": "vehicle", "kind": "spv", "cash": 0, "facility_life_years": 30, "spread": 0.02})
    raw["origination"] = {"vehicles": {"giant": "vehicle"}, "spv_bond_buyers": {"pension": 0.5}} | origination_fields
    raw["compute"] = raw["compute"] | {"gpu_lead_months": 3, "build_lead_months": 6}
    return validate(raw, "mini_vehicle")


def test_an_spv_deal_writes_bonds_equity_and_a_lease_and_keeps_the_books():
    m = ContagionModel(mini_with_vehicle(), seed=1, check_invariants=True)
    m.step()
    s = m.state
    ids = s.registry.ids
    v, giant, fund, pension = (ids.index(x) for x in ("vehicle", "giant", "fund", "pension"))
    c = s.contracts
    size = c.size
    cash_before = s.books.cash.copy()
    origination.apply(s, [("spv", v, giant, 10.0)])
    check_books(s, "test")
    o = s.spec.origination
    new = np.arange(size, c.size)
    bonds = new[c.ctype[new] == ContractType.BOND]
    assert c.principal[bonds].sum() == pytest.approx(10.0 * (1 - o.spv_equity_share))
    # the pension buys half the bonds, outsiders the rest; the guarantee's share is a bullet
    assert c.principal[bonds][c.creditor[bonds] == pension].sum() == pytest.approx(0.5 * 10 * (1 - o.spv_equity_share))
    bullet = bonds[~c.amortising[bonds]]
    assert c.principal[bullet].sum() == pytest.approx(10.0 * o.rvg_share)
    assert not c.rolls[bonds].any()
    lease = new[c.ctype[new] == ContractType.LEASE]
    assert lease.size == 1 and c.obligor[lease[0]] == giant and c.creditor[lease[0]] == v
    assert c.payment[lease[0]] == pytest.approx(10.0 * o.lease_yield / 12)
    assert c.rvg[lease[0]] == pytest.approx(10.0 * o.rvg_share)
    stakes = c.stake_rows[c.obligor[c.stake_rows] == v]
    held = {int(c.creditor[r]): c.share[r] for r in stakes}
    eq = 10.0 * o.spv_equity_share
    fund_part = min(eq * o.spv_fund_equity_share, cash_before[fund] - s.dues.due_now[fund])
    assert held.get(fund, 0.0) == pytest.approx(fund_part / eq)
    assert held[giant] == pytest.approx(min(eq - fund_part, cash_before[giant]) / eq)
    # the vehicle paid the builders: it holds the buildings, no cash, and its equity is what was put in
    assert s.books.facility[v] == pytest.approx(10.0)
    assert s.books.cash[v] == pytest.approx(0.0, abs=1e-9)
    assert s.books.equity[v] == pytest.approx(eq)
    # a second deal in the same year adds to the same rows (the table grows by years)
    size2 = c.size
    origination.apply(s, [("spv", v, giant, 5.0)])
    assert c.size == size2
    assert c.payment[lease[0]] == pytest.approx(15.0 * o.lease_yield / 12)
    check_books(s, "test")


def test_loan_routes_go_cheapest_first_and_banks_stay_within_their_limits():
    spec = mini_with_vehicle(bank_premium=0.03, vendor_premium=0.01, pc_premium=0.05, bank_sector_limit=0.05)
    assert loan_order(spec) == ["vendor", "bank", "private_credit"]
    m = ContagionModel(spec, seed=1, check_invariants=True)
    for _ in range(24):
        m.step()
    s = m.state
    led = s.operations.origination
    bank = s.registry.ids.index("bank")
    held = origination.project_loans_held(s, np.array([bank]))[0]
    assert held <= 0.05 * max(s.books.equity[bank], 0) + 1e-6 + led.by_route["warehouse_sale"]
    c = s.contracts
    for (route, lender, borrower, _, _), row in led.vintage.items():
        if route in ("bank", "vendor", "private_credit"):
            assert c.obligor[row] == borrower
            assert c.creditor[row] == lender or route == "bank"  # bank loans may have been sold on
            want = {"bank": ContractType.LOAN, "vendor": ContractType.VENDOR_FINANCING}.get(route, ContractType.LOAN)
            assert c.ctype[row] == want


def test_bank_loans_are_sold_to_private_credit_after_the_warehouse_period():
    m = ContagionModel(mini_with_vehicle(warehouse_months=2, bank_sector_limit=0.5), seed=1, check_invariants=True)
    s = m.state
    m.step()
    bank, neo, fund = (s.registry.ids.index(x) for x in ("bank", "neo", "fund"))
    origination.apply(s, [("bank", bank, neo, 0.3)])
    row = s.operations.origination.vintage[("bank", bank, neo, 0, s.month // 12)]
    assert s.contracts.creditor[row] == bank
    for _ in range(2):
        m.step()
    assert s.operations.origination.by_route["warehouse_sale"] > 0
    assert s.contracts.creditor[row] == fund
    check_books(s, "test")


def test_funds_raise_commitments_with_sentiment():
    m = ContagionModel(mini_with_vehicle(fund_raise_rate=0.2), seed=1)
    c = m.state.contracts
    lp = c.rows_of(ContractType.LP_COMMITMENT)
    before = c.uncalled[lp].sum()
    m.step()
    fund = m.state.registry.ids.index("fund")
    nav = max(m.state.books.equity[fund], 0.0)
    assert c.uncalled[lp].sum() > before or nav == 0


def test_an_lp_over_its_private_target_takes_a_paced_part_of_new_commitments():
    m = ContagionModel(mini_with_vehicle(fund_raise_rate=0.2), seed=1)
    s = m.state
    m.step()
    c = s.contracts
    lp = c.rows_of(ContractType.LP_COMMITMENT)
    pension = s.registry.ids.index("pension")
    p = s.registry.params["pension_lp"]
    p["private_target"][pension], p["max_private_share"][pension], p["private_other_share"][pension] = 0.1, 0.3, 1.0
    added = []
    for share in (0.05, 0.2, 0.35):  # under the target, halfway to the cap, over the cap
        stakes = c.principal[c.is_stake & (c.creditor == pension)].sum()
        s.books.other_assets[pension] = share * s.snapshot.assets[pension] - stakes
        before = c.uncalled[lp].sum()
        fund_raising.raise_commitments(s)
        added.append(c.uncalled[lp].sum() - before)
    assert added[0] > 0
    assert added[1] == pytest.approx(0.5 * added[0], rel=1e-6)  # the same month's raise, half taken
    assert added[2] == 0.0


def test_switching_origination_off_writes_nothing_and_ai_2025_originates_on_the_base_path():
    on = Sim("ai_2025", seed=1, months=72).run()
    off = Sim("ai_2025", seed=1, months=72, channels={"origination": False}).run()
    assert on.series("originated")["system"].iloc[-1] > 0
    assert off.series("originated")["system"].abs().max() == 0
    assert on.model.state.contracts.size > off.model.state.contracts.size
    assert on.series("pc_ai_exposure")["system"].iloc[-1] > 0


def test_the_ledger_keeps_each_routes_rows_in_the_vintage_order():
    led = origination.opening_ledger(validate(read_raw(resolve(MINI)), "mini"), ["a", "b", "c", "d", "e"])
    writes = [(("bank", 0, 1, 0, 0), 10), (("spv", 2, 3, 0, 0), 11), (("vendor", 1, 1, 0, 0), 12)]
    writes += [(("bank", 0, 1, 0, 0), 13), (("bank", 0, 2, 0, 0), 14), (("private_credit", 4, 1, 0, 0), 15)]
    for key, row in writes:
        led.set_vintage(key, row)
        for routes in (("bank",), origination.ORDER, ("spv", "vendor")):
            want = [r for (route, *_), r in led.vintage.items() if route in routes]
            assert led.route_rows(routes).tolist() == want
    assert led.route_rows(origination.ORDER).tolist() == [13, 12, 14, 15]  # a rewritten key keeps its place
