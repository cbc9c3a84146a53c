"""Settlement: capital calls move value to the payers exactly; booked payments keep books balanced."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion.core.invariants import check_books
from aicontagion.mechanisms.settlement import capital_calls
from tests.mechanisms.conftest import contract, row


def test_a_capital_call_carries_the_payer_up_by_what_it_paid(state):
    """Hand-worked: issuer equity E, call X from one holder: its share becomes
    (s E + X) / (E + X), the others' s E / (E + X); each holder's value changes by what it paid."""
    c, b = state.contracts, state.books
    lab = row(state, "lab")
    call = contract(state, "chips_lab")  # chips holds 10% with 30 uncalled
    other = contract(state, "giant_lab")  # giant holds 30%
    E = b.equity[lab]
    s_call, s_other = c.share[call], c.share[other]
    cash_chips = b.cash[row(state, "chips")]
    capital_calls(b, c, np.array([call]), np.array([5.0]))
    assert c.share[call] == pytest.approx((s_call * E + 5.0) / (E + 5.0))
    assert c.share[other] == pytest.approx(s_other * E / (E + 5.0))
    assert c.uncalled[call] == pytest.approx(25.0)
    assert b.cash[row(state, "chips")] == pytest.approx(cash_chips - 5.0)
    assert b.equity[lab] == pytest.approx(E + 5.0)
    assert c.share[other] * b.equity[lab] == pytest.approx(s_other * E)  # the others' value is unchanged
    check_books(state, "test")
