"""Ablations applied once, when a run starts: channels that are switched off by removing what
carries them (:mod:`aicontagion.core.channels`). Channels that act month by month are switched
inside their own mechanism instead.

``fund_leverage`` off: private-credit funds have no credit lines from banks. Each such line is
closed at the start: the fund owes its drawn balance to outside lenders instead (its outside
liabilities, as its other borrowing: its leverage is unchanged) and the bank holds other assets of
the line's book value instead (it lends elsewhere), so every equity is unchanged, the books still
balance and nothing the funds lose reaches a bank through a line. (Shrinking the fund's assets
instead, as before the lines were sized to the sector's 95bn, would drive them negative.)
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
    np.add.at(state.books.ext_liab, c.obligor[lines], drawn)
    np.add.at(state.books.other_assets, c.creditor[lines], value)
    c.principal[lines] = 0.0
    c.limit[lines] = 0.0
    c.set_active(lines, False)
    return lines
