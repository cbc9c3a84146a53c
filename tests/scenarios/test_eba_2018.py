"""The EBA 2018 banks as a scenario: generated from the data, cited, at rest until the shock."""

import aicontagion as ac
from aicontagion.scenarios import generate_eba_2018 as gen
from aicontagion.scenarios.citations import check_file


def test_file_is_generated_from_the_data():
    assert gen.OUT.read_text() == gen.expected_text(), "run: python -m aicontagion.scenarios.generate_eba_2018"
    assert not check_file(gen.OUT)


def test_48_banks_with_the_open_model_sheets():
    spec = ac.load_scenario("eba_2018")
    banks = [i for i in spec.institutions if i.kind == "bank"]
    assert len(banks) == 48
    at01 = next(i for i in banks if i.id == "at01")
    # AT01: CET1 14,712 EUR mn at 6.55% leverage -> assets 224,610 EUR mn; gov bonds 13 + 27,682
    assert at01.equity == round(14712 * 1.18 / 1000, 6)
    assert abs(at01.holdings["gov_bonds"] - 27695 * 1.18 / 1000) < 1e-6
    assert abs(at01.cash - 0.05 * 14712 / 0.0655 * 1.18 / 1000) < 1e-6


def test_at_rest_until_the_government_bond_shock():
    sim = ac.Sim("eba_2018", seed=1, months=6, check_invariants=True).run()
    ev = sim.events
    assert ev.empty or ev["step"].min() >= 2  # nothing happens in January; the shock is in February
    assert (ev["event"] == "fire_sale").any()
