"""Money-market fund (the 2008 path): a short-term lender to dealers, run by its own investors."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions, Institution
from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms.constraints import LiquidityFloor


class MoneyMarketFund(Institution):
    """Lends to dealers in repo and holds short paper, funded by shares investors can redeem at
    once. Investors take out money when its NAV falls (``redemption_sensitivity`` per unit of the
    month's fall) and run once it "breaks the buck" (a loss beyond ``buck``: ``run_share`` of NAV
    a month, as the Reserve Primary Fund in September 2008). It rolls repo only to borrowers whose
    distress is below ``run_distress`` and only while it has the cash its floor requires; it sells
    holdings to keep that floor (a constraint)."""

    kind = Kind.MONEY_MARKET_FUND
    constraints = (LiquidityFloor("money_market_fund"),)

    @classmethod
    def willing_lender(cls, model, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` roll their repo lending this month."""
        p = model.params["money_market_fund"]
        liquid = model.books.cash[rows] >= p["liquidity_floor"][rows] * model.assets[rows]
        intact = model.distress[rows] <= p["buck"][rows]
        return (model.status[rows] == Status.ACTIVE) & liquid & intact

    @classmethod
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        p = model.params["money_market_fund"]
        nav = np.maximum(model.books.equity[rows], 0.0)
        fall = np.maximum(model.distress[rows] - model.distress_prev[rows], 0.0)
        broken = model.distress[rows] > p["buck"][rows]
        outflow = nav * (p["redemption_sensitivity"][rows] * fall + np.where(broken, p["run_share"][rows], 0.0))
        pay = np.minimum(outflow, np.maximum(model.books.cash[rows] - model.due_now[rows], 0.0))
        decisions.distribute(rows, pay)
        newly = broken & (model.distress_prev[rows] <= p["buck"][rows])
        for k in np.flatnonzero(newly):
            decisions.events.append(
                {
                    "institution": int(rows[k]),
                    "event": "broke_the_buck",
                    "amount": float(outflow[k]),
                    "cause": f"NAV loss {model.distress[rows[k]]:.2%}",
                }
            )
