"""Losses counted once at their bearers: the identity of docs/model.md (section 7.18) on every path."""

from __future__ import annotations

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.results.metrics import listed_inside_share, loss_identity, outside_share


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
