"""Settlement: booking the month's cleared payments, each by its purpose.

After clearing (:func:`aicontagion.network.obligation_clearing.clear_obligations`) has decided how
much of each obligation is paid, :func:`settle` books every payment on both balance sheets:
expenses and income by P&L channel, principal repaid (a term loan's limit falls with it), capital
called into issuers (:func:`capital_calls`), credit-line draws, chips bought from a chip supplier
(its revenue net of the cost of goods) and data-centre construction paid to outsiders.
See the table of purposes in :mod:`aicontagion.core.obligations`.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Books, Channel
from aicontagion.core.contract_types import EXTERNAL, ContractType
from aicontagion.core.obligations import EXPENSE_CHANNEL, IS_EXPENSE, PURPOSE_LABELS, Purpose

READS: tuple[str, ...] = ()
"""None: a pure function of its arguments (it never sees the month state)."""
WRITES: tuple[str, ...] = ()


def settle(
    books: Books,
    contracts,
    arr: dict[str, np.ndarray],
    paid: np.ndarray,
    gpu_class: int,
    gpu_price: float,
    gross_margin: np.ndarray,
    gpu_new: np.ndarray | None = None,
) -> None:
    """Book the cleared payments ``paid`` (one per obligation in ``arr``).

    Args:
        gpu_class: index of the GPU asset class (-1 if the scenario has none: chips count as facility).
        gpu_new: per institution, GPU units bought during the run (updated in place).
        gpu_price: marked GPU price, at which bought chips enter the buyer's books.
        gross_margin: per institution, margin a chip seller earns on chip revenue.
    """
    purpose = arr["purpose"]
    ob, cr, row = arr["obligor"], arr["creditor"], arr["row"]
    m = IS_EXPENSE[purpose] & (paid > 0)
    if m.any():
        books.pay_expenses(ob[m], cr[m], paid[m], EXPENSE_CHANNEL[purpose[m]], purpose[m], PURPOSE_LABELS)
    m = (purpose == Purpose.RENT) & (paid > 0) & (cr >= 0)
    if m.any():
        # a chip supplier selling under an offtake bears its cost of goods
        cogs = paid[m] * np.where(gross_margin[cr[m]] > 0, 1.0 - gross_margin[cr[m]], 0.0)
        if cogs.any():
            books.pay_expense(cr[m], EXTERNAL, cogs, Channel.OPERATING, "chip_costs")
        backstop = (row[m] >= 0) & (contracts.ctype[np.maximum(row[m], 0)] == ContractType.BACKSTOP)
        np.subtract.at(contracts.limit, row[m][backstop], paid[m][backstop])
    m = (purpose == Purpose.PRINCIPAL) & (paid > 0)
    if m.any():
        rows = row[m]
        amounts = paid[m]
        order = np.argsort(rows, kind="stable")  # a row may appear once per month; be safe anyway
        books.repay_principal(contracts, rows[order], amounts[order])
        contracts.call_due[rows] = 0.0  # a margin call is met this month or leads to default
        term = (contracts.ctype[rows] == ContractType.CREDIT_LINE) & contracts.amortising[rows]
        contracts.limit[rows[term]] -= amounts[term]  # a term loan's repaid principal cannot be drawn again
        done = rows[contracts.principal[rows] <= 1e-12]
        contracts.principal[done] = 0.0
        credit_lines = contracts.ctype[done] == ContractType.CREDIT_LINE
        contracts.set_active(done[~credit_lines], False)
    m = (purpose == Purpose.CALL) & (paid > 0)
    if m.any():
        capital_calls(books, contracts, row[m], paid[m])
    m = (purpose == Purpose.DRAW) & (paid > 0)
    if m.any():
        books.lend(contracts, row[m], paid[m], "drawdown")
    m = (purpose == Purpose.CAPEX_GPU) & (paid > 0)
    if m.any():
        books.transfer(ob[m], cr[m], paid[m], "capex_chips")
        if gpu_class >= 0:
            np.add.at(books.holdings[:, gpu_class], ob[m], paid[m] / gpu_price)
            if gpu_new is not None:
                np.add.at(gpu_new, ob[m], paid[m] / gpu_price)
        else:
            np.add.at(books.facility, ob[m], paid[m])
        sellers = cr[m] >= 0
        if sellers.any():  # a seller is owed only its margin (its cost of goods went to its suppliers)
            books.book(cr[m][sellers], paid[m][sellers], Channel.OPERATING)
    m = (purpose == Purpose.CAPEX_BUILD) & (paid > 0)
    if m.any():
        books.transfer(ob[m], cr[m], paid[m], "capex_construction")
        np.add.at(books.facility, ob[m], paid[m])


def capital_calls(books: Books, contracts, rows: np.ndarray, paid: np.ndarray) -> None:
    """Holders pay called capital into issuers at book value: the payers' shares rise, others' fall.

    With issuer equity ``E`` and calls ``X`` in total, every stake's share becomes
    ``share x E / (E + X)`` plus ``paid / (E + X)`` for the payers, so each holder's carrying value
    (``share x equity``) changes by exactly what it paid.
    """
    c = contracts
    issuer = c.obligor[rows]
    n = books.n
    pre = np.maximum(books.equity, 0.0)
    called = np.bincount(issuer, weights=paid, minlength=n)
    post = pre + called
    hit = (called > 0).nonzero()[0]
    is_hit = np.zeros(n, dtype=bool)
    is_hit[hit] = True
    stakes = c.stake_rows
    stakes = stakes[(c.obligor[stakes] >= 0) & is_hit[c.obligor[stakes]]]
    scale = np.divide(pre, post, out=np.ones(n), where=post > 0)
    c.share[stakes] *= scale[c.obligor[stakes]]
    np.add.at(c.share, rows, np.divide(paid, post[issuer], out=np.zeros_like(paid), where=post[issuer] > 0))
    books.transfer(c.creditor[rows], issuer, paid, "capital_call")
    c.principal[rows] += paid  # each payer's stake is carried up by what it paid
    c.uncalled[rows] -= paid
    books.book(issuer, paid, Channel.CAPITAL)
