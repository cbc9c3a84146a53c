"""Pension, insurer, sovereign fund or ETF holder: the final risk bearers."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions, Institution
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.constraints import AllocationCap, LiquidityFloor, RatingFloor


class PensionLP(Institution):
    """Holds fund stakes (with uncalled commitments), SPV and IG bonds and public equity. It
    honours capital calls; keeps a cash floor by selling public assets (the LP fire-sale channel);
    an insurer sells bonds whose credit mark falls below its rating floor; a pension sells fund
    stakes at a discount when private assets exceed their cap; an ETF pays out redemptions that
    rise with the fall of its NAV over the month."""

    kind = Kind.PENSION_LP
    constraints = (RatingFloor(), AllocationCap(), LiquidityFloor())

    @classmethod
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        p = model.params["pension_lp"]
        nav = np.maximum(model.books.equity[rows], 0.0)
        fall = np.maximum(model.distress[rows] - model.distress_prev[rows], 0.0)  # this month's NAV fall
        outflow = nav * p["redemption_sensitivity"][rows] * fall
        cash = np.maximum(model.books.cash[rows] - model.due_now[rows], 0.0)
        pay = np.minimum(outflow, cash)
        decisions.distribute(rows, pay)
