"""The customer's rule: closed-form present values and the walk-away condition."""

import numpy as np
import pytest

from aicontagion.mechanisms.strategic_default import pv_growing


def _brute(months, g, h, rate):
    d = (1 + rate) ** (-1 / 12)
    total = 0.0
    for m in range(1, months + 1):  # the flow paid at the end of month m has grown for min(m, h) months
        total += np.exp(g * min(m, h)) * d**m
    return total


@pytest.mark.parametrize(
    "months, g, h, rate",
    [(48, 0.0, 0, 0.08), (120, 0.02, 60, 0.1), (30, -0.01, 40, 0.05), (240, 0.005, 12, 0.2), (12, 0.03, 12, 0.0)],
)
def test_pv_growing_matches_the_sum(months, g, h, rate):
    assert pv_growing(months, g, h, rate) == pytest.approx(_brute(months, g, h, rate), rel=1e-9)


def test_annuity_is_the_textbook_formula():
    r = 1.08 ** (1 / 12) - 1
    assert pv_growing(48, 0.0, 0, 0.08) == pytest.approx((1 - (1 + r) ** -48) / r)
