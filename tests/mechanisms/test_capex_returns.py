"""The capex rule's return test: what a builder orders answers to the return on its own fleet."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.mechanisms import capex_returns
from aicontagion.mechanisms.order_book import wanted_capex
from aicontagion.model import ContagionModel

MINI = "tests/data/mini.yaml"
LEADS = {"compute.gpu_lead_months": 3, "compute.build_lead_months": 6}
OWN = {"compute.capex_rule": "own_return"}


def test_the_opening_fleet_is_own_gpus_and_buildings_plus_the_leased_share_of_the_landlords():
    m = ContagionModel(MINI, seed=1, **LEADS, **OWN)
    s = m.state
    ids = list(s.registry.ids)
    giant, neo, spv = ids.index("giant"), ids.index("neo"), ids.index("spv")
    fleet = s.operations.fleet
    gpu = s.registry.gpu_class
    price = s.markets.marked_price[gpu]
    own = s.books.facility[giant] + s.books.holdings[giant, gpu] * price
    # the giant is the SPV's only tenant, so it counts the SPV's whole facility (27)
    assert fleet.opening[giant] == pytest.approx(own + s.books.facility[spv])
    assert fleet.opening[neo] == pytest.approx(s.books.facility[neo] + s.books.holdings[neo, gpu] * price)
    assert fleet.opening[spv] == 0.0  # not a builder


def test_one_month_of_wear_and_additions_is_exact():
    m = ContagionModel(MINI, seed=1, **LEADS, **OWN)
    s = m.state
    life = s.spec.compute.useful_life_years * 12.0
    m.step()
    now, added = s.operations.fleet.now.copy(), s.operations.fleet.added.copy()
    assert added.sum() > 0  # the builders paid for deliveries
    m.step()
    assert s.operations.fleet.now == pytest.approx(now * (1 - 1 / life) + added)


def test_a_builder_whose_fleet_doubled_wants_half_as_much_at_elasticity_one():
    m = ContagionModel(MINI, seed=1, **LEADS, **OWN, **{"behaviour.tech_giant.capex_elasticity": 1.0})
    s = m.state
    giant = list(s.registry.ids).index("giant")
    m.step()
    fleet = s.operations.fleet
    fleet.now[:] = fleet.opening
    at_opening = wanted_capex(s, 3)[giant]
    assert at_opening > 0
    fleet.now[giant] = 2.0 * fleet.opening[giant]
    assert capex_returns.return_ratio(s)[giant] == pytest.approx(0.5)
    assert wanted_capex(s, 3)[giant] == pytest.approx(0.5 * at_opening)


def test_under_the_sentiment_rule_the_fleet_is_tracked_but_the_factor_is_one():
    m = ContagionModel(MINI, seed=1, **LEADS)
    m.step()
    m.step()
    assert m.state.operations.fleet.now.sum() > 0
    assert np.all(capex_returns.return_ratio(m.state) == 1.0)
    assert capex_returns.outside_ratio(m.state) == 1.0


def test_the_return_test_cuts_the_build_out_when_capacity_outruns_revenue_and_the_books_balance():
    # a plan growing 50% a year on the disproven path: the test orders less than the sentiment rule
    over = {**LEADS, "compute.capex_growth": 0.5}
    spent = {}
    for rule in ("sentiment", "own_return"):
        m = ContagionModel(
            MINI,
            productivity="disproven",
            seed=1,
            check_invariants=True,
            months=60,
            **over,
            **{"compute.capex_rule": rule},
        )
        total = 0.0
        for _ in range(60):
            m.step()
            total += m.state.operations.capex_spent
        spent[rule] = total
    assert spent["own_return"] < spent["sentiment"]


def test_outside_builders_answer_to_the_systems_capacity():
    m = ContagionModel(MINI, seed=1, **LEADS, **OWN)
    s = m.state
    for _ in range(12):
        m.step()
    want = s.ai.demand.initial.capacity / s.ai.demand_state.capacity
    assert capex_returns.outside_ratio(s) == pytest.approx(want)
    assert capex_returns.outside_response(s) == pytest.approx(min(max(s.ai.committed_sentiment_ratio * want, 0.0), 2.0))
