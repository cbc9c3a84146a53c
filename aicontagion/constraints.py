"""Constraints on institutions and the sale orders they force (the deleverage stage).

A constraint is a small object attached to an institution kind. Given the current books it
writes sale orders into a :class:`SaleOrders` and says what the proceeds are for. All kinds write
their orders from the same snapshot; the orders of a round then clear together in
:meth:`aicontagion.markets.Markets.clear_sales` (INET Oxford's simultaneous fire sales).

* :class:`LeverageTarget` (banks): below the buffer, sell tradables pro rata and repay funding
  until equity / assets is back at the target (Cont and Schaanning 2017, leverage targeting).
* :class:`LoanToValueCovenant` (private-credit funds): when debt / assets exceeds the covenant of
  a credit line it owes, sell tradables pro rata and repay the lines until the covenant holds.
* :class:`LiquidityFloor` (pensions, insurers, ETFs): keep cash at a share of assets by selling
  public holdings pro rata (the LP fire-sale channel).
* :class:`RatingFloor` (insurers): sell traded claims whose credit mark fell below the floor
  (a downgrade below investment grade forces the sale).
* :class:`AllocationCap` (pensions): sell fund stakes on the secondary market at a discount when
  private assets exceed their cap (the denominator effect).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.network.contracts import ContractType
from aicontagion.numeric import ratio


@dataclass
class SaleOrders:
    """One round's orders: units of holdings, shares of traded claims, shares of stakes."""

    units: np.ndarray
    claim_share: dict[int, float] = field(default_factory=dict)  # contract row -> share sold
    stake_share: dict[int, float] = field(default_factory=dict)  # stake row -> share sold
    repay: dict[int, str] = field(default_factory=dict)  # institution -> "funding" | "lines"
    reason: dict[int, str] = field(default_factory=dict)  # institution -> constraint name

    def sell_pro_rata(self, model, who: int, amount: float, claims: bool = True) -> float:
        """Order ``who`` to sell ``amount`` (USD bn at marks) across its tradables; returns ordered."""
        prices = model.markets.marked_price
        hold_value = model.books.holdings[who] * prices
        rows = model.traded_claims_of(who) if claims else np.zeros(0, dtype=np.int64)
        claim_value = model.contracts.value()[rows]
        total = hold_value.sum() + claim_value.sum()
        if total <= 1e-12 or amount <= 1e-12:
            return 0.0
        frac = min(amount / total, 1.0)
        self.units[who] = np.maximum(self.units[who], model.books.holdings[who] * frac)
        for r in rows:
            self.claim_share[int(r)] = max(self.claim_share.get(int(r), 0.0), frac)
        return frac * total

    @property
    def empty(self) -> bool:
        """True when nothing is to be sold."""
        return not (self.units.any() or self.claim_share or self.stake_share)


class Constraint:
    """Base: a rule that may order sales for the institutions of one kind."""

    name = "constraint"

    def orders(self, model, rows: np.ndarray, out: SaleOrders) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LeverageTarget(Constraint):
    """Equity / assets kept at or above ``leverage_buffer``; when breached, delever to ``leverage_target``."""

    name = "leverage"

    def orders(self, model, rows, out):
        p = model.params["bank"]
        assets = model.assets[rows]
        eq = model.books.equity[rows]
        lev = ratio(eq, assets, default=1.0)
        for k in np.flatnonzero((lev < p["leverage_buffer"][rows]) & (eq > 0)):
            i = int(rows[k])
            target = p["leverage_target"][i]
            sell = assets[k] - eq[k] / target
            if out.sell_pro_rata(model, i, sell) > 0:
                out.repay[i] = "funding"
                out.reason[i] = self.name


class LoanToValueCovenant(Constraint):
    """Debt / assets kept at or below the tightest covenant of the credit lines a fund owes."""

    name = "covenant"

    def orders(self, model, rows, out):
        c = model.contracts
        lines = np.flatnonzero(
            (c.ctype == ContractType.CREDIT_LINE)
            & c.active
            & np.isfinite(c.covenant)
            & (c.obligor >= 0)
            & (c.principal > 0)
        )
        cov = np.full(model.n, np.inf)
        np.minimum.at(cov, c.obligor[lines], c.covenant[lines])
        debt = model.books.liabilities(c)
        for i in rows[np.isfinite(cov[rows])]:
            a = model.assets[i]
            if a <= 0 or debt[i] / a <= cov[i]:
                continue
            sell = (debt[i] - cov[i] * a) / max(1.0 - cov[i], 1e-6)
            if out.sell_pro_rata(model, int(i), sell) > 0:
                out.repay[int(i)] = "lines"
                out.reason[int(i)] = self.name


class LiquidityFloor(Constraint):
    """Cash kept at ``liquidity_floor`` x assets by selling public holdings pro rata."""

    name = "liquidity"

    def __init__(self, block: str = "pension_lp"):
        self.block = block  # the parameter block that holds ``liquidity_floor``

    def orders(self, model, rows, out):
        p = model.params[self.block]
        need = p["liquidity_floor"][rows] * model.assets[rows] - model.books.cash[rows]
        for k in np.flatnonzero(need > 1e-9):
            i = int(rows[k])
            if out.sell_pro_rata(model, i, need[k], claims=False) > 0:
                out.reason.setdefault(i, self.name)


class RatingFloor(Constraint):
    """Traded claims whose credit mark is below ``forced_sale_mark`` are sold in full."""

    name = "rating_floor"

    def orders(self, model, rows, out):
        floor = model.params["pension_lp"]["forced_sale_mark"]
        c = model.contracts
        held = np.flatnonzero(c.is_debt & (c.market >= 0) & (c.creditor >= 0) & (c.principal > 0))
        is_member = np.zeros(model.n, dtype=bool)
        is_member[rows] = True
        held = held[is_member[c.creditor[held]]]
        below = held[c.credit_mark[held] < floor[c.creditor[held]]]
        for r in below:
            out.claim_share[int(r)] = 1.0
            out.reason.setdefault(int(c.creditor[r]), self.name)


class AllocationCap(Constraint):
    """Fund stakes kept at or below ``max_private_share`` of assets (secondary sales at a discount)."""

    name = "allocation"

    def orders(self, model, rows, out):
        cap = model.params["pension_lp"]["max_private_share"]
        c = model.contracts
        stakes = np.flatnonzero(c.is_stake & (c.creditor >= 0) & (c.principal > 0))
        value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=model.n)
        for i in rows:
            a = model.assets[i]
            if a <= 0 or value[i] <= cap[i] * a + 1e-9:
                continue
            frac = (value[i] - cap[i] * a) / value[i]
            for r in stakes[c.creditor[stakes] == i]:
                out.stake_share[int(r)] = frac
            out.reason.setdefault(int(i), self.name)
