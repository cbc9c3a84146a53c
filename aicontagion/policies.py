"""Interventions: the only way to act on a running model from outside its rules.

A policy has ``initialize(model)`` (once, when the model is built), ``apply(model, decisions)``
(every month of its window, in the decide stage, after the institutions decided),
``adjust_funding(model)`` (every month, in the funding stage, after spreads are set and before
rollover), ``after_step(model)`` and ``finalize(model)``. It records its constructor arguments,
so ``repr(policy)`` and saved results say exactly what ran, and it acts only between months
``start`` and ``end``. Bad arguments (unknown kinds or institutions, negative budgets, an end
before the start) raise :class:`PolicyError` when the policy or the Sim is built.

Built-ins (SEED_NOTES section 6; see docs/model.md, "Policies"):

* :class:`ImplicitGuarantee`: markets believe the debt of designated borrowers is backed: their
  spreads fall toward the Treasury rate, their maturing debt always rolls over, and the
  government pays their creditors on default. Cheaper funding raises their investment through
  the scenario's ``funding.investment_elasticity`` (the behavioural channel that makes a
  guarantee change the size of exposures, not only who bears the loss).
* :class:`LoanGuarantee`: an explicit guarantee of named contracts, with a cap per contract;
  the guaranteed share is priced at the Treasury rate when the loan rolls over.
* :class:`Bailout`: capital injections (TARP-like) into institutions of named kinds whose
  equity / assets falls below a threshold, up to a budget; the government takes equity.
* :class:`LenderOfLastResort`: central-bank loans to solvent institutions that cannot meet what
  is due, against collateral with a haircut: it stops funding runs, not insolvency.

The government's losses are the fall of its equity (``model.fiscal_cost``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from aicontagion.accounts import Channel
from aicontagion.kinds import Kind, Status
from aicontagion.network.contracts import EXTERNAL, ContractType, Seniority
from aicontagion.obligations import _capital_calls


class PolicyError(ValueError):
    """A policy built with impossible arguments, or aimed at something the scenario lacks."""


class Policy:
    """Base class for interventions.

    Args:
        start: first month (0 = the scenario's start month) in which the policy acts.
        end: last month in which it acts (None: to the end of the run).
    """

    name = "policy"

    def __init__(self, start: int = 0, end: int | None = None, **kwargs: Any):
        if start < 0:
            raise PolicyError(f"{type(self).__name__}: start must be >= 0 (got {start})")
        if end is not None and end < start:
            raise PolicyError(f"{type(self).__name__}: end {end} is before start {start}")
        self.start, self.end = start, end
        self.args = {"start": start, "end": end} | kwargs

    def active(self, model) -> bool:
        """True in the months the policy acts."""
        return model.month >= self.start and (self.end is None or model.month <= self.end)

    def validate(self, catalogue: Catalogue) -> None:
        """Check the policy against a scenario's :class:`Catalogue` (named targets exist)."""

    def initialize(self, model) -> None:
        """Called once when the model is built."""

    def apply(self, model, decisions) -> None:
        """Called every month of the window in the decide stage, after the institutions decided."""

    def adjust_funding(self, model) -> None:
        """Called every month in the funding stage, after spreads are set and before rollover."""

    def after_step(self, model) -> None:
        """Called every month after the funding stage."""

    def finalize(self, model) -> None:
        """Called once at the end of the run."""

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.args.items() if not (k == "end" and v is None) and not (k == "start" and v == 0)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"


# ---------------------------------------------------------------- helpers
def _kinds(kinds: Iterable[str], who: str) -> tuple[str, ...]:
    out = tuple(kinds)
    for k in out:
        try:
            Kind.parse(k)
        except ValueError as exc:
            raise PolicyError(f"{who}: {exc}") from None
    return out


def _nonneg(value: float, field: str, who: str) -> float:
    if value is None or not np.isfinite(value) and value != np.inf or value < 0:
        raise PolicyError(f"{who}: {field} must be a non-negative number (got {value!r})")
    return float(value)


def _share(value: float, field: str, who: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise PolicyError(f"{who}: {field} must be between 0 and 1 (got {value!r})")
    return float(value)


def _government(model) -> int:
    gov = model.members[Kind.GOVERNMENT]
    if gov.size == 0:
        raise PolicyError("the scenario has no government institution to act through")
    return int(gov[0])


def _targets(model, kinds: tuple[str, ...], ids: tuple[str, ...]) -> np.ndarray:
    rows = [model.members[Kind.parse(k)] for k in kinds] + [np.array([model.ids.index(i)]) for i in ids]
    return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Catalogue:
    """What a policy may be aimed at: a scenario's institutions (ids, kinds) and debt contracts."""

    name: str
    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    debt_contracts: frozenset[str]

    @classmethod
    def of(cls, spec, system=None) -> Catalogue:
        """From a scenario spec, or from a prebuilt system (synthetic systems have no specs)."""
        if system is not None:
            ids = tuple(system.ids)
            kinds = tuple(Kind(int(k)).label for k in system.kind)
            c = system.contracts
            debt = frozenset(c.ids[r] for r in np.flatnonzero(c.is_debt))
        else:
            ids = tuple(i.id for i in spec.institutions)
            kinds = tuple(i.kind for i in spec.institutions)
            debt = frozenset(c.id for c in spec.contracts if c.id and getattr(c, "lender", None) is not None)
        return cls(spec.name, ids, kinds, debt)


def _check_ids(cat: Catalogue, ids: tuple[str, ...], who: str) -> None:
    known = set(cat.ids)
    for i in ids:
        if i not in known:
            raise PolicyError(f"{who}: unknown institution {i!r} in scenario {cat.name}")
    if "government" not in cat.kinds:
        raise PolicyError(f"{who}: scenario {cat.name} has no government institution to act through")


def _guarantee(model, rows: np.ndarray, gov: int, share: float, cap: float) -> np.ndarray:
    """Add government guarantees of ``share`` of debt ``rows`` (each capped at ``cap``)."""
    c = model.contracts
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


# ---------------------------------------------------------------- policies
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
    ):
        who = "ImplicitGuarantee"
        kinds, ids = _kinds(kinds, who), tuple(ids)
        super().__init__(
            start,
            end,
            kinds=kinds,
            ids=ids,
            coverage=_share(coverage, "coverage", who),
            spread_compression=_share(spread_compression, "spread_compression", who),
        )
        self.kinds, self.ids, self.coverage, self.compression = kinds, ids, coverage, spread_compression

    def validate(self, catalogue: Catalogue) -> None:
        _check_ids(catalogue, self.ids, "ImplicitGuarantee")

    def initialize(self, model) -> None:
        self.gov = _government(model)
        self.rows = _targets(model, self.kinds, self.ids)
        self.covered: set[int] = set()

    def _cover_new_debt(self, model) -> None:
        c = model.contracts
        mine = np.zeros(model.n, dtype=bool)
        mine[self.rows] = True
        debt = np.flatnonzero(c.is_debt & (c.obligor >= 0) & (c.creditor != self.gov))
        debt = debt[mine[c.obligor[debt]]]
        new = np.array([r for r in debt if int(r) not in self.covered], dtype=np.int64)
        self.guarantees = np.concatenate(
            [
                getattr(self, "guarantees", np.zeros(0, dtype=np.int64)),
                _guarantee(model, new, self.gov, self.coverage, np.inf),
            ]
        )
        self.covered.update(int(r) for r in new)

    def apply(self, model, decisions) -> None:
        self._cover_new_debt(model)
        model.always_rolls[self.rows] = True

    def adjust_funding(self, model) -> None:
        if not self.active(model):
            return
        r = model.treasury_rate
        before = model.spread[self.rows].copy()
        model.spread[self.rows] = before * (1.0 - self.compression)
        eps = model.scenario.funding.investment_elasticity
        model.investment_multiplier[self.rows] = ((r + before) / np.maximum(r + model.spread[self.rows], 1e-6)) ** eps

    def after_step(self, model) -> None:
        if self.end is not None and model.month == self.end:  # belief ends with the window
            model.always_rolls[self.rows] = False
            model.investment_multiplier[self.rows] = 1.0
            model.contracts.set_active(getattr(self, "guarantees", np.zeros(0, dtype=np.int64)), False)


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
    ):
        who = "LoanGuarantee"
        contracts = tuple(contracts)
        super().__init__(
            start, end, contracts=contracts, coverage=_share(coverage, "coverage", who), cap=_nonneg(cap, "cap", who)
        )
        self.contract_ids, self.coverage, self.cap = contracts, coverage, cap

    def validate(self, catalogue: Catalogue) -> None:
        for cid in self.contract_ids:
            if cid not in catalogue.debt_contracts:
                raise PolicyError(f"LoanGuarantee: unknown debt contract {cid!r} in scenario {catalogue.name}")
        _check_ids(catalogue, (), "LoanGuarantee")

    def initialize(self, model) -> None:
        gov = _government(model)
        c = model.contracts
        rows = np.array([c.ids.index(cid) for cid in self.contract_ids], dtype=np.int64)
        self.rows = rows
        self.guarantees = _guarantee(model, rows, gov, self.coverage, self.cap)
        model.contracts.set_active(self.guarantees, False)  # in force only within the window (apply)

    def apply(self, model, decisions) -> None:
        model.contracts.set_active(self.guarantees, True)
        for r in self.rows:
            model.rate_cover[int(r)] = self.coverage  # the guaranteed share is priced at the Treasury rate

    def after_step(self, model) -> None:
        if self.end is not None and model.month == self.end:
            model.contracts.set_active(self.guarantees, False)
            for r in self.rows:
                model.rate_cover.pop(int(r), None)


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
    ):
        who = "Bailout"
        kinds = _kinds(kinds, who)
        if target < threshold:
            raise PolicyError(f"{who}: target {target} is below threshold {threshold}")
        super().__init__(
            start,
            end,
            kinds=kinds,
            threshold=_share(threshold, "threshold", who),
            target=_share(target, "target", who),
            budget=_nonneg(budget, "budget", who),
        )
        self.kinds, self.threshold, self.target, self.left = kinds, threshold, target, budget

    def validate(self, catalogue: Catalogue) -> None:
        _check_ids(catalogue, (), "Bailout")

    def initialize(self, model) -> None:
        self.gov = _government(model)
        self.rows = _targets(model, self.kinds, ())
        self.injected = 0.0

    def apply(self, model, decisions) -> None:
        rows = self.rows[model.status[self.rows] != Status.DEFAULTED]
        if rows.size == 0 or self.left <= 0:
            return
        assets = model.assets[rows]
        equity = model.books.equity[rows]
        weak = (assets > 0) & (equity < self.threshold * assets)
        for i, a, e in zip(rows[weak], assets[weak], equity[weak], strict=True):
            need = min(self.target * a - e, self.left)
            if need <= 1e-9:
                continue
            c = model.contracts
            row = c.add(
                ContractType.EQUITY, self.gov, int(i), f"bailout/{model.ids[i]}/{model.month}", share=0.0, uncalled=need
            )
            model.fund_government_for(need)
            _capital_calls(model.books, c, np.array([row]), np.array([need]))
            self.left -= need
            self.injected += need
            model.record_event(int(i), "bailout", need, f"equity/assets {e / a:.1%} < {self.threshold:.0%}")


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
    ):
        who = "LenderOfLastResort"
        kinds = _kinds(kinds, who)
        super().__init__(
            start, end, kinds=kinds, haircut=_share(haircut, "haircut", who), penalty=_nonneg(penalty, "penalty", who)
        )
        self.kinds, self.haircut, self.penalty = kinds, haircut, penalty

    def validate(self, catalogue: Catalogue) -> None:
        _check_ids(catalogue, (), "LenderOfLastResort")

    def initialize(self, model) -> None:
        self.gov = _government(model)
        self.rows = _targets(model, self.kinds, ())

    def apply(self, model, decisions) -> None:
        rows = self.rows[(model.status[self.rows] != Status.DEFAULTED) & (model.books.equity[self.rows] > 0)]
        gap = model.due_now[rows] - model.books.cash[rows]
        c = model.contracts
        prices = model.markets.marked_price
        for i, g in zip(rows[gap > 1e-9], gap[gap > 1e-9], strict=True):
            traded = model.traded_claims_of(int(i))
            collateral = model.books.holdings[i] @ prices + c.value()[traded].sum()
            owed = c.principal[
                (c.creditor == self.gov) & (c.obligor == i) & c.is_debt & (c.maturity > model.month)
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
                rate=model.treasury_rate + self.penalty,
                start=model.month,
                maturity=model.month + 1,
                tenor=1,
                seniority=Seniority.SECURED,
                rolls=False,  # repaid next month; re-lent then at the penalty rate if still needed
            )
            model.fund_government_for(amount)
            model.books.lend(c, np.array([row]), np.array([amount]), "central_bank_loan")
            model.record_event(
                int(i), "lender_of_last_resort", amount, f"collateral {collateral:.3g}, haircut {self.haircut:.0%}"
            )


POLICIES: dict[str, type[Policy] | None] = {
    "none": None,
    "implicit_guarantee": ImplicitGuarantee,
    "loan_guarantee": LoanGuarantee,
    "bailout": Bailout,
    "lender_of_last_resort": LenderOfLastResort,
}


def from_name(name: str, **kwargs: Any) -> list[Policy]:
    """The policy called ``name`` (``none`` gives no policy) built with ``kwargs``, as a list."""
    if name not in POLICIES:
        raise PolicyError(f"unknown policy {name!r} (expected one of: {', '.join(POLICIES)})")
    cls = POLICIES[name]
    return [] if cls is None else [cls(**kwargs)]


__all__ = [
    "POLICIES",
    "Bailout",
    "ImplicitGuarantee",
    "LenderOfLastResort",
    "LoanGuarantee",
    "Policy",
    "PolicyError",
    "from_name",
    "Channel",
    "EXTERNAL",
]
