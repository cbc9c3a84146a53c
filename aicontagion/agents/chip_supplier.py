"""Chip supplier (Nvidia, AMD): sells chips from capex, finances its customers, backstops capacity."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import pay_out
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind, Status


class ChipSupplier(Institution):
    """Revenue comes from the system's capex (by market share) and outside customers; it holds
    stakes in customers with uncalled commitments (Nvidia -> OpenAI) and backstops neocloud
    capacity (Nvidia -> CoreWeave). It keeps financing customers only while AI sentiment is at
    least ``financing_floor`` of its opening level and it is not itself distressed."""

    kind = Kind.CHIP_SUPPLIER

    @classmethod
    def willing(cls, state, rows: np.ndarray) -> np.ndarray:
        """Which of ``rows`` honour capital calls from customers this month."""
        floor = state.registry.params["chip_supplier"]["financing_floor"][rows]
        return (state.ai.sentiment_ratio >= floor) & (state.lifecycle.status[rows] == Status.ACTIVE)

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        pay_out(state, rows, state.registry.params["chip_supplier"]["payout_share"][rows], decisions)
        stopped = rows[~cls.willing(state, rows) & state.lending.was_willing[rows]]
        for r in stopped:
            decisions.events.append(
                {
                    "institution": int(r),
                    "event": "financing_stopped",
                    "amount": 0.0,
                    "cause": f"sentiment at {state.ai.sentiment_ratio:.0%} of its opening level",
                }
            )
