"""Losses counted once at their bearers: the identity of docs/model.md (section 7.18) on every path."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.books import Books
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.markets import Markets
from aicontagion.network.contracts import ContractTable
from aicontagion.results.metrics import listed_inside_share, loss_identity, outside_share
from aicontagion.scenarios.schema import MarketSpec


@pytest.fixture(scope="module", params=["fast", "base", "slow", "disproven"])
def finished(request):
    return ac.Sim("ai_2025", productivity=request.param, seed=1, months=240).run()


def test_losses_at_final_bearers_reconcile_with_equity_and_outside_claims(finished):
    state = finished.model.state
    terms = loss_identity(state)
    # net losses at final bearers, from the P&L ledger, equal the same from the balance sheets
    assert terms["net_borne"] == pytest.approx(terms["equity_side"], rel=1e-9, abs=1e-6)
    # the inside share of every live issuer's equity is carried by its modelled holders
    assert terms["stake_gap"] < 1e-6
    # the holder table adds up to the headline loss, which is gross of gains (never below net)
    assert terms["by_holder_sum"] == pytest.approx(terms["gross_borne"], rel=1e-12)
    assert terms["gross_borne"] == pytest.approx(finished.summary["total_loss"], rel=1e-9)
    assert sum(finished.summary["losses_by_holder_kind"].values()) == pytest.approx(terms["gross_borne"], rel=1e-9)
    assert terms["gross_borne"] >= terms["net_borne"] - 1e-9


def test_listed_companies_shareholders_are_not_counted_twice(finished):
    state = finished.model.state
    inside = listed_inside_share(state)
    assert 0.0 < inside < 1.0  # pensions, banks and ETFs hold part of the listed class
    share = outside_share(state)
    giants = state.registry.kind == int(Kind.TECH_GIANT)
    assert np.all(share[giants] <= 1.0 - inside + 1e-12)
    c = state.contracts
    rows = np.flatnonzero(c.is_stake & (c.creditor >= 0) & (c.obligor >= 0))
    stakes = np.bincount(c.obligor[rows], weights=c.share[rows], minlength=state.n)
    labs = state.registry.kind == int(Kind.AI_LAB)  # not listed: only modelled stakes are inside
    np.testing.assert_allclose(share[labs], np.clip(1.0 - stakes[labs], 0.0, 1.0))
    np.testing.assert_allclose(share[giants], np.clip(1.0 - stakes[giants], 0.0, 1.0) * (1.0 - inside))


def test_outside_buyers_losses_are_recorded_once_on_what_they_bought():
    """Hand-worked: holder 0 sells 5 of its 10 units (holder 1 holds 30) at 5% of depth, impact 0.1.

    The buyers pay the midpoint 0.95 for units carried at 1: they gain 0.25 on the purchase (the
    seller's loss on the sale). The mark then falls to 0.9 for everyone: the buyers lose 5 x 0.1 on
    their 5 units, as the holders lose on theirs. Inside and outside together lose the 40 units'
    fall in value, 40 x 0.1, once; the sale only moved part of it outside.
    """
    spec = MarketSpec(depth=100.0, impact=0.1, impact_share=0.05, resilience=0.5, appraisal=1.0)
    mk, books, c = Markets(["a"], [spec]), Books(2, 1), ContractTable()
    books.holdings[:, 0] = [10.0, 30.0]
    books.equity[:] = books.holdings[:, 0]
    mk.clear_sales(books, c, np.array([[5.0], [0.0]]), np.zeros(0, int), np.zeros(0))
    buyers = books.external.buyer_losses
    assert books.external.units[0] == pytest.approx(5.0)
    assert buyers["fire_sale"] == pytest.approx(-0.25 + 5 * 0.1)
    inside = books.equity.sum() - 40.0
    assert inside - sum(buyers.values()) == pytest.approx(40 * (mk.marked_price[0] - 1.0))
    mk.relax(books, c)  # half the impact fades: the buyers' units recover with everyone's
    recovered = mk.marked_price[0] - 0.9
    assert buyers["fire_sale"] == pytest.approx(-0.25 + 5 * 0.1 - 5 * recovered)
    inside = books.equity.sum() - 40.0
    assert inside - sum(buyers.values()) == pytest.approx(40 * (mk.marked_price[0] - 1.0))


def test_outside_buyers_are_a_holder_in_the_table(finished):
    state = finished.model.state
    by_holder = finished.summary["losses_by_holder_kind"]
    assert by_holder["outside_buyers"] == pytest.approx(sum(state.books.external.buyer_losses.values()))
    assert state.books.external.units.sum() > 0  # something was sold to outside buyers on every path
