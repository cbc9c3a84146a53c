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
    """:func:`exposures` of contract table ``c`` with institutions of ``kinds`` (the registry's, one
    per table: the caches below are keyed by the table). Each row's exposure
    class (by its holder's and issuer's kinds, which never change) is computed once per row as the
    table grows; the three row sets of the active ones are kept with the structure and extended as
    rows are appended."""
    kinds = np.asarray(kinds)
    klass = c.per_row("exposure class", lambda rows: _exposure_class(c, kinds, rows))

    out = []
    for k in (1.0, 2.0, 3.0):
        rows = c.selection(("exposure rows", k), lambda at, k=k: (klass[at] == k) & (c.is_debt[at] | c.is_stake[at]))
        out.append(float(c.value_of(rows).sum()))
    return out[0], out[1], out[2]


def _exposure_class(c, kinds: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """1 for a private-credit fund's claim on an AI borrower, 2 a bank's on a fund, 3 a bank's on
    an SPV, 0 otherwise (outside parties included), per contract row of ``rows``."""
    holder_ok, issuer_ok = c.creditor[rows] >= 0, c.obligor[rows] >= 0
    holder = np.where(holder_ok, kinds[np.maximum(c.creditor[rows], 0)], -1)
    issuer = np.where(issuer_ok, kinds[np.maximum(c.obligor[rows], 0)], -1)
    on = np.maximum(issuer, 0)
    pc, bank = holder == int(Kind.PRIVATE_CREDIT_FUND), holder == int(Kind.BANK)
    out = np.zeros(rows.size)
    out[pc & issuer_ok & _IS_AI[on]] = 1.0
    out[bank & issuer_ok & _IS_FUND[on]] = 2.0
    out[bank & issuer_ok & _IS_SPV[on]] = 3.0
    return out


def pc_ai_exposure(state) -> float:
    """USD bn private-credit funds hold in AI borrowers (see :func:`exposures`)."""
    return exposures(state)[0]
