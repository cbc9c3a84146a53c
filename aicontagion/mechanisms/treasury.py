"""The Treasury: the government funds what it pays (guarantees, bailouts) by issuing debt, and its
fiscal cost is the fall of its equity since the start (USD bn).

The government never runs out of cash: a shortfall is covered by Treasury debt sold to outside
investors (a liability, no loss).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import EXTERNAL

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
