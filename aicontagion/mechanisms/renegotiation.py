"""Renegotiation: a customer that cannot pay its leases and offtakes asks its providers for a cut.

A customer (an AI lab: :class:`~aicontagion.agents.ai_lab.AILab` calls it after raising; the
rule takes any customer) that will not be able to pay this month's dues out of its
cash and what it raises this month (``shortfall x = due - cash - raised > 0``) would default in
clearing. Before that it asks each provider in the system for the same cut ``c_need`` of its
contracted payments, enough to cover its monthly burn or this month's shortfall if larger
(``c_need = min(1, max(x, burn) / payments)``). Each provider compares, per contract:

* keeping the customer at a cut ``c``: ``(1 - c) x P`` (``P``: PV of the payments left in the
  term at the customer's discount rate, :func:`~aicontagion.mechanisms.strategic_default.appraise`);
* the customer's default: the capacity back, re-let at today's market rent (``S``, the sublet
  value), plus its claim in the estate (``lease_claim_months`` of payments, the cap of the
  customer's bankruptcy) times the estate's expected recovery ``rho = min(1, assets / (debt +
  claims))``, the franchise counted at the ``franchise_recovery`` an estate sale fetches;

and grants at most ``c_max = max(0, 1 - (S + rho x claim) / P)``: it accepts a cut when its value
of the cut contract is at least its expected recovery in the customer's default. The customer
renegotiates only if the cuts granted, ``min(c_need, c_max)`` on each contract, cover this month's
shortfall, i.e. only if renegotiation avoids its default; otherwise nothing changes and the
default rule decides. Renegotiation applies at once: this month's rent due on the contract and
its payment (and termination fee) from now on are cut by ``c``. The provider carries no contract
value on its books (leases and offtakes are executory), so its loss of contract value, ``c x P``,
is the rent it no longer receives, booked as it falls due (and in project-finance marks of SPV
debt at once, :mod:`aicontagion.mechanisms.valuation`); the event records it. A giant that
renegotiated would pay the reputation spread of a walk-away. Channel switch ``renegotiation``.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.decisions import Decisions
from aicontagion.core.obligations import Purpose
from aicontagion.mechanisms.strategic_default import appraise

READS = ("ai", "books", "channels", "dues", "month", "operations", "registry", "snapshot", "spec", "system")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts", "dues")
"""State groups this mechanism writes."""


def provider_terms(state, rows: np.ndarray, month: int) -> dict[str, np.ndarray]:
    """For executory contract ``rows``: ``P``, the provider's value in the customer's default and
    the largest cut it accepts (``c_max``)."""
    c = state.contracts
    a = appraise(state, rows, month)
    cust = a["customer"]
    remaining = np.maximum(c.maturity[rows] - month, 0)
    claim = c.payment[rows] * np.minimum(remaining, state.spec.resolution.lease_claim_months)
    claims = np.bincount(cust, weights=claim, minlength=state.n)
    debt = state.snapshot.debt + claims
    # the estate as resolution sells it: a failed lab's franchise fetches franchise_recovery of its mark
    estate = state.snapshot.assets - state.books.franchise * (1.0 - state.spec.resolution.franchise_recovery)
    recovery = np.clip(estate / np.maximum(debt, 1e-12), 0.0, 1.0)[cust]
    in_default = a["sublet_pv"] + recovery * claim
    pay = a["pay_pv"]
    c_max = np.where(pay > 1e-12, np.clip(1.0 - in_default / np.maximum(pay, 1e-12), 0.0, 1.0), 0.0)
    return {"customer": cust, "pay_pv": pay, "in_default": in_default, "c_max": c_max, "recovery": recovery}


def renegotiate(state, customers: np.ndarray, shortfall: np.ndarray, decisions: Decisions) -> np.ndarray:
    """Cut the commitments of ``customers`` short by ``shortfall`` this month where providers
    accept; returns the cut granted per contract row (0 where none)."""
    c = state.contracts
    t = state.month
    cut = np.zeros(c.size)
    if not state.channels.renegotiation:
        return cut
    short = np.zeros(state.n)
    short[customers] = np.maximum(shortfall, 0.0)
    rows = c.executory_rows
    rows = rows[(c.maturity[rows] >= t) & (c.start[rows] <= t) & (c.obligor[rows] >= 0) & (c.creditor[rows] >= 0)]
    rows = rows[short[c.obligor[rows]] > 1e-9]
    if rows.size == 0:
        return cut
    terms = provider_terms(state, rows, t)
    cust = terms["customer"]
    payments = np.bincount(cust, weights=c.payment[rows], minlength=state.n)
    burn = np.maximum(state.dues.monthly_outflow - state.dues.monthly_inflow, 0.0)
    need = np.minimum(1.0, np.maximum(short, burn) / np.maximum(payments, 1e-12))
    granted = np.minimum(need[cust], terms["c_max"])
    due = decisions.obligations.due_on(rows, Purpose.RENT)
    saving = np.bincount(cust, weights=granted * due, minlength=state.n)
    ok = (saving >= short - 1e-9) & (short > 1e-9)
    take = ok[cust] & (granted > 1e-12)
    if not take.any():
        return cut
    rows, granted, cust, due = rows[take], granted[take], cust[take], due[take]
    decisions.obligations.scale_rows(rows, 1.0 - granted, Purpose.RENT)
    cut_now = np.bincount(cust, weights=granted * due, minlength=state.n)
    state.dues.due_now -= cut_now
    state.dues.due_binding_income -= cut_now
    c.payment[rows] *= 1.0 - granted
    c.termination_fee[rows] *= 1.0 - granted
    cut[rows] = granted
    lost = granted * terms["pay_pv"][take]
    ids = state.registry.ids
    giants = state.registry.params["tech_giant"]
    for k, row in enumerate(rows):
        i, j = int(cust[k]), int(c.creditor[row])
        decisions.events.append(
            {
                "institution": i,
                "event": "renegotiation",
                "amount": float(lost[k]),
                "cause": f"{ids[j]} cuts {granted[k]:.0%} of {c.ids[row]}: cut contract worth "
                f"{(1 - granted[k]) * terms['pay_pv'][take][k]:.3g} > {terms['in_default'][take][k]:.3g} in default",
            }
        )
    for i in np.unique(cust):
        spread = giants["reputation_spread"][i]
        if not np.isnan(spread) and spread > 0:
            decisions.reputation.append((int(i), float(spread), float(giants["reputation_years"][i])))
    return cut
