"""The seed analysis's back-of-envelope hurdle (SEED_NOTES section 3)."""

import numpy as np
import pytest

from aicontagion.results.hurdle import hurdle, required_roi
from aicontagion.scenarios.loader import load_scenario


def test_reproduces_the_seed_numbers():
    h = hurdle(capex=3000, roi=0.12, ebitda_margin=0.65, gdp=29_000)
    assert h.ebitda == pytest.approx(360.0)  # 3T x 12%
    assert h.revenue == pytest.approx(553.8, abs=0.1)  # "about $550B of revenue"
    assert round(h.share_of_gdp, 3) == 0.019  # "about 1.9% of US GDP"
    assert 1.0 < h.cloud_industries < 2.0  # "one or two more cloud industries" (cloud ~400bn in 2025)


def test_required_roi_is_the_weighted_cost_of_capital():
    # SEED §3: equity:debt 3:7 at a 20%+ equity return and 6-9% debt -> about 12-13%
    assert required_roi(0.09, 0.3, 0.2) == pytest.approx(0.123)
    assert required_roi(0.06, 0.3, 0.25) == pytest.approx(0.117)
    h = hurdle()  # the defaults: 3:7 at 20% with the debt cost that gives the seed's 12%
    assert h.roi == pytest.approx(0.12)
    assert 0.06 <= (h.roi - 0.3 * 0.2) / 0.7 <= 0.09
    assert hurdle(equity_share=1.0, equity_return=0.2, debt_cost=0.05).roi == pytest.approx(0.2)
    assert hurdle(equity_share=0.0, equity_return=0.2, debt_cost=0.05).roi == pytest.approx(0.05)


def test_matches_the_scenario_hurdle():
    spec = load_scenario("ai_2025").productivity.hurdle
    h = hurdle(capex=spec.capex, roi=spec.roi, ebitda_margin=spec.ebitda_margin)
    assert h.revenue == pytest.approx(spec.revenue)


def test_broadcasts_over_arrays():
    d = np.array([0.05, 0.07, 0.09])
    h = hurdle(debt_cost=d[:, None], equity_share=np.array([0.2, 0.4])[None, :])
    assert h.revenue.shape == (3, 2)
    assert np.all(np.diff(h.revenue, axis=0) > 0)  # dearer debt, higher hurdle
    assert np.all(np.diff(h.revenue, axis=1) > 0)  # more equity at 20% > debt cost, higher hurdle
    np.testing.assert_allclose(h.share_of_gdp, h.revenue / 29_000)
