"""Ablations applied once, when a run starts: channels that are switched off by removing what
carries them (:mod:`aicontagion.core.channels`). Channels that act month by month are switched
inside their own mechanism instead.

``fund_leverage`` off: private-credit funds have no credit lines from banks. Each such line is
closed at the start; its drawn balance is replaced, on both balance sheets, by other assets of
the same book value (the fund holds less, the bank lends elsewhere), so every equity is unchanged
and the books still balance.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import ContractType

READS = ("contracts", "registry")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts")
"""State groups this mechanism writes."""


def close_fund_bank_lines(state) -> np.ndarray:
    """Close every bank credit line to a private-credit fund; returns the closed contract rows."""
    c, kind = state.contracts, state.registry.kind
    lines = c.rows_of(ContractType.CREDIT_LINE)
    lines = lines[(c.creditor[lines] >= 0) & (c.obligor[lines] >= 0)]
    lines = lines[(kind[c.creditor[lines]] == Kind.BANK) & (kind[c.obligor[lines]] == Kind.PRIVATE_CREDIT_FUND)]
    if lines.size == 0:
        return lines
    drawn = c.principal[lines] * 1.0
    value = drawn * c.mark[lines]
    np.subtract.at(state.books.other_assets, c.obligor[lines], drawn)
    np.add.at(state.books.other_assets, c.creditor[lines], value)
    c.principal[lines] = 0.0
    c.limit[lines] = 0.0
    c.set_active(lines, False)
    return lines
