"""The two-phase decision record: what institutions decided this month, applied together.

Every kind records its decisions into one :class:`Decisions` from the same snapshot; the model
then applies them all at once (:func:`aicontagion.mechanisms.actions.apply_decisions`), so results
do not depend on the order in which kinds or agents are visited (the INET Oxford two-phase step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.obligations import Obligations


@dataclass
class Decisions:
    """Everything institutions decided this month, applied together by the model.

    Attributes:
        obligations: new amounts due this month (fees, capital calls, credit-line draws, capex).
        terminations: executory contract rows ended, with the reason for each (event text).
        equity_issues: ``(row, amount USD bn, discount)`` new shares sold to outside investors.
        distributions: ``(rows, amounts USD bn)`` array pairs paid out pro rata to each payer's
            holders (record them with :meth:`distribute`).
        line_cuts: credit-line rows whose undrawn limit is cancelled.
        new_debt: new loans or bonds (dicts: borrower, lender, amount, tenor, type).
        outside_draws: ``(borrower, credit-line row, amount)`` drawn from lenders outside the system.
        reputation: ``(customer, spread, years)`` penalties for walking away.
        events: extra event rows (dicts) to record.
        originations: ``(route, lender or vehicle, borrower or tenant, amount USD bn)`` new
            loans and SPV deals (:mod:`aicontagion.mechanisms.origination`).
    """

    obligations: Obligations = field(default_factory=Obligations)
    terminations: list[tuple[int, str, str]] = field(default_factory=list)
    equity_issues: list[tuple[int, float, float]] = field(default_factory=list)
    distributions: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    line_cuts: list[int] = field(default_factory=list)
    new_debt: list[dict] = field(default_factory=list)
    outside_draws: list[tuple[int, int, float]] = field(default_factory=list)
    reputation: list[tuple[int, float, float]] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    originations: list[tuple[str, int, int, float]] = field(default_factory=list)

    def distribute(self, rows: np.ndarray, amounts: np.ndarray, at_least: float = 1e-9) -> None:
        """Record payouts of ``amounts`` (USD bn) by ``rows``; amounts up to ``at_least`` are dropped."""
        keep = amounts > at_least
        if keep.any():
            self.distributions.append((np.asarray(rows, dtype=np.int64)[keep], np.asarray(amounts, dtype=float)[keep]))
