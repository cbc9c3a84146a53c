"""AI demand: the hurdle, the paths, expectations and the GPU rental index."""

import numpy as np
import pytest

from aicontagion.mechanisms.ai_revenue import Demand, path_revenue, projected_path, value_ratio
from aicontagion.scenarios.loader import load_scenario
from aicontagion.scenarios.schema import Compute, Hurdle, PathSpec, Productivity
from tests.conftest import MINI


def test_hurdle_is_the_seed_back_of_envelope():
    # SEED_NOTES section 3: 3T x 12% = 360 EBITDA; / 65% margin = ~554 revenue
    assert Hurdle().revenue == pytest.approx(3000 * 0.12 / 0.65)
    assert 550 < Hurdle().revenue < 560


def test_path_starts_at_initial_and_tends_to_ceiling():
    spec = load_scenario(MINI)
    p = spec.productivity
    for path in p.paths.values():
        r = path_revenue(path, p, spec.start, np.array([0, 2400]))
        assert r[0] == pytest.approx(p.initial_revenue)
        if path.decline == 0:
            assert r[1] == pytest.approx(path.ceiling * p.hurdle.revenue, rel=1e-3)


def test_decline_after_midpoint():
    p = Productivity(default="d", paths={"d": PathSpec(ceiling=0.2, midpoint="2026-01", decline=0.1)})
    r = path_revenue(p.paths["d"], p, "2025-01", np.array([120, 132]))
    assert r[1] == pytest.approx(r[0] * 0.9, rel=1e-3)


def _demand(utilisation=0.8, delay=0):
    p = Productivity(
        noise_sigma=0.0, default="flat", paths={"flat": PathSpec(ceiling=60 / Hurdle().revenue, midpoint="2025-06")}
    )
    c = Compute(initial_utilisation=utilisation, power_delay_months=delay)
    return Demand(p, c, p.paths["flat"], "2025-01", np.random.default_rng(0))


def test_rent_index_falls_when_capacity_outruns_revenue():
    d = _demand()
    s0 = d.state
    for m in range(12):
        s = d.advance(m, capex_spent=50.0)  # heavy capex, flat revenue
    assert s.capacity > s0.capacity
    assert s.rent_index < 1.0
    assert s.utilisation < s0.utilisation


def test_power_delay_holds_capacity_in_the_pipeline():
    d = _demand(delay=6)
    d.advance(0, capex_spent=100.0)
    assert d.state.pipeline == pytest.approx(100.0 * d.capacity_per_capex)
    for m in range(1, 7):
        d.advance(m, capex_spent=0.0)
    assert d.state.pipeline == pytest.approx(0.0)


def test_expectations_learn_from_realised_growth():
    d = _demand()
    g0 = d.growth
    for m in range(36):
        d.advance(m, 0.0)  # revenue is flat: expected growth decays toward zero
    assert abs(d.growth) < abs(g0) * 0.1


def test_ai_2025_rent_elasticity_maps_the_2023_25_glut_to_the_h100_rent_fall():
    """docs/calibration.md (GPU economics, rent elasticity): supply x8.7 (cumulative Nvidia
    data-centre revenue, mid-2023 to mid-2025) against demand doubling a year for 2.25 years
    lowers utilisation to 0.55 of its start; the scenario's elasticity must turn that into the
    H100's fall from ~8 to ~1.70 $/hour (a factor 0.21), within a tenth."""
    eps = load_scenario("ai_2025").compute.rent_elasticity
    supply = (15.0 + 4.28 + 10.32 + 14.51 + 18.40 + 115.2 + 39.1 + 41.1) / (15.0 + 4.28 + 10.32)
    demand = 2.0**2.25
    assert (demand / supply) ** eps == pytest.approx(1.70 / 8.0, rel=0.1)


def test_value_ratio_is_one_on_the_priced_in_path():
    # revenue and its growth exactly as projected at the opening: nothing to reprice
    r0, g0, h, t = 80.0, np.log(2.0) / 12, 60.0, 24
    r_t = float(projected_path(r0, g0, h, np.array([t]))[0])
    g_t = g0 * np.exp(-t / (h / 2))
    assert value_ratio(r_t, g_t, t, r0, g0, h, 0.09) == pytest.approx(1.0, rel=1e-9)


def test_revenue_growing_slower_than_priced_in_lowers_the_price():
    # revenue grows 20% a year for two years where doubling was priced in: it grew, the price falls
    r0, g0, h = 80.0, np.log(2.0) / 12, 60.0
    g = np.log(1.2) / 12
    r_t = r0 * np.exp(24 * g)
    assert r_t > r0
    ratio = value_ratio(r_t, g, 24, r0, g0, h, 0.09)
    assert ratio < 1.0
    # and faster than priced in raises it
    assert value_ratio(r0 * 5, g0, 24, r0, g0, h, 0.09) > 1.0


def test_demand_reports_the_value_ratio_and_equity_follows_it():
    # a flat path where 100% growth was priced in: revenue holds, the priced-in path runs away
    p = Productivity(
        noise_sigma=0.0,
        initial_growth=1.0,
        default="flat",
        paths={"flat": PathSpec(ceiling=60 / Hurdle().revenue, midpoint="2025-06")},
        initial_revenue=60.0,
    )
    d = Demand(p, Compute(), p.paths["flat"], "2025-01", np.random.default_rng(0))
    assert d.state.value_ratio == pytest.approx(1.0)
    for m in range(12):
        s = d.advance(m, 0.0)
    assert s.value_ratio < 0.8
    assert s.revenue == pytest.approx(60.0)
