"""Applying the month's recorded decisions to the books (phase two of the decide stage).

All kinds first record what they will do in a :class:`~aicontagion.agents.base.Decisions`
from the same snapshot; :func:`apply_decisions` then carries the decisions out together:
terminations (and the re-letting of the vacated capacity), reputation penalties, draws from
outside lenders, credit-line cuts, new shares, distributions, new bonds and events. The new
amounts due (fees, calls, draws, capex) go through the month's clearing with everything else.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.decisions import Decisions
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms import origination, relet
from aicontagion.mechanisms.income import relet_eligible
from aicontagion.mechanisms.resolution import vacate
from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.network.contracts import EXTERNAL, Seniority

READS = ("ai", "channels", "dues", "lending", "lifecycle", "markets", "month", "registry", "snapshot", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "credit", "events", "lending", "operations")
"""State groups this mechanism writes."""


def apply_decisions(state, d: Decisions) -> None:
    """Carry out everything the institutions decided this month (after all of them decided)."""
    c = state.contracts
    rules = state.spec.resolution
    for row, event, why in d.terminations:
        customer, provider = int(c.obligor[row]), int(c.creditor[row])
        if event == "non_renewal":
            # this month's rent is still due; the lease then expires next month, when the facility
            # is marked to its re-let value and re-let (mechanisms/income.py, at lease expiry)
            c.maturity[row] = state.month
            state.events.record(customer, event, float(c.payment[row] * 12), why)
            continue
        lost = vacate(
            state.books,
            c,
            np.array([row]),
            state.ai.demand_state.rent_index,
            rules.relet_floor,
            Channel.STRATEGIC_DEFAULT,
        )
        c.set_active(row, False)
        if provider >= 0 and relet_eligible(c, np.array([row]))[0]:  # outside landlords are not modelled
            relet.offer(state.operations, np.array([provider]), c.payment[[row]])  # offered for re-letting
        state.events.record(customer, event, float(c.payment[row] * 12), why)
        if lost.size and lost.sum() > 0:
            state.events.record(provider, "facility_impaired", float(lost.sum()), state.registry.ids[customer])
    for i, spread, years in d.reputation:
        state.credit.add_reputation_penalty(i, spread, years, state.month)
    for i, row, amount in d.outside_draws:
        state.books.lend(c, np.array([row]), np.array([amount]), "drawdown")
        state.events.record(i, "draw", amount, "outside lender")
    for row in d.line_cuts:
        state.events.record(
            int(c.obligor[row]),
            "line_cut",
            float(c.limit[row] - c.principal[row]),
            state.registry.ids[int(c.creditor[row])],
        )
        c.limit[row] = c.principal[row]
    if d.equity_issues:
        who, amount, discount = (np.array(x) for x in zip(*d.equity_issues, strict=True))
        issue_equity(state, who.astype(np.int64), amount.astype(float), discount.astype(float))
    if d.distributions:
        who, amount = (np.concatenate(x) for x in zip(*d.distributions, strict=True))
        distribute(state, who, amount)
    if d.new_debt:
        issue_debt(state, d.new_debt)
    origination.apply(state, d.originations)  # new loans, SPV deals, loan sales, LP commitments
    for e in d.events:
        state.events.record(e["institution"], e["event"], e["amount"], e["cause"])
    state.lending.was_willing = state.lending.was_willing_next


def issue_equity(state, who: np.ndarray, amount: np.ndarray, discount: np.ndarray) -> None:
    """New shares for ``amount`` sold to outsiders at ``discount`` to book; holders diluted.

    One issue per institution a month: buyers of ``amount`` get ``claim / (equity + claim)`` of
    the equity, with ``claim = amount / (1 - discount)``; every existing stake shrinks by that share.
    """
    c = state.contracts
    pre = np.maximum(state.books.equity[who], 0.0)
    claim = amount / np.maximum(1.0 - discount, 1e-6)
    new_share = np.where(pre + claim > 0, ratio(claim, pre + claim), 1.0)
    dilution = np.ones(state.n)
    dilution[who] = 1.0 - new_share
    stakes = (c.is_stake & (c.obligor >= 0)).nonzero()[0]
    c.share[stakes] *= dilution[c.obligor[stakes]]
    state.books.transfer(EXTERNAL, who, amount, "equity_raise")
    state.books.book(who, amount, Channel.CAPITAL)
    for i, a, dsc in zip(who, amount, discount, strict=True):
        state.events.record(int(i), "equity_raise", float(a), f"outside investors, discount {dsc:.0%}")


def issue_debt(state, new_debt: list[dict]) -> None:
    """New bonds and loans, priced at par at the borrower's current rate and untraded: their value
    moves with the issuer's credit, not with the price index of older bonds (whose coupons reflect
    older spreads)."""
    c = state.contracts
    borrower = np.array([nd["borrower"] for nd in new_debt], dtype=np.int64)
    amount = np.array([nd["amount"] for nd in new_debt])
    tenor = np.array([nd["tenor"] for nd in new_debt], dtype=np.int64)
    rows = c.add_many(
        ctype=[nd["type"] for nd in new_debt],
        creditor=[nd["lender"] for nd in new_debt],
        obligor=borrower,
        rate=treasury_yield(state) + state.credit.spread[borrower],
        start=np.full(borrower.size, state.month),
        maturity=state.month + tenor,
        tenor=tenor,
        seniority=np.full(borrower.size, int(Seniority.SENIOR)),
        market=np.full(borrower.size, -1),
    )
    state.books.lend(c, rows, amount, "bond_issue")
    origination.record_bonds(state, float(amount.sum()))
    c.limit[rows] = amount
    for i, a in zip(borrower, amount, strict=True):
        state.events.record(int(i), "bond_issue", float(a), "cash below buffer")


def distribute(state, who: np.ndarray, amount: np.ndarray) -> None:
    """Pay ``amount`` out of each payer's equity pro rata to its holders (outsiders get the rest)."""
    c = state.contracts
    per = np.bincount(who, weights=amount, minlength=state.n)
    stakes = (c.is_stake & (c.obligor >= 0)).nonzero()[0]
    stakes = stakes[per[c.obligor[stakes]] > 0]
    to_holders = c.share[stakes] * per[c.obligor[stakes]]
    inside = np.bincount(c.obligor[stakes], weights=to_holders, minlength=state.n)
    payers = (per > 0).nonzero()[0]
    state.books.transfer(c.obligor[stakes], c.creditor[stakes], to_holders, "distribution")
    state.books.transfer(payers, EXTERNAL, per[payers] - inside[payers], "distribution")
    state.books.book(payers, -per[payers], Channel.CAPITAL)
    c.principal[stakes] -= to_holders  # each stake is carried down by what it paid out
