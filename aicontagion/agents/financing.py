"""Financing decisions shared by several kinds: capex, credit-line draws, capital calls, new equity, bonds.

Each function records intents in a :class:`~aicontagion.agents.base.Decisions`; nothing moves
until the model applies them and clears the month's payments.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Status
from aicontagion.core.obligations import DISCRETIONARY_TIER, Purpose
from aicontagion.mechanisms import capex_returns, order_book
from aicontagion.network.contracts import EXTERNAL, ContractType


def liquidity_gap(state, rows: np.ndarray, buffer_months: np.ndarray, capex: np.ndarray | float = 0.0) -> np.ndarray:
    """Cash each of ``rows`` lacks (USD bn) to pay this month's dues and ``capex`` and keep a buffer
    of ``buffer_months`` of outflows."""
    need = state.dues.due_now[rows] + buffer_months * state.dues.monthly_outflow[rows] + capex
    return np.maximum(need - state.books.cash[rows], 0.0)


def affordable_capex(
    state, rows: np.ndarray, plan: np.ndarray, raised: np.ndarray, buffer_months: np.ndarray
) -> np.ndarray:
    """Capex each of ``rows`` can spend (USD bn): its plan, cut so that cash plus new funding still
    covers this month's dues and the buffer."""
    spare = (
        state.books.cash[rows] + raised - state.dues.due_now[rows] - buffer_months * state.dues.monthly_outflow[rows]
    )
    return np.clip(spare, 0.0, plan)


def plan_capex(state, rows: np.ndarray, elasticity: np.ndarray) -> np.ndarray:
    """Capex each of ``rows`` wants this month (USD bn). Without an order book: plan x response
    to the sentiment of ``capex_lag_months`` ago (when it was committed), in [0, 2] x plan. With
    one (:mod:`aicontagion.mechanisms.order_book`): this month's deliveries, which must be paid
    or cancelled (:func:`spend_capex` cancels what is not paid)."""
    if state.operations.order_book is not None:
        return state.operations.order_book.due[rows].copy()
    level = state.ai.committed_sentiment_ratio * capex_returns.return_ratio(state)[rows]
    response = np.clip(np.maximum(level, 0.0) ** elasticity, 0.0, 2.0)
    return state.operations.capex_plan[rows] * response * state.credit.investment_multiplier[rows]


def spend_capex(state, rows: np.ndarray, amount: np.ndarray, decisions: Decisions) -> None:
    """Record capex: chips bought from live chip suppliers by market share (the rest, including a
    defaulted supplier's share, from outsiders), construction paid to outsiders. Discretionary
    tier: paid only from what is left.

    With an order book, ``amount`` is what the row can afford of this month's deliveries: it takes
    at most that and at most what it still wants (grossed up by the fee); the rest of the
    deliveries is cancelled and the fee is owed (binding, tier 1) to the chip sellers and the
    outside builders in proportion to the cancelled chips and buildings."""
    book = state.operations.order_book
    if book is not None:
        want = order_book.wanted_capex(state, max(book.gpu_lead, 1))[rows]
        chips, build, cancelled = order_book.take_deliveries(state, rows, want, amount)
        order_book.record(state, rows, chips + build, cancelled)
        fee = state.spec.compute.cancel_fee
        due = book.due[rows]
        gpu_part = np.divide(book.due_gpu[rows], due, out=np.zeros(rows.size), where=due > 1e-12)
        if (cancelled > 1e-12).any():
            _buy(state, rows, cancelled * fee * gpu_part, cancelled * fee * (1.0 - gpu_part), decisions, 1, Purpose.FEE)
        _buy(state, rows, chips, build, decisions, DISCRETIONARY_TIER, None)
        state.operations.capex_wanted[rows] += chips + build
        return
    keep = amount > 0
    chips = amount * state.spec.compute.gpu_share_of_capex
    _buy(state, rows[keep], chips[keep], (amount - chips)[keep], decisions, DISCRETIONARY_TIER, None)
    state.operations.capex_wanted[rows] += amount  # recorded for reporting


def _buy(state, rows, chips, build, decisions: Decisions, tier: int, purpose: Purpose | None) -> None:
    """Amounts due for ``chips`` (to the chip sellers by market share, the rest to outsiders) and
    ``build`` (to outsiders), as capex (``purpose`` None) or as another purpose (fees)."""
    if rows.size == 0:
        return
    obl = decisions.obligations
    chip_sellers = state.registry.chip_sellers
    sellers = np.concatenate((chip_sellers, [EXTERNAL]))  # outsiders sell the rest of the chips
    share = state.system.flows["gpu_market_share"][chip_sellers]
    share = np.where(state.lifecycle.status[chip_sellers] == Status.DEFAULTED, 0.0, share)
    if purpose is None:
        # a chip seller's cost of goods is paid by the buyer straight to its (outside) suppliers: the
        # seller is owed only its margin, so the clearing never lets it spend on its own debts cash
        # it must pass on (the cost used to be paid after the clearing, which could leave it short)
        margin = np.clip(state.system.flows["gross_margin"][chip_sellers], 0.0, 1.0)
        share = share * margin
    share = np.concatenate((share, [1.0 - share.sum()]))  # outsiders: the rest, a defaulted seller's share, costs
    k = sellers.size
    to = np.empty((rows.size, k), dtype=sellers.dtype)
    to[:] = sellers  # a row of sellers per buyer (np.tile, np.outer and np.repeat cost ~20 calls)
    obl.add(
        rows.repeat(k),
        to.ravel(),
        (chips[:, None] * share[None, :]).ravel(),
        tier,
        Purpose.CAPEX_GPU if purpose is None else purpose,
    )
    obl.add(rows, EXTERNAL, build, tier, Purpose.CAPEX_BUILD if purpose is None else purpose)


def pay_out(
    state, rows: np.ndarray, share: np.ndarray, decisions: Decisions, reserved: np.ndarray | float = 0.0
) -> None:
    """Pay ``share`` of last month's positive net income (operating and interest) to holders,
    from cash not needed for this month's dues or ``reserved`` (capex, the buffer): dividends and
    buybacks."""
    income = np.maximum(state.operations.last_income[rows], 0.0) * share
    spare = np.maximum(state.books.cash[rows] - state.dues.due_now[rows] - reserved, 0.0)
    decisions.distribute(rows, np.minimum(income, spare))


def draw_credit_lines(state, rows: np.ndarray, need: np.ndarray, decisions: Decisions) -> np.ndarray:
    """Draw undrawn credit lines of ``rows`` from willing lenders, pro rata, up to ``need``.

    Returns the amount requested per row of ``rows``.
    """
    c = state.contracts
    lines = c.rows_of(ContractType.CREDIT_LINE)
    lines = lines[(c.obligor[lines] >= 0) & (c.start[lines] <= state.month) & (c.maturity[lines] > state.month)]
    borrower_need = np.zeros(state.n)
    borrower_need[rows] = need
    lines = lines[borrower_need[c.obligor[lines]] > 0]
    lender = c.creditor[lines]
    ok = np.where(lender >= 0, state.lending.lender_ok[np.maximum(lender, 0)], True)
    lines, lender = lines[ok], lender[ok]
    undrawn = np.maximum(c.limit[lines] - c.principal[lines], 0.0)
    # a lender in the system funds draws only from the cash it has beyond this month's dues
    inside = lender >= 0
    spare = np.maximum(state.books.cash - state.dues.due_now, 0.0)
    asked = np.bincount(lender[inside], weights=undrawn[inside], minlength=state.n)
    cap = np.minimum(np.divide(spare, asked, out=np.zeros(state.n), where=asked > 1e-12), 1.0)
    undrawn = np.where(inside, undrawn * cap[np.maximum(lender, 0)], undrawn)
    room = np.bincount(c.obligor[lines], weights=undrawn, minlength=state.n)
    take = np.minimum(np.divide(borrower_need, room, out=np.zeros(state.n), where=room > 1e-12), 1.0)
    amount = undrawn * take[c.obligor[lines]]
    # funded from what the lender has left after its own dues: a draw it cannot fund is no default
    decisions.obligations.add(
        lender[inside], c.obligor[lines][inside], amount[inside], DISCRETIONARY_TIER, Purpose.DRAW, lines[inside]
    )
    for row, a in zip(lines[~inside], amount[~inside], strict=True):
        if a > 1e-12:  # outside lenders pay at once: they are not part of the month's clearing
            decisions.outside_draws.append((int(c.obligor[row]), int(row), float(a)))
    return (room * take)[rows]


def call_capital(state, issuers: np.ndarray, need: np.ndarray, decisions: Decisions) -> np.ndarray:
    """Call uncalled commitments on stakes in ``issuers`` from willing holders, pro rata.

    Returns the amount called per issuer.
    """
    c = state.contracts
    want = np.zeros(state.n)
    want[issuers] = need
    stakes = c.stake_rows
    stakes = stakes[(c.obligor[stakes] >= 0) & (want[c.obligor[stakes]] > 0)]
    stakes = stakes[(c.uncalled[stakes] > 0) & (c.creditor[stakes] >= 0) & (c.start[stakes] <= state.month)]
    stakes = stakes[state.lending.holder_ok[c.creditor[stakes]]]
    room = np.bincount(c.obligor[stakes], weights=c.uncalled[stakes], minlength=state.n)
    take = np.minimum(np.divide(want, room, out=np.zeros(state.n), where=room > 1e-12), 1.0)
    amount = c.uncalled[stakes] * take[c.obligor[stakes]]
    decisions.obligations.add(c.creditor[stakes], c.obligor[stakes], amount, 1, Purpose.CALL, stakes)
    return (room * take)[issuers]


def raise_equity(
    state,
    rows: np.ndarray,
    need: np.ndarray,
    capacity: np.ndarray,
    elasticity: np.ndarray,
    discount: np.ndarray,
    decisions: Decisions,
) -> np.ndarray:
    """Sell new shares to outside investors: at most ``capacity`` (USD bn/yr at the opening
    sentiment) x (sentiment / opening sentiment) ** elasticity per year, at ``discount`` to book."""
    supply = capacity / 12.0 * max(state.ai.sentiment_ratio, 0.0) ** elasticity
    amount = np.where(need > 1e-9, np.minimum(need, supply), 0.0)
    for r, a, d in zip(rows, amount, discount, strict=True):
        if a > 1e-9:
            decisions.equity_issues.append((int(r), float(a), float(d)))
    return amount


def issue_bonds(
    state,
    rows: np.ndarray,
    amount: np.ndarray,
    decisions: Decisions,
    tenor_months: int = 120,
    refill: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Sell new bonds to outside investors at the issuer's current rate if its market is open
    (spread at most ``rollover_max_spread``); returns the amount issued per row.

    A bond deal is lumpy: an issuer that has to go to market raises its gap plus ``refill``
    (a buffer's worth of cash), so it does not return every month.
    """
    open_ = state.credit.spread[rows] <= state.spec.funding.rollover_max_spread
    issued = np.where(open_ & (amount > 1e-9), amount + refill, 0.0)
    for r, a in zip(rows, issued, strict=True):
        if a > 0:
            decisions.new_debt.append(
                {
                    "borrower": int(r),
                    "lender": EXTERNAL,
                    "amount": float(a),
                    "tenor": tenor_months,
                    "type": ContractType.BOND,
                }
            )
    return issued
