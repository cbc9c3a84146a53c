"""The 2008 bank-contagion scenario: generated reproducibly, cited, and a fast funding crisis."""

import aicontagion as ac
from aicontagion.scenarios import generate_bank_2008 as gen
from aicontagion.scenarios.citations import check_file


def test_file_is_generated_from_its_parameters():
    assert gen.OUT.read_text() == gen.render(gen.build()), "run: python -m aicontagion.scenarios.generate_bank_2008"


def test_every_number_is_cited():
    assert not check_file(gen.OUT)
    assert all(src for _, src in gen.PARAMS.values())


def test_structure():
    spec = ac.load_scenario("bank_2008")
    kinds = [i.kind for i in spec.institutions]
    assert kinds.count("bank") >= 120 and kinds.count("money_market_fund") >= 1
    types = {c.type for c in spec.contracts}
    assert {"repo", "interbank", "loan"} <= types
    assert any(m.shocks for m in spec.markets.values())


def test_the_mbs_repricing_becomes_a_funding_run():
    sim = ac.Sim("bank_2008", seed=1, months=30, check_invariants=True).run()
    ev = sim.events
    for event in ("margin_call", "run", "fire_sale", "default"):
        assert (ev["event"] == event).any(), event
    first_call = ev.loc[ev.event == "margin_call", "step"].min()
    first_default = ev.loc[ev.event == "default", "step"].min()
    assert first_call < first_default  # haircuts widen before the dealers fail


def _dealer_events(sim, event):
    ev = sim.events
    ev = ev[(ev.event == event) & (ev.kind == "bank") & ~ev.institution.str.startswith("bank_")]
    return ev.assign(month=ev["date"].astype(str).str[:7])


def test_partial_adjustment_takes_the_dealers_through_march_2008():
    # instant leverage targeting: the March 2008 step's sales run the sector into default
    instant = ac.Sim("bank_2008", seed=0, months=16, behaviour__bank__leverage_adjustment=1.0).run()
    failed = _dealer_events(instant, "default")
    assert failed.month.min() == "2008-03" and failed.institution.nunique() >= 15
    # the shipped speed (0.2 a month): a fifth of the gap sold in March, no dealer default by April
    slow = ac.Sim("bank_2008", seed=0, months=16).run()
    sales = _dealer_events(slow, "fire_sale")
    assert (sales.cause == "leverage").any()
    assert _dealer_events(slow, "default").empty
