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
marks down every holder of its debt. The Treasury rate at which the rest of the system borrows
stays the scenario's constant.
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

READS = ("books", "registry", "snapshot")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books",)
"""State groups this mechanism writes."""


def fund_government(state) -> None:
    """Cover any negative cash of the government with Treasury debt sold to outside investors."""
    gov = state.registry.members[Kind.GOVERNMENT]
    short = np.maximum(-state.books.cash[gov], 0.0)
    if short.any():
        state.books.transfer(EXTERNAL, gov, short, "treasury_issuance")
        state.books.ext_liab[gov] += short


def fund_government_for(state, amount: float) -> None:
    """Make sure the government has ``amount`` (USD bn) of cash, issuing Treasury debt for the rest."""
    gov = state.registry.members[Kind.GOVERNMENT][:1]
    short = max(amount - float(state.books.cash[gov].sum()), 0.0)
    if short > 0:
        state.books.transfer(EXTERNAL, gov, short, "treasury_issuance")
        state.books.ext_liab[gov] += short


def fiscal_cost(state) -> float:
    """The government's loss so far (USD bn): the fall of its equity since the start (guarantee
    payouts, written-off rescue loans, the fall in value of stakes bought in bailouts)."""
    gov = state.registry.members[Kind.GOVERNMENT]
    return float((state.snapshot.equity0[gov] - state.books.equity[gov]).sum())


def treasury_issued(state) -> float:
    """Treasury debt the run has issued so far (USD bn): the government's debts to outsiders."""
    gov = state.registry.members[Kind.GOVERNMENT][:1]
    return float(state.books.ext_liab[gov].sum())


def debt_to_gdp(state) -> float:
    """Public debt over GDP: the opening ratio plus the run's Treasury issuance."""
    return PUBLIC_DEBT_TO_GDP + treasury_issued(state) / GDP


def sovereign_spread(state) -> float:
    """Extra Treasury yield (annual) from the debt the run added: ``DEBT_YIELD_SENSITIVITY x added debt / GDP``."""
    return DEBT_YIELD_SENSITIVITY * max(debt_to_gdp(state) - PUBLIC_DEBT_TO_GDP, 0.0)


def credibility(state, capacity: float) -> float:
    """Belief the state can honour its guarantees, in [0, 1]: ``1 - fiscal cost / capacity`` (USD bn)."""
    if capacity <= 0:
        return 0.0
    return float(np.clip(1.0 - max(fiscal_cost(state), 0.0) / capacity, 0.0, 1.0))
