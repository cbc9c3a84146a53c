"""Rescues (SEED_NOTES section 6; docs/model.md, "Policies"):

* :class:`Bailout`: capital injections (TARP-like) into institutions of named kinds whose
  equity / assets falls below a threshold, up to a budget; the government takes equity.
* :class:`LenderOfLastResort`: central-bank loans to solvent institutions that cannot meet what
  is due, against collateral with a haircut: it stops funding runs, not insolvency (monthly, and
  inside the month in the liquidity sub-steps).
* :class:`RescueMerger`: a solvent institution a run leaves short is taken over by a healthy
  acquirer with a government loan for the gap, while a budget lasts (Bear Stearns, March 2008).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from aicontagion.core.kinds import Status
from aicontagion.mechanisms.settlement import capital_calls
from aicontagion.mechanisms.treasury import fund_government_for, treasury_yield
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
    """Central-bank loans to solvent institutions of ``kinds`` (and named ``ids``) that cannot pay what is due.

    The loan covers the month's cash shortfall, up to ``(1 - haircut)`` of the borrower's
    tradable assets less what it already owes the central bank, at the Treasury rate plus
    ``penalty`` (annual; Bagehot), for one month, rolled while the borrower stays solvent. With
    ``repo_borrowers`` only those of the eligible that borrow in repo when the model is built are
    eligible (the Primary Dealer Credit Facility of March 2008 lent to the primary dealers, the
    borrowers of the tri-party repo market, not to every bank).
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
        ids: Iterable[str] = (),
        repo_borrowers: bool = False,
        start_day: int = 0,
    ):
        who = "LenderOfLastResort"
        kinds, ids = check_kinds(kinds, who), tuple(ids)
        if not isinstance(repo_borrowers, bool):
            raise PolicyError(f"{who}: repo_borrowers must be true or false (got {repo_borrowers!r})")
        if isinstance(start_day, bool) or not isinstance(start_day, int) or not 0 <= start_day <= 31:
            raise PolicyError(f"{who}: start_day must be a day of the month, 0-31 (got {start_day!r})")
        extra = ({"ids": ids} if ids else {}) | ({"repo_borrowers": True} if repo_borrowers else {})
        extra |= {"start_day": start_day} if start_day else {}
        super().__init__(
            start,
            end,
            trigger,
            kinds=kinds,
            haircut=check_share(haircut, "haircut", who),
            penalty=check_nonneg(penalty, "penalty", who),
            **extra,
        )
        self.kinds, self.ids, self.haircut, self.penalty = kinds, ids, haircut, penalty
        self.repo_borrowers, self.start_day = repo_borrowers, start_day

    def validate(self, catalogue: Catalogue) -> None:
        check_ids(catalogue, self.ids, "LenderOfLastResort")

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.rows = targets_of(state, self.kinds, self.ids)
        if self.repo_borrowers:
            c = state.contracts
            repo = c.rows_of(ContractType.REPO)
            borrowers = np.unique(c.obligor[repo[(c.principal[repo] > 0) & (c.obligor[repo] >= 0)]])
            self.rows = self.rows[np.isin(self.rows, borrowers)]

    def apply(self, state, decisions) -> None:
        if state.month == self.start and self.start_day > 0:
            return  # the decide stage is the month's first day: a facility opening later in it waits
        rows = self.rows[(state.lifecycle.status[self.rows] != Status.DEFAULTED) & (state.books.equity[self.rows] > 0)]
        self.lend(state, rows, state.dues.due_now[rows] - state.books.cash[rows])

    def liquidity_substep(self, state, need) -> None:
        """Inside the month (liquidity sub-steps): lend what a run leaves a solvent borrower short
        (in the start month only from sub-steps ending on or after ``start_day``)."""
        if not self.active(state) or (state.month == self.start and (state.events.day or 0) < self.start_day):
            return
        rows = self.rows[(state.lifecycle.status[self.rows] != Status.DEFAULTED) & (state.books.equity[self.rows] > 0)]
        self.lend(state, rows, need[rows] - state.books.cash[rows])

    def lend(self, state, rows: np.ndarray, gap: np.ndarray) -> None:
        """Lend each of ``rows`` its ``gap`` (USD bn) within its collateral capacity."""
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
                rate=treasury_yield(state) + self.penalty,
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


class RescueMerger(Policy):
    """A rescue merger (Bear Stearns and JPMorgan, March 2008) with a trigger rule.

    **Trigger** (inside the month, in a liquidity sub-step): an institution of ``kinds`` is solvent
    (equity above zero) but cannot meet what its lenders withdraw from cash and central-bank
    loans, and an **acquirer** exists: a live institution of ``kinds`` with distress at most
    ``acquirer_distress`` and equity at least the target's, the largest such by assets.
    **Rescue**: the government lends the target its missing cash (secured, for ``tenor_months``;
    the Federal Reserve's Maiden Lane loan) while ``budget`` (USD bn) lasts, and from then on
    markets roll the target's debt as the acquirer's (``credit.always_rolls``: no further runs
    on it). A target whose gap exceeds what is left of the budget is not rescued (no buyer
    without government backing: Lehman, September 2008).

    Not modelled: the acquirer consolidating the target (its assets and later losses stay on the
    target's books; only its funding is the acquirer's).
    """

    name = "rescue_merger"

    def __init__(
        self,
        kinds: Iterable[str] = ("bank",),
        budget: float = 29.0,
        acquirer_distress: float = 0.1,
        tenor_months: int = 120,
        start: int = 0,
        end: int | None = None,
    ):
        who = "RescueMerger"
        kinds = check_kinds(kinds, who)
        if not isinstance(tenor_months, int) or isinstance(tenor_months, bool) or tenor_months < 1:
            raise PolicyError(f"{who}: tenor_months must be a whole number of months >= 1 (got {tenor_months!r})")
        super().__init__(
            start,
            end,
            kinds=kinds,
            budget=check_nonneg(budget, "budget", who),
            acquirer_distress=check_share(acquirer_distress, "acquirer_distress", who),
            tenor_months=tenor_months,
        )
        self.kinds, self.left = kinds, budget
        self.acquirer_distress, self.tenor = acquirer_distress, tenor_months

    def validate(self, catalogue: Catalogue) -> None:
        check_ids(catalogue, (), "RescueMerger")

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.rows = targets_of(state, self.kinds, ())
        self.rescued: dict[str, str] = {}  # target id -> acquirer id

    def liquidity_substep(self, state, need) -> None:
        if not self.active(state):
            return
        rows = self.rows[state.lifecycle.status[self.rows] != Status.DEFAULTED]
        gap = need[rows] - np.maximum(state.books.cash[rows], 0.0)
        solvent = state.books.equity[rows] > 0
        for i, g in zip(rows[(gap > 1e-9) & solvent], gap[(gap > 1e-9) & solvent], strict=True):
            if state.credit.always_rolls[i] or g > self.left:
                continue
            acquirer = self._acquirer(state, rows, int(i))
            if acquirer < 0:
                continue
            c = state.contracts
            row = c.add(
                ContractType.LOAN,
                self.gov,
                int(i),
                None,
                principal=0.0,
                rate=treasury_yield(state),
                start=state.month,
                maturity=state.month + self.tenor,
                tenor=self.tenor,
                seniority=Seniority.SECURED,
                rolls=False,
            )
            fund_government_for(state, float(g))
            state.books.lend(c, np.array([row]), np.array([float(g)]), "rescue_loan")
            self.left -= float(g)
            state.credit.always_rolls[i] = True
            ids = state.registry.ids
            self.rescued[ids[i]] = ids[acquirer]
            state.events.record(int(i), "rescue_merger", float(g), f"{ids[acquirer]}: acquirer; government loan")

    def _acquirer(self, state, rows: np.ndarray, target: int) -> int:
        """The largest live institution of ``kinds`` with distress at most ``acquirer_distress`` and
        equity at least the target's (-1: none)."""
        ok = rows[
            (rows != target)
            & (state.lifecycle.distress[rows] <= self.acquirer_distress)
            & (state.books.equity[rows] >= state.books.equity[target])
            & ~state.credit.always_rolls[rows]
        ]
        if ok.size == 0:
            return -1
        return int(ok[np.argmax(state.snapshot.assets[ok])])
