"""Neocloud (CoreWeave, Nebius, Lambda): GPU fleet, take-or-pay contracts, secured debt."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import (
    affordable_capex,
    draw_credit_lines,
    issue_bonds,
    liquidity_gap,
    plan_capex,
    raise_equity,
    spend_capex,
)
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.origination import finance_loans


class Neocloud(Institution):
    """Buys GPUs with equity and secured debt and rents them out: under take-or-pay offtakes and
    on the spot market at the GPU rental index. It plans capex by sentiment and funds it and its
    dues by drawing its delayed-draw and revolving lines from lenders still willing to fund, then
    by selling bonds (a ``bond_share`` of what is still missing, while its spread is below the
    market's ceiling), then by selling equity to outside investors at a discount (diluting holders
    such as the chip supplier); it spends on capex only what leaves its cash buffer. Defaulting,
    its GPUs are seized and sold."""

    kind = Kind.NEOCLOUD

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["neocloud"]
        plan = plan_capex(state, rows, p["capex_elasticity"][rows])
        buffer = p["cash_buffer_months"][rows]
        gap = liquidity_gap(state, rows, buffer, plan)
        raised = draw_credit_lines(state, rows, gap, decisions)
        # new loans against the chips delivered: bank project loans, vendor financing, private credit
        raised += finance_loans(state, rows, np.maximum(gap - raised, 0.0), decisions)
        raised += issue_bonds(
            state,
            rows,
            np.maximum(gap - raised, 0.0) * p["bond_share"][rows],
            decisions,
            60,
            refill=buffer * (state.dues.monthly_outflow[rows] + plan) * p["bond_share"][rows],
        )
        raised += raise_equity(
            state,
            rows,
            np.maximum(gap - raised, 0.0),
            p["outside_capacity"][rows],
            p["appetite_elasticity"][rows],
            p["equity_discount"][rows],
            decisions,
        )
        spend_capex(state, rows, affordable_capex(state, rows, plan, raised, buffer), decisions)
