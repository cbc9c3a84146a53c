"""Constraints on institutions and the sale orders they force (the deleverage stage).

A constraint is a small object attached to an institution kind. Given the current books it
writes sale orders into a :class:`SaleOrders` and says what the proceeds are for. All kinds write
their orders from the same snapshot; the orders of a round then clear together in
:meth:`aicontagion.mechanisms.markets.Markets.clear_sales` (INET Oxford's simultaneous fire sales).

* :class:`LeverageTarget` (banks): below the buffer, sell tradables pro rata and repay funding
  until equity / assets is back at the target (Cont and Schaanning 2017, leverage targeting), or,
  with a monthly partial-adjustment speed below 1, a share of the way there each month.
* :class:`LoanToValueCovenant` (private-credit funds): when debt / assets exceeds the covenant of
  a credit line it owes, sell tradables pro rata and repay the lines until the covenant holds.
* :class:`LiquidityFloor` (pensions, insurers, ETFs): keep cash at a share of assets by selling
  public holdings pro rata (the LP fire-sale channel).
* :class:`RatingFloor` (insurers): sell traded claims whose credit mark fell below the floor
  (a downgrade below investment grade forces the sale), and traded claims on projects whose
  rating band (mechanisms/valuation.py) is speculative grade.
* :class:`AllocationCap` (pensions): sell fund stakes on the secondary market at a discount when
  private assets (stakes and the private part of other assets) exceed their cap of all assets
  (the denominator effect); :func:`commitment_appetite` paces new commitments before the cap.
* :class:`CapitalFloor` (insurers): keep equity / risk charges near its opening ratio by selling
  the holdings with the highest risk charge first (risk-based capital).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind
from aicontagion.core.numeric import fill_nan, ratio
from aicontagion.mechanisms.risk_weights import class_weights, risk_headroom
from aicontagion.mechanisms.valuation import SPECULATIVE
from aicontagion.network.contracts import ContractType

READS = ("books", "contracts", "credit", "markets", "month", "operations", "registry", "snapshot", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts", "snapshot")
"""State groups this mechanism writes (``snapshot.leverage_plan``: the month's sale plans)."""


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
        self.class_units: dict[int, np.ndarray] = {}  # institution -> units to sell per class (explicit)
        self.repay = np.zeros(n, dtype=np.int8)
        self.reason = np.full(n, "", dtype=object)
        prices = state.markets.marked_price
        self.hold_value = state.books.holdings @ prices
        self.traded = c.traded_claims_held()
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

    def sell_class(self, who: int, cls: int, amount: float, reason: str) -> float:
        """Order institution ``who`` to sell ``amount`` (USD bn at marks) of its holding of class
        ``cls``, up to all of it. Returns the amount ordered."""
        s = self.state
        price = float(s.markets.marked_price[cls])
        units = min(max(amount, 0.0) / price, float(s.books.holdings[who, cls])) if price > 0 else 0.0
        if units <= 0:
            return 0.0
        row = self.class_units.setdefault(int(who), np.zeros(s.books.holdings.shape[1]))
        row[cls] = max(row[cls], units)
        if self.reason[who] == "":
            self.reason[who] = reason
        return units * price

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
        for who, want in self.class_units.items():
            units[who] = np.maximum(units[who], want)
        share = self.claim_share[self.traded]
        pro_rata = np.where(self.claims[c.creditor[self.traded]], self.frac[c.creditor[self.traded]], 0.0)
        share = np.maximum(share, pro_rata)
        keep = share > 0
        stakes = (self.stake_share > 0).nonzero()[0]
        return units, self.traded[keep], share[keep], stakes, self.stake_share[stakes]

    @property
    def empty(self) -> bool:
        """True when nothing is to be sold."""
        return not (self.frac.any() or self.class_units or self.claim_share.any() or self.stake_share.any())


class Constraint:
    """Base: a rule that may order sales for the institutions of one kind."""

    name = "constraint"

    def orders(self, state, rows: np.ndarray, out: SaleOrders) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class LeverageTarget(Constraint):
    """Equity / assets kept at or above ``leverage_buffer``; when breached, delever toward
    ``leverage_target`` at the monthly partial-adjustment speed ``leverage_adjustment``.

    * Speed 1 (the default): the bank sells tradables (and repays funding) until its equity /
      assets ratio is back at the target at current marks, re-measured every round, so price
      impact that takes it below again orders more sales in the same month (Cont and Schaanning
      2017: leverage targeting restored within the period).
    * Speed ``lambda`` below 1: banks move toward a target leverage over quarters, not within
      the month (Memmel and Raupach 2010 on monthly data; Begenau, Bigio, Majerovitz and Vieyra
      2019). At the first round of a month in which it is below its buffer the bank sets the
      month's sale plan, ``lambda x (assets - equity / target)`` at that round's marks, and sells
      it; it does not re-plan within the month. If it is still below its buffer next month (the
      rest of the gap and what price impact added to it), it makes a new plan from the new books,
      so a common shock's sales spread over months and the price impact between them has time to
      fade (``resilience``); a bank the plan takes back above its buffer stops there.
    """

    name = "leverage"

    def orders(self, state, rows, out):
        p = state.registry.params["bank"]
        assets = state.snapshot.assets[rows]
        eq = state.books.equity[rows]
        lev = ratio(eq, assets, default=1.0)
        gap = np.maximum(assets - eq / np.maximum(p["leverage_target"][rows], 1e-9), 0.0)
        speed = fill_nan(p["leverage_adjustment"][rows], 1.0)
        hit = (lev < p["leverage_buffer"][rows]) & (eq > 0)
        instant = speed >= 1.0
        now = hit & instant
        out.sell(rows[now], gap[now], claims=True, repay=SaleOrders.FUNDING, reason=self.name, override=True)
        if instant.all():
            return
        plan = month_plan(state)
        slow = rows[~instant]
        fresh = hit[~instant] & np.isnan(plan[slow])
        plan[slow[fresh]] = speed[~instant][fresh] * gap[~instant][fresh]
        left = fill_nan(plan[slow], 0.0)
        due = (left > 1e-9) & (eq[~instant] > 0)
        who = slow[due]
        sold = out.sell(who, left[due], claims=True, repay=SaleOrders.FUNDING, reason=self.name, override=True)
        plan[who] = left[due] - sold  # what the bank's tradables could not cover stays planned


def month_plan(state) -> np.ndarray:
    """This month's sale plans of partially adjusting banks (USD bn per institution; NaN: no plan
    yet this month), kept in ``state.snapshot.leverage_plan`` and reset when the month changes."""
    snap = state.snapshot
    if snap.leverage_month != state.month or snap.leverage_plan is None:
        snap.leverage_plan = np.full(state.n, np.nan)
        snap.leverage_month = state.month
    return snap.leverage_plan


class RiskCapitalFloor(Constraint):
    """Banks' risk-based capital: equity / risk-weighted assets (:mod:`~aicontagion.mechanisms.risk_weights`)
    kept at or above ``risk_capital_floor`` x the opening ratio (0: off). Below it the bank sheds
    risk-weighted assets by selling holdings, the class with the highest risk weight first (selling a
    USD of public equity at 300% sheds fifteen times what a USD of agency debt at 20% would), into
    cash (0%), until the ratio is back at the floor at current marks, with the partial adjustment of
    :class:`LeverageTarget` (``leverage_adjustment``): at speed 1 re-measured every round, below 1 a
    month's plan of ``speed x`` the RWA to shed, set at the first round below the floor.
    What its holdings cannot cover is left to origination (:func:`~aicontagion.mechanisms.risk_weights.risk_headroom`
    limits new bank lending)."""

    name = "risk_capital"

    def orders(self, state, rows, out):
        excess = -risk_headroom(state, rows)  # RWA to shed (USD bn); -inf where the floor is off
        excess = np.where(np.isfinite(excess) & (state.books.equity[rows] > 0), excess, 0.0)
        speed = fill_nan(state.registry.params["bank"]["leverage_adjustment"][rows], 1.0)
        slow = speed < 1.0
        if slow.any():
            plan = risk_plan(state)
            who = rows[slow]
            fresh = (excess[slow] > 1e-9) & np.isnan(plan[who])
            plan[who[fresh]] = speed[slow][fresh] * excess[slow][fresh]
            excess[slow] = fill_nan(plan[who], 0.0)
        weight = class_weights(state)
        value = state.books.holdings * state.markets.marked_price
        for i in np.flatnonzero(excess > 1e-9):
            who = int(rows[i])
            left = shed_by_weight(out, who, float(excess[i]), weight, value[who], self.name)
            if slow[i]:
                risk_plan(state)[who] = left  # what its holdings could not cover stays planned


def risk_plan(state) -> np.ndarray:
    """This month's plans of partially adjusting banks to shed RWA (USD bn per institution; NaN: no
    plan yet this month), kept in ``state.snapshot.risk_plan`` and reset when the month changes."""
    snap = state.snapshot
    if snap.risk_month != state.month or snap.risk_plan is None:
        snap.risk_plan = np.full(state.n, np.nan)
        snap.risk_month = state.month
    return snap.risk_plan


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
    who = rows[np.isfinite(cov[rows])]
    debt = state.books.borrowings_of(c, who, state.registry.kind)
    a = state.snapshot.assets[who]
    hit = (a > 0) & (debt > cov[who] * a * (1.0 + tolerance))
    hit |= (a <= 0) & (debt > 0)
    return who[hit], debt[hit], cov[who[hit]], state.snapshot.assets[who[hit]]


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
    """Private assets kept at or below ``max_private_share`` of all assets, over the whole
    portfolio: fund stakes at carrying value plus the private part of other assets
    (``private_other_share``, held at appraisal, so they do not fall with public markets). When
    public holdings fall, the private share rises (the denominator effect) and the LP sells fund
    stakes on the secondary market at ``secondary_discount``, as far as its stakes go."""

    name = "allocation"

    def orders(self, state, rows, out):
        cap = state.registry.params["pension_lp"]["max_private_share"]
        c = state.contracts
        stakes = c.stakes_held()
        value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)
        private = private_assets(state, rows, value[rows])
        over = np.zeros(state.n)
        a = state.snapshot.assets[rows]
        hit = (a > 0) & (value[rows] > 1e-12) & (private > cap[rows] * a + 1e-9)
        who = rows[hit]
        over[who] = np.minimum(ratio(private[hit] - cap[who] * a[hit], value[who]), 1.0)
        mine = stakes[over[c.creditor[stakes]] > 0]
        if mine.size:
            out.sell_stakes(mine, over[c.creditor[mine]], self.name)


def private_assets(state, rows: np.ndarray, stakes: np.ndarray) -> np.ndarray:
    """USD bn of private assets of LPs ``rows``: ``stakes`` (their fund stakes at carrying value)
    plus ``private_other_share`` of their other assets."""
    share = state.registry.params["pension_lp"]["private_other_share"][rows]
    return stakes + share * state.books.other_assets[rows]


def commitment_appetite(state, lps: np.ndarray) -> np.ndarray:
    """Share (0-1) of its pro-rata part of a fund's new commitments each LP of ``lps`` (institution
    rows, repeated per commitment) takes: 1 while its private share of assets is at or below
    ``private_target``, falling linearly to 0 at ``max_private_share`` (commitment pacing: an LP
    over its target commits less to new funds, the first effect of the denominator effect)."""
    return _per_pension(state, lps, _appetite, 1.0)


def _per_pension(state, rows: np.ndarray, fn, other) -> np.ndarray:
    """``fn(state, pensions)`` read for each entry of ``rows`` (institution rows, repeated once per
    contract: hundreds of thousands in the scale benchmark), evaluated once per pension-kind
    institution (``fn`` is elementwise in its rows); ``other`` for rows of other kinds."""
    pensions = state.registry.members[Kind.PENSION_LP]
    each = np.full(state.n, other, dtype=np.result_type(other))
    if pensions.size:
        each[pensions] = fn(state, pensions)
    return each[rows]


def _appetite(state, who: np.ndarray) -> np.ndarray:
    p = state.registry.params["pension_lp"]
    c = state.contracts
    stakes = c.stakes_held()
    value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)
    a = np.maximum(state.snapshot.assets[who], 1e-12)
    share = private_assets(state, who, value[who]) / a
    lo, hi = p["private_target"][who], p["max_private_share"][who]
    room = np.where(hi > lo, (hi - share) / np.maximum(hi - lo, 1e-12), (share <= lo).astype(float))
    return np.clip(room, 0.0, 1.0)


def lp_distressed(state, lps: np.ndarray) -> np.ndarray:
    """Which LPs of ``lps`` (institution rows) are distressed as a fund's lenders read them: a
    pension whose private share exceeds ``max_private_share`` (over its allocation cap), or an
    insurer (``capital_floor`` above 0) whose equity / risk charges is below its floor."""
    return _per_pension(state, lps, _distressed, False)


def _distressed(state, who: np.ndarray) -> np.ndarray:
    p = state.registry.params["pension_lp"]
    c = state.contracts
    stakes = c.stakes_held()
    value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)
    a = np.maximum(state.snapshot.assets[who], 1e-12)
    over = private_assets(state, who, value[who]) > p["max_private_share"][who] * a + 1e-9
    base = state.operations.capital_ratio0
    floor = p["capital_floor"][who]
    if base is not None and (floor > 0).any():
        held, claims, fixed = risk_charges(state, who)
        total = held + claims + fixed
        ratio_now = np.where(total > 1e-12, state.books.equity[who] / np.maximum(total, 1e-12), np.inf)
        over |= (floor > 0) & np.isfinite(base[who]) & (ratio_now < floor * base[who])
    return over


class CapitalFloor(Constraint):
    """Insurers' risk-based capital: equity / risk charges kept at or above ``capital_floor`` x the
    opening ratio. Risk charges are ``capital_charge`` per USD of each market class held (as
    holdings, or as traded claims in that market), ``stake_charge`` per USD of fund stakes and
    ``other_charge`` per USD of other assets. Below the floor it sells holdings, the class with the
    highest charge first (public equity: selling it sheds the most charge per USD; bonds are carried
    at amortised cost in statutory accounts, and private placements and SPV bonds cannot be sold
    quickly), until the ratio is back at the floor (at marks): losses on private placements, SPV
    bonds and fund stakes become sales of public equity."""

    name = "capital"

    def orders(self, state, rows, out):
        floor = state.registry.params["pension_lp"]["capital_floor"][rows]
        base = state.operations.capital_ratio0
        if base is None:
            return
        on = (floor > 0) & np.isfinite(base[rows])  # no charges at the opening: no floor
        if not on.any():
            return
        rows, floor = rows[on], floor[on]
        held, claims, fixed = risk_charges(state, rows)
        eq = state.books.equity[rows]
        k = floor * base[rows]
        excess = held + claims + fixed - np.maximum(eq, 0.0) / k  # charges to shed (USD bn)
        charge = class_charges(state)
        value = state.books.holdings * state.markets.marked_price
        for i in np.flatnonzero((held > 1e-12) & (excess > 1e-9)):
            who = int(rows[i])
            shed_by_weight(out, who, float(excess[i]), charge, value[who], self.name)


def shed_by_weight(
    out: SaleOrders, who: int, excess: float, weight: np.ndarray, value: np.ndarray, reason: str
) -> float:
    """Order ``who`` to sell its holdings with the highest ``weight`` per USD (a risk weight or risk
    charge per class) first until ``excess`` (USD bn of weighted assets) is shed; ``value`` is its
    holdings per class at marks. Returns what its holdings could not cover."""
    left = excess
    for cls in np.argsort(-weight, kind="stable"):  # the highest weight first
        if left <= 1e-9 or weight[cls] <= 0:
            break
        if value[cls] > 1e-12:
            left -= weight[cls] * out.sell_class(who, int(cls), left / weight[cls], reason)
    return left


def risk_charges(state, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """USD bn of risk charges of ``rows``: on their holdings and on their traded claims (by market
    class), and on the rest (fund stakes, other assets)."""
    p = state.registry.params["pension_lp"]
    c = state.contracts
    charge = class_charges(state)
    held = state.books.holdings[rows] @ (state.markets.marked_price * charge)
    debt = c.traded_claims_held()
    w = c.principal[debt] * c.mark[debt] * charge[c.market[debt]]
    claims = np.bincount(c.creditor[debt], weights=w, minlength=state.n)[rows]
    stakes = c.stakes_held()
    value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)[rows]
    fixed = p["stake_charge"][rows] * value + p["other_charge"][rows] * state.books.other_assets[rows]
    return held, claims, fixed


def class_charges(state) -> np.ndarray:
    """``capital_charge`` of each market class, in the markets' order."""
    return np.array([state.spec.markets[m].capital_charge for m in state.markets.names])


def capital_ratio(state) -> np.ndarray:
    """Equity / risk charges of every institution (inf where it has no charges): the opening
    value is the base of :class:`CapitalFloor`."""
    rows = np.arange(state.n)
    total = sum(risk_charges(state, rows))
    return np.where(total > 1e-12, state.books.equity / np.maximum(total, 1e-12), np.inf)
