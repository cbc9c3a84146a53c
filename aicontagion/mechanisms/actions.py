"""Applying the month's recorded decisions to the books (phase two of the decide stage).

All kinds first record what they will do in a :class:`~aicontagion.agents.base.Decisions`
from the same snapshot; :func:`apply_decisions` then carries the decisions out together:
terminations (and the re-letting of the vacated capacity), reputation penalties, draws from
outside lenders, credit-line cuts, new shares, distributions, new bonds and events. The new
amounts due (fees, calls, draws, capex) go through the month's clearing with everything else.
"""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions
from aicontagion.core.books import Channel
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.income import relet_eligible
from aicontagion.mechanisms.resolution import vacate
from aicontagion.network.contracts import EXTERNAL, Seniority


def apply_decisions(model, d: Decisions) -> None:
    """Carry out everything the institutions decided this month (after all of them decided)."""
    c = model.contracts
    rules = model.scenario.resolution
    for row, event, why in d.terminations:
        customer, provider = int(c.obligor[row]), int(c.creditor[row])
        if event == "non_renewal":
            # this month's rent is still due; the lease then expires next month, when the facility
            # is marked to its re-let value and re-let (operations._expire_leases)
            c.maturity[row] = model.month
            model.record_event(customer, event, float(c.payment[row] * 12), why)
            continue
        lost = vacate(
            model.books, c, np.array([row]), model.demand_state.rent_index, rules.relet_floor, Channel.STRATEGIC_DEFAULT
        )
        c.set_active(row, False)
        if provider >= 0 and relet_eligible(c, np.array([row]))[0]:  # outside landlords are not modelled
            model.relet[provider] += c.payment[row]  # the capacity is re-let at market rents
        model.record_event(customer, event, float(c.payment[row] * 12), why)
        if lost.size and lost.sum() > 0:
            model.record_event(provider, "facility_impaired", float(lost.sum()), model.ids[customer])
    for i, spread, years in d.reputation:
        model.add_reputation_penalty(i, spread, years)
    for i, row, amount in d.outside_draws:
        model.books.lend(c, np.array([row]), np.array([amount]), "drawdown")
        model.record_event(i, "draw", amount, "outside lender")
    for row in d.line_cuts:
        model.record_event(
            int(c.obligor[row]), "line_cut", float(c.limit[row] - c.principal[row]), model.ids[int(c.creditor[row])]
        )
        c.limit[row] = c.principal[row]
    if d.equity_issues:
        who, amount, discount = (np.array(x) for x in zip(*d.equity_issues, strict=True))
        issue_equity(model, who.astype(np.int64), amount.astype(float), discount.astype(float))
    if d.distributions:
        who, amount = (np.concatenate(x) for x in zip(*d.distributions, strict=True))
        distribute(model, who, amount)
    if d.new_debt:
        issue_debt(model, d.new_debt)
    for e in d.events:
        model.record_event(e["institution"], e["event"], e["amount"], e["cause"])
    model.was_willing = model.was_willing_next


def issue_equity(model, who: np.ndarray, amount: np.ndarray, discount: np.ndarray) -> None:
    """New shares for ``amount`` sold to outsiders at ``discount`` to book; holders diluted.

    One issue per institution a month: buyers of ``amount`` get ``claim / (equity + claim)`` of
    the equity, with ``claim = amount / (1 - discount)``; every existing stake shrinks by that share.
    """
    c = model.contracts
    pre = np.maximum(model.books.equity[who], 0.0)
    claim = amount / np.maximum(1.0 - discount, 1e-6)
    new_share = np.where(pre + claim > 0, ratio(claim, pre + claim), 1.0)
    dilution = np.ones(model.n)
    dilution[who] = 1.0 - new_share
    stakes = np.flatnonzero(c.is_stake & (c.obligor >= 0))
    c.share[stakes] *= dilution[c.obligor[stakes]]
    model.books.transfer(EXTERNAL, who, amount, "equity_raise")
    model.books.book(who, amount, Channel.CAPITAL)
    for i, a, dsc in zip(who, amount, discount, strict=True):
        model.record_event(int(i), "equity_raise", float(a), f"outside investors, discount {dsc:.0%}")


def issue_debt(model, new_debt: list[dict]) -> None:
    """New bonds and loans, priced at par at the borrower's current rate and untraded: their value
    moves with the issuer's credit, not with the price index of older bonds (whose coupons reflect
    older spreads)."""
    c = model.contracts
    borrower = np.array([nd["borrower"] for nd in new_debt], dtype=np.int64)
    amount = np.array([nd["amount"] for nd in new_debt])
    tenor = np.array([nd["tenor"] for nd in new_debt], dtype=np.int64)
    rows = c.add_many(
        ctype=[nd["type"] for nd in new_debt],
        creditor=[nd["lender"] for nd in new_debt],
        obligor=borrower,
        rate=model.treasury_rate + model.spread[borrower],
        start=np.full(borrower.size, model.month),
        maturity=model.month + tenor,
        tenor=tenor,
        seniority=np.full(borrower.size, int(Seniority.SENIOR)),
        market=np.full(borrower.size, -1),
    )
    model.books.lend(c, rows, amount, "bond_issue")
    c.limit[rows] = amount
    for i, a in zip(borrower, amount, strict=True):
        model.record_event(int(i), "bond_issue", float(a), "cash below buffer")


def distribute(model, who: np.ndarray, amount: np.ndarray) -> None:
    """Pay ``amount`` out of each payer's equity pro rata to its holders (outsiders get the rest)."""
    c = model.contracts
    per = np.bincount(who, weights=amount, minlength=model.n)
    stakes = np.flatnonzero(c.is_stake & (c.obligor >= 0))
    stakes = stakes[per[c.obligor[stakes]] > 0]
    to_holders = c.share[stakes] * per[c.obligor[stakes]]
    inside = np.bincount(c.obligor[stakes], weights=to_holders, minlength=model.n)
    payers = np.flatnonzero(per > 0)
    model.books.transfer(c.obligor[stakes], c.creditor[stakes], to_holders, "distribution")
    model.books.transfer(payers, EXTERNAL, per[payers] - inside[payers], "distribution")
    model.books.book(payers, -per[payers], Channel.CAPITAL)
    c.principal[stakes] -= to_holders  # each stake is carried down by what it paid out
