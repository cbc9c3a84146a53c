"""Bank (JPMorgan, MUFG, Morgan Stanley; 2008 dealers): loans, credit lines, wholesale funding."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import pay_out
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms.constraints import LeverageTarget, RiskCapitalFloor
from aicontagion.network.contracts import ContractType


class Bank(Institution):
    """Lends to funds and projects and holds tradable securities, funded by deposits and
    short-term wholesale funding. It cuts the undrawn part of credit lines to borrowers whose
    distress exceeds ``line_cut_distress``, withdraws short-term funding from counterparties whose
    distress exceeds ``run_distress`` (the funding stage), and delevers to its target when its
    equity / assets ratio falls below its buffer, or sheds risk-weighted assets when its equity / RWA
    falls below its risk-based floor (constraints)."""

    kind = Kind.BANK
    constraints = (LeverageTarget(), RiskCapitalFloor())

    @classmethod
    def willing_lender(cls, state, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` fund new draws this month."""
        return state.lifecycle.status[rows] == Status.ACTIVE

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        c = state.contracts
        p = state.registry.params["bank"]
        lines = c.rows_of(ContractType.CREDIT_LINE)
        lines = lines[
            (c.creditor[lines] >= 0) & (c.obligor[lines] >= 0) & (c.limit[lines] > c.principal[lines] + 1e-12)
        ]
        mine = np.zeros(state.n, dtype=bool)
        mine[rows] = True
        lines = lines[mine[c.creditor[lines]]]
        lines = lines[state.lifecycle.status[c.obligor[lines]] != Status.DEFAULTED]  # nothing left to cut
        cut = lines[state.lifecycle.distress[c.obligor[lines]] > p["line_cut_distress"][c.creditor[lines]]]
        for r in cut:
            decisions.line_cuts.append(int(r))
        pay_out(state, rows, p["payout_share"][rows], decisions)
