"""The Treasury: the government funds what it pays (guarantees, bailouts) by issuing debt, and its
fiscal cost is the fall of its equity since the start (USD bn).

The government never runs out of cash: a shortfall is covered by Treasury debt sold to outside
investors (a liability, no loss), which pays the Treasury rate (the government's
``ext_liability_rate``, set to ``treasury_rate`` when the building of the system finds it unset),
so a rescue's funding cost is part of its fiscal cost.

**The sovereign's limits** (used by the state-backed compute company,
:mod:`aicontagion.policies.state_company`): the run's Treasury issuance adds to the public debt, so
``debt_to_gdp = PUBLIC_DEBT_TO_GDP + issued / GDP``; the Treasury's yield rises by
``DEBT_YIELD_SENSITIVITY`` per unit of added debt-to-GDP (:func:`sovereign_spread`); the market's
belief in a guarantee falls with the fiscal cost relative to the state's ``fiscal capacity``
(:func:`credibility`). Government bonds held in the system (a market class with ``fundamental:
sovereign``, ai_2025's ``gov_bonds``) fall by ``duration x sovereign_spread``, so a stretched state
marks down every holder of its debt.

**The live Treasury yield** (:func:`treasury_yield`): the scenario's ``treasury_rate`` (the opening
reference, ``registry.treasury_rate``) plus the sovereign spread. It is the risk-free base of every
rate set during the run: new loans and bonds (origination, the decide stage's borrowing, rescue
loans, the state company's debt), debt that rolls over (funding), and the discounting of leases and
projects (valuation, the exit option), so a stretched state raises everyone's borrowing cost and
lowers the present value of long leases. With no Treasury issuance the spread is 0 and every rate is
the opening one. Marks that are relative to the opening price (government bonds' ``duration x
sovereign_spread``) keep the opening reference.

**The government's own debt** pays the blended rate of its stock: each issuance of ``x`` (USD bn) at
the live yield ``y`` (measured with the issuance included: the new supply prices itself) moves the
government's ``ext_liability_rate`` to ``(rate x stock + y x x) / (stock + x)``; debt already issued
keeps its coupon (Treasury debt is fixed-rate), so the average coupon moves only with new borrowing.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import EXTERNAL

GDP = 29_200.0
"""US nominal GDP, 2024 (USD bn; CAL "Sovereign and bank capital" / GDP)."""
PUBLIC_DEBT_TO_GDP = 0.98
"""Federal debt held by the public over GDP, end of fiscal 2024 (CAL "Sovereign and bank capital" /
debt held by the public)."""
DEBT_YIELD_SENSITIVITY = 0.03
"""Rise of the long Treasury yield per unit of debt-to-GDP: 3 bp per percentage point
(CAL "Sovereign and bank capital" / debt and yields; range 0.01-0.05)."""

READS = ("books", "registry", "snapshot", "system")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "system")
"""State groups this mechanism writes."""


def fund_government(state) -> None:
    """Cover any negative cash of the government with Treasury debt sold to outside investors."""
    gov = state.registry.members[Kind.GOVERNMENT]
    short = np.maximum(-state.books.cash[gov], 0.0)
    if short.any():
        _issue(state, gov, short)


def fund_government_for(state, amount: float) -> None:
    """Make sure the government has ``amount`` (USD bn) of cash, issuing Treasury debt for the rest."""
    gov = state.registry.members[Kind.GOVERNMENT][:1]
    short = max(amount - float(state.books.cash[gov].sum()), 0.0)
    if short > 0:
        _issue(state, gov, np.array([short]))


def _issue(state, gov: np.ndarray, amount: np.ndarray) -> None:
    """Sell ``amount`` (USD bn per row of ``gov``) of Treasury debt to outside investors at the live
    yield, and move the government's ``ext_liability_rate`` to the blended coupon of its stock."""
    stock = state.books.ext_liab[gov].copy()
    state.books.transfer(EXTERNAL, gov, amount, "treasury_issuance")
    state.books.ext_liab[gov] += amount
    y = treasury_yield(state)  # the new supply included
    rate = state.system.flows["ext_liability_rate"]
    total = stock + amount
    rate[gov] = np.where(total > 1e-12, (rate[gov] * stock + y * amount) / np.maximum(total, 1e-12), rate[gov])


def fiscal_cost(state) -> float:
    """The government's loss so far (USD bn): the fall of its equity since the start (guarantee
    payouts, written-off rescue loans, the fall in value of stakes bought in bailouts)."""
    gov = state.registry.members[Kind.GOVERNMENT]
    return float((state.snapshot.equity0[gov] - state.books.equity[gov]).sum())


def treasury_issued(state) -> float:
    """Treasury debt the run has issued so far (USD bn): the government's debts to outsiders less
    its opening debt (``flows["treasury_debt0"]``, part of the opening public debt)."""
    gov = state.registry.members[Kind.GOVERNMENT]
    if not gov.size:
        return 0.0
    g = gov[0]  # the Treasury (read at every rate set: one element, not a slice and its sum)
    opening = state.system.flows.get("treasury_debt0")
    before = float(opening[g]) if opening is not None else 0.0
    return float(state.books.ext_liab[g]) - before


def debt_to_gdp(state) -> float:
    """Public debt over GDP: the opening ratio plus the run's Treasury issuance."""
    return PUBLIC_DEBT_TO_GDP + treasury_issued(state) / GDP


def sovereign_spread(state) -> float:
    """Extra Treasury yield (annual) from the debt the run added: ``DEBT_YIELD_SENSITIVITY x added debt / GDP``."""
    return DEBT_YIELD_SENSITIVITY * max(debt_to_gdp(state) - PUBLIC_DEBT_TO_GDP, 0.0)


def treasury_yield(state) -> float:
    """The live Treasury yield (annual): the scenario's ``treasury_rate`` plus :func:`sovereign_spread`.
    The risk-free base of every borrowing rate set during the run."""
    return float(state.registry.treasury_rate + sovereign_spread(state))


def credibility(state, capacity: float) -> float:
    """Belief the state can honour its guarantees, in [0, 1]: ``1 - fiscal cost / capacity`` (USD bn)."""
    if capacity <= 0:
        return 0.0
    return float(np.clip(1.0 - max(fiscal_cost(state), 0.0) / capacity, 0.0, 1.0))
