"""The implicit guarantee's investment response is set when the guarantee starts and can never
rise because a borrower's own distress rose (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.policies.guarantees import MAX_INVESTMENT_MULTIPLIER, ImplicitGuarantee, investment_response


def test_the_response_formula_and_its_cap():
    s = np.array([0.02, 0.05, 0.5])
    m = investment_response(s, 0.8, 0.042, 1.0)
    np.testing.assert_allclose(m[:2], (0.042 + s[:2]) / (0.042 + 0.2 * s[:2]))
    assert m[2] == MAX_INVESTMENT_MULTIPLIER  # a very wide spread does not buy unbounded capex


def test_distress_after_the_start_does_not_raise_investment():
    policy = ImplicitGuarantee(kinds=["neocloud"])
    sim = ac.Sim("ai_2025", productivity="base", seed=1, months=3, policies=[policy])
    model = sim.build()
    for _ in range(3):
        model.step()
    s = model.state
    rows = policy.rows
    before = s.credit.investment_multiplier[rows].copy()
    assert (before > 1.0).all()
    s.lifecycle.distress[rows] = 0.9  # the borrowers' own distress soars ...
    s.credit.spread[rows] += 0.2  # ... and with it their market spreads
    policy.adjust_funding(s)
    np.testing.assert_array_equal(s.credit.investment_multiplier[rows], before)


def test_over_a_whole_run_the_multiplier_is_constant():
    policy = ImplicitGuarantee(kinds=["neocloud", "spv"])
    model = ac.Sim("ai_2025", productivity="disproven", seed=1, months=1, policies=[policy]).build()
    seen = []
    for _ in range(60):
        model.step()
        seen.append(model.state.credit.investment_multiplier[policy.rows].copy())
    seen = np.array(seen)
    np.testing.assert_array_equal(seen, np.broadcast_to(seen[0], seen.shape))
    assert seen.max() <= MAX_INVESTMENT_MULTIPLIER and seen.min() >= 1.0 - 1e-12


@pytest.mark.parametrize("start", [0, 6])
def test_the_multiplier_is_taken_when_the_guarantee_starts(start):
    policy = ImplicitGuarantee(kinds=["neocloud"], start=start)
    model = ac.Sim("ai_2025", productivity="slow", seed=2, months=1, policies=[policy]).build()
    for _ in range(start + 2):
        model.step()
    assert hasattr(policy, "multiplier") and (model.state.credit.investment_multiplier[policy.rows] > 1).all()
