"""Guarantees (SEED_NOTES section 6; docs/model.md, "Policies"):

* :class:`ImplicitGuarantee`: markets believe the debt of designated borrowers is backed: their
  spreads fall toward the Treasury rate, their maturing debt always rolls over, and the
  government pays their creditors on default. Cheaper funding raises their investment through
  the scenario's ``funding.investment_elasticity`` (the behavioural channel that makes a
  guarantee change the size of exposures, not only who bears the loss).
* :class:`LoanGuarantee`: an explicit guarantee of named contracts, with a cap per contract;
  the guaranteed share is priced at the Treasury rate when the loan rolls over.

The government's losses are the fall of its equity (:func:`aicontagion.mechanisms.treasury.fiscal_cost`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.network.contracts import ContractType
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


def add_guarantees(state, rows: np.ndarray, gov: int, share: float, cap: float) -> np.ndarray:
    """Add government guarantees of ``share`` of debt ``rows`` (each capped at ``cap``)."""
    c = state.contracts
    if rows.size == 0:
        return rows
    return c.add_many(
        ctype=np.full(rows.size, ContractType.GUARANTEE),
        creditor=c.creditor[rows],
        obligor=np.full(rows.size, gov),
        share=np.full(rows.size, share),
        limit=np.full(rows.size, cap),
        covers=rows,
    )


MAX_INVESTMENT_MULTIPLIER = 2.0
"""Cap of the investment response (the same bound as capex's response to sentiment, [0, 2] x plan):
capacity to build cannot double twice because funding got cheaper."""


def investment_response(spread: np.ndarray, compression: float, rate: float, elasticity: float) -> np.ndarray:
    """Capex multiplier of borrowers whose spread ``spread`` (annual) the guarantee compresses by
    ``compression``: ``((r + s) / (r + s (1 - compression))) ** elasticity``, at most
    :data:`MAX_INVESTMENT_MULTIPLIER`.

    It is computed once, from the spreads when the guarantee starts, and kept: investment answers
    the guaranteed funding cost against the cost the project faced when it was planned, so it can
    never rise because a borrower's own distress (and with it its market spread) rose later.
    """
    after = spread * (1.0 - compression)
    multiplier = ((rate + spread) / np.maximum(rate + after, 1e-6)) ** elasticity
    return np.minimum(multiplier, MAX_INVESTMENT_MULTIPLIER)


class ImplicitGuarantee(Policy):
    """Markets believe the debt of the targets (kinds and/or ids) is backed by the government.

    Args:
        kinds: institution kinds whose debt is believed backed (default: neoclouds and SPVs).
        ids: further named institutions (e.g. a national AI compute company).
        coverage: share of a defaulted claim the government pays.
        spread_compression: share of the targets' credit spread that disappears.
    """

    name = "implicit_guarantee"

    def __init__(
        self,
        kinds: Iterable[str] = ("neocloud", "spv"),
        ids: Iterable[str] = (),
        coverage: float = 1.0,
        spread_compression: float = 0.8,
        start: int = 0,
        end: int | None = None,
        trigger=None,
    ):
        who = "ImplicitGuarantee"
        kinds, ids = check_kinds(kinds, who), tuple(ids)
        super().__init__(
            start,
            end,
            trigger,
            kinds=kinds,
            ids=ids,
            coverage=check_share(coverage, "coverage", who),
            spread_compression=check_share(spread_compression, "spread_compression", who),
        )
        self.kinds, self.ids, self.coverage, self.compression = kinds, ids, coverage, spread_compression

    def validate(self, catalogue: Catalogue) -> None:
        check_ids(catalogue, self.ids, "ImplicitGuarantee")

    def initialize(self, state) -> None:
        self.gov = government_of(state)
        self.rows = targets_of(state, self.kinds, self.ids)
        self.covered: set[int] = set()
        self.guarantees = np.zeros(0, dtype=np.int64)
        self.multiplier = None  # set in the first month the guarantee acts (a fresh run starts afresh)

    def _cover_new_debt(self, state) -> None:
        c = state.contracts
        mine = np.zeros(state.n, dtype=bool)
        mine[self.rows] = True
        debt = np.flatnonzero(c.is_debt & (c.obligor >= 0) & (c.creditor != self.gov))
        debt = debt[mine[c.obligor[debt]]]
        new = np.array([r for r in debt if int(r) not in self.covered], dtype=np.int64)
        self.guarantees = np.concatenate([self.guarantees, add_guarantees(state, new, self.gov, self.coverage, np.inf)])
        self.covered.update(int(r) for r in new)

    def apply(self, state, decisions) -> None:
        self._cover_new_debt(state)
        state.credit.always_rolls[self.rows] = True

    def adjust_funding(self, state) -> None:
        if not self.active(state):
            return
        before = state.credit.spread[self.rows].copy()
        state.credit.spread[self.rows] = before * (1.0 - self.compression)
        if self.multiplier is None:  # the first month of the guarantee: set once, then kept
            # on the spread the project was planned at (the opening spread), never a distressed one:
            # a guarantee that starts on a trigger does not reward the distress that set it off
            planned = np.minimum(before, state.credit.spread0[self.rows])
            self.multiplier = investment_response(
                planned, self.compression, treasury_yield(state), state.spec.funding.investment_elasticity
            )
        state.credit.investment_multiplier[self.rows] = self.multiplier

    def after_step(self, state) -> None:
        if self.end is not None and state.month == self.end:  # belief ends with the window
            state.credit.always_rolls[self.rows] = False
            state.credit.investment_multiplier[self.rows] = 1.0
            state.contracts.set_active(self.guarantees, False)


class LoanGuarantee(Policy):
    """An explicit guarantee of named contracts (a lab's compute financing, chip-plant loans).

    Args:
        contracts: ids of the guaranteed contracts (debt contracts of the scenario).
        coverage: share of a defaulted claim the government pays.
        cap: most the government pays on each guaranteed contract (USD bn).
    """

    name = "loan_guarantee"

    def __init__(
        self,
        contracts: Iterable[str] = (),
        coverage: float = 0.8,
        cap: float = np.inf,
        start: int = 0,
        end: int | None = None,
        trigger=None,
    ):
        who = "LoanGuarantee"
        contracts = tuple(contracts)
        super().__init__(
            start,
            end,
            trigger,
            contracts=contracts,
            coverage=check_share(coverage, "coverage", who),
            cap=check_nonneg(cap, "cap", who),
        )
        self.contract_ids, self.coverage, self.cap = contracts, coverage, cap

    def validate(self, catalogue: Catalogue) -> None:
        for cid in self.contract_ids:
            if cid not in catalogue.debt_contracts:
                raise PolicyError(f"LoanGuarantee: unknown debt contract {cid!r} in scenario {catalogue.name}")
        check_ids(catalogue, (), "LoanGuarantee")

    def initialize(self, state) -> None:
        gov = government_of(state)
        c = state.contracts
        rows = np.array([c.ids.index(cid) for cid in self.contract_ids], dtype=np.int64)
        self.rows = rows
        self.guarantees = add_guarantees(state, rows, gov, self.coverage, self.cap)
        state.contracts.set_active(self.guarantees, False)  # in force only within the window (apply)

    def apply(self, state, decisions) -> None:
        state.contracts.set_active(self.guarantees, True)
        for r in self.rows:
            state.credit.rate_cover[int(r)] = self.coverage  # the guaranteed share is priced at the Treasury rate

    def after_step(self, state) -> None:
        if self.end is not None and state.month == self.end:
            state.contracts.set_active(self.guarantees, False)
            for r in self.rows:
                state.credit.rate_cover.pop(int(r), None)
