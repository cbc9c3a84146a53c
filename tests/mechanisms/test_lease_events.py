"""The imposed exit of a tenant from a lease (mechanisms/lease_events.py, policies/lease_exit.py).

Hyperion's lease (2.83 a year, from 2029-01 = month 48, four-year renewal terms, a 14.5bn
guarantee, a 2.83 termination fee) is left in 2029-06 (month 53), mid-term: the committed term
runs to month 95, so 43 monthly payments are left.
"""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.mechanisms.lease_events import HOWS, exit_terms
from aicontagion.model import ContagionModel
from aicontagion.policies.base import PolicyError
from aicontagion.policies.lease_exit import LeaseExit
from aicontagion.scenarios.loader import ScenarioError

AT, MONTH = "2029-06", 53


def _run(how, steps, **kw):
    event = LeaseExit("hyperion_lease", AT, how)
    m = ContagionModel("ai_2025", productivity="disproven", seed=1, collect=False, policies=[event], **kw)
    row = m.state.contracts.ids.index("hyperion_lease")
    return m, event, row


@pytest.mark.parametrize("how", HOWS)
def test_the_exit_happens_exactly_at_the_month_with_books_balanced(how):
    m, event, row = _run(how, MONTH + 2, check_invariants=True)  # books and money checked every stage
    c, s = m.state.contracts, m.state
    j = s.registry.ids.index("hyperion")
    for _ in range(MONTH):
        m.step()
    assert s.month == MONTH - 1 and event.terms is None
    assert c.active[row] and c.maturity[row] > MONTH and c.rvg[row] == pytest.approx(14.5)
    cash_before = s.books.cash[j]
    m.step()  # month 53
    assert s.month == MONTH and event.terms is not None
    exits = [e for e in s.events.rows if e["event"] == "lease_exit"]
    assert len(exits) == 1 and exits[0]["step"] == MONTH + 1 and exits[0]["institution"] == "meta"
    assert exits[0]["amount"] == pytest.approx(event.terms["total"])
    assert c.rvg[row] == 0.0
    if how == "not_renew":  # as a non-renewal: this month's rent still due, expiry next month
        assert c.maturity[row] == MONTH and event.terms["fee"] == 0.0
    else:
        assert not c.active[row]
    # the SPV was paid what the tenant owes (the month's rent and debt service move its cash too)
    paid = [e for e in s.events.rows if e["event"] in ("default", "missed_payment") and e["institution"] == "meta"]
    assert not paid
    assert s.books.cash[j] - cash_before > event.terms["total"] - 3.0
    m.step()
    assert not c.active[row] or c.maturity[row] < s.month


def _annuity(n, r):
    return sum((1 + r) ** (-k / 12) for k in range(1, n + 1))


def test_repudiation_moves_value_to_the_tenant_only_as_far_as_damages_fall_short():
    """Hand-worked: 43 months of 2.83/12 left in the committed term at Meta's 8% discount rate:
    PV 0.23583 x 37.460 = 8.834 (USD bn). With expectation damages the landlord gets the rent
    left less the re-let value plus the re-let value: the whole rent, nothing moves to the
    tenant. Without them (the one-year fee, 2.83) the tenant keeps ``8.834 - 2.83 - relet``."""
    rent_left = 2.83 / 12 * _annuity(95 - MONTH + 1, 0.08)
    assert rent_left == pytest.approx(8.8343, abs=1e-3)
    out = {}
    for damages in (True, False):
        m, _, row = _run("repudiate", MONTH + 1, resolution__expectation_damages=damages)
        for _ in range(MONTH + 1):
            m.step()
        assert m.state.month == MONTH
        m.state.snapshot.debt = m.state.books.liabilities(m.state.contracts)
        out[damages] = exit_terms(m.state, row, "repudiate")
    for terms in out.values():
        assert terms["rent_left"] == pytest.approx(rent_left, rel=1e-9)
        assert 0.0 < terms["relet"] < rent_left
    with_d, without = out[True], out[False]
    assert with_d["fee"] == pytest.approx(max(2.83, rent_left - with_d["relet"]))
    assert with_d["fee"] + with_d["relet"] >= rent_left - 1e-9  # the landlord loses no rent
    assert without["fee"] == pytest.approx(2.83)
    shortfall = rent_left - without["fee"] - without["relet"]  # what moves from landlord to tenant
    assert shortfall == pytest.approx(8.8343 - 2.83 - without["relet"], abs=1e-3)
    assert shortfall > 0
    assert with_d["rvg_short"] == pytest.approx(without["rvg_short"]) and with_d["rvg_short"] <= 14.5


def test_the_tenant_default_claim_is_capped_at_the_lease_claim_months():
    m, _, row = _run("tenant_default", MONTH + 1)
    for _ in range(MONTH + 1):
        m.step()
    m.state.snapshot.debt = m.state.books.liabilities(m.state.contracts)
    capped = exit_terms(m.state, row, "tenant_default")
    assert capped["fee"] == pytest.approx(2.83 / 12 * 12)  # 12 months of 234 left
    assert exit_terms(m.state, row, "not_renew")["fee"] == 0.0
    assert np.isfinite(capped["total"])


def test_bad_events_are_rejected():
    with pytest.raises(PolicyError, match="how must be"):
        LeaseExit("hyperion_lease", AT, "walk")
    with pytest.raises(PolicyError, match="YYYY-MM"):
        LeaseExit("hyperion_lease", "2029-6", "repudiate")
    with pytest.raises(PolicyError, match="unknown contract"):
        ContagionModel("ai_2025", collect=False, policies=[LeaseExit("no_such_lease", AT)])
    with pytest.raises(PolicyError, match="not a lease"):
        ContagionModel("ai_2025", collect=False, policies=[LeaseExit("hyperion_bonds_pimco", AT)])


def test_a_scenario_event_imposes_the_same_exit_as_the_event_object():
    """``events: [{type: lease_exit, ...}]`` in the scenario (schema-validated) books exactly what
    :class:`LeaseExit` books: the same payment, the same month."""
    entry = {"type": "lease_exit", "contract": "hyperion_lease", "at": AT, "how": "not_renew"}
    by_spec = ContagionModel("ai_2025", productivity="disproven", seed=1, collect=False, events=[entry])
    by_event, event, _ = _run("not_renew", MONTH + 1)
    for m in (by_spec, by_event):
        for _ in range(MONTH + 1):
            m.step()
    rows = [[e for e in m.state.events.rows if e["event"] == "lease_exit"] for m in (by_spec, by_event)]
    assert len(rows[0]) == 1 and rows[0][0]["step"] == MONTH + 1
    assert rows[0][0]["amount"] == pytest.approx(rows[1][0]["amount"]) == pytest.approx(event.terms["total"])
    assert np.allclose(by_spec.state.books.cash, by_event.state.books.cash)


def test_bad_scenario_events_are_rejected_in_one_line():
    for entry, field in (
        ({"contract": "hyperion_bonds_pimco", "at": AT}, "events[0].contract"),
        ({"contract": "hyperion_lease", "at": AT, "how": "walk"}, "events[0].how"),
        ({"contract": "hyperion_lease", "at": "2020-01"}, "events[0].at"),
    ):
        with pytest.raises(ScenarioError) as err:
            ContagionModel("ai_2025", collect=False, events=[entry])
        assert field in str(err.value) and "\n" not in str(err.value)
