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

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.numeric import ArrayIntEnum, as_column, common_size, sum_by_index


class Purpose(ArrayIntEnum):
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
IS_EXPENSE = np.zeros(len(Purpose), dtype=bool)
IS_EXPENSE[[Purpose.OPEX, Purpose.INTEREST, Purpose.RENT, Purpose.FEE]] = True
EXPENSE_CHANNEL = np.zeros(len(Purpose), dtype=np.int64)
EXPENSE_CHANNEL[[Purpose.OPEX, Purpose.INTEREST, Purpose.RENT, Purpose.FEE]] = [
    Channel.OPERATING,
    Channel.INTEREST,
    Channel.OPERATING,
    Channel.STRATEGIC_DEFAULT,
]
PURPOSE_LABELS = [p.name.lower() for p in Purpose]

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
        k = common_size(obligor, creditor, due)
        due = as_column(due, np.float64, k)
        keep = due > 1e-12  # below a thousandth of a dollar: nothing is due
        kept = int(keep.sum())
        if kept == 0:
            return
        whole = kept == k
        cols = [as_column(v, np.int64, k) for v in (obligor, creditor, priority, row)]
        if not whole:
            cols = [col[keep] for col in cols]
        self.obligor.append(cols[0])
        self.creditor.append(cols[1])
        self.priority.append(cols[2])
        self.row.append(cols[3])
        self.due.append(due if whole else due[keep])
        code = np.empty(kept, dtype=np.int64)
        code.fill(int(purpose))  # np.full: three calls
        self.purpose.append(code)

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

    def due_on(self, rows: np.ndarray, purpose: Purpose) -> np.ndarray:
        """USD bn due this month on each contract row in ``rows`` for ``purpose``."""
        rows = np.asarray(rows, dtype=np.int64)
        a = self.arrays()
        sel = (a["purpose"] == int(purpose)) & (a["row"] >= 0)
        if rows.size == 0 or not sel.any():
            return np.zeros(rows.size)
        size = max(int(rows.max()), int(a["row"][sel].max())) + 1
        return np.bincount(a["row"][sel], weights=a["due"][sel], minlength=size)[rows]

    def scale_rows(self, rows: np.ndarray, factor: np.ndarray, purpose: Purpose) -> None:
        """Multiply what is due on contract ``rows`` for ``purpose`` by ``factor`` (per row)."""
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        size = int(max(rows.max(), max((int(r.max()) for r in self.row if r.size), default=-1))) + 1
        f = np.ones(size)
        f[rows] = factor
        for r, due, purp in zip(self.row, self.due, self.purpose, strict=True):
            hit = (purp == int(purpose)) & (r >= 0)
            if hit.any():
                due[hit] *= f[r[hit]]
        self._cached_parts = -1  # the concatenated arrays are stale

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
            by_obligor = sum_by_index(ob, due, n)
            total += by_obligor
            if np.maximum.reduce(tier) < DISCRETIONARY_TIER:  # tier.max() without its two wrapper calls
                binding += by_obligor
            elif tier.min() < DISCRETIONARY_TIER:
                binding += sum_by_index(ob, np.where(tier < DISCRETIONARY_TIER, due, 0.0), n)
        return total, binding


def contract_obligations(obl: Obligations, contracts, month: int, usage: float) -> None:
    """Add interest, principal and rent due on active contracts in ``month``.

    Args:
        usage: share of contracted capacity customers use this month (in [0, 1]); a customer pays
            ``payment x (take_or_pay + (1 - take_or_pay) x usage)`` on an offtake or lease.
    """
    c = contracts
    debt = c.is_debt & (c.principal > 0) & (c.start <= month)
    rows = debt.nonzero()[0]
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


def senior_tier(seniority: np.ndarray) -> np.ndarray:
    """Clearing tier of debt of the given seniority."""
    return _TIER_OF_SENIORITY[seniority]


__all__ = ["Obligations", "Purpose", "contract_obligations", "senior_tier"]
