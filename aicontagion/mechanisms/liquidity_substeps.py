"""Liquidity sub-steps: the funding stage's runs, hoarding and margin calls on a finer clock.

With ``funding.liquidity_substeps`` ``K > 1`` (4: weeks), the short-term funding (repo and
interbank) that matures next month is taken to mature in ``K`` equal slices, one per sub-step (a
maturity ladder). In each sub-step ``k`` (ending on day ``round((k + 1) x 30 / K)`` of a 30-day
month):

1. distress is re-measured at the current prices (:func:`~aicontagion.mechanisms.credit.update_distress`);
2. a lender that runs (the borrower's distress above its ``run_distress``) or hoards (its own
   distress above ``hoard_distress``; the rules of :func:`~aicontagion.mechanisms.funding.run_masks`),
   or a money-market fund whose NAV per share has broken the buck (its investors redeem,
   :func:`broken_funds`), withdraws the slice maturing in this sub-step (``1/K`` of the contract's principal at the
   start of the stage); a repo lender also calls what the collateral no longer covers at the
   widened haircut (``margin_calls`` channel; :func:`~aicontagion.mechanisms.funding.margin_excess`);
   a money-market fund that has broken the buck pays its investors ``run_share / K`` of its
   NAV at the start of the stage in each sub-step (:func:`redemptions`; the run component of its
   redemptions, paid here instead of in the monthly decide stage, so a fund run takes days, not
   a month; a fund whose shares are guaranteed, ``credit.always_rolls``, is not run);
3. a borrower (or redeeming fund) without the cash first borrows from policies (hook ``liquidity_substep``: the
   lender of last resort, rescues), as in the monthly decide stage, then sells tradables for the
   rest in simultaneous rounds with price impact that marks every holder (``fire_sales``
   channel): how one dealer's run moves the prices that the next sub-step's distress sees;
4. what can be paid is repaid to the lenders (and paid out to redeeming investors, pro rata
   with the debt); a borrower still short of its debt defaults that day (a fund short of its
   redemptions does not: it pays what it has, as a fund suspending redemptions) and is resolved
   at once (:func:`~aicontagion.mechanisms.defaults.resolve_defaults`), so its
   creditors' losses count in the next sub-step's distress;
5. one row of ``state.weeks``: month, day, short-term funding outstanding by type, withdrawn,
   redeemed (USD bn paid to money-market investors), defaults.

Events recorded in a sub-step carry its ``day``. After the last sub-step the rest of the
maturing debt rolls or falls due as in the monthly model
(:func:`~aicontagion.mechanisms.funding.rollover` with ``runs_done``). With ``K = 1`` this
module is not called and the model is the monthly one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import fill_nan, ratio
from aicontagion.mechanisms.actions import distribute
from aicontagion.mechanisms.constraints import SaleOrders
from aicontagion.mechanisms.credit import update_distress
from aicontagion.mechanisms.defaults import resolve_defaults
from aicontagion.mechanisms.fire_sales import execute
from aicontagion.mechanisms.funding import margin_excess, maturing, run_masks
from aicontagion.network.contracts import ContractType

READS = ("contracts", "markets", "books", "spec", "channels", "month", "registry", "lifecycle", "credit", "snapshot")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "lifecycle", "events", "weeks")
"""State groups this mechanism writes."""

DAYS = 30
"""Days in the model's month (sub-step days are counted on it)."""
TOL = 1e-9
SALE_ROUNDS = 4
"""Rounds of sales a sub-step allows a borrower to raise what price impact took off the first."""


def day_of(k: int, substeps: int) -> int:
    """The day of the month on which sub-step ``k`` (from 0) of ``substeps`` ends."""
    return int(round((k + 1) * DAYS / substeps))


def run_substeps(
    state,
    substeps: int,
    lend: Callable[[np.ndarray], None] | None = None,
    check: Callable[[str], None] | None = None,
) -> None:
    """Run the funding stage's withdrawals in ``substeps`` sub-steps (see the module docstring).

    ``lend(need)`` is called with what each institution owes its lenders in the sub-step
    (policies lend what its cash does not cover);
    ``check(stage)`` after every sub-step (the model's invariant check).
    """
    c = state.contracts
    rows = maturing(state)
    short, _, _ = run_masks(state, rows)
    rows = rows[short]
    repo = c.rows_of(ContractType.REPO)
    funds = state.registry.members[Kind.MONEY_MARKET_FUND]
    if rows.size == 0 and (repo.size == 0 or not state.channels.margin_calls) and funds.size == 0:
        quiet = _row(state, 0, 0.0, 0)  # nothing can be withdrawn: the volumes hold all month
        state.weeks.extend(quiet | {"day": day_of(k, substeps)} for k in range(substeps))
        return
    slice_ = c.principal[rows] / substeps  # the part of each contract maturing in each sub-step
    nav0 = np.maximum(state.books.equity, 0.0)  # NAV at the start of the stage (the run's base)
    announced = np.zeros(state.n, dtype=bool)
    try:
        for k in range(substeps):
            day = day_of(k, substeps)
            state.events.day = day
            if k:
                update_distress(state)
            redeem = redemptions(state, nav0, substeps, announced, day)
            withdrawn, defaults, redeemed = _substep(state, rows, slice_, day, lend, check, redeem)
            state.weeks.append(_row(state, day, withdrawn, defaults, redeemed))
    finally:
        state.events.day = None


def _substep(state, rows, slice_, day, lend, check, redeem) -> tuple[float, int, float]:
    """One sub-step: withdrawals, sales, policies' loans, repayment, defaults. Returns the amount
    withdrawn, the number of new defaults and what funds paid redeeming investors (USD bn)."""
    c = state.contracts
    live = (c.principal[rows] > TOL) & (state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED)
    _, runs, hoards = run_masks(state, rows)
    redeemed = broken_funds(state)[np.maximum(c.creditor[rows], 0)] & (c.creditor[rows] >= 0)
    backed = state.credit.always_rolls[c.obligor[rows]] | (not state.channels.funding_runs)
    leave = live & (runs | hoards | redeemed) & ~backed
    amount = np.zeros(c.size)
    amount[rows[leave]] = np.minimum(slice_[leave], c.principal[rows[leave]])
    for k in np.flatnonzero(leave):
        why = "run" if runs[k] else "hoarding" if hoards[k] else "redeemed"
        _record_run(state, int(rows[k]), float(amount[rows[k]]), why, day)
    if state.channels.margin_calls:
        mrows, excess, haircut, price = margin_excess(state)
        called = excess > 1e-6
        mrows, excess = mrows[called], excess[called]
        extra = np.minimum(excess, c.principal[mrows] - amount[mrows])
        amount[mrows] += np.maximum(extra, 0.0)
        for k in np.flatnonzero(extra > 1e-6):
            cls = c.collateral[mrows[k]]
            state.events.record(
                int(c.obligor[mrows[k]]),
                "margin_call",
                float(extra[k]),
                f"haircut {haircut[called][k]:.0%} on {state.markets.names[cls]} at {price[called][k]:.2f} (day {day})",
            )
    due = np.flatnonzero(amount > TOL)
    due = due[state.registry.kind[c.obligor[due]] != Kind.GOVERNMENT]
    if due.size == 0 and not np.any(redeem > TOL):
        return 0.0, 0, 0.0
    illiquid, redeemed = _pay(state, due, amount[due], day, lend, redeem)
    before = int((state.lifecycle.status == Status.DEFAULTED).sum())
    if check is not None:
        check("liquidity substep")
    resolve_defaults(state, illiquid, f"run (day {day})", check)
    return float(amount[due].sum()), int((state.lifecycle.status == Status.DEFAULTED).sum()) - before, redeemed


def broken_funds(state) -> np.ndarray:
    """Money-market funds whose NAV per share is below the buck and whose shares are not
    guaranteed (bool per institution): their investors redeem, so they roll none of their
    maturing lending (the Reserve Primary Fund, 16 September 2008, the day after Lehman: a broken
    fund's run becomes a run on every dealer it funds). A fund whose shares the government
    guarantees (``credit.always_rolls``: the Treasury's program of 19 September 2008) is not run."""
    buck = state.registry.params["money_market_fund"]["buck"]
    return (fill_nan(state.lifecycle.distress - buck, -1.0) > 0) & ~state.credit.always_rolls


def redemptions(state, nav0: np.ndarray, substeps: int, announced: np.ndarray, day: int) -> np.ndarray:
    """What investors of broken, live money-market funds ask back in this sub-step (USD bn per
    institution): ``run_share / substeps`` of the NAV at the start of the stage (``nav0``), so a
    month of sub-steps takes ``run_share`` as the monthly model does. A fund's first broken
    sub-step of a month it entered intact records ``broke_the_buck`` (``announced`` marks it)."""
    p = state.registry.params["money_market_fund"]
    out = np.zeros(state.n)
    funds = state.registry.members[Kind.MONEY_MARKET_FUND]
    if funds.size == 0:
        return out
    broken = broken_funds(state)[funds] & (state.lifecycle.status[funds] != Status.DEFAULTED)
    out[funds[broken]] = nav0[funds[broken]] * p["run_share"][funds[broken]] / substeps
    newly = funds[broken & ~announced[funds] & (state.lifecycle.distress_prev[funds] <= p["buck"][funds])]
    for i in newly:
        state.events.record(
            int(i), "broke_the_buck", float(out[i]), f"NAV loss {state.lifecycle.distress[i]:.2%} (day {day})"
        )
    announced[newly] = True
    return out


def _record_run(state, row: int, amount: float, why: str, day: int) -> None:
    c = state.contracts
    borrower, lender = int(c.obligor[row]), int(c.creditor[row])
    if why == "run":
        event, why = "run", f"distress {state.lifecycle.distress[borrower]:.2f}"
    elif why == "redeemed":
        event, why = "run", f"the fund broke the buck (NAV loss {state.lifecycle.distress[lender]:.2%})"
    else:
        event, why = "hoarding", f"lender's own distress {state.lifecycle.distress[lender]:.2f}"
    cause = state.registry.ids[lender] if lender >= 0 else "outside investors"
    state.events.record(borrower, event, amount, f"{cause}: {why} (day {day})")
    state.lifecycle.funding_hint[borrower] = True


def _pay(state, rows: np.ndarray, amount: np.ndarray, day: int, lend, redeem: np.ndarray) -> tuple[np.ndarray, float]:
    """Borrowers repay ``amount`` on debt ``rows`` and funds pay ``redeem`` (per institution) to
    their investors, from cash, then from policies' loans (the lender of last resort), then from
    sales of tradables; returns who could not repay its debt in full (bool per institution) and
    the redemptions paid (USD bn)."""
    c, books = state.contracts, state.books
    borrower = c.obligor[rows]
    owed = np.bincount(borrower, weights=amount, minlength=state.n)
    need = owed + redeem
    if lend is not None and np.any(need - np.maximum(books.cash, 0.0) > TOL):
        lend(need)  # as in the monthly decide stage: policies lend before the sales for liquidity
    proceeds = np.zeros(state.n)
    for _ in range(SALE_ROUNDS if state.channels.fire_sales else 0):
        short = need - np.maximum(books.cash, 0.0)
        sellers = np.flatnonzero(short > TOL * np.maximum(1.0, need))
        if sellers.size == 0:
            break
        orders = SaleOrders(state)
        orders.sell(sellers, short[sellers], claims=True, reason=f"run (day {day})")
        if orders.empty:
            break
        proceeds += execute(state, orders)
    for i in np.flatnonzero(proceeds > 1e-9):
        state.events.record(int(i), "fire_sale", float(proceeds[i]), f"run (day {day})")
    share = np.minimum(ratio(np.maximum(books.cash, 0.0), need, default=1.0), 1.0)
    pay = amount * share[borrower]
    paying = pay > 0
    if paying.any():
        books.repay_principal(c, rows[paying], pay[paying], "withdrawn")
    paid_out = redeem * share
    funds = np.flatnonzero(paid_out > TOL)
    for i in funds:
        state.events.record(int(i), "redemption", float(paid_out[i]), f"investors of a broken fund (day {day})")
    if funds.size:
        distribute(state, funds, paid_out[funds])
    unpaid = np.bincount(borrower, weights=amount - pay, minlength=state.n)
    return unpaid > TOL * np.maximum(1.0, owed), float(paid_out.sum())


def _row(state, day: int, withdrawn: float, defaults: int, redeemed: float = 0.0) -> dict:
    c = state.contracts
    live = (c.principal > 0) & (c.obligor >= 0)
    out = {"month": state.month, "day": day, "withdrawn": withdrawn, "redeemed": redeemed, "defaults": defaults}
    for t in (ContractType.INTERBANK, ContractType.REPO):
        out[t.name.lower()] = float(c.principal[live & (c.ctype == int(t))].sum())
    return out
