"""Institution: the Mesa agent as a thin view on the arrays, and the two-phase decision record.

Agents carry the decisions; the state they read and change lives in the model's arrays
(:class:`~aicontagion.core.books.Books`, :class:`~aicontagion.network.contracts.ContractTable`).
Each kind's class exposes ``decide(model, rows, decisions)``, a rule vectorised over all its
members, which only *records* what they will do in a :class:`Decisions`. The model applies all
recorded decisions together after every kind has decided from the same snapshot, so results do not
depend on the order in which kinds or agents are visited (the INET Oxford two-phase step).
"""

from __future__ import annotations

from typing import ClassVar

import mesa
import numpy as np

from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind, Status


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
        return float(self.model.state.books.cash[self.row])

    @property
    def equity(self) -> float:
        """Tracked equity (book, marked to market where assets trade)."""
        return float(self.model.state.books.equity[self.row])

    @property
    def status(self) -> Status:
        """Active, distressed or defaulted."""
        return Status(int(self.model.state.lifecycle.status[self.row]))

    @property
    def distress(self) -> float:
        """Relative equity loss since the start, in [0, 1] (DebtRank's h)."""
        return float(self.model.state.lifecycle.distress[self.row])

    def balance_sheet(self) -> dict[str, float]:
        """Assets, liabilities and equity by line item (USD bn)."""
        m = self.model.state
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

    def step(self) -> None:
        """Not used: decisions are rules vectorised over all members of a kind (:meth:`decide`),
        called by the model's decide stage; advance the system with ``model.step()``."""
        raise NotImplementedError(
            f"{type(self).__name__} has no per-agent step: institutions decide per kind in the model's decide "
            "stage (Kind.decide(state, rows, decisions)); call model.step() to advance a month"
        )

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        """Record this kind's decisions for the month (vectorised over ``rows``). Default: none."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.ident!r}, equity={self.equity:.3g}, {self.status.name.lower()})"
