"""Institution: the Mesa agent as a thin view on the arrays, and the two-phase decision record.

Agents carry the decisions; the state they read and change lives in the model's arrays
(:class:`~aicontagion.core.books.Books`, :class:`~aicontagion.network.contracts.ContractTable`).
Each kind's class exposes ``decide(model, rows, decisions)``, a rule vectorised over all its
members, which only *records* what they will do in a :class:`Decisions`. The model applies all
recorded decisions together after every kind has decided from the same snapshot, so results do not
depend on the order in which kinds or agents are visited (the INET Oxford two-phase step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import mesa
import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.obligations import Obligations


@dataclass
class Decisions:
    """Everything institutions decided this month, applied together by the model.

    Attributes:
        obligations: new amounts due this month (fees, capital calls, credit-line draws, capex).
        terminations: executory contract rows ended, with the reason for each (event text).
        equity_issues: ``(row, amount USD bn, discount)`` new shares sold to outside investors.
        distributions: ``(rows, amounts USD bn)`` array pairs paid out pro rata to each payer's
            holders (record them with :meth:`distribute`).
        line_cuts: credit-line rows whose undrawn limit is cancelled.
        new_debt: new loans or bonds (dicts: borrower, lender, amount, tenor, type).
        outside_draws: ``(borrower, credit-line row, amount)`` drawn from lenders outside the system.
        reputation: ``(customer, spread, years)`` penalties for walking away.
        events: extra event rows (dicts) to record.
    """

    obligations: Obligations = field(default_factory=Obligations)
    terminations: list[tuple[int, str, str]] = field(default_factory=list)
    equity_issues: list[tuple[int, float, float]] = field(default_factory=list)
    distributions: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    line_cuts: list[int] = field(default_factory=list)
    new_debt: list[dict] = field(default_factory=list)
    outside_draws: list[tuple[int, int, float]] = field(default_factory=list)
    reputation: list[tuple[int, float, float]] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def distribute(self, rows: np.ndarray, amounts: np.ndarray, at_least: float = 1e-9) -> None:
        """Record payouts of ``amounts`` (USD bn) by ``rows``; amounts up to ``at_least`` are dropped."""
        keep = amounts > at_least
        if keep.any():
            self.distributions.append((np.asarray(rows, dtype=np.int64)[keep], np.asarray(amounts, dtype=float)[keep]))


class Institution(mesa.Agent):
    """One institution of the exposure network: a view on row ``row`` of the model's arrays."""

    kind: ClassVar[Kind]

    def __init__(self, model, row: int, ident: str, name: str):
        super().__init__(model)
        self.row = row
        self.ident = ident
        self.name = name

    # -- views (USD bn) -----------------------------------------------------------------------
    @property
    def cash(self) -> float:
        """Cash on hand."""
        return float(self.model.books.cash[self.row])

    @property
    def equity(self) -> float:
        """Tracked equity (book, marked to market where assets trade)."""
        return float(self.model.books.equity[self.row])

    @property
    def status(self) -> Status:
        """Active, distressed or defaulted."""
        return Status(int(self.model.status[self.row]))

    @property
    def distress(self) -> float:
        """Relative equity loss since the start, in [0, 1] (DebtRank's h)."""
        return float(self.model.distress[self.row])

    def balance_sheet(self) -> dict[str, float]:
        """Assets, liabilities and equity by line item (USD bn)."""
        m = self.model
        r = self.row
        b = m.books
        c = m.contracts
        prices = m.markets.marked_price
        mine = c.creditor == r
        owes = c.obligor == r
        return {
            "cash": float(b.cash[r]),
            "holdings": float(b.holdings[r] @ prices),
            "claims": float(c.value()[mine].sum()),
            "facility": float(b.facility[r]),
            "franchise": float(b.franchise[r]),
            "other_assets": float(b.other_assets[r]),
            "contract_debt": float(c.liability()[owes].sum()),
            "outside_liabilities": float(b.ext_liab[r]),
            "equity": float(b.equity[r]),
        }

    @classmethod
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        """Record this kind's decisions for the month (vectorised over ``rows``). Default: none."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ident!r}, equity={self.equity:.3g}, {self.status.name.lower()})"
