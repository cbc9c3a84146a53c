"""Tech giant (Meta, Microsoft, Alphabet, Amazon, Oracle): leases, capex pace, bond issuance."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import (
    affordable_capex,
    issue_bonds,
    liquidity_gap,
    pay_out,
    plan_capex,
    spend_capex,
)
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.build_out_vehicles import finance_spv
from aicontagion.mechanisms.exit_option import committed_lease_debt, spv_first
from aicontagion.mechanisms.strategic_default import review_commitments


class TechGiant(Institution):
    """A giant earns core cash flow plus its share of AI revenue, builds capacity, and rents more
    from SPVs and neoclouds. Each month it reviews every lease and offtake (strategic default or
    non-renewal, :mod:`aicontagion.mechanisms.strategic_default`), plans capex by AI sentiment, issues bonds
    when its cash would fall below its buffer (refilling it, so deals are lumpy) as long as its
    debt stays within ``max_debt_to_assets``; beyond that its build-out SPV pays for the buildings
    delivered and leases them to it (:mod:`aicontagion.mechanisms.origination`); it spends on capex
    only what leaves the buffer, and pays out ``payout_share`` of its net income to shareholders."""

    kind = Kind.TECH_GIANT

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["tech_giant"]
        review_commitments(state, rows, decisions, "strategic_default")
        plan = plan_capex(state, rows, p["capex_elasticity"][rows])
        buffer = p["cash_buffer_months"][rows]
        gap = liquidity_gap(state, rows, buffer, plan)
        refill = buffer * (state.dues.monthly_outflow[rows] + plan)
        # no bond beyond the leverage its rating allows: then capex is cut to what cash affords
        debt = state.snapshot.debt[rows]
        if state.spec.origination.lease_debt:  # S&P: the leases' committed terms count as debt
            debt = debt + committed_lease_debt(state, rows)
        room = np.maximum(p["max_debt_to_assets"][rows] * state.snapshot.assets[rows] - debt, 0.0)
        # a giant whose option not to renew makes the lease cheaper than a bond leases first
        early = np.zeros(rows.size)
        first = spv_first(state, rows)
        if first.any():
            early[first] = finance_spv(state, rows[first], gap[first], decisions)
        gap = gap - early  # early <= gap (the vehicle takes at most the gap)
        raised = issue_bonds(
            state, rows, np.minimum(gap, room), decisions, refill=np.minimum(refill, np.maximum(room - gap, 0.0))
        )
        # beyond its bonds, its build-out vehicle pays for the buildings and leases them to it
        plan = plan - early - finance_spv(state, rows, np.maximum(gap - raised, 0.0), decisions)
        capex = affordable_capex(state, rows, plan, raised, buffer)
        spend_capex(state, rows, capex, decisions)
        reserve = capex + buffer * state.dues.monthly_outflow[rows] - raised
        pay_out(state, rows, p["payout_share"][rows], decisions, reserved=reserve)
