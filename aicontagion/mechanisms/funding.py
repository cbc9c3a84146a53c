"""Funding: rollover of maturing debt, short-term funding runs, hoarding and margin calls.

**Rollover.** Bullet debt maturing next month rolls for another original tenor at the new rate
when the borrower is active, its spread is at most ``rollover_max_spread``, and its lender is
willing; otherwise the principal falls due (a rollover failure, possibly a liquidity default).
For short-term interbank and repo funding the lender also withdraws when the borrower's distress
exceeds the lender's ``run_distress`` (a run), and a weak bank stops rolling its own short-term
lending (hoarding). With the ``funding_runs`` channel off, debt that may roll always rolls.

**Margin calls.** Repo haircuts widen as the collateral's price falls (``margin_calls`` channel).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Status
from aicontagion.core.numeric import fill_nan, ratio
from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.network.contracts import SHORT_TERM_TYPES, ContractType

READS = ("contracts", "markets", "books", "spec", "channels", "month", "registry", "lifecycle", "credit", "lending")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts", "lifecycle", "events")
"""State groups this mechanism writes."""


def maturing(state) -> np.ndarray:
    """Rows of the bullet debt that matures next month."""
    c = state.contracts
    nxt = state.month + 1
    # whether a row is bullet debt owed by an institution is fixed when it is written (kept);
    # maturities move (rollovers), so they are read fresh: one contiguous pass over the table's
    # maturities, then the few rows due are tested (cheaper than gathering every bullet's maturity)
    bullet = c.selection_mask(
        "bullet debt owed by institutions", lambda at: c.is_debt[at] & ~c.amortising[at] & (c.obligor[at] >= 0)
    )
    due = np.flatnonzero(c.maturity == nxt)
    due = due[bullet[due]]
    return due[c.principal[due] > 0]


def run_masks(state, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(short, runs, hoards)`` for debt ``rows``: short-term funding, whose lender runs from a
    distressed borrower, whose lender hoards (its own distress); guaranteed borrowers (and all,
    with the ``funding_runs`` channel off) face neither."""
    c = state.contracts
    f = state.spec.funding
    p = state.registry.params
    is_short = np.zeros(int(max(ContractType)) + 1, dtype=bool)
    is_short[[int(t) for t in SHORT_TERM_TYPES]] = True
    short = is_short[c.ctype[rows]]
    # the lenders' limits per institution, then read once per row (rows are many, institutions
    # fewer); entry 0 is the outside world (lender -1)
    limit = np.fmin(p["bank"]["run_distress"], p["money_market_fund"]["run_distress"])
    run_limit = np.concatenate([[f.outside_run_distress], np.where(np.isnan(limit), f.outside_run_distress, limit)])
    # a weak bank keeps its cash: it stops rolling its short-term lending (liquidity hoarding)
    weak = np.concatenate([[False], state.lifecycle.distress > fill_nan(p["bank"]["hoard_distress"], 1.0)])
    lender = c.creditor[rows] + 1
    runs = short & (state.lifecycle.distress[c.obligor[rows]] > run_limit[lender])
    hoards = short & weak[lender]
    return short, runs, hoards


def rollover(state, runs_done: bool = False) -> None:
    """Roll, reprice or call the bullet debt that matures next month; record failures and runs.

    With ``runs_done`` (the liquidity sub-steps have already let running and hoarding lenders
    withdraw, :mod:`~aicontagion.mechanisms.liquidity_substeps`), what is left of short-term
    funding rolls unless the market is closed or the lender unwilling.
    """
    c = state.contracts
    rows = maturing(state)
    if rows.size == 0:
        return
    f = state.spec.funding
    borrower = c.obligor[rows]
    lender = c.creditor[rows]
    market_open = state.credit.spread[borrower] <= f.rollover_max_spread
    alive = state.lifecycle.status[borrower] != Status.DEFAULTED
    lender_ok = np.where(lender >= 0, state.lending.lender_ok[np.maximum(lender, 0)], True)
    short, runs, hoards = run_masks(state, rows)
    if runs_done:
        runs, hoards = np.zeros_like(runs), np.zeros_like(hoards)
    backed = state.credit.always_rolls[borrower]  # a guarantee: markets roll its debt whatever happens
    if not state.channels.funding_runs:  # ablation: whatever may roll, rolls
        backed = np.ones_like(backed)
    roll = alive & ((market_open & lender_ok & ~runs & ~hoards) | backed) & c.rolls[rows]
    rolled = rows[roll]
    c.maturity[rolled] += np.maximum(c.tenor[rolled], 1)
    cover = np.array([state.credit.rate_cover.get(int(r), 0.0) for r in rolled]) if state.credit.rate_cover else 0.0
    c.rate[rolled] = treasury_yield(state) + state.credit.spread[c.obligor[rolled]] * (1.0 - cover)
    for k in np.flatnonzero(~roll & alive & c.rolls[rows]):
        r = int(rows[k])
        event = "run" if runs[k] else "hoarding" if hoards[k] else "rollover_failure"
        why = (
            f"distress {state.lifecycle.distress[borrower[k]]:.2f}"
            if runs[k]
            else f"lender's own distress {state.lifecycle.distress[lender[k]]:.2f}"
            if hoards[k]
            else "market closed"
            if not market_open[k]
            else "lender unwilling"
            if not lender_ok[k]
            else "does not roll"
        )
        cause = state.registry.ids[lender[k]] if lender[k] >= 0 else "outside investors"
        state.events.record(int(borrower[k]), event, float(c.principal[r]), f"{cause}: {why}")
        state.lifecycle.funding_hint[borrower[k]] = True


def margin_calls(state) -> None:
    """Repo haircuts widen as the collateral's price falls; what the collateral no longer covers
    is called for repayment next month (the haircut spiral of 2007-08, Gorton and Metrick 2012).

    ``haircut = min(0.95, haircut at the start + haircut_sensitivity x (1 - collateral price))``;
    a borrower's pledgeable holdings of a class are shared over its repos on that class in
    proportion to their principal.
    """
    if not state.channels.margin_calls:
        return
    c = state.contracts
    rows, excess, haircut, price = margin_excess(state)
    if rows.size == 0:
        return
    borrower, cls = c.obligor[rows], c.collateral[rows]
    c.call_due[rows] = excess
    for k in np.flatnonzero(excess > 1e-6):
        state.events.record(
            int(borrower[k]),
            "margin_call",
            float(excess[k]),
            f"haircut {haircut[k]:.0%} on {state.markets.names[cls[k]]} at {price[k]:.2f}",
        )


def margin_excess(state) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(repo rows, principal the collateral no longer covers, haircut, collateral price)``."""
    c = state.contracts
    rows = c.rows_of(ContractType.REPO)
    rows = rows[(c.collateral[rows] >= 0) & (c.principal[rows] > 0) & (c.obligor[rows] >= 0)]
    if rows.size == 0:
        empty = np.zeros(0)
        return rows, empty, empty, empty
    borrower, cls = c.obligor[rows], c.collateral[rows]
    price = state.markets.marked_price[cls]
    haircut = np.minimum(0.95, c.haircut[rows] + state.spec.funding.haircut_sensitivity * np.maximum(1 - price, 0))
    key = borrower * len(state.markets.names) + cls
    owed = np.bincount(key, weights=c.principal[rows], minlength=state.n * len(state.markets.names))
    held = state.books.holdings[borrower, cls] * price
    pledged = held * ratio(c.principal[rows], owed[key])
    excess = np.maximum(c.principal[rows] - pledged * (1.0 - haircut), 0.0)
    return rows, excess, haircut, price
