"""The month's obligations: what each institution owes whom, in which order, and settlement.

An obligation is one amount due this month from an obligor to a creditor (or to the outside
world, index -1), with a priority tier for clearing (0 paid first) and a purpose that decides how
a payment is booked:

========== ============================================= ==========================================
purpose    what                                          booked as
========== ============================================= ==========================================
OPEX       operating costs, negative core cash flow      expense (OPERATING), paid to outsiders
INTEREST   interest on debt contracts and on outside debt expense / income (INTEREST)
PRINCIPAL  amortisation and maturing principal           repayment (no P&L at par)
RENT       lease, offtake and backstop payments          expense / income (OPERATING)
FEE        termination fees and residual value payments  expense / income (STRATEGIC_DEFAULT)
CALL       capital called from an LP or strategic holder capital: stake carried up, issuer CAPITAL
DRAW       a lender funds a credit-line draw (tier 3)    new principal (no P&L)
CAPEX_GPU  chips bought (from a chip supplier or outside) asset swap: cash for GPUs; seller's sale
CAPEX_BUILD data-centre construction paid to outsiders   asset swap: cash for facility
========== ============================================= ==========================================

Tiers: 0 operating costs and secured debt service; 1 senior debt, rent, fees, calls, draws;
2 subordinated debt; 3 capex, paid only from what is left (a shortfall there is no default).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np

from aicontagion.accounts import Books, Channel, _column, _size, _sum_by
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType, Seniority


class Purpose(IntEnum):
    """Why an amount is due (decides its booking)."""

    OPEX = 0
    INTEREST = 1
    PRINCIPAL = 2
    RENT = 3
    FEE = 4
    CALL = 5
    DRAW = 6
    CAPEX_GPU = 7
    CAPEX_BUILD = 8


# purposes settled as an expense of the payer and an income of the payee, with their P&L channel
_EXPENSE = np.zeros(len(Purpose), dtype=bool)
_EXPENSE[[Purpose.OPEX, Purpose.INTEREST, Purpose.RENT, Purpose.FEE]] = True
_EXPENSE_CHANNEL = np.zeros(len(Purpose), dtype=np.int64)
_EXPENSE_CHANNEL[[Purpose.OPEX, Purpose.INTEREST, Purpose.RENT, Purpose.FEE]] = [
    Channel.OPERATING,
    Channel.INTEREST,
    Channel.OPERATING,
    Channel.STRATEGIC_DEFAULT,
]
_LABELS = [p.name.lower() for p in Purpose]

DISCRETIONARY_TIER = 3
"""Tier of discretionary spending: paid from what is left; not paying it is no default."""


_TIER_OF_SENIORITY = np.array([0, 1, 2])  # secured, senior, subordinated


@dataclass
class Obligations:
    """Parallel arrays, one entry per amount due this month."""

    obligor: list[np.ndarray] = field(default_factory=list)
    creditor: list[np.ndarray] = field(default_factory=list)
    due: list[np.ndarray] = field(default_factory=list)
    priority: list[np.ndarray] = field(default_factory=list)
    purpose: list[np.ndarray] = field(default_factory=list)
    row: list[np.ndarray] = field(default_factory=list)  # contract row or -1

    def add(self, obligor, creditor, due, priority, purpose: Purpose, row=-1) -> None:
        """Append amounts due (arrays broadcast together); zero amounts are dropped."""
        k = _size(obligor, creditor, due)
        due = _column(due, np.float64, k)
        keep = due > 1e-12  # below a thousandth of a dollar: nothing is due
        kept = int(keep.sum())
        if kept == 0:
            return
        whole = kept == k
        for name, value in (("obligor", obligor), ("creditor", creditor), ("priority", priority), ("row", row)):
            col = _column(value, np.int64, k)
            getattr(self, name).append(col if whole else col[keep])
        self.due.append(due if whole else due[keep])
        self.purpose.append(np.full(kept, int(purpose), dtype=np.int64))

    def arrays(self) -> dict[str, np.ndarray]:
        """All entries concatenated (empty arrays when nothing is due); cached until the next ``add``."""
        if len(self.due) == getattr(self, "_cached_parts", -1):
            return self._cached
        names = ("obligor", "creditor", "due", "priority", "purpose", "row")
        out = {}
        for n in names:
            parts = getattr(self, n)
            if len(parts) > 1:
                out[n] = np.concatenate(parts)
            else:
                out[n] = parts[0] if parts else np.zeros(0, dtype=float if n == "due" else np.int64)
        self._cached, self._cached_parts = out, len(self.due)
        return out

    @property
    def parts(self) -> int:
        """How many ``add`` calls are held: a bookmark for :meth:`dues`."""
        return len(self.due)

    def dues(self, n: int, first_part: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """USD bn due from each institution, in all and in binding tiers (below
        :data:`DISCRETIONARY_TIER`), over the parts added since bookmark ``first_part``."""
        total, binding = np.zeros(n), np.zeros(n)
        for ob, due, tier in zip(
            self.obligor[first_part:], self.due[first_part:], self.priority[first_part:], strict=True
        ):
            by_obligor = _sum_by(ob, due, n)
            total += by_obligor
            if tier.max() < DISCRETIONARY_TIER:
                binding += by_obligor
            elif tier.min() < DISCRETIONARY_TIER:
                binding += _sum_by(ob, np.where(tier < DISCRETIONARY_TIER, due, 0.0), n)
        return total, binding


def contract_obligations(obl: Obligations, contracts: ContractTable, month: int, usage: float) -> None:
    """Add interest, principal and rent due on active contracts in ``month``.

    Args:
        usage: share of contracted capacity customers use this month (in [0, 1]); a customer pays
            ``payment x (take_or_pay + (1 - take_or_pay) x usage)`` on an offtake or lease.
    """
    c = contracts
    debt = c.is_debt & (c.principal > 0) & (c.start <= month)
    rows = np.flatnonzero(debt)
    if rows.size:
        tier = _TIER_OF_SENIORITY[c.seniority[rows]]
        principal, obligor, creditor = c.principal[rows], c.obligor[rows], c.creditor[rows]
        obl.add(obligor, creditor, principal * c.rate[rows] / 12.0, tier, Purpose.INTEREST, rows)
        maturity, amortising = c.maturity[rows], c.amortising[rows]
        repaid = np.where(amortising, principal / np.maximum(maturity - month + 1, 1), 0.0)  # amortisation
        repaid += np.where(~amortising & (maturity <= month), principal, 0.0)  # bullets falling due
        called = c.call_due[rows]  # margin calls, up to what is left
        if called.any():
            repaid += np.maximum(np.minimum(called, principal - repaid), 0.0)
        obl.add(obligor, creditor, repaid, tier, Purpose.PRINCIPAL, rows)
    ex = c.executory_rows
    ex = ex[(c.start[ex] <= month) & (c.maturity[ex] >= month)]
    if ex.size:
        top = c.take_or_pay[ex]
        due = c.payment[ex] * (top + (1.0 - top) * usage)
        obl.add(c.obligor[ex], c.creditor[ex], due, 1, Purpose.RENT, ex)


def settle(
    books: Books,
    contracts: ContractTable,
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
    m = _EXPENSE[purpose] & (paid > 0)
    if m.any():
        books.pay_expenses(ob[m], cr[m], paid[m], _EXPENSE_CHANNEL[purpose[m]], purpose[m], _LABELS)
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
        _capital_calls(books, contracts, row[m], paid[m])
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
        if sellers.any():
            who, amount = cr[m][sellers], paid[m][sellers]
            cogs = amount * (1.0 - gross_margin[who])
            books.book(who, amount - cogs, Channel.OPERATING)
            books.transfer(who, EXTERNAL, cogs, "chip_costs")
    m = (purpose == Purpose.CAPEX_BUILD) & (paid > 0)
    if m.any():
        books.transfer(ob[m], cr[m], paid[m], "capex_construction")
        np.add.at(books.facility, ob[m], paid[m])


def _capital_calls(books: Books, contracts: ContractTable, rows: np.ndarray, paid: np.ndarray) -> None:
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
    hit = np.flatnonzero(called > 0)
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


def senior_tier(seniority: np.ndarray) -> np.ndarray:
    """Clearing tier of debt of the given seniority."""
    return _TIER_OF_SENIORITY[seniority]


__all__ = ["Obligations", "Purpose", "contract_obligations", "settle", "senior_tier", "EXTERNAL", "Seniority"]
