"""Tradable asset classes: prices, price impact, appraisal-lagged marks, and clearing of sales.

Each class ``a`` has a *fundamental* price (set each month by AI demand: sentiment for tech
equity, the GPU rental index for GPUs, spreads for bonds) and an *impact* state: the decaying
share of the market's depth sold recently. The trade price is ``fundamental x impact factor``.

Holders mark their positions at a **marked price**: for a public class the trade price
(``appraisal = 1``); for a private class an appraisal-smoothed price that moves a share
``appraisal`` of the way to the trade price each month. This is one of the mechanisms that makes
the direct-finance path slower than a mark-to-market bank system; there is no speed constant.

All sales of a round clear together: the round's sales per class move the impact state once,
sellers receive the average of the old and new price (as in the INET Oxford fire-sale model),
and every holder is then marked to the new price (overlapping portfolios).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Books, Channel
from aicontagion.core.calendar import month_index
from aicontagion.core.numeric import ratio
from aicontagion.network.contracts import EXTERNAL, ContractTable

READS: tuple[str, ...] = ()
"""None: a pure function of its arguments (it never sees the month state)."""
WRITES: tuple[str, ...] = ()


def credit_fundamental(
    sentiment_ratio: float,
    rent_ratio: float,
    spread_change: float,
    default_rate: float,
    recovery: float,
    collateral_gpu_share: float,
    elasticity: float,
    duration: float,
) -> float:
    """Price of a loan book marked from its borrowers' credit and collateral (1.0 at the start).

    The borrowers' annual default rate rises as AI sentiment falls,
    ``pd = default_rate * sentiment_ratio ** -elasticity``; the loss given default rises as the
    GPU part of the collateral loses value with the rent index,
    ``lgd = 1 - recovery * (1 - collateral_gpu_share * (1 - min(rent_ratio, 1)))``. The book's
    expected annual loss beyond the one priced at the start, plus the spread change of the
    modelled issuers whose loans sit in the class (times ``spread_beta``, passed in: the generic
    borrowers' spreads move with theirs; those issuers' own loans also carry their credit marks),
    is lost over the book's ``duration``:
    ``price = 1 - duration * (pd * lgd - default_rate * (1 - recovery) + spread_change)``.
    With sentiment and rents at their start and no spread change the price is 1 (the constant).
    """
    pd = default_rate * max(sentiment_ratio, 1e-6) ** -elasticity
    lgd = 1.0 - recovery * (1.0 - collateral_gpu_share * (1.0 - min(rent_ratio, 1.0)))
    loss = pd * lgd - default_rate * (1.0 - recovery) + spread_change
    return max(1.0 - duration * loss, 0.05)


class Markets:
    """Prices of the scenario's asset classes (index order = the scenario's ``markets``)."""

    def __init__(self, names: list[str], specs: list, start: str = "2025-01"):
        self.names = list(names)
        # exogenous repricings: (class, month from which it applies, share lost)
        self.shocks = [(a, month_index(sh.at, start), sh.fall) for a, s in enumerate(specs) for sh in s.shocks]
        self.index = {n: i for i, n in enumerate(self.names)}
        k = len(names)
        self.depth = np.array([s.depth for s in specs], dtype=float)
        self.linear = np.array([s.impact_model == "linear" for s in specs])
        impact = np.array([s.impact for s in specs], dtype=float)
        share = np.array([s.impact_share for s in specs], dtype=float)
        with np.errstate(divide="ignore"):
            self.beta = np.where(impact < 1, -np.log1p(-np.minimum(impact, 1 - 1e-12)) / share, 1e6)
        self.slope = impact / share  # linear impact per unit of sold share
        self.resilience = np.array([s.resilience for s in specs], dtype=float)
        self.appraisal = np.array([s.appraisal for s in specs], dtype=float)
        self.driver = [s.fundamental for s in specs]
        self.elasticity = np.array([s.elasticity for s in specs], dtype=float)
        self.duration = np.array([s.duration for s in specs], dtype=float)
        self.default_rate = np.array([s.default_rate for s in specs], dtype=float)
        self.recovery = np.array([s.recovery for s in specs], dtype=float)
        self.collateral_gpu = np.array([s.collateral_gpu_share for s in specs], dtype=float)
        self.spread_beta = np.array([s.spread_beta for s in specs], dtype=float)
        self.fundamental = np.ones(k)
        self.sold_share = np.zeros(k)  # decaying cumulative sales / depth
        self.marked_fundamental = np.ones(k)
        self.marked_impact = np.ones(k)
        self.sold_this_step = np.zeros(k)  # USD bn sold at trade prices this month

    def switch_off(self, price_impact: bool = True, appraisal_lag: bool = True) -> None:
        """Ablations (:mod:`aicontagion.core.channels`): ``price_impact=False`` makes sales move no
        price; ``appraisal_lag=False`` marks every class to market each month."""
        if not price_impact:
            self.beta = np.zeros_like(self.beta)
            self.slope = np.zeros_like(self.slope)
        if not appraisal_lag:
            self.appraisal = np.ones_like(self.appraisal)

    # -- prices -------------------------------------------------------------------------------------
    def impact_factor(self, sold_share: np.ndarray | None = None) -> np.ndarray:
        """Price factor in (0, 1] from the decaying sold share of depth."""
        s = self.sold_share if sold_share is None else sold_share
        expo = np.exp(-self.beta * s)
        lin = np.minimum(np.maximum(1.0 - self.slope * s, 0.01), 1.0)  # np.clip's ufunc, without four wrapper calls
        return np.where(self.linear, lin, expo)

    @property
    def trade_price(self) -> np.ndarray:
        """Price at which the class trades now (1.0 = its price at the start)."""
        return self.fundamental * self.impact_factor()

    @property
    def marked_price(self) -> np.ndarray:
        """Price at which holders carry the class on their books."""
        return self.marked_fundamental * self.marked_impact

    # -- monthly updates ----------------------------------------------------------------------------
    def update_fundamentals(
        self,
        sentiment_ratio: float,
        rent_ratio: float,
        spread_change: np.ndarray,
        books: Books,
        contracts: ContractTable,
        month: int = 0,
    ) -> None:
        """Set this month's fundamentals and move marks toward them (booked as MARKET).

        Args:
            sentiment_ratio: what prices listed AI equity relative to the start (the sentiment
                ratio, or the expectations value ratio: ``AIState.equity_ratio``).
            rent_ratio: GPU rental index relative to its starting value.
            spread_change: per class, the principal-weighted change in its issuers' spreads (annual);
                for a 'sovereign' class, the rise of the Treasury yield from the debt the run issued
                (:func:`~aicontagion.mechanisms.treasury.sovereign_spread`).
            month: months since the start (exogenous shocks from their month on).
        """
        for a, drv in enumerate(self.driver):
            if drv == "sentiment":
                self.fundamental[a] = max(sentiment_ratio, 1e-6) ** self.elasticity[a]
            elif drv == "gpu_rent":
                self.fundamental[a] = max(rent_ratio, 1e-6) ** self.elasticity[a]
            elif drv in ("spread", "sovereign"):  # sovereign: spread_change is the Treasury yield's rise
                self.fundamental[a] = max(1.0 - self.duration[a] * spread_change[a] * self.elasticity[a], 0.05)
            elif drv == "credit":
                self.fundamental[a] = credit_fundamental(
                    sentiment_ratio,
                    rent_ratio,
                    self.spread_beta[a] * spread_change[a],
                    self.default_rate[a],
                    self.recovery[a],
                    self.collateral_gpu[a],
                    self.elasticity[a],
                    self.duration[a],
                )
            else:
                self.fundamental[a] = 1.0
        for a, at, fall in self.shocks:
            if month >= at:
                self.fundamental[a] *= 1.0 - fall
        target = self.marked_fundamental + self.appraisal * (self.fundamental - self.marked_fundamental)
        self._remark(books, contracts, target, self.marked_impact, Channel.MARKET)

    def relax(self, books: Books, contracts: ContractTable) -> None:
        """Let past price impact fade by ``resilience`` and carry marks along (FIRE_SALE reversal)."""
        self.sold_share *= 1.0 - self.resilience
        self.sold_this_step[:] = 0.0
        target = self.marked_impact + self.appraisal * (self.impact_factor() - self.marked_impact)
        self._remark(books, contracts, self.marked_fundamental, target, Channel.FIRE_SALE)

    def _remark(self, books, contracts, new_fund, new_impact, channel) -> None:
        old = self.marked_price.copy()
        self.marked_fundamental = np.asarray(new_fund, dtype=float).copy()
        self.marked_impact = np.asarray(new_impact, dtype=float).copy()
        new = self.marked_price
        if (old == new).all():  # np.array_equal of two price vectors of one shape
            return
        books.revalue_holdings(old, new, channel)
        remark_traded_contracts(books, contracts, new, channel)

    # -- sales ---------------------------------------------------------------------------------------
    def clear_sales(
        self,
        books: Books,
        contracts: ContractTable,
        unit_orders: np.ndarray,
        contract_rows: np.ndarray,
        contract_fraction: np.ndarray,
        label: str = "fire_sale",
    ) -> np.ndarray:
        """Execute one round of sales simultaneously and mark every holder to the new prices.

        Args:
            unit_orders: ``(n, classes)`` units each institution sells (clipped to its holdings).
            contract_rows: debt contracts (traded claims) from which a share is sold.
            contract_fraction: share of each row's principal sold to outside investors.

        Returns:
            Proceeds per institution (USD bn). Buyers are outside the system: cash enters it.
        """
        units = np.minimum(np.maximum(unit_orders, 0.0), books.holdings)
        old_trade = self.trade_price
        unit_value = units * old_trade  # at pre-sale trade prices, for the impact
        sold = unit_value.sum(axis=0)
        rows = np.asarray(contract_rows, dtype=np.int64)
        frac = np.asarray(contract_fraction, dtype=float)
        cls = contracts.market[rows]
        face = contracts.principal[rows] * frac * contracts.credit_mark[rows]
        if rows.size:
            sold += np.bincount(cls, weights=face * old_trade[cls], minlength=len(self.names))
        self.sold_share += ratio(sold, self.depth)
        self.sold_this_step += sold
        new_trade = self.trade_price
        avg = 0.5 * (old_trade + new_trade)

        proceeds = units @ avg
        carried = units @ self.marked_price
        books.holdings -= units
        contract_proceeds = face * avg[cls] if rows.size else np.zeros(0)
        if rows.size:
            carried_rows = contracts.principal[rows] * frac * contracts.mark[rows]
            sellers = contracts.creditor[rows]
            books.transfer(np.full(rows.shape, EXTERNAL), sellers, contract_proceeds, label)
            books.book(sellers, contract_proceeds - carried_rows, Channel.FIRE_SALE)
            contracts.split(rows, frac, EXTERNAL)
        books.transfer(EXTERNAL, np.arange(books.n), proceeds, label)
        books.book(np.arange(books.n), proceeds - carried, Channel.FIRE_SALE)
        books.sell_outside(units.sum(axis=0), float(proceeds.sum()), float(carried.sum()), Channel.FIRE_SALE)

        target = self.marked_impact + self.appraisal * (self.impact_factor() - self.marked_impact)
        self._remark(books, contracts, self.marked_fundamental, target, Channel.FIRE_SALE)
        out = proceeds.copy()
        if rows.size:
            out += np.bincount(
                contracts.creditor[rows].clip(min=0),
                weights=np.where(contracts.creditor[rows] >= 0, contract_proceeds, 0.0),
                minlength=books.n,
            )
        return out

    def clear_buys(
        self, books: Books, contracts: ContractTable, unit_orders: np.ndarray, label: str = "rebalance_buy"
    ) -> np.ndarray:
        """Execute one round of purchases from outside sellers and mark every holder to the new prices.

        A purchase absorbs the class's decaying selling pressure first (``sold_share`` falls, never
        below 0: buying lifts a price depressed by past sales back toward its fundamental, not
        above it), at the average of the trade prices before and after. Units come back first from
        the outside buyers who bought them from the system (:meth:`Books.buy_outside`).

        Args:
            unit_orders: ``(n, classes)`` units each institution buys.

        Returns:
            What each institution paid (USD bn); the cash leaves the system.
        """
        units = np.maximum(np.asarray(unit_orders, dtype=float), 0.0)
        if not units.any():
            return np.zeros(books.n)
        old_trade = self.trade_price
        bought = (units * old_trade).sum(axis=0)
        self.sold_share = np.maximum(self.sold_share - ratio(bought, self.depth), 0.0)
        new_trade = self.trade_price
        avg = 0.5 * (old_trade + new_trade)
        paid = units @ avg
        carried = units @ self.marked_price
        books.holdings += units
        books.transfer(np.arange(books.n), EXTERNAL, paid, label)
        books.book(np.arange(books.n), carried - paid, Channel.FIRE_SALE)
        books.buy_outside(units.sum(axis=0), avg, self.marked_price, Channel.FIRE_SALE)
        target = self.marked_impact + self.appraisal * (self.impact_factor() - self.marked_impact)
        self._remark(books, contracts, self.marked_fundamental, target, Channel.FIRE_SALE)
        return paid


def remark_traded_contracts(books: Books, contracts: ContractTable, marked_price: np.ndarray, channel: Channel) -> None:
    """Set ``mark = credit_mark x marked price`` on traded debt and book the change."""
    c = contracts
    traded = c.selection_mask(
        "traded debt mask", lambda at: c.is_debt[at] & (c.market[at] >= 0)
    )  # a row's market never changes
    if traded.any():
        books.remark_claims(c, traded, c.credit_mark * np.append(marked_price, 1.0)[c.market], channel)
