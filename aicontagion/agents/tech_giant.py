"""Tech giant (Meta, Microsoft, Alphabet, Amazon, Oracle): leases, capex pace, bond issuance."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions, Institution
from aicontagion.agents.financing import (
    affordable_capex,
    issue_bonds,
    liquidity_gap,
    pay_out,
    plan_capex,
    spend_capex,
)
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.strategic_default import review_commitments


class TechGiant(Institution):
    """A giant earns core cash flow plus its share of AI revenue, builds capacity, and rents more
    from SPVs and neoclouds. Each month it reviews every lease and offtake (strategic default or
    non-renewal, :mod:`aicontagion.mechanisms.strategic_default`), plans capex by AI sentiment, issues bonds
    when its cash would fall below its buffer (refilling it, so deals are lumpy) as long as its
    debt stays within ``max_debt_to_assets``, spends on capex only what leaves the buffer, and pays
    out ``payout_share`` of its net income to shareholders."""

    kind = Kind.TECH_GIANT

    @classmethod
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        p = model.params["tech_giant"]
        review_commitments(model, rows, decisions, "strategic_default")
        plan = plan_capex(model, rows, p["capex_elasticity"][rows])
        buffer = p["cash_buffer_months"][rows]
        gap = liquidity_gap(model, rows, buffer, plan)
        refill = buffer * (model.monthly_outflow[rows] + plan)
        # no bond beyond the leverage its rating allows: then capex is cut to what cash affords
        room = np.maximum(p["max_debt_to_assets"][rows] * model.assets[rows] - model.debt[rows], 0.0)
        raised = issue_bonds(
            model, rows, np.minimum(gap, room), decisions, refill=np.minimum(refill, np.maximum(room - gap, 0.0))
        )
        capex = affordable_capex(model, rows, plan, raised, buffer)
        spend_capex(model, rows, capex, decisions)
        reserve = capex + buffer * model.monthly_outflow[rows] - raised
        pay_out(model, rows, p["payout_share"][rows], decisions, reserved=reserve)
