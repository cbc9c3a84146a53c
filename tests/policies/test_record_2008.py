"""The 2008 interventions bundle: dates, eligibility, and what each piece does on bank_2008."""

from __future__ import annotations

import pytest

from aicontagion.model import ContagionModel
from aicontagion.network.contracts import ContractType
from aicontagion.policies import (
    Bailout,
    ImplicitGuarantee,
    LenderOfLastResort,
    PolicyError,
    RescueMerger,
    from_name,
    record_2008,
)
from aicontagion.policies.record_2008 import RECORD_2008, month_index
from aicontagion.scenarios.citations import calibration_rows


def test_the_bundle_is_the_existing_classes_at_their_dates():
    bundle = record_2008()  # bank_2008 starts in 2007-01
    assert [type(p) for p in bundle] == [
        RescueMerger,
        LenderOfLastResort,
        ImplicitGuarantee,
        LenderOfLastResort,
        Bailout,
    ]
    assert [p.start for p in bundle] == [14, 14, 20, 20, 21]  # Mar 2008, Mar, Sep, Sep, Oct
    pdcf, guarantee, amlf, tarp = bundle[1], bundle[2], bundle[3], bundle[4]
    assert pdcf.repo_borrowers and pdcf.start_day == 17 and pdcf.penalty == 0.0025
    assert guarantee.kinds == ("money_market_fund",) and guarantee.end == 32  # to September 2009
    assert pdcf.end == amlf.end == 36  # both closed on 1 February 2010
    assert amlf.kinds == ("money_market_fund",) and amlf.haircut == 0.0
    assert tarp.args["budget"] == 250.0
    assert repr(from_name("record_2008")) == repr(bundle)
    rows = calibration_rows()
    for name, (_, rng, source) in RECORD_2008.items():  # every number cited or assumed with a range
        assert source.startswith("assumed") == (rng is not None), name
        if not source.startswith("assumed"):  # CAL <section>/<quantity> (a note in brackets)
            section, quantity = source.removeprefix("CAL ").split(" (")[0].lower().split("/")
            assert any(q.startswith(quantity) for s, qs in rows.items() if s.startswith(section) for q in qs), name


def test_dates_and_overrides_are_checked():
    assert month_index("2008-09", "2007-01") == 20
    assert record_2008("2008-01")[0].start == 2
    assert record_2008(tarp_budget=0.0)[4].args["budget"] == 0.0
    with pytest.raises(PolicyError, match="unknown setting"):
        record_2008(tarp_budgte=1.0)
    with pytest.raises(PolicyError, match="before the scenario's start"):
        record_2008("2009-01")
    with pytest.raises(PolicyError, match="start_day"):
        LenderOfLastResort(start_day=40)


def test_the_pdcf_lends_to_the_primary_dealers_only():
    pdcf = LenderOfLastResort(repo_borrowers=True)
    m = ContagionModel("bank_2008", seed=0, policies=[pdcf])
    s, c = m.state, m.state.contracts
    repo = c.rows_of(ContractType.REPO)
    assert set(pdcf.rows) == set(c.obligor[repo]) and pdcf.rows.size == 20  # the 20 dealers
    assert not [i for i in pdcf.rows if s.registry.ids[i].startswith("bank_")]  # no periphery bank


def test_the_pdcf_opens_on_its_day():
    pdcf = LenderOfLastResort(repo_borrowers=True, start=2, start_day=17)
    m = ContagionModel("bank_2008", seed=0, policies=[pdcf])
    s = m.state
    s.month = 2
    need = s.books.cash + 10.0  # every dealer 10 short
    s.events.day = 15
    pdcf.liquidity_substep(s, need)
    assert not [e for e in s.events.rows if e["event"] == "lender_of_last_resort"]
    s.events.day = 22
    pdcf.liquidity_substep(s, need)
    assert len([e for e in s.events.rows if e["event"] == "lender_of_last_resort"]) == 20


def test_without_the_interventions_the_funds_are_run_with_them_none_is():
    funds = {"mmf_0", "mmf_1", "mmf_2", "mmf_3", "reserve_primary"}

    def runs(policies):
        m = ContagionModel("bank_2008", seed=0, policies=policies).run(26)
        return {e["event"] for e in m.events if e["institution"] in funds} & {"redemption", "broke_the_buck"}

    assert runs([]) == {"redemption", "broke_the_buck"}  # Lehman's default breaks every fund (Oct 2008)
    assert runs(record_2008()) == set()
