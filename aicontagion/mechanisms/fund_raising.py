"""Fund raising: private-credit funds' new LP commitments, paced by their LPs, and the capital they call for deal flow.

Each month (from :func:`aicontagion.mechanisms.origination.apply`) the funds raise new LP
commitments at ``fund_raise_rate`` a year of their NAV, scaled by AI sentiment (relative to the
start) ** ``fund_raise_elasticity`` and by one minus their distress (performance); each LP takes
its pro-rata part times its commitment appetite (an LP above its private-asset target commits
less: :func:`~aicontagion.mechanisms.constraints.commitment_appetite`); an LP that defaulted on a
call (:mod:`~aicontagion.mechanisms.subscription_lines`) is offered no more. The funds call LP capital
for the private-credit loans and SPV equity asked of them last month and not funded
(:func:`deal_flow`, read by :mod:`aicontagion.agents.private_credit`).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.mechanisms.constraints import commitment_appetite
from aicontagion.mechanisms.subscription_lines import lp_stakes

READS = ("ai", "books", "channels", "lifecycle", "operations", "registry", "snapshot", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts",)
"""State groups this mechanism writes (the LP commitments' uncalled amounts)."""


def raise_commitments(state) -> None:
    """Private-credit funds add LP commitments (uncalled) at ``fund_raise_rate`` of NAV a year x
    sentiment ** elasticity x (1 - distress), spread over their LPs by share; each LP takes its part
    x its commitment appetite (:func:`~aicontagion.mechanisms.constraints.commitment_appetite`: an
    LP over its private target commits less), and what it declines is not raised."""
    o = state.spec.origination
    if o.fund_raise_rate <= 0:
        return
    c = state.contracts
    funds = state.registry.members[Kind.PRIVATE_CREDIT_FUND]
    funds = funds[state.lifecycle.status[funds] == Status.ACTIVE]
    if funds.size == 0:
        return
    appetite = float(np.clip(max(state.ai.sentiment_ratio, 0.0) ** o.fund_raise_elasticity, 0.0, 2.0))
    nav = np.maximum(state.books.equity, 0.0)
    new = np.zeros(state.n)
    new[funds] = o.fund_raise_rate / 12.0 * nav[funds] * appetite * (1.0 - state.lifecycle.distress[funds])
    lps = lp_stakes(state)  # kept with the structure; the funds raising are private-credit funds
    lps = lps[new[c.obligor[lps]] > 0]
    if lps.size == 0:
        return
    fund, share = c.obligor[lps], c.share[lps]
    weight = np.bincount(fund, weights=share, minlength=state.n)[fund]
    part = np.divide(share, weight, out=np.zeros(lps.size), where=weight > 0)
    led = state.operations.origination
    if led is not None and led.sublines.forfeited:  # an LP that defaulted on a call commits no more
        part = part * ~np.isin(lps, np.fromiter(led.sublines.forfeited, dtype=np.int64))
    c.uncalled[lps] += new[fund] * part * commitment_appetite(state, c.creditor[lps])


def deal_flow(state, funds: np.ndarray) -> np.ndarray:
    """USD bn each of ``funds`` calls for the private-credit loans and SPV equity asked last month
    and not funded, shared by NAV (0 without origination)."""
    if not (state.channels.origination and state.operations.origination is not None):
        return np.zeros(funds.size)
    unmet = float(state.operations.origination.pc_unmet.sum())
    nav = np.maximum(state.books.equity[funds], 0.0)
    total = nav.sum()
    return unmet * nav / total if total > 0 else np.zeros(funds.size)
