"""Balance sheets: the hot per-institution state and the accounting primitives.

Every mechanism changes state only through these primitives, so two invariants hold at all times
and can be checked (``Books.imbalance``, ``Books.money_drift``):

* **balance**: for each institution, assets - liabilities - equity = 0, where equity is *tracked*
  (every change is booked as P&L under a :class:`Channel`, or as capital), not computed as a
  residual. A mechanism that forgets to book shows up as an imbalance.
* **money**: the sum of all cash changes only by flows to or from the outside world, which are
  recorded by label in :class:`ExternalAccount`.

Units: USD billions; flows are per month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.contract_types import EXTERNAL
from aicontagion.core.numeric import ArrayIntEnum, as_column, common_size, ratio, sum_by_index


class Channel(ArrayIntEnum):
    """How a change in equity arrived (the P&L ledger's columns)."""

    OPERATING = 0  # revenue less operating costs (incl. lease/offtake payments)
    INTEREST = 1  # interest received less interest paid
    DEPRECIATION = 2  # wear of GPUs and facilities
    MARKET = 3  # revaluation from fundamentals (GPU rents, AI sentiment, appraisal)
    FIRE_SALE = 4  # price impact of forced sales and realised sale discounts
    COUNTERPARTY = 5  # credit losses on claims on distressed or defaulted obligors
    STRATEGIC_DEFAULT = 6  # losses from a customer walking away (impairment, RVG, penalties)
    FUNDING = 7  # costs of funding stress (early repayment discounts, run losses)
    GUARANTEE = 8  # guarantee payments made or received
    RESOLUTION = 9  # the defaulted estate: deadweight cost and debt extinguished
    CAPITAL = 10  # equity raised or distributed (not P&L)


@dataclass
class ExternalAccount:
    """The outside world: cash that entered or left the system, and losses outsiders bore.

    ``inflow[label]`` / ``outflow[label]`` are cumulative USD bn by purpose (``ai_revenue``,
    ``opex``, ``capex``...). ``losses[channel]`` is what outside creditors lost;
    ``buyer_losses[channel]`` what outside buyers of tradables lost (gained) on what they bought
    from the system, ``units`` per asset class, marked like everyone else's
    (:meth:`Books.sell_outside`, :meth:`Books.revalue_holdings`).
    """

    inflow: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    outflow: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    losses: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    buyer_losses: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    units: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per asset class, bought from the system

    @property
    def net_inflow(self) -> float:
        """Cumulative cash that entered the system minus cash that left it (USD bn)."""
        return sum(self.inflow.values()) - sum(self.outflow.values())


class Books:
    """Balance sheets of ``n`` institutions as arrays.

    Assets: ``cash``; ``other_assets`` (book value of what the model does not trade: a giant's
    core business, a bank's other loans); ``facility`` (data centres, at book); ``franchise`` (an
    AI lab's intangible value, marked with AI sentiment); ``holdings`` (units of each tradable
    asset class, valued at market ``prices``); and claims on others through contracts.
    Liabilities: ``ext_liab`` (debts to outsiders: other bonds, deposits, insurance reserves),
    ``deferred`` (recoveries on a defaulted customer's future payments, not yet earned: owed to
    nobody, released into income month by month at ``deferred_release``, USD bn/month, as the lost
    payments would have fallen due; :func:`~aicontagion.mechanisms.resolution.resolve`) and debt
    contracts owed. Equity is tracked through ``book``.
    """

    def __init__(self, n: int, n_classes: int):
        self.n = n
        self.cash = np.zeros(n)
        self.other_assets = np.zeros(n)
        self.facility = np.zeros(n)
        self.franchise = np.zeros(n)
        self.ext_liab = np.zeros(n)
        self.deferred = np.zeros(n)
        self.deferred_release = np.zeros(n)
        self.equity = np.zeros(n)
        self.holdings = np.zeros((n, n_classes))
        # column-major: each booking adds to one channel's column, which is then contiguous
        self.pnl = np.zeros((n, len(Channel)), order="F")
        self.external = ExternalAccount(units=np.zeros(n_classes))
        self.cash_at_start = 0.0

    # -- valuation -------------------------------------------------------------------------------
    def claims(self, contracts) -> np.ndarray:
        """Carrying value of each institution's claims on others (USD bn)."""
        return contracts.sum_by("creditor", contracts.value(), self.n)

    def debts(self, contracts) -> np.ndarray:
        """Nominal debt each institution owes through contracts (USD bn)."""
        return contracts.sum_by("obligor", contracts.liability(), self.n)

    def assets(self, contracts, prices: np.ndarray) -> np.ndarray:
        """Total assets at current marks (USD bn)."""
        return (
            self.cash
            + self.other_assets
            + self.facility
            + self.franchise
            + self.holdings @ prices
            + self.claims(contracts)
        )

    def liabilities(self, contracts) -> np.ndarray:
        """Total liabilities at nominal (USD bn), unearned income included (the balance identity)."""
        return self.ext_liab + self.deferred + self.debts(contracts)

    def borrowings(self, contracts) -> np.ndarray:
        """What each institution owes anyone (USD bn): liabilities less unearned income, which is
        owed to nobody. Leverage, covenants and the debt in a default event read this."""
        return self.ext_liab + self.debts(contracts)

    def borrowings_of(self, contracts, who: np.ndarray, kind: np.ndarray) -> np.ndarray:
        """``borrowings(contracts)[who]`` (USD bn) from the debt rows owed by the kinds of ``who``
        only (``kind``: each institution's kind code, fixed for the run; the rows of a kind are
        kept with the structure), for a few institutions read often (the covenant test at each
        sale round). The same sums: each obligor's rows are added in the same order."""
        owed = np.zeros(self.n)
        for k in np.unique(kind[who]).tolist():
            rows = contracts.owed_by_kind(kind, k)
            owed += np.bincount(contracts.obligor[rows], weights=contracts.principal[rows], minlength=self.n)
        return self.ext_liab[who] + owed[who]

    def imbalance(self, contracts, prices: np.ndarray) -> np.ndarray:
        """Assets - liabilities - tracked equity per institution; zero when the books balance."""
        return self.assets(contracts, prices) - self.liabilities(contracts) - self.equity

    def money_drift(self) -> float:
        """Cash created or destroyed inside the system (USD bn); zero when money is conserved."""
        return float(self.cash.sum() - self.cash_at_start - self.external.net_inflow)

    # -- primitives ------------------------------------------------------------------------------
    def book(self, who: np.ndarray | int, amount: np.ndarray | float, channel: Channel) -> None:
        """Add ``amount`` (USD bn, negative for a loss) to the equity of ``who`` under ``channel``."""
        if np.ndim(who) == 0 and np.ndim(amount) == 0:
            if who >= 0:
                self.equity[who] += amount
                self.pnl[who, channel] += amount
            return
        k = common_size(who, amount)
        delta = sum_by_index(as_column(who, np.int64, k), as_column(amount, np.float64, k), self.n)
        self.equity += delta
        self.pnl[:, channel] += delta

    def book_channels(self, who: np.ndarray, amount: np.ndarray, channel: np.ndarray) -> None:
        """Add ``amount`` (USD bn) to the equity of each ``who`` under its own ``channel`` (arrays of
        equal length; ``who`` = -1, the outside world, is ignored): one pass for many channels."""
        if channel.size == 0:
            return
        moved = amount != 0.0
        count = int(np.count_nonzero(moved))
        if count < amount.size // 2:  # a whole-table remark moves few rows: exact zeros add nothing
            if count == 0:
                return
            who, amount, channel = who[moved], amount[moved], channel[moved]
        first = int(channel.min())
        if first == int(channel.max()):  # the usual case: one channel, one per-institution sum
            self.book(who, amount, Channel(first))
            return
        k = len(Channel)
        flat = np.bincount((who + 1) * k + channel, weights=amount, minlength=(self.n + 1) * k)
        delta = flat[k:].reshape(self.n, k)
        self.pnl += delta
        self.equity += delta.sum(axis=1)

    def transfer(self, payer, payee, amount, label: str) -> None:
        """Move cash from ``payer`` to ``payee`` (either may be -1, the outside world).

        Only cash moves: the caller books the equity effect (an expense and an income, or the
        repayment of a claim). ``label`` names the purpose for the outside-world ledger.
        """
        k = common_size(payer, payee, amount)
        payer = as_column(payer, np.int64, k)
        payee = as_column(payee, np.int64, k)
        amount = as_column(amount, np.float64, k)
        self.cash -= sum_by_index(payer, amount, self.n)
        self.cash += sum_by_index(payee, amount, self.n)
        outside_payer = payer == EXTERNAL
        outside_payee = payee == EXTERNAL
        # .any() and .sum() as the reductions they call (each method costs two more Python calls)
        into = np.add.reduce(amount[outside_payer & ~outside_payee]) if np.logical_or.reduce(outside_payer) else 0.0
        out = np.add.reduce(amount[outside_payee & ~outside_payer]) if np.logical_or.reduce(outside_payee) else 0.0
        if into:
            self.external.inflow[label] += float(into)
        if out:
            self.external.outflow[label] += float(out)

    def pay_expense(self, payer, payee, amount, channel: Channel, label: str) -> None:
        """A payment that is an expense for the payer and income for the payee (interest, rent)."""
        k = common_size(payer, payee, amount)
        payer = as_column(payer, np.int64, k)
        payee = as_column(payee, np.int64, k)
        amount = as_column(amount, np.float64, k)
        self.transfer(payer, payee, amount, label)
        delta = sum_by_index(payee, amount, self.n) - sum_by_index(payer, amount, self.n)
        self.equity += delta
        self.pnl[:, channel] += delta

    def pay_expenses(
        self,
        payer: np.ndarray,
        payee: np.ndarray,
        amount: np.ndarray,
        channel: np.ndarray,
        label: np.ndarray,
        label_names: list[str],
    ) -> None:
        """Many expense payments at once: each ``amount`` is an expense of its payer and an income
        of its payee under its own ``channel``; ``label`` indexes ``label_names`` for the ledger."""
        n, k = self.n, len(Channel)
        # per (institution, channel): income received less expenses paid; the outside world is
        # institution -1, shifted to row 0 and dropped
        size = (n + 1) * k
        flat = np.bincount((payee + 1) * k + channel, weights=amount, minlength=size)
        flat -= np.bincount((payer + 1) * k + channel, weights=amount, minlength=size)
        delta = flat[k:].reshape(n, k)
        self.pnl += delta
        change = delta.sum(axis=1)  # each payment moves cash and equity alike
        self.equity += change
        self.cash += change
        for flows, mask in (
            (self.external.inflow, (payer == EXTERNAL) & (payee != EXTERNAL)),
            (self.external.outflow, (payee == EXTERNAL) & (payer != EXTERNAL)),
        ):
            if mask.any():
                by_label = np.bincount(label[mask], weights=amount[mask], minlength=len(label_names))
                for j in by_label.nonzero()[0]:
                    flows[label_names[j]] += float(by_label[j])

    def remark_claims(
        self, contracts, selected: np.ndarray, new_mark: np.ndarray, channel: Channel | np.ndarray
    ) -> None:
        """Set the mark of the debt contracts in the boolean mask ``selected`` to ``new_mark`` (one per
        contract row, like the mask) and book each change to its creditor under ``channel`` (one for all,
        or one per contract row). The whole-table form of :meth:`revalue_contracts`, for mechanisms that
        remark most of the table: no rows are gathered, unselected rows add exact zeros."""
        c = contracts
        delta = np.where(selected, c.principal * (new_mark - c.mark), 0.0)
        np.copyto(c.mark, new_mark, where=selected)
        held_outside = c.selection("held outside", lambda at: c.creditor[at] == EXTERNAL)
        if isinstance(channel, np.ndarray):
            self.book_channels(c.creditor, delta, channel)
            self._outside_losses(delta[held_outside], channel[held_outside])
            return
        change = c.sum_by("creditor", delta, self.n)  # the cached creditor index: no shifted copy
        self.equity += change
        self.pnl[:, channel] += change
        self._outside_losses(delta[held_outside], channel)

    def _outside_losses(self, delta: np.ndarray, channel: Channel | np.ndarray) -> None:
        """Record revaluations ``delta`` of claims held outside the system as outsiders' losses
        (gains), under ``channel`` (one for all, or one per claim)."""
        if isinstance(channel, np.ndarray):
            by_channel = np.bincount(channel, weights=delta, minlength=len(Channel))
            for ch in by_channel.nonzero()[0]:
                self.external.losses[Channel(int(ch)).name.lower()] -= float(by_channel[ch])
            return
        lost = delta.sum()
        if lost:
            self.external.losses[channel.name.lower()] -= float(lost)

    def revalue_contracts(self, contracts, rows, new_mark, channel: Channel | np.ndarray) -> None:
        """Set the creditor-side mark of debt ``rows`` and book the revaluation to their creditors
        under ``channel`` (one for all rows, or an array with one per row).

        Outside creditors' changes are recorded as their losses (or gains).
        """
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        new_mark = as_column(new_mark, np.float64, rows.size)
        delta = contracts.principal[rows] * (new_mark - contracts.mark[rows])
        contracts.mark[rows] = new_mark
        cred = contracts.creditor[rows]
        outside = cred == EXTERNAL
        if isinstance(channel, np.ndarray):
            self.book_channels(cred, delta, channel)
            self._outside_losses(delta[outside], channel[outside])
        else:
            self.book(cred, delta, channel)
            self._outside_losses(delta[outside], channel)

    def repay_principal(self, contracts, rows, amount, label: str = "principal") -> None:
        """Obligors repay ``amount`` of principal on debt ``rows`` in cash.

        The obligor's cash and liability fall together (no P&L). The creditor swaps a claim
        carried at ``mark`` for cash at par: the difference is booked as a counterparty gain.
        """
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        amount = as_column(amount, np.float64, rows.size)
        self.transfer(contracts.obligor[rows], contracts.creditor[rows], amount, label)
        gain = amount * (1.0 - contracts.mark[rows])
        contracts.principal[rows] -= amount
        self.book(contracts.creditor[rows], gain, Channel.COUNTERPARTY)
        outside = gain[contracts.creditor[rows] == EXTERNAL].sum()
        if outside:
            self.external.losses["counterparty"] -= float(outside)

    def lend(self, contracts, rows, amount, label: str = "drawdown") -> None:
        """Creditors advance ``amount`` of new principal on debt ``rows`` (a draw or new loan).

        The new principal is booked at par: the row's mark is blended so the old principal keeps
        its carrying value and the new money is carried at its cost.
        """
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        amount = as_column(amount, np.float64, rows.size)
        old = contracts.principal[rows]
        new = old + amount
        contracts.mark[rows] = ratio(old * contracts.mark[rows] + amount, new, default=1.0)
        contracts.principal[rows] = new
        self.transfer(contracts.creditor[rows], contracts.obligor[rows], amount, label)

    def revalue_holdings(self, old_prices: np.ndarray, new_prices: np.ndarray, channel: Channel) -> None:
        """Book the change in value of every holding when prices move (mark-to-market), outside
        buyers' holdings of what they bought from the system included (as their losses or gains)."""
        delta = self.holdings @ (new_prices - old_prices)
        self.equity += delta
        self.pnl[:, channel] += delta
        outside = float(self.external.units @ (new_prices - old_prices)) if self.external.units.size else 0.0
        if outside:
            self.external.buyer_losses[channel.name.lower()] -= outside

    def sell_outside(self, units: np.ndarray, paid: float, carried: float, channel: Channel) -> None:
        """Outside buyers take ``units`` (per asset class) from the system, paying ``paid`` (USD bn)
        for what its sellers carried at ``carried``: they hold the units from now on, carried at the
        same marks, and gain ``carried - paid`` on the purchase (the sellers' loss on the sale)."""
        self.external.units += units
        if carried != paid:
            self.external.buyer_losses[channel.name.lower()] -= float(carried - paid)

    def buy_outside(self, units: np.ndarray, price: np.ndarray, marked: np.ndarray, channel: Channel) -> None:
        """The system buys ``units`` (per asset class) from outside at ``price`` per unit, carried at
        ``marked``: first from the outside buyers' holding of what they bought from the system (they
        sell it back, gaining ``price - marked`` per unit), the rest from outside holders the model
        does not follow (nothing is recorded for them)."""
        back = np.minimum(np.maximum(units, 0.0), np.maximum(self.external.units, 0.0))
        self.external.units -= back
        gain = float(back @ (np.asarray(price) - np.asarray(marked)))
        if gain:
            self.external.buyer_losses[channel.name.lower()] -= gain

    def defer(self, who: np.ndarray, amount: np.ndarray, months: np.ndarray) -> None:
        """Carry ``amount`` (USD bn, already received in cash) as unearned income of ``who``, to be
        earned in equal parts over ``months`` (at least 1): cash and liabilities rise together, so
        equity does not move. An outside recipient (-1) carries nothing."""
        who = np.asarray(who, dtype=np.int64)  # -1 (the outside world) is ignored
        amount = np.asarray(amount, dtype=float)
        self.deferred += sum_by_index(who, amount, self.n)
        self.deferred_release += sum_by_index(who, amount / np.maximum(np.asarray(months, dtype=float), 1.0), self.n)

    def earn_deferred(self, channel: Channel) -> np.ndarray:
        """This month's part of the unearned income, booked as income under ``channel``; returns it
        per institution (USD bn)."""
        earned = np.minimum(self.deferred_release, self.deferred)
        earned = np.where(self.deferred - earned <= 1e-12, self.deferred, earned)  # the last part in full
        if earned.any():
            who = np.flatnonzero(earned)
            self.deferred[who] -= earned[who]
            self.book(who, earned[who], channel)
            self.deferred_release[who[self.deferred[who] == 0.0]] = 0.0
        return earned

    def snapshot(self) -> dict[str, np.ndarray]:
        """Copies of the per-institution arrays (for tests and before/after comparisons)."""
        return {
            "cash": self.cash.copy(),
            "equity": self.equity.copy(),
            "holdings": self.holdings.copy(),
            "pnl": self.pnl.copy(),
        }
