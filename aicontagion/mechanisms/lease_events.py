"""An imposed exit of a tenant from one lease at one month: the stress test as an event.

The walk-away and non-renewal rules (:mod:`aicontagion.mechanisms.strategic_default`) decide
when a tenant leaves; this mechanism makes a named tenant leave a named lease or offtake at a
named month whatever the rule says, and books the exit with the model's own terms, so the
consequences (the facility marked to its re-let value, the capacity re-let as the market absorbs
it, mechanisms/relet.py; the SPV's debt re-marked, mechanisms/valuation.py) are those of any exit.
Three ways to leave (``how``), all in the decide stage of the month, all paid in cash by the
tenant through the month's clearing. What its cash (less the month's binding dues, plus the
bonds it already decided to sell) does not cover it raises, as the giants fund any gap
(agents/financing.py, ``issue_bonds``), with a 10-year bond sold to outside investors at its
current rate if its market is open (spread at most ``funding.rollover_max_spread``); if it is
shut, the tenant owes the payment all the same and defaults in the clearing if it cannot pay:

* ``repudiate``: the solvent tenant walks mid-term, as a strategic default books it: it owes the
  contract's termination fee or, with ``resolution.expectation_damages``, the expectation damages
  ``max(PV(rent left in the committed term) - PV(re-let at market rent), fee)`` (USD bn), plus the
  residual value guarantee shortfall now, and takes the reputation spread on all its debt.
* ``not_renew``: the lease ends at the month as a non-renewal does: this month's rent is still
  due, the tenant pays the guarantee shortfall now (no damages, no reputation penalty); the lease
  expires next month, when the facility is marked to its re-let value and re-let.
* ``tenant_default``: the claim is capped as in the tenant's own bankruptcy (US Bankruptcy Code
  s.502(b)(6)): ``payment x min(months left, resolution.lease_claim_months)`` plus the guarantee
  shortfall, as mechanisms/resolution.py computes a rejected lease's claim. Imposed: the cap and
  the vacating of the capacity only. The tenant is NOT put into default (its other contracts,
  bonds and equity are untouched, no reputation penalty) and pays the capped claim in full, so
  the variant isolates what the cap takes from the landlord's creditors.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.calendar import month_index
from aicontagion.core.decisions import Decisions
from aicontagion.core.obligations import Purpose
from aicontagion.mechanisms.resolution import lease_claim
from aicontagion.mechanisms.strategic_default import appraise
from aicontagion.network.contracts import EXTERNAL, ContractType

READS = ("ai", "books", "channels", "credit", "dues", "month", "operations", "registry", "snapshot", "spec", "system")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts",)
"""State groups this mechanism writes."""

BOND_TENOR = 120  # months: the giants' gap-funding bond (agents/financing.py, issue_bonds)
HOWS = ("repudiate", "not_renew", "tenant_default")
"""The ways an imposed exit is booked (see the module docstring)."""
EVENT = {"repudiate": "strategic_default", "not_renew": "non_renewal", "tenant_default": "lease_rejected"}
"""The termination event each way records (``non_renewal`` ends the lease next month, the others now)."""


def exit_terms(state, row: int, how: str) -> dict[str, float]:
    """What the tenant of executory contract ``row`` owes for leaving it this month ``how``.

    Returns USD bn: ``fee`` (damages, termination fee or capped claim), ``rvg_short`` (the
    guarantee shortfall paid now), ``total`` (their sum), ``rent_left`` (PV of the rent left in
    the committed term at the tenant's discount rate), ``relet`` (PV of re-letting it at market
    rent), ``reputation`` (the reputation cost, repudiation only) and the spread and years.
    """
    if how not in HOWS:
        raise ValueError(f"lease exit: how must be one of {', '.join(HOWS)} (got {how!r})")
    c = state.contracts
    a = appraise(state, np.array([row]), state.month)
    rvg_short = float(a["rvg_short"][0])
    if how == "repudiate":
        fee = float(a["fee"][0])
    elif how == "not_renew":
        fee = 0.0
    else:
        fee = float(lease_claim(c, row, state.month, state.spec.resolution.lease_claim_months))
    rep = how == "repudiate"
    return {
        "fee": fee,
        "rvg_short": rvg_short,
        "total": fee + rvg_short,
        "rent_left": float(a["pay_pv"][0]),
        "relet": float(a["sublet_pv"][0]),
        "reputation": float(a["reputation"][0]) if rep else 0.0,
        "rep_spread": float(a["rep_spread"][0]) if rep else 0.0,
        "rep_years": float(a["rep_years"][0]) if rep else 0.0,
    }


def impose_exit(state, row: int, how: str, decisions: Decisions) -> dict[str, float] | None:
    """Record the imposed exit of the tenant of ``row`` this month (applied with the month's other
    decisions, mechanisms/actions.py). Returns the terms (:func:`exit_terms`), or None when the
    contract is no longer live (ended, vacated, or already left this month by the tenant's own rule)."""
    c = state.contracts
    t = state.month
    if not c.active[row] or c.maturity[row] < t or c.obligor[row] < 0 or c.start[row] > t:
        return None
    if any(r == row for r, _, _ in decisions.terminations):
        return None
    terms = exit_terms(state, row, how)
    tenant, landlord = int(c.obligor[row]), int(c.creditor[row])
    why = f"imposed ({how}): owes {terms['fee']:.3g} + guarantee {terms['rvg_short']:.3g}"
    decisions.terminations.append((row, EVENT[how], why))
    if terms["total"] > 0:
        decisions.obligations.add(tenant, landlord, terms["total"], 1, Purpose.FEE, row)
        terms["borrowed"] = _fund_payment(state, tenant, decisions)
    else:
        terms["borrowed"] = 0.0
    c.rvg[row] = 0.0  # the guarantee is settled now; the lease's expiry will not charge it again
    if terms["reputation"] > 0:
        decisions.reputation.append((tenant, terms["rep_spread"], terms["rep_years"]))
    decisions.events.append({"institution": tenant, "event": "lease_exit", "amount": terms["total"], "cause": why})
    return terms


def _fund_payment(state, tenant: int, decisions: Decisions) -> float:
    """Bonds (USD bn) the tenant sells this month to pay what its cash does not cover: the month's
    binding dues (the exit payment included) and the payout it decided (paid before the clearing)
    less its cash and the bonds it already decided to sell; nothing if its market is shut (spread
    above ``funding.rollover_max_spread``)."""
    binding = decisions.obligations.dues(state.n)[1][tenant]
    raised = sum(nd["amount"] for nd in decisions.new_debt if nd["borrower"] == tenant)
    paid_out = sum(float(amount[who == tenant].sum()) for who, amount in decisions.distributions)
    gap = binding + paid_out - max(float(state.books.cash[tenant]), 0.0) - raised
    if gap <= 1e-9 or state.credit.spread[tenant] > state.spec.funding.rollover_max_spread:
        return 0.0
    decisions.new_debt.append(
        {"borrower": tenant, "lender": EXTERNAL, "amount": float(gap), "tenor": BOND_TENOR, "type": ContractType.BOND}
    )
    return float(gap)


def scheduled_exits(state, decisions: Decisions) -> list[dict[str, float] | None]:
    """Impose the scenario's ``events`` (``type: lease_exit``) that fall in this month; returns
    their terms (:func:`impose_exit`), nothing in a month without one."""
    out = []
    for e in state.spec.events:
        if month_index(e.at, state.spec.start) == state.month:
            out.append(impose_exit(state, state.contracts.ids.index(e.contract), e.how, decisions))
    return out
