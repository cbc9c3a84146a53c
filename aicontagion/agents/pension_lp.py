"""Pension, insurer, sovereign fund or ETF holder: the final risk bearers."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms import pension_funding
from aicontagion.mechanisms.constraints import AllocationCap, CapitalFloor, LiquidityFloor, RatingFloor


class PensionLP(Institution):
    """Holds fund stakes (with uncalled commitments), SPV and IG bonds and public equity. It
    honours capital calls; keeps a cash floor by selling public assets (the LP fire-sale channel);
    an insurer sells bonds whose credit mark falls below its rating floor, and sells tradables
    pro rata when its risk-based capital ratio falls below its floor; a pension sells fund stakes
    at a discount when private assets (over its whole portfolio) exceed their cap, and takes less
    of new fund commitments above its private target (pacing); an ETF pays out redemptions that
    rise with the fall of its NAV over the month."""

    kind = Kind.PENSION_LP
    constraints = (RatingFloor(), CapitalFloor(), AllocationCap(), LiquidityFloor())

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["pension_lp"]
        pension_funding.contribute(state, rows)  # sponsors pay in more as the unfunded liability rises
        nav = np.maximum(state.books.equity[rows], 0.0)
        fall = np.maximum(
            state.lifecycle.distress[rows] - state.lifecycle.distress_prev[rows], 0.0
        )  # this month's NAV fall
        outflow = nav * p["redemption_sensitivity"][rows] * fall
        cash = np.maximum(state.books.cash[rows] - state.dues.due_now[rows], 0.0)
        pay = np.minimum(outflow, cash)
        decisions.distribute(rows, pay)
