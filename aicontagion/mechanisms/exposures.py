"""Exposure series of the financing chain: private credit's AI exposure, banks' claims on funds and SPVs.

Read by the recorder each month (:mod:`aicontagion.results.metrics`); one pass over the contract
table (debt at its mark, stakes at carrying value, active rows between modelled institutions).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind

READS = ("contracts", "registry")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES: tuple[str, ...] = ()
"""None: it only measures."""

AI_KINDS = (Kind.TECH_GIANT, Kind.AI_LAB, Kind.NEOCLOUD, Kind.SPV, Kind.CHIP_SUPPLIER)
"""Kinds whose debt and equity count as AI exposure."""
_IS_AI = np.zeros(len(Kind), dtype=bool)
_IS_AI[[int(k) for k in AI_KINDS]] = True


_IS_FUND = np.zeros(len(Kind), dtype=bool)
_IS_FUND[int(Kind.PRIVATE_CREDIT_FUND)] = True
_IS_SPV = np.zeros(len(Kind), dtype=bool)
_IS_SPV[int(Kind.SPV)] = True


def exposures(state) -> tuple[float, float, float]:
    """USD bn of claims (debt at its mark, stakes at carrying value): private-credit funds' on AI
    borrowers (giants, labs, neoclouds, SPVs, chip suppliers), banks' on private-credit funds, and
    banks' on SPVs."""
    return claims_by_kind(state.contracts, state.registry.kind)


def claims_by_kind(c, kinds: np.ndarray) -> tuple[float, float, float]:
    """:func:`exposures` of contract table ``c`` with institutions of ``kinds``. The three row sets
    depend only on the structure (and kinds never change), so they are kept with it."""

    def chosen():
        rows = ((c.creditor >= 0) & (c.obligor >= 0) & (c.is_debt | c.is_stake)).nonzero()[0]
        holder, on = kinds[c.creditor[rows]], kinds[c.obligor[rows]]
        pc = holder == int(Kind.PRIVATE_CREDIT_FUND)
        bank = holder == int(Kind.BANK)
        # one array of three ascending row sets and where each ends (cached arrays are single arrays)
        parts = [rows[pc & _IS_AI[on]], rows[bank & _IS_FUND[on]], rows[bank & _IS_SPV[on]]]
        return np.concatenate([np.cumsum([len(x) for x in parts]), *parts])

    packed = c.cached(("exposure rows by holder kind", id(kinds)), chosen)
    ends = packed[:3] + 3
    out = []
    for lo, hi in zip((3, *ends[:2]), ends, strict=True):
        rows = packed[lo:hi]
        out.append(float((c.principal[rows] * np.where(c.is_debt[rows], c.mark[rows], 1.0)).sum()))
    return out[0], out[1], out[2]


def pc_ai_exposure(state) -> float:
    """USD bn private-credit funds hold in AI borrowers (see :func:`exposures`)."""
    return exposures(state)[0]
