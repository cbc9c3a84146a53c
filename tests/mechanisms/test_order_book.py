"""The capex order book: orders delivered after their lead, paid or cancelled at a fee."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion import Sim
from aicontagion.mechanisms.order_book import OrderBook, opening_book, take_deliveries
from aicontagion.model import ContagionModel

MINI = "tests/data/mini.yaml"
LEADS = {"compute.gpu_lead_months": 3, "compute.build_lead_months": 6}


def test_opening_book_holds_the_lead_months_of_the_opening_plan():
    plan = np.array([10.0, 0.0, 4.0])
    book = opening_book(plan, np.array([True, True, False]), 0.5, 2, 4)
    # builder 0: 2 months of chips (5 each) and 4 of buildings (5 each); non-builder 2: nothing
    assert book.rows.tolist() == [0, 1] and book.gpu.shape == (2, 5)  # the rings hold the builders only
    assert book.gpu[0].tolist() == [5.0, 5.0, 0.0, 0.0, 0.0]
    assert book.build[0].tolist() == [5.0, 5.0, 5.0, 5.0, 0.0]
    assert book.outstanding == pytest.approx(30.0)


def test_orders_arrive_after_their_lead():
    m = ContagionModel(MINI, seed=1, check_invariants=True, **LEADS)
    book: OrderBook = m.state.operations.order_book
    giant = m.state.registry.ids.index("giant")
    placed = []
    for _ in range(8):
        m.step()
        placed.append(m.state.operations.capex_ordered[giant])
        if m.state.month >= 3:  # chips ordered 3 months ago arrive now
            share = m.state.spec.compute.gpu_share_of_capex
            assert book.due_gpu[giant] == pytest.approx(placed[m.state.month - 3] * share)
        if m.state.month >= 6:
            assert book.due_build[giant] == pytest.approx(placed[m.state.month - 6] * (1 - share))


def test_unaffordable_deliveries_are_cancelled_at_the_fee_and_the_books_balance():
    # a giant with no cash and no bond market must cancel, and owes the fee on what it cancels
    m = ContagionModel(
        MINI,
        seed=1,
        check_invariants=True,
        **LEADS,
        **{"compute.cancel_fee": 0.25, "funding.rollover_max_spread": 0.0, "institutions.giant.core_cash_flow": 10.0},
    )
    for _ in range(12):
        m.step()
    book = m.state.operations.order_book
    assert book.cancelled > 0
    assert book.fees == pytest.approx(0.25 * book.cancelled)
    assert book.cancelled_by.sum() == pytest.approx(book.cancelled)


def test_a_delivery_above_the_want_by_more_than_the_fee_is_cut_to_want_over_one_minus_fee():
    m = ContagionModel(MINI, seed=1, **LEADS)
    m.step()
    s = m.state
    book = s.operations.order_book
    rows = np.array([s.registry.ids.index("giant")])
    book.due_gpu[rows] = 60.0
    book.due_build[rows] = 40.0
    chips, build, cancelled = take_deliveries(s, rows, np.array([40.0]), np.array([1e9]))
    keep = 40.0 / (1 - s.spec.compute.cancel_fee)
    assert chips[0] + build[0] == pytest.approx(keep)
    assert chips[0] / build[0] == pytest.approx(1.5)  # cut pro rata
    assert cancelled[0] == pytest.approx(100.0 - keep)
    chips, build, cancelled = take_deliveries(s, rows, np.array([200.0]), np.array([30.0]))
    assert chips[0] + build[0] == pytest.approx(30.0) and cancelled[0] == pytest.approx(70.0)


def test_switching_capex_commitments_off_removes_the_book():
    on = Sim(MINI, seed=3, months=24, **LEADS).run()
    off = Sim(MINI, seed=3, months=24, channels={"capex_commitments": False}, **LEADS).run()
    plain = Sim(MINI, seed=3, months=24).run()
    ts_on = on.series("order_book")
    assert ts_on["system"].iloc[1:].min() > 0
    assert off.series("order_book")["system"].abs().max() == 0
    # off, the run is the run without lead times (capex follows the lagged sentiment)
    a = off.series("capex_spent")["system"].to_numpy()
    b = plain.series("capex_spent")["system"].to_numpy()
    assert np.allclose(a, b)
    assert not np.allclose(on.series("capex_spent")["system"].to_numpy(), b)


def test_chip_supplier_revenue_follows_deliveries_not_orders():
    """Chips are paid on delivery: in the first lead months the chip seller's sales to the system
    are the opening book's deliveries, whatever is ordered."""
    m = ContagionModel(MINI, seed=1, **LEADS)
    giant = m.state.registry.ids.index("giant")
    m.step()
    book = m.state.operations.order_book
    opening = m.state.system.flows["capex"][giant] * m.state.spec.compute.gpu_share_of_capex
    assert book.due_gpu[giant] == pytest.approx(opening)


def test_an_opening_book_that_rises_keeps_its_first_year_at_the_opening_plan():
    """With ``opening_order_growth`` g the orders placed before the start rise by (1 + g) a year
    across delivery months; the first twelve months still average the opening plan."""
    plan = np.array([12.0])
    book = opening_book(plan, np.array([True]), 0.5, 9, 30, growth=0.5)
    build = book.build[0, :30]
    assert build[:12].mean() == pytest.approx(6.0)
    assert build[12:24].sum() / build[:12].sum() == pytest.approx(1.5)
    assert np.all(np.diff(build) > 0)
    assert book.gpu[0, :9] == pytest.approx(build[:9])  # chips ramp the same way over their lead
    flat = opening_book(plan, np.array([True]), 0.5, 9, 30)
    assert flat.build[0, :30] == pytest.approx(np.full(30, 6.0))


def test_opening_order_growth_is_checked_by_the_schema():
    from aicontagion.scenarios.loader import ScenarioError

    with pytest.raises(ScenarioError, match="opening_order_growth"):
        Sim(MINI, **{"compute.opening_order_growth": float("nan")})
