"""Capex commitments: the order book of chips and buildings ordered ahead, delivered, paid or cancelled.

A builder (a tech giant or a neocloud, the kinds whose capex the model plans) orders each month
what it wants to spend at its current view of sentiment (the mean sentiment ratio over the last
``gpu_lead_months``, so one month's noise does not become an order): ``plan x clip(ratio **
elasticity, 0, 2) x investment multiplier``. The chip share (``gpu_share_of_capex``) is delivered
``gpu_lead_months`` later, the rest (buildings, power, fit-out) ``build_lead_months`` later
(both assumed, with ranges: GPUs 6-12 months, buildings 2-3 years). What is delivered must be
paid on delivery or cancelled at a cost: a builder takes at most what it still wants, grossed up
by the fee (``wanted / (1 - cancel_fee)``: cancelling is worth it only when the order exceeds the
want by more than the fee saves) and at most what its cash and new funding afford; the rest is
cancelled and ``cancel_fee`` of it is owed to the suppliers (chip sellers by market share,
outside builders for construction), binding like any fee. A builder that could not pay all of
last month's deliveries orders no more this month than it could pay then. A defaulted
builder's orders lapse.

The book is a ring of ``max lead + 1`` monthly slots per builder (numpy arrays over the builders
only, :attr:`OrderBook.rows`; what is due this month is per institution); at the
start it holds the orders already placed at the opening plan, so that the first deliveries
arrive at the opening rate. Placing and taking the month's deliveries happen in the income
stage (:func:`advance`); paying and cancelling are decided in the decide stage
(:mod:`aicontagion.agents.financing`). With both leads zero, or the ``capex_commitments``
channel off, there is no book and capex follows the sentiment of ``capex_lag_months`` ago.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import positions_in
from aicontagion.mechanisms import capex_returns

READS = ("ai", "credit", "lifecycle", "month", "registry", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("operations",)
"""State groups this mechanism writes."""

BUILDERS = (Kind.TECH_GIANT, Kind.NEOCLOUD)
"""Kinds whose capex goes through the order book (the kinds that plan capex)."""


@dataclass
class OrderBook:
    """Undelivered orders (USD bn at order prices), by builder and delivery month."""

    rows: np.ndarray  # (m,) institution rows of the builders, ascending: row i of the rings
    gpu: np.ndarray  # (m, slots): chips due in each of the next months (ring)
    build: np.ndarray  # (m, slots): buildings due (ring)
    gpu_lead: int
    build_lead: int
    due_gpu: np.ndarray  # (n,) chips delivered this month
    due_build: np.ndarray  # (n,) buildings delivered this month
    delivered: float = 0.0  # USD bn delivered and paid, cumulative
    cancelled: float = 0.0  # USD bn cancelled, cumulative
    fees: float = 0.0  # USD bn of cancellation fees owed, cumulative
    lapsed: float = 0.0  # USD bn of orders of defaulted builders, cumulative
    cancelled_by: np.ndarray | None = None  # (n,) USD bn cancelled per institution, cumulative
    afford: np.ndarray | None = None  # (n,) USD bn it could pay last month when it could not pay all (else inf)
    elasticity: np.ndarray | None = None  # (n,) capex elasticity (cached: parameters are fixed)

    def builders(self, institutions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(which, at)``: which of ``institutions`` are builders, and their rows in the rings."""
        return positions_in(self.rows, institutions)

    @property
    def slots(self) -> int:
        return self.gpu.shape[1]

    @property
    def outstanding(self) -> float:
        """USD bn ordered and not yet delivered (this month's deliveries excluded)."""
        return float(self.gpu.sum() + self.build.sum())

    @property
    def due(self) -> np.ndarray:
        """USD bn delivered this month per institution."""
        return self.due_gpu + self.due_build


def active(spec, channels) -> bool:
    """Whether capex goes through an order book in a run of ``spec`` with ``channels``."""
    cpt = spec.compute
    return bool(channels.capex_commitments and (cpt.gpu_lead_months > 0 or cpt.build_lead_months > 0))


_IS_BUILDER = np.zeros(len(Kind), dtype=bool)
_IS_BUILDER[[int(k) for k in BUILDERS]] = True


def builder_mask(kind: np.ndarray) -> np.ndarray:
    """Which institutions order capex through the book."""
    return _IS_BUILDER[kind]


def capex_elasticity(registry) -> np.ndarray:
    """Per institution, its kind's ``capex_elasticity`` (1 where the kind has none)."""
    out = np.ones(registry.n)
    for params in registry.params.values():
        e = params.get("capex_elasticity")
        if e is not None:
            e = np.asarray(e, dtype=float)
            out = np.where(np.isfinite(e), e, out)
    return out


def opening_ramp(slots: int, growth: float) -> np.ndarray:
    """Relative size of the orders placed before the start for delivery in each of the first
    ``slots`` months: rising at ``growth`` a year (annual rate), scaled so that the first twelve
    months average 1 (so the first year's deliveries arrive at the opening rate)."""
    rise = (1.0 + growth) ** (np.arange(max(slots, 12)) / 12.0)
    return (rise / rise[:12].mean())[:slots]


def opening_book(
    plan: np.ndarray, builders: np.ndarray, gpu_share: float, gpu_lead: int, build_lead: int, growth: float = 0.0
) -> OrderBook:
    """The book at the start: orders placed before the start at the opening monthly ``plan``
    (USD bn/month), so deliveries of the first ``lead`` months arrive at that rate; with
    ``growth`` (annual rate) the orders already placed rise across delivery months (the next
    year's published capex guidance is orders already placed), the first year still averaging
    ``plan`` (see :func:`opening_ramp`)."""
    n = plan.size
    rows = np.flatnonzero(builders)
    slots = max(gpu_lead, build_lead) + 1
    monthly = plan[rows]
    gpu = np.zeros((rows.size, slots))
    build = np.zeros((rows.size, slots))
    ramp = opening_ramp(slots, growth)
    gpu[:, :gpu_lead] = (monthly * gpu_share)[:, None] * ramp[:gpu_lead]
    build[:, :build_lead] = (monthly * (1.0 - gpu_share))[:, None] * ramp[:build_lead]
    return OrderBook(rows, gpu, build, gpu_lead, build_lead, np.zeros(n), np.zeros(n))


def wanted_capex(state, months: int = 1) -> np.ndarray:
    """USD bn each institution wants to spend this month (0 for non-builders) at the mean
    sentiment ratio of the last ``months`` months (1: today's)."""
    h = state.ai.sentiment_history[-max(int(months), 1) :]
    level = float(np.add.reduce(np.asarray(h, dtype=float)) / len(h)) if h else state.ai.sentiment_ratio  # np.mean
    book = state.operations.order_book
    if book is not None and book.elasticity is not None:
        e = book.elasticity
    else:
        e = capex_elasticity(state.registry)
        if book is not None:
            book.elasticity = e  # parameters are fixed for the run
    b = book.rows if book is not None else np.flatnonzero(builder_mask(state.registry.kind))
    response = np.clip(np.maximum(level * capex_returns.return_ratio(state)[b], 0.0) ** e[b], 0.0, 2.0)
    want = np.zeros(state.n)
    want[b] = state.operations.capex_plan[b] * response * state.credit.investment_multiplier[b]
    return want


def advance(state) -> None:
    """Income stage: take this month's deliveries out of the book and place this month's orders.

    Deliveries of month ``t`` sit in slot ``t mod slots``; an order placed at ``t`` with lead ``L``
    goes into slot ``(t + L) mod slots`` (a lead of 0 is delivered at once)."""
    book: OrderBook = state.operations.order_book
    t = state.month
    n = state.n
    dead = state.lifecycle.status == Status.DEFAULTED
    gone = dead[book.rows]
    if gone.any():
        book.lapsed += float(book.gpu[gone].sum() + book.build[gone].sum())
        book.gpu[gone] = 0.0
        book.build[gone] = 0.0
    slot = t % book.slots
    want = np.where(dead, 0.0, wanted_capex(state, max(book.gpu_lead, 1)))  # 0 for non-builders
    if book.afford is not None:  # no builder orders more than it could pay last month
        want = np.minimum(want, book.afford)
    share = state.spec.compute.gpu_share_of_capex
    book.afford = None
    mine = want[book.rows]
    book.due_gpu = np.zeros(n)
    book.due_build = np.zeros(n)
    book.due_gpu[book.rows] = book.gpu[:, slot]
    book.due_build[book.rows] = book.build[:, slot]
    book.gpu[:, slot] = 0.0
    book.build[:, slot] = 0.0
    if book.gpu_lead == 0:
        book.due_gpu[book.rows] += mine * share
    else:
        book.gpu[:, (t + book.gpu_lead) % book.slots] += mine * share
    if book.build_lead == 0:
        book.due_build[book.rows] += mine * (1.0 - share)
    else:
        book.build[:, (t + book.build_lead) % book.slots] += mine * (1.0 - share)
    state.operations.capex_ordered = want


def take_deliveries(
    state, rows: np.ndarray, want: np.ndarray, affordable_cap: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What ``rows`` take of this month's deliveries and what they cancel (USD bn, per row).

    Args:
        want: what each row still wants this month (USD bn).
        affordable_cap: the most each row can pay this month (cash and new funding, USD bn).

    Returns:
        ``(taken_chips, taken_build, cancelled)``: the chips and buildings paid for, and the
        deliveries cancelled. Cancellations are cut pro rata across chips and buildings.
    """
    book: OrderBook = state.operations.order_book
    fee = state.spec.compute.cancel_fee
    due = book.due[rows]
    keep = np.minimum(due, want / max(1.0 - fee, 1e-9))
    keep = np.minimum(keep, np.maximum(affordable_cap, 0.0))
    short = affordable_cap < due - 1e-9
    if short.any():
        if book.afford is None:
            book.afford = np.full(book.due_gpu.size, np.inf)
        book.afford[rows[short]] = np.maximum(affordable_cap[short], 0.0)
    frac = np.divide(keep, due, out=np.zeros(rows.size), where=due > 1e-12)
    chips = book.due_gpu[rows] * frac
    build = book.due_build[rows] * frac
    return chips, build, due - keep


def record(state, rows: np.ndarray, taken: np.ndarray, cancelled: np.ndarray) -> None:
    """Count what was taken and cancelled this month (the payments clear with the month's others)."""
    book: OrderBook = state.operations.order_book
    book.delivered += float(taken.sum())
    book.cancelled += float(cancelled.sum())
    if book.cancelled_by is None:
        book.cancelled_by = np.zeros(book.due_gpu.size)
    np.add.at(book.cancelled_by, rows, cancelled)
    book.fees += float(cancelled.sum() * state.spec.compute.cancel_fee)
