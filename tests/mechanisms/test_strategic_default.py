"""The customer's rule: closed-form present values and the walk-away condition."""

import numpy as np
import pytest

from aicontagion.core.decisions import Decisions
from aicontagion.mechanisms.strategic_default import (
    appraise,
    kept_next,
    kept_values,
    pv_growing,
    review_commitments,
    strategic_value,
)
from tests.mechanisms.conftest import contract, row


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


def _derived(state):
    rules = state.spec.resolution.model_copy(update={"strategic_value": "derived"})
    state.spec = state.spec.model_copy(update={"resolution": rules})
    state.operations.strategic_value, state.operations.valued_at_signing = strategic_value(state)


def _pv(months, rate):
    return sum((1.0 + rate) ** (-k / 12.0) for k in range(1, int(months) + 1))


def test_derived_strategic_value_is_the_replacement_cost_at_market_rent(state):
    """kappa is gone: the tenant keeps the larger of its AI value and what the capacity it uses would
    cost to replace at today's market rent, by hand."""
    _derived(state)
    assert np.all(state.operations.strategic_value == 1.0)
    lease, giant = contract(state, "spv_lease"), row(state, "giant")
    assert state.operations.valued_at_signing[lease]
    state.month = 13
    state.snapshot.debt = state.books.liabilities(state.contracts)
    state.ai.demand_state.rent_index = 0.5
    c = state.contracts
    a = appraise(state, np.array([lease]), 13)
    disc = state.registry.params["tech_giant"]["discount_rate"][giant]
    market = 0.5 * state.ai.usage
    assert a["replace_pv"][0] == pytest.approx(c.payment[lease] * market * _pv(59 - 13 + 1, disc), rel=1e-9)
    now, nxt = kept_values(state, a)
    assert now[0] == pytest.approx(max(a["value_pv"][0], a["replace_pv"][0], a["sublet_pv"][0]))
    assert nxt[0] == pytest.approx(max(a["next_val"][0], a["next_replace"][0], a["next_sublet"][0]))


@pytest.mark.parametrize("rent, leaves", [(0.5, True), (1.2, False)])
def test_derived_rule_does_not_renew_above_market_rent(state, rent, leaves):
    """At the renewal date the tenant renews while the contract rent is at most what the capacity
    would cost at market rent (no guarantee to pay early), and leaves when the market is cheaper."""
    _derived(state)
    lease, giant = contract(state, "spv_lease"), row(state, "giant")
    state.contracts.rvg[lease] = 0.0
    state.month = 59  # the end of the first renewal term
    state.snapshot.debt = state.books.liabilities(state.contracts)
    state.ai.demand_state.rent_index = rent
    state.books.cash[giant] = 1e3
    a = appraise(state, np.array([lease]), 59)
    assert a["at_renewal"][0]
    d = Decisions()
    review_commitments(state, np.array([giant]), d, "strategic_default")
    events = {(r, what) for r, what, _ in d.terminations}
    assert ((lease, "non_renewal") in events) == leaves
    assert leaves == (a["next_pay"][0] > max(a["next_val"][0], a["next_replace"][0]))


@pytest.mark.parametrize("derived", [False, True])
def test_the_renewal_appraisal_is_the_full_one_cut_short(state, derived):
    """appraise(walk=False), what the valuation's renewal probability reads, gives the same numbers
    for every key it returns, and kept_next the renewal half of kept_values, bit for bit."""
    if derived:
        _derived(state)
    state.month = 13
    state.snapshot.debt = state.books.liabilities(state.contracts)
    state.ai.demand_state.rent_index = 0.7
    rows = state.contracts.executory_rows
    full, short = appraise(state, rows, 13), appraise(state, rows, 13, walk=False)
    assert set(short) < set(full)
    for key, value in short.items():
        assert np.array_equal(value, full[key]), key
    assert np.array_equal(kept_next(state, short), kept_values(state, full)[1])


def test_the_customers_stake_in_its_provider_follows_new_stakes_and_shares(state):
    """The stakes sorted by (holder, issuer) are kept with the structure; the share found must be
    what a search of the table finds, after a share changes and after a new stake is written."""
    from aicontagion.mechanisms.strategic_default import _stake_in_provider
    from aicontagion.network.contracts import ContractType

    c, n = state.contracts, state.n
    pairs = np.array([(i, j) for i in range(n) for j in range(-1, n)])

    def brute():
        rows = c.stake_rows
        out = np.zeros(len(pairs))
        for k, (i, j) in enumerate(pairs):
            mine = rows[(c.creditor[rows] == i) & (c.obligor[rows] == j)]
            out[k] = c.share[mine[0]] if mine.size and j >= 0 else 0.0
        return out

    assert np.array_equal(_stake_in_provider(state, pairs[:, 0], pairs[:, 1]), brute())
    c.share[c.stake_rows[0]] *= 0.5
    assert np.array_equal(_stake_in_provider(state, pairs[:, 0], pairs[:, 1]), brute())
    holder, issuer = 0, n - 1
    if not ((c.creditor[c.stake_rows] == holder) & (c.obligor[c.stake_rows] == issuer)).any():
        c.add(ContractType.EQUITY, holder, issuer, share=0.3, principal=1.0)
    got = _stake_in_provider(state, pairs[:, 0], pairs[:, 1])
    assert np.array_equal(got, brute()) and got[(pairs[:, 0] == holder) & (pairs[:, 1] == issuer)].item() > 0
