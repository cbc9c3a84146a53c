"""Neocloud (CoreWeave, Nebius, Lambda): GPU fleet, take-or-pay contracts, secured debt."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions, Institution
from aicontagion.agents.financing import (
    affordable_capex,
    draw_credit_lines,
    issue_bonds,
    liquidity_gap,
    plan_capex,
    raise_equity,
    spend_capex,
)
from aicontagion.core.kinds import Kind


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
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        p = model.params["neocloud"]
        plan = plan_capex(model, rows, p["capex_elasticity"][rows])
        buffer = p["cash_buffer_months"][rows]
        gap = liquidity_gap(model, rows, buffer, plan)
        raised = draw_credit_lines(model, rows, gap, decisions)
        raised += issue_bonds(
            model,
            rows,
            np.maximum(gap - raised, 0.0) * p["bond_share"][rows],
            decisions,
            60,
            refill=buffer * (model.monthly_outflow[rows] + plan) * p["bond_share"][rows],
        )
        raised += raise_equity(
            model,
            rows,
            np.maximum(gap - raised, 0.0),
            p["outside_capacity"][rows],
            p["appetite_elasticity"][rows],
            p["equity_discount"][rows],
            decisions,
        )
        spend_capex(model, rows, affordable_capex(model, rows, plan, raised, buffer), decisions)
