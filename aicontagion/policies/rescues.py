"""Rescues (SEED_NOTES section 6; docs/model.md, "Policies"):

* :class:`Bailout`: capital injections (TARP-like) into institutions of named kinds whose
  equity / assets falls below a threshold, up to a budget; the government takes equity.
* :class:`LenderOfLastResort`: central-bank loans to solvent institutions that cannot meet what
  is due, against collateral with a haircut: it stops funding runs, not insolvency.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from aicontagion.core.kinds import Status
from aicontagion.mechanisms.settlement import capital_calls
from aicontagion.mechanisms.treasury import fund_government_for
from aicontagion.network.contracts import ContractType, Seniority
from aicontagion.policies.base import (
    Catalogue,
    Policy,
    PolicyError,
    check_ids,
    check_kinds,
    check_nonneg,
    check_share,
    government_of,
    targets_of,
)


class Bailout(Policy):
    """Capital injections into institutions of ``kinds`` whose equity / assets falls below ``threshold``.

    The government buys new shares at book value to bring the ratio to ``target``, while its
    ``budget`` (USD bn) lasts; the stake's later value counts in the fiscal cost.
    """

    name = "bailout"

    def __init__(
        self,
        kinds: Iterable[str] = ("bank",),
        threshold: float = 0.03,
        target: float = 0.06,
        budget: float = 700.0,
        start: int = 0,
        end: int | None = None,
        trigger=None,
    ):
        who = "Bailout"
        kinds = check_kinds(kinds, who)
        if target < threshold:
            raise PolicyError(f"{who}: target {target} is below threshold {threshold}")
        super().__init__(
            start,
            end,
            trigger,
            kinds=kinds,
            threshold=check_share(threshold, "threshold", who),
            target=check_share(target, "target", who),
            budget=check_nonneg(budget, "budget", who),
        )
        self.kinds, self.threshold, self.target, self.left = kinds, threshold, target, budget

    def validate(self, catalogue: Catalogue) -> None:
        check_ids(catalogue, (), "Bailout")

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.rows = targets_of(state, self.kinds, ())
        self.injected = 0.0
        self.left = self.args["budget"]  # a fresh run has the whole budget

    def apply(self, state, decisions) -> None:
        rows = self.rows[state.lifecycle.status[self.rows] != Status.DEFAULTED]
        if rows.size == 0 or self.left <= 0:
            return
        assets = state.snapshot.assets[rows]
        equity = state.books.equity[rows]
        weak = (assets > 0) & (equity < self.threshold * assets)
        for i, a, e in zip(rows[weak], assets[weak], equity[weak], strict=True):
            need = min(self.target * a - e, self.left)
            if need <= 1e-9:
                continue
            c = state.contracts
            row = c.add(
                ContractType.EQUITY,
                self.gov,
                int(i),
                f"bailout/{state.registry.ids[i]}/{state.month}",
                share=0.0,
                uncalled=need,
            )
            fund_government_for(state, need)
            capital_calls(state.books, c, np.array([row]), np.array([need]))
            self.left -= need
            self.injected += need
            state.events.record(int(i), "bailout", need, f"equity/assets {e / a:.1%} < {self.threshold:.0%}")


class LenderOfLastResort(Policy):
    """Central-bank loans to solvent institutions of ``kinds`` that cannot pay what is due.

    The loan covers the month's cash shortfall, up to ``(1 - haircut)`` of the borrower's
    tradable assets less what it already owes the central bank, at the Treasury rate plus
    ``penalty`` (Bagehot), for one month, rolled while the borrower stays solvent.
    """

    name = "lender_of_last_resort"

    def __init__(
        self,
        kinds: Iterable[str] = ("bank",),
        haircut: float = 0.1,
        penalty: float = 0.01,
        start: int = 0,
        end: int | None = None,
        trigger=None,
    ):
        who = "LenderOfLastResort"
        kinds = check_kinds(kinds, who)
        super().__init__(
            start,
            end,
            trigger,
            kinds=kinds,
            haircut=check_share(haircut, "haircut", who),
            penalty=check_nonneg(penalty, "penalty", who),
        )
        self.kinds, self.haircut, self.penalty = kinds, haircut, penalty

    def validate(self, catalogue: Catalogue) -> None:
        check_ids(catalogue, (), "LenderOfLastResort")

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.rows = targets_of(state, self.kinds, ())

    def apply(self, state, decisions) -> None:
        rows = self.rows[(state.lifecycle.status[self.rows] != Status.DEFAULTED) & (state.books.equity[self.rows] > 0)]
        gap = state.dues.due_now[rows] - state.books.cash[rows]
        c = state.contracts
        prices = state.markets.marked_price
        for i, g in zip(rows[gap > 1e-9], gap[gap > 1e-9], strict=True):
            traded = state.contracts.traded_claims_of(int(i))
            collateral = state.books.holdings[i] @ prices + c.value()[traded].sum()
            owed = c.principal[
                (c.creditor == self.gov) & (c.obligor == i) & c.is_debt & (c.maturity > state.month)
            ].sum()
            amount = min(g, (1.0 - self.haircut) * collateral - owed)
            if amount <= 1e-9:
                continue
            row = c.add(
                ContractType.LOAN,
                self.gov,
                int(i),
                None,
                principal=0.0,
                rate=state.registry.treasury_rate + self.penalty,
                start=state.month,
                maturity=state.month + 1,
                tenor=1,
                seniority=Seniority.SECURED,
                rolls=False,  # repaid next month; re-lent then at the penalty rate if still needed
            )
            fund_government_for(state, amount)
            state.books.lend(c, np.array([row]), np.array([amount]), "central_bank_loan")
            state.events.record(
                int(i), "lender_of_last_resort", amount, f"collateral {collateral:.3g}, haircut {self.haircut:.0%}"
            )
