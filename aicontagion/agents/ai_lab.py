"""AI lab (OpenAI, xAI, Anthropic): cash burn, equity raising, compute commitments."""

from __future__ import annotations

import numpy as np

from aicontagion.agents.base import Institution
from aicontagion.agents.financing import call_capital, raise_equity
from aicontagion.core.decisions import Decisions
from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.renegotiation import renegotiate
from aicontagion.mechanisms.strategic_default import review_commitments


class AILab(Institution):
    """A lab earns its share of AI revenue and pays for compute through offtakes with giants,
    Oracle and neoclouds. It reviews those commitments like a giant (with a higher discount rate
    and little reputation at stake), and when its cash runway falls below ``runway_months`` it
    raises: first by calling committed capital from strategic holders that are still willing
    (the chip supplier's customer financing), then from outside investors, whose appetite scales
    with AI sentiment. What that leaves unpaid of the month's dues it asks its providers to cut
    (:mod:`aicontagion.mechanisms.renegotiation`) before it defaults."""

    kind = Kind.AI_LAB

    @classmethod
    def decide(cls, state, rows: np.ndarray, decisions: Decisions) -> None:
        p = state.registry.params["ai_lab"]
        review_commitments(state, rows, decisions, "commitment_cut")
        burn = np.maximum(state.dues.monthly_outflow[rows] - state.dues.monthly_inflow[rows], 0.0)
        cash = state.books.cash[rows]
        short = cash < p["runway_months"][rows] * burn
        need = np.where(short, p["raise_months"][rows] * burn - cash, 0.0)
        need = np.maximum(need, state.dues.due_now[rows] - cash)  # at least this month's dues
        need = np.maximum(need, 0.0)
        if not need.any():
            return
        called = call_capital(state, rows, need, decisions)
        raised = raise_equity(
            state,
            rows,
            np.maximum(need - called, 0.0),
            p["outside_capacity"][rows],
            p["appetite_elasticity"][rows],
            np.zeros(rows.size),
            decisions,
        )
        # what calls and new shares do not cover of this month's dues: renegotiate before defaulting
        renegotiate(state, rows, state.dues.due_now[rows] - cash - called - raised, decisions)
