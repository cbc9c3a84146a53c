"""Pension funding ratios: assets over the PV of accrued benefits; sponsors pay in more as the unfunded liability rises.

A pension plan owes its beneficiaries the present value of their accrued benefits ``L``. That
obligation is a **memo liability**: it is not a claim of any institution in the system, it is
never due as a lump sum, and a plan whose assets fall short of it is underfunded, not bankrupt
(its sponsor stands behind it). So it is kept off the balance sheet: every sheet still balances
(equity = assets - liabilities, the plan's equity being the assets it holds for its beneficiaries
and sponsors) and the loss identity (section 7.18 of the ODD description) still counts a plan's losses once, as its
own, borne outside by its beneficiaries and sponsors together.

* ``L`` is set at the opening from the scenario's ``pension_funding.funding_ratio`` ``FR0``:
  ``L = assets0 / FR0``. Public plans discount at their assumed return (GASB 67); a mature plan
  whose accruals plus interest at that rate equal the benefits it pays keeps ``L`` constant, and
  so it is held constant here (no corporate plans are modelled, whose ``L`` would move with
  high-grade corporate yields under ASC 715).
* The funding ratio is ``FR = assets / L`` (assets at marks, as of the decide stage).
* With ``pension_funding.contributions`` on, sponsors amortise the rise in the unfunded
  liability over ``amortisation_years`` (the actuarially determined contribution's amortisation
  of the unfunded liability): each month they pay in
  ``((L - A)+ - (L - A0)+)+ / (12 x amortisation_years)`` on top of the opening contributions (in
  the plan's core cash flow). The cash comes from outside (label ``sponsor_contribution``) and is
  booked as ``CAPITAL``, so it does not hide the plan's losses; it raises its cash, and so lowers
  the sales its liquidity floor and allocation cap would force.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.network.contracts import EXTERNAL

READS = ("registry", "snapshot", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books",)
"""State groups this mechanism writes (sponsors' contributions into the plans' cash)."""


def obligations(state) -> np.ndarray:
    """USD bn per institution: PV of accrued benefits (0 for institutions without a funding ratio)."""
    out = np.zeros(state.n)
    index = {x: i for i, x in enumerate(state.registry.ids)}
    for ident, fr in state.spec.pension_funding.funding_ratio.items():
        i = index[ident]
        out[i] = state.snapshot.assets0[i] / fr
    return out


def funding_ratio(state) -> np.ndarray:
    """Assets / PV of accrued benefits per institution (NaN without a funding ratio)."""
    liab = obligations(state)
    return np.divide(state.snapshot.assets, liab, out=np.full(state.n, np.nan), where=liab > 0)


def contributions(state, rows: np.ndarray) -> np.ndarray:
    """USD bn each of ``rows`` receives this month from its sponsor above the opening contributions
    (0 with ``pension_funding.contributions`` off)."""
    spec = state.spec.pension_funding
    if not spec.contributions:
        return np.zeros(rows.size)
    liab = obligations(state)[rows]
    gap = np.maximum(liab - state.snapshot.assets[rows], 0.0)
    gap0 = np.maximum(liab - state.snapshot.assets0[rows], 0.0)
    return np.where(liab > 0, np.maximum(gap - gap0, 0.0) / (12.0 * spec.amortisation_years), 0.0)


def contribute(state, rows: np.ndarray) -> np.ndarray:
    """Book this month's extra sponsor contributions into ``rows`` (cash from outside, ``CAPITAL``);
    returns them (USD bn)."""
    pay = contributions(state, rows)
    paid = pay > 1e-12
    if paid.any():
        state.books.transfer(EXTERNAL, rows[paid], pay[paid], "sponsor_contribution")
        state.books.book(rows[paid], pay[paid], Channel.CAPITAL)
    return pay
