"""Constraints on institutions and the sale orders they force (the deleverage stage).

A constraint is a small object attached to an institution kind. Given the current books it
writes sale orders into a :class:`SaleOrders` and says what the proceeds are for. All kinds write
their orders from the same snapshot; the orders of a round then clear together in
:meth:`aicontagion.mechanisms.markets.Markets.clear_sales` (INET Oxford's simultaneous fire sales).

* :class:`LeverageTarget` (banks): below the buffer, sell tradables pro rata and repay funding
  until equity / assets is back at the target (Cont and Schaanning 2017, leverage targeting).
* :class:`LoanToValueCovenant` (private-credit funds): when debt / assets exceeds the covenant of
  a credit line it owes, sell tradables pro rata and repay the lines until the covenant holds.
* :class:`LiquidityFloor` (pensions, insurers, ETFs): keep cash at a share of assets by selling
  public holdings pro rata (the LP fire-sale channel).
* :class:`RatingFloor` (insurers): sell traded claims whose credit mark fell below the floor
  (a downgrade below investment grade forces the sale), and traded claims on projects whose
  rating band (mechanisms/valuation.py) is speculative grade.
* :class:`AllocationCap` (pensions): sell fund stakes on the secondary market at a discount when
  private assets exceed their cap (the denominator effect).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.valuation import SPECULATIVE
from aicontagion.network.contracts import ContractType

READS = ("books", "credit", "markets", "registry", "snapshot")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts",)
"""State groups this mechanism writes."""


class SaleOrders:
    """One round's orders, as arrays: shares of each institution's tradables, of traded claims,
    of stakes; what proceeds repay; why it sells.

    Pro-rata sales are recorded per institution as the share ``frac`` of its holdings (and, where
    ``claims``, of its traded claims) to sell; several constraints on one institution take the
    largest share. Explicit claim and stake sales are recorded per contract row.
    """

    NONE, FUNDING, LINES = 0, 1, 2  # what proceeds repay

    def __init__(self, state):
        n = state.n
        c = state.contracts
        self.state = state
        self.frac = np.zeros(n)
        self.claims = np.zeros(n, dtype=bool)
        self.claim_share = np.zeros(c.size)  # explicit, per contract row
        self.stake_share = np.zeros(c.size)
        self.repay = np.zeros(n, dtype=np.int8)
        self.reason = np.full(n, "", dtype=object)
        prices = state.markets.marked_price
        self.hold_value = state.books.holdings @ prices
        self.traded = (c.is_debt & (c.market >= 0) & (c.creditor >= 0) & (c.principal > 0)).nonzero()[0]
        carried = c.principal[self.traded] * c.mark[self.traded]  # debt is carried at principal x mark
        self.claim_value = np.bincount(c.creditor[self.traded], weights=carried, minlength=n)

    def sell(
        self,
        who: np.ndarray,
        amount: np.ndarray,
        claims: bool = True,
        repay: int = 0,
        reason: str = "",
        override: bool = False,
    ) -> np.ndarray:
        """Order each of ``who`` to sell ``amount`` (USD bn at marks) pro rata across its tradables
        (holdings and, with ``claims``, traded claims). Returns the amount ordered per entry."""
        who = np.asarray(who, dtype=np.int64)
        amount = np.asarray(amount, dtype=float)
        total = self.hold_value[who] + (self.claim_value[who] if claims else 0.0)
        ok = (total > 1e-12) & (amount > 1e-12)
        frac = np.where(ok, np.minimum(ratio(amount, total), 1.0), 0.0)
        self.frac[who] = np.maximum(self.frac[who], frac)
        if claims:
            self.claims[who[ok]] = True
        if repay:
            self.repay[who[ok]] = repay
        mark = who[ok]
        if override:
            self.reason[mark] = reason
        else:
            self.reason[mark] = np.where(self.reason[mark] == "", reason, self.reason[mark])
        return frac * total

    def sell_claims(self, rows: np.ndarray, share: float | np.ndarray, reason: str) -> None:
        """Order the sale of ``share`` of traded claim ``rows`` (e.g. below a rating floor)."""
        rows = np.asarray(rows, dtype=np.int64)
        self.claim_share[rows] = np.maximum(self.claim_share[rows], share)
        holders = self.state.contracts.creditor[rows]
        self.reason[holders] = np.where(self.reason[holders] == "", reason, self.reason[holders])

    def sell_stakes(self, rows: np.ndarray, share: np.ndarray, reason: str) -> None:
        """Order the sale of ``share`` of stake ``rows`` on the secondary market."""
        rows = np.asarray(rows, dtype=np.int64)
        self.stake_share[rows] = np.maximum(self.stake_share[rows], share)
        holders = self.state.contracts.creditor[rows]
        self.reason[holders] = np.where(self.reason[holders] == "", reason, self.reason[holders])

    def orders(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(units, claim rows, claim shares, stake rows, stake shares)`` ready to clear."""
        c = self.state.contracts
        units = self.state.books.holdings * self.frac[:, None]
        share = self.claim_share[self.traded]
        pro_rata = np.where(self.claims[c.creditor[self.traded]], self.frac[c.creditor[self.traded]], 0.0)
        share = np.maximum(share, pro_rata)
        keep = share > 0
        stakes = (self.stake_share > 0).nonzero()[0]
        return units, self.traded[keep], share[keep], stakes, self.stake_share[stakes]

    @property
    def empty(self) -> bool:
        """True when nothing is to be sold."""
        return not (self.frac.any() or self.claim_share.any() or self.stake_share.any())


class Constraint:
    """Base: a rule that may order sales for the institutions of one kind."""

    name = "constraint"

    def orders(self, state, rows: np.ndarray, out: SaleOrders) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LeverageTarget(Constraint):
    """Equity / assets kept at or above ``leverage_buffer``; when breached, delever to ``leverage_target``."""

    name = "leverage"

    def orders(self, state, rows, out):
        p = state.registry.params["bank"]
        assets = state.snapshot.assets[rows]
        eq = state.books.equity[rows]
        lev = ratio(eq, assets, default=1.0)
        hit = (lev < p["leverage_buffer"][rows]) & (eq > 0)
        who = rows[hit]
        sell = assets[hit] - eq[hit] / p["leverage_target"][who]
        out.sell(who, sell, claims=True, repay=SaleOrders.FUNDING, reason=self.name, override=True)


class LoanToValueCovenant(Constraint):
    """Debt / assets kept at or below the tightest covenant of the credit lines a fund owes."""

    name = "covenant"

    def orders(self, state, rows, out):
        who, debt, cov, a = covenant_breaches(state, rows)
        sell = (debt - cov * a) / np.maximum(1.0 - cov, 1e-6)
        out.sell(who, sell, claims=True, repay=SaleOrders.LINES, reason=self.name, override=True)


def covenant_breaches(state, rows: np.ndarray, tolerance: float = 0.0):
    """Which of ``rows`` owe drawn credit lines with an LTV covenant and breach it: debt /
    assets (``snapshot.assets``) above the tightest such covenant by more than ``tolerance``
    (relative). Returns the breaching rows and their debt, covenant and assets."""
    c = state.contracts
    lines = c.rows_of(ContractType.CREDIT_LINE)
    lines = lines[np.isfinite(c.covenant[lines]) & (c.obligor[lines] >= 0) & (c.principal[lines] > 0)]
    cov = np.full(state.n, np.inf)
    np.minimum.at(cov, c.obligor[lines], c.covenant[lines])
    debt = state.books.liabilities(c)
    who = rows[np.isfinite(cov[rows])]
    a = state.snapshot.assets[who]
    hit = (a > 0) & (debt[who] > cov[who] * a * (1.0 + tolerance))
    hit |= (a <= 0) & (debt[who] > 0)
    who = who[hit]
    return who, debt[who], cov[who], state.snapshot.assets[who]


def uncured_breaches(state, rows: np.ndarray) -> np.ndarray:
    """After the deleverage stage: funds of ``rows`` still in breach of their covenant by more than
    ``CURE_TOLERANCE`` (they had too little left to sell). The lenders accelerate the lines: a
    breach that cannot be cured is a default (a boolean mask over institutions)."""
    out = np.zeros(state.n, dtype=bool)
    out[covenant_breaches(state, rows, CURE_TOLERANCE)[0]] = True
    return out


CURE_TOLERANCE = 0.01
"""Relative LTV excess left after the sale rounds that counts as not cured (assumed: a rounding
margin, well above the residual of converged rounds)."""


class LiquidityFloor(Constraint):
    """Cash kept at ``liquidity_floor`` x assets by selling public holdings pro rata."""

    name = "liquidity"

    def __init__(self, block: str = "pension_lp"):
        self.block = block  # the parameter block that holds ``liquidity_floor``

    def orders(self, state, rows, out):
        p = state.registry.params[self.block]
        need = p["liquidity_floor"][rows] * state.snapshot.assets[rows] - state.books.cash[rows]
        hit = need > 1e-9
        out.sell(rows[hit], need[hit], claims=False, reason=self.name)


class RatingFloor(Constraint):
    """Traded claims whose credit mark is below ``forced_sale_mark`` are sold in full, and so are
    traded claims on projects rated speculative grade (holders with a floor above zero)."""

    name = "rating_floor"

    def orders(self, state, rows, out):
        floor = state.registry.params["pension_lp"]["forced_sale_mark"]
        c = state.contracts
        held = out.traded  # traded claims held by institutions, as of this round
        is_member = np.zeros(state.n, dtype=bool)
        is_member[rows] = True
        held = held[is_member[c.creditor[held]]]
        bound = floor[c.creditor[held]]
        rating = state.credit.rating
        junk = np.zeros(held.size, dtype=bool)
        if rating.size == state.n:
            junk = (bound > 0) & (c.obligor[held] >= 0) & (rating[np.maximum(c.obligor[held], 0)] >= SPECULATIVE)
        below = held[(c.credit_mark[held] < bound) | junk]
        if below.size:
            out.sell_claims(below, 1.0, self.name)


class AllocationCap(Constraint):
    """Fund stakes kept at or below ``max_private_share`` of assets (secondary sales at a discount)."""

    name = "allocation"

    def orders(self, state, rows, out):
        cap = state.registry.params["pension_lp"]["max_private_share"]
        c = state.contracts
        stakes = (c.is_stake & (c.creditor >= 0) & (c.principal > 0)).nonzero()[0]
        value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)
        over = np.zeros(state.n)
        a = state.snapshot.assets[rows]
        hit = (a > 0) & (value[rows] > cap[rows] * a + 1e-9)
        who = rows[hit]
        over[who] = ratio(value[who] - cap[who] * a[hit], value[who])
        mine = stakes[over[c.creditor[stakes]] > 0]
        if mine.size:
            out.sell_stakes(mine, over[c.creditor[mine]], self.name)
