"""Money-market fund (the 2008 path): a short-term lender to dealers, run by its own investors."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms.constraints import LiquidityFloor


class MoneyMarketFund(Institution):
    """Lends to dealers in repo and holds short paper, funded by shares investors can redeem at
    once. Investors take out money when its NAV falls (``redemption_sensitivity`` per unit of the
    month's fall) and run once it "breaks the buck" (a loss beyond ``buck``: ``run_share`` of NAV
    a month, as the Reserve Primary Fund in September 2008). It rolls repo only to borrowers whose
    distress is below ``run_distress`` and only while it has the cash its floor requires; it sells
    holdings to keep that floor (a constraint). Its distress is the fall of its NAV per share at
    amortized cost, income distributed daily (:func:`~aicontagion.mechanisms.credit.money_market_nav`).

    With liquidity sub-steps (``funding.liquidity_substeps`` above 1) the run is paid inside the
    month: a fund that broke the buck rolls none of its maturing lending and pays ``run_share /
    K`` of its NAV in each sub-step, selling holdings when its cash is short
    (:func:`~aicontagion.mechanisms.liquidity_substeps.redemptions`); the decide stage then pays
    only the NAV-sensitive part. A fund whose shares the government guarantees
    (``credit.always_rolls``, the Treasury's program of September 2008) has investors who stay:
    no redemptions, and it keeps lending as an intact fund."""

    kind = Kind.MONEY_MARKET_FUND
    constraints = (LiquidityFloor("money_market_fund"),)

    @classmethod
    def willing_lender(cls, state, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` roll their repo lending this month."""
        p = state.registry.params["money_market_fund"]
        liquid = state.books.cash[rows] >= p["liquidity_floor"][rows] * state.snapshot.assets[rows]
        intact = (state.lifecycle.distress[rows] <= p["buck"][rows]) | state.credit.always_rolls[rows]
        return (state.lifecycle.status[rows] == Status.ACTIVE) & liquid & intact

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["money_market_fund"]
        nav = np.maximum(state.books.equity[rows], 0.0)
        fall = np.maximum(state.lifecycle.distress[rows] - state.lifecycle.distress_prev[rows], 0.0)
        broken = state.lifecycle.distress[rows] > p["buck"][rows]
        monthly = state.spec.funding.liquidity_substeps == 1  # else the run is paid in the sub-steps
        run = np.where(broken & monthly, p["run_share"][rows], 0.0)
        guaranteed = state.credit.always_rolls[rows]  # shares backed: the investors stay
        outflow = np.where(guaranteed, 0.0, nav * (p["redemption_sensitivity"][rows] * fall + run))
        pay = np.minimum(outflow, np.maximum(state.books.cash[rows] - state.dues.due_now[rows], 0.0))
        decisions.distribute(rows, pay)
        newly = broken & monthly & (state.lifecycle.distress_prev[rows] <= p["buck"][rows])
        for k in np.flatnonzero(newly):
            decisions.events.append(
                {
                    "institution": int(rows[k]),
                    "event": "broke_the_buck",
                    "amount": float(outflow[k]),
                    "cause": f"NAV loss {state.lifecycle.distress[rows[k]]:.2%}",
                }
            )
