"""Private-credit fund (Blue Owl, Blackstone, Apollo, PIMCO as buyer): loans, covenants, LPs."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import call_capital
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms import subscription_lines
from aicontagion.mechanisms.constraints import LoanToValueCovenant
from aicontagion.mechanisms.fund_raising import deal_flow
from aicontagion.network.contracts import ContractType


class PrivateCreditFund(Institution):
    """Lends to neoclouds and SPVs with LP capital and bank credit lines (loan-to-value covenants).

        Each month it pays out a share of its net income to its holders, calls committed LP capital
        when it runs short of cash, pays redemption requests up to its gate (redemptions rise with the
        fall of its NAV over the month: flows chase performance), and stops funding new draws when
        its loan-to-value nears its covenant or it is distressed. It also calls LP capital for the
    new loans asked of private credit last month that no fund could fund (its share by NAV), and
    raises new commitments (:mod:`aicontagion.mechanisms.origination`). Its covenant is a constraint:
        breached, it sells loans and repays its lines.
    """

    kind = Kind.PRIVATE_CREDIT_FUND
    constraints = (LoanToValueCovenant(),)

    @classmethod
    def willing_lender(cls, state, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` fund new draws this month."""
        c = state.contracts
        p = state.registry.params["private_credit_fund"]
        lines = c.rows_of(ContractType.CREDIT_LINE)
        lines = lines[np.isfinite(c.covenant[lines]) & (c.obligor[lines] >= 0)]
        cov = np.full(state.n, np.inf)
        np.minimum.at(cov, c.obligor[lines], c.covenant[lines])
        ltv = state.snapshot.debt[rows] / np.maximum(state.snapshot.assets[rows], 1e-12)
        ok_ltv = ltv <= p["stop_lending_ltv"][rows] * cov[rows]
        return ok_ltv & (state.lifecycle.status[rows] == Status.ACTIVE)

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["private_credit_fund"]
        subscription_lines.settle(state, rows, decisions)  # calls made call_lag_months ago fall due
        income = np.maximum(state.operations.last_income[rows], 0.0)
        payout = p["distribution_share"][rows] * income
        nav = np.maximum(state.books.equity[rows], 0.0)
        fall = np.maximum(
            state.lifecycle.distress[rows] - state.lifecycle.distress_prev[rows], 0.0
        )  # this month's NAV fall
        ask = nav * (p["redemption_rate"][rows] + p["redemption_sensitivity"][rows] * fall)
        cap = nav * p["gate"][rows] / 3.0
        redeem = np.minimum(ask, cap)
        cash = state.books.cash[rows]
        pay = np.minimum(payout + redeem, np.maximum(cash - state.dues.due_now[rows], 0.0))
        decisions.distribute(rows, pay)
        for k in (ask > cap + 1e-9).nonzero()[0]:
            decisions.events.append(
                {
                    "institution": int(rows[k]),
                    "event": "gate",
                    "amount": float(ask[k] - cap[k]),
                    "cause": "redemptions above gate",
                }
            )
        target = p["liquidity_target"][rows] * state.snapshot.assets[rows]
        short = np.maximum(state.dues.due_now[rows] + target - (cash - pay), 0.0)
        short += deal_flow(state, rows)  # dry powder for the loans asked of private credit
        if short.any() and subscription_lines.book(state) is not None:
            subscription_lines.call(state, rows, short, decisions)  # paid later, bridged by sublines
        elif short.any():
            call_capital(state, rows, short, decisions)
