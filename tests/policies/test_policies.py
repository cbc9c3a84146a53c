"""Policies: each one does what it says, records its arguments, and rejects bad arguments."""

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.policies import (
    Bailout,
    ImplicitGuarantee,
    LenderOfLastResort,
    LoanGuarantee,
    Policy,
    PolicyError,
    RescueMerger,
    from_name,
)
from tests.conftest import MINI

LAB_BURNS = {"institutions.lab.opex": 60.0, "institutions.lab.cash": 5.0}


def _run(policies, path="disproven", months=60, **kw):
    return ac.Sim(MINI, productivity=path, seed=3, months=months, policies=policies, check_invariants=True, **kw).run()


def test_registry_builds_every_policy_and_none():
    assert from_name("none") == []
    for name in ("implicit_guarantee", "loan_guarantee", "bailout", "lender_of_last_resort", "rescue_merger"):
        (p,) = from_name(name)
        assert isinstance(p, Policy) and p.name == name
    with pytest.raises(PolicyError, match="unknown policy"):
        from_name("helicopter_money")


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: ImplicitGuarantee(kinds=("hedge_fund",)), "unknown kind"),
        (lambda: Bailout(budget=-1), "budget"),
        (lambda: Bailout(threshold=0.1, target=0.05), "below threshold"),
        (lambda: LenderOfLastResort(haircut=1.5), "haircut"),
        (lambda: ImplicitGuarantee(start=10, end=5), "before start"),
    ],
)
def test_bad_arguments_are_rejected_when_built(make, match):
    with pytest.raises(PolicyError, match=match):
        make()


def test_unknown_targets_are_rejected_when_the_sim_is_built():
    with pytest.raises(PolicyError, match="unknown institution 'nobody'"):
        ac.Sim(MINI, policies=[ImplicitGuarantee(ids=("nobody",))])
    with pytest.raises(PolicyError, match="unknown debt contract"):
        ac.Sim(MINI, policies=[LoanGuarantee(contracts=("no_such_loan",))])


def test_repr_records_arguments():
    p = Bailout(kinds=("bank",), budget=100.0, start=3)
    assert repr(p) == "Bailout(start=3, kinds=('bank',), threshold=0.03, target=0.06, budget=100.0)"
    sim = ac.Sim(MINI, months=2, policies=[p])
    assert sim.pars["policies"] == [repr(p)]


def test_implicit_guarantee_lowers_spreads_rolls_debt_and_raises_investment():
    base = _run([], path="base", months=24)
    pol = _run([ImplicitGuarantee(kinds=("neocloud",))], path="base", months=24)
    neo = base.model.state.registry.ids.index("neo")
    assert pol.model.state.credit.spread[neo] < base.model.state.credit.spread[neo]
    assert pol.model.state.credit.always_rolls[neo]
    assert pol.model.state.credit.investment_multiplier[neo] > 1.0
    # the guarantee contracts cover the neocloud's debt
    c = pol.model.state.contracts
    covered = c.covers[(c.ctype == 10) & c.active]
    assert set(c.obligor[covered]) == {neo}


def test_guarantee_pays_creditors_and_costs_the_government():
    # the lab burns through its cash and defaults; its (hypothetical) loan is guaranteed
    sim = _run([ImplicitGuarantee(kinds=("ai_lab",))], **LAB_BURNS, **{"institutions.lab.ext_liabilities": 0.0})
    assert "default" in set(sim.events["event"])
    gov = sim.model.state.registry.members[Kind.GOVERNMENT]
    # money is conserved: what the government paid it raised by issuing Treasury debt
    assert sim.model.state.books.ext_liab[gov].sum() >= 0
    assert sim.summary["fiscal_cost"] >= 0


def test_bailout_injects_capital_within_budget():
    # the test system's bank runs at about 7% equity / assets: a 10% threshold makes it eligible
    sim = _run([Bailout(kinds=("bank",), threshold=0.10, target=0.12, budget=3.0)])
    ev = sim.events[sim.events.event == "bailout"]
    assert len(ev) >= 1 and ev["amount"].sum() == pytest.approx(3.0)
    c = sim.model.state.contracts
    gov = sim.model.state.registry.members[Kind.GOVERNMENT][0]
    assert ((c.creditor == gov) & (c.ctype == 6)).any()  # the government holds equity


def test_lender_of_last_resort_stops_a_liquidity_default_not_insolvency():
    # a solvent neocloud with no cash and a loan due now: the central bank lends against its GPUs
    over = {
        "institutions.neo.cash": 0.0,
        "contracts.neo_loan.maturity": "2025-02",
        "contracts.neo_loan.amortising": False,
        "contracts.neo_loan.rolls": False,
        "contracts.neo_line.limit": 1.0,  # no undrawn credit line, no equity or bond market
        "behaviour.neocloud.outside_capacity": 0.0,
        "behaviour.neocloud.bond_share": 0.0,
    }
    without = _run([], path="base", months=6, **over)
    with_lolr = _run([LenderOfLastResort(kinds=("neocloud",))], path="base", months=6, **over)
    assert "neo" in set(without.events.loc[without.events.event == "default", "institution"])
    assert "neo" not in set(with_lolr.events.loc[with_lolr.events.event == "default", "institution"])
    assert (with_lolr.events.event == "lender_of_last_resort").any()


def test_policy_window():
    sim = _run([ImplicitGuarantee(kinds=("neocloud",), start=2, end=5)], path="base", months=12)
    neo = sim.model.state.registry.ids.index("neo")
    assert not sim.model.state.credit.always_rolls[neo]  # the belief ended with the window
    assert np.isclose(sim.model.state.credit.investment_multiplier[neo], 1.0)


def test_rescue_merger_checks_its_arguments_and_its_window():
    with pytest.raises(PolicyError, match="tenor_months"):
        RescueMerger(tenor_months=0)
    with pytest.raises(PolicyError):
        RescueMerger(budget=-1.0)
    with pytest.raises(PolicyError):
        RescueMerger(acquirer_distress=1.5)
    kw = {"scenario": "bank_2008", "seed": 0, "months": 16, "channels": {"price_impact": False}}
    shut = ac.Sim(policies=[RescueMerger(start=1000)], check_invariants=True, **kw).run().events
    assert "run" in set(shut.event) and "rescue_merger" not in set(shut.event)  # the window has not opened
    open_ = ac.Sim(policies=[RescueMerger()], check_invariants=True, **kw).run().events
    rescued = open_[open_.event == "rescue_merger"]
    assert len(rescued) and (rescued["day"] > 0).all()  # March 2008, inside the month's sub-steps
