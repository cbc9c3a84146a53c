"""Neocloud (CoreWeave, Nebius, Lambda): GPU fleet, take-or-pay contracts, secured debt."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Decisions, Institution
from aicontagion.agents.financing import (
    draw_credit_lines,
    liquidity_gap,
    plan_capex,
    raise_equity,
    spend_capex,
)
from aicontagion.kinds import Kind


class Neocloud(Institution):
    """Buys GPUs with equity and secured debt and rents them out: under take-or-pay offtakes and
    on the spot market at the GPU rental index. It sets capex by sentiment, draws its delayed-draw
    and revolving lines from lenders still willing to fund, and when still short raises equity
    from outside investors at a discount (diluting holders such as the chip supplier). Defaulting,
    its GPUs are seized and sold."""

    kind = Kind.NEOCLOUD

    @classmethod
    def decide(cls, model, rows: np.ndarray, decisions: Decisions) -> None:
        p = model.params["neocloud"]
        spend_capex(model, rows, plan_capex(model, rows, p["capex_elasticity"][rows]), decisions)
        gap = liquidity_gap(model, rows, p["cash_buffer_months"][rows])
        drawn = draw_credit_lines(model, rows, gap, decisions)
        raise_equity(model, rows, np.maximum(gap - drawn, 0.0), p["outside_capacity"][rows],
                     p["appetite_elasticity"][rows], p["equity_discount"][rows], decisions)
