"""Origination: new SPVs' leases, loans and bonds written each month for the capex builders cannot pay from cash.

Each month a builder pays its capex deliveries (:mod:`~aicontagion.mechanisms.order_book`) from
cash first; what cash does not cover is financed by the cheapest route open to it, in order of
all-in cost (every route prices at the Treasury rate plus the borrower's spread plus the route's
premium, so the order is the order of the premiums), each route limited by its lenders'
capacity this month:

* **bonds** on the balance sheet (``agents/financing.py: issue_bonds``, lender ``EXTERNAL``), for
  a giant within its leverage ceiling (``max_debt_to_assets``);
* **a single-tenant SPV with a lease** (as Hyperion), for a giant beyond it: the giant's open
  build-out vehicle (one of its pool, ``origination.vehicles``, SPVs with empty opening balance
  sheets) pays the buildings delivered this month; a vehicle takes deals until their cost reaches
  ``campus_size`` (one campus), then the pool's next vehicle opens, so each campus is its own
  non-recourse vehicle with its own bonds, equity and lease (the last one of a pool keeps taking
  deals, with an event ``vehicle_pool_exhausted``; once one of a tenant's vehicles has defaulted,
  no new vehicle deal is signed with it); it is funded ``spv_equity_share`` by equity (a private-credit
  fund ``spv_fund_equity_share`` of it, the tenant the rest) and the rest by amortising secured
  bonds bought by the scenario's ``spv_bond_buyers`` in their Hyperion shares (each up to its
  spare cash; outside buyers take the rest), the guarantee's part as a bullet tranche repaid at the
  lease's end and the rest amortising; the tenant leases the buildings for ``lease_years``
  at ``lease_yield`` of their cost a year with a residual value guarantee of ``rvg_share``;
* for a neocloud, loans against ``advance_rate`` of the chips delivered: **bank project loans**
  (premium ``bank_premium``; each bank within ``bank_sector_limit`` of its equity in such loans
  and ``single_name_limit`` of its equity per borrower, only while its equity is above its
  leverage floor, and within its risk-based capital headroom), warehoused and sold on to
  private-credit funds after ``warehouse_months``;
  **vendor financing** by the chip sellers (``vendor_premium``, up to ``vendor_share`` of their
  spare cash, while they are willing); a **delayed-draw term loan** from private-credit funds
  (``pc_premium``, from their spare cash; they call LP capital for the demand they could not meet).
  Each route's loans are held by its ``syndicate_size`` lenders with the most capacity this month,
  pro rata to it.

Private-credit funds raise new LP commitments each month and call capital for the loans no route
funded (:mod:`~aicontagion.mechanisms.fund_raising`). Every new row is an ordinary row of the
contract table (appended in amortised constant time), so valuation, defaults, the exposure graph
and the events see it.

Decisions are recorded in the decide stage
(:func:`~aicontagion.mechanisms.build_out_vehicles.finance_spv`, :func:`finance_loans`) and carried
out with the others (:func:`apply`, from :mod:`~aicontagion.mechanisms.actions`); money moves by
:meth:`Books.transfer` / :meth:`Books.lend`, so every sheet stays balanced and money is conserved.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import fill_nan
from aicontagion.mechanisms.fund_raising import raise_commitments
from aicontagion.mechanisms.risk_weights import risk_headroom
from aicontagion.mechanisms.subscription_lines import SublineBook
from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.mechanisms.vintage_index import RouteIndex
from aicontagion.network.contracts import EXTERNAL, ContractType, Seniority

READS = ("ai", "channels", "credit", "dues", "lending", "lifecycle", "markets", "month", "registry", "snapshot", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "events", "operations")
"""State groups this mechanism writes."""

ROUTES = ("bond", "spv", "bank", "vendor", "private_credit", "warehouse_sale")
"""Route names, in the ledger's code order (``bond`` is issued by ``issue_bonds``, counted here)."""


@dataclass
class Ledger:
    """What was originated during the run, by route (USD bn, cumulative) and row."""

    vehicle: np.ndarray  # per institution: row of its open build-out SPV (-1: none)
    pool: dict = field(default_factory=dict)  # tenant row -> rows of its vehicles, in opening order
    filled: np.ndarray | None = None  # per institution: USD bn of buildings a vehicle has taken on
    exhausted: set = field(default_factory=set)  # tenants whose last vehicle keeps taking deals
    by_route: dict = field(default_factory=lambda: dict.fromkeys(ROUTES, 0.0))
    rows: list = field(default_factory=list)  # (contract row, route, month) of each row written
    vintage: dict = field(default_factory=dict)  # (route, lender, borrower, tranche, year) -> row
    built_now: float = 0.0  # USD bn of buildings vehicles paid for this month (capex, as the builders')
    warehouse: dict = field(default_factory=dict)  # month due for sale -> bank loan rows
    pc_unmet: np.ndarray | None = None  # per institution: private-credit demand not met last month
    unmet_now: np.ndarray | None = None  # ... this month (becomes ``pc_unmet`` when the deals are applied)
    sublines: SublineBook = field(default_factory=SublineBook)  # calls in flight and their bridges
    _index: RouteIndex = field(default_factory=RouteIndex, repr=False, compare=False)  # vintage rows by route

    def set_vintage(self, key: tuple, row: int) -> None:
        """Make ``row`` this year's contract ``key`` (``vintage[key] = row``; the only writer of
        ``vintage``, so :meth:`route_rows` stays in step with it)."""
        self._index.put(key, row, len(self.vintage))
        self.vintage[key] = row

    def route_rows(self, routes: tuple[str, ...]) -> np.ndarray:
        """Contract rows of the vintages of ``routes``, in ``vintage``'s order (read-only)."""
        return self._index.rows(routes)


def opening_ledger(spec, ids: list[str]) -> Ledger:
    """The ledger at the start: each tenant's pool of vehicle rows from ``origination.vehicles``,
    the first one open."""
    index = {x: i for i, x in enumerate(ids)}
    vehicle = np.full(len(ids), -1, dtype=np.int64)
    pool = {}
    for tenant, spvs in spec.origination.vehicles.items():
        pool[index[tenant]] = [index[v] for v in spvs.ids()]
        vehicle[index[tenant]] = pool[index[tenant]][0]
    n = len(ids)
    return Ledger(vehicle=vehicle, pool=pool, filled=np.zeros(n), pc_unmet=np.zeros(n), unmet_now=np.zeros(n))


def active(state) -> bool:
    """Whether origination runs (its channel on and a ledger built)."""
    return bool(state.channels.origination and state.operations.origination is not None)


def spare_cash(state, rows: np.ndarray) -> np.ndarray:
    """Cash of ``rows`` beyond this month's dues (USD bn)."""
    return np.maximum(state.books.cash[rows] - state.dues.due_now[rows], 0.0)


# -------------------------------------------------------------------- decide: record the deals
def _lenders(state, kind: Kind) -> np.ndarray:
    rows = state.registry.members[kind]
    return rows[(state.lifecycle.status[rows] == Status.ACTIVE) & state.lending.lender_ok[rows]]


def route_capacity(state, route: str, borrowers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lenders of ``route`` and what each can lend this month (USD bn)."""
    o = state.spec.origination
    if route == "bank":
        banks = _lenders(state, Kind.BANK)
        eq = np.maximum(state.books.equity[banks], 0.0)
        floor = state.registry.params["bank"]["leverage_target"][banks]
        strong = eq >= floor * np.maximum(state.snapshot.assets[banks], 1e-12)
        held = project_loans_held(state, banks)
        room = np.where(strong, np.maximum(o.bank_sector_limit * eq - held, 0.0), 0.0)
        # the risk-based floor: a project loan adds project_loan_risk_weight x its size to RWA
        w = fill_nan(state.registry.params["bank"]["project_loan_risk_weight"][banks], 1.3)
        risk_room = np.maximum(risk_headroom(state, banks), 0.0) / np.maximum(w, 1e-9)
        return banks, np.minimum(np.minimum(room, risk_room), spare_cash(state, banks))
    if route == "vendor":
        chips = state.registry.chip_sellers
        chips = chips[(state.lifecycle.status[chips] == Status.ACTIVE) & state.lending.holder_ok[chips]]
        return chips, o.vendor_share * spare_cash(state, chips)
    funds = _lenders(state, Kind.PRIVATE_CREDIT_FUND)
    return funds, spare_cash(state, funds)


def project_loans_held(state, lenders: np.ndarray) -> np.ndarray:
    """USD bn of loans written by this mechanism (bank, vendor, private-credit routes) each of
    ``lenders`` still holds."""
    led: Ledger = state.operations.origination
    c = state.contracts
    rows = led.route_rows(ORDER)
    if rows.size == 0:
        return np.zeros(lenders.size)
    rows = rows[c.creditor[rows] >= 0]
    held = np.bincount(c.creditor[rows], weights=c.principal[rows], minlength=state.n)
    return held[lenders]


ORDER = ("bank", "vendor", "private_credit")
"""The neocloud routes, cheapest first (by their premiums in the ai_2025 scenario, checked in
:func:`loan_order`)."""


def loan_order(spec) -> list[str]:
    """The loan routes sorted by premium (ties keep :data:`ORDER`)."""
    o = spec.origination
    prem = {"bank": o.bank_premium, "vendor": o.vendor_premium, "private_credit": o.pc_premium}
    return sorted(ORDER, key=lambda r: prem[r])


def finance_loans(state, rows: np.ndarray, need: np.ndarray, decisions) -> np.ndarray:
    """Neoclouds ``rows`` borrow up to ``need`` (USD bn), at most ``advance_rate`` of this month's
    chip deliveries, route by route (cheapest first), each lender pro rata to its capacity.
    Returns what each row is lent."""
    if not active(state) or rows.size == 0:
        return np.zeros(rows.size)
    o = state.spec.origination
    book = state.operations.order_book
    chips = book.due_gpu[rows] if book is not None else state.operations.capex_plan[rows]
    left = np.minimum(need, o.advance_rate * chips)
    got = np.zeros(rows.size)
    single = o.single_name_limit
    for route in loan_order(state.spec):
        if not (left > 1e-9).any():
            break
        lenders, cap = route_capacity(state, route, rows)
        if lenders.size > o.syndicate_size:  # the largest lenders lead and hold the loans
            top = np.argpartition(-cap, o.syndicate_size - 1)[: o.syndicate_size]
            lenders, cap = lenders[top], cap[top]
        total = cap.sum()
        if total <= 1e-9:
            continue
        scale = min(1.0, total / left.sum())
        this = np.zeros(rows.size)
        for k in np.flatnonzero(left > 1e-9):
            share = cap / total * left[k] * scale  # pro rata to capacity
            if route == "bank":  # a bank lends one borrower at most single_name_limit of its equity
                share = np.minimum(share, single * np.maximum(state.books.equity[lenders], 0.0))
            for lender, x in zip(lenders[share > 1e-9], share[share > 1e-9], strict=True):
                decisions.originations.append((route, int(lender), int(rows[k]), float(x)))
            this[k] = share.sum()
        got += this
        left = np.maximum(left - this, 0.0)
    unmet = np.minimum(need, o.advance_rate * chips) - got
    state.operations.origination.unmet_now[rows] += np.maximum(unmet, 0.0)
    return got


# -------------------------------------------------------------------- apply: write the contracts
class _Batch:
    """The month's money movements, collected per deal and booked together (one call per kind of
    movement, so the cost does not grow with the number of deals). ``spare`` is what each lender
    still has beyond its dues after the deals already written this month."""

    def __init__(self, state):
        self.state = state
        self.used = np.zeros(state.n)
        self.lend: dict[int, float] = {}  # contract row -> new principal
        self.moves: dict[str, list] = {}  # label -> [(payer, payee, amount)]

    def spare(self, who: int) -> float:
        if who < 0:
            return np.inf
        s = self.state
        return max(float(s.books.cash[who] - s.dues.due_now[who] - self.used[who]), 0.0)

    def lend_on(self, row: int, lender: int, amount: float) -> None:
        self.lend[row] = self.lend.get(row, 0.0) + amount
        if lender >= 0:
            self.used[lender] += amount

    def move(self, payer: int, payee: int, amount: float, label: str) -> None:
        self.moves.setdefault(label, []).append((payer, payee, amount))
        if payer >= 0:
            self.used[payer] += amount

    def book(self) -> None:
        s = self.state
        if self.lend:
            rows = np.fromiter(self.lend, dtype=np.int64)
            amounts = np.fromiter(self.lend.values(), dtype=float)
            s.books.lend(s.contracts, rows, amounts, "origination")
            s.contracts.limit[rows] = s.contracts.principal[rows]
        for label, moves in self.moves.items():
            payer, payee, amount = (np.array(x) for x in zip(*moves, strict=True))
            s.books.transfer(payer.astype(np.int64), payee.astype(np.int64), amount.astype(float), label)


def apply(state, deals: list) -> None:
    """Carry out the month's deals (after distributions and bonds), then raise LP commitments and
    sell warehoused bank loans on to private credit."""
    if not active(state):
        return
    batch = _Batch(state)
    state.operations.origination.built_now = 0.0
    spv = [(v, t, x) for route, v, t, x in deals if route == "spv"]
    if spv:
        _spv_deals(state, batch, spv)
    for route, lender, borrower, amount in deals:
        if route != "spv":
            _loan(state, batch, route, lender, borrower, amount)
    batch.book()
    _sell_warehoused(state)
    raise_commitments(state)
    led: Ledger = state.operations.origination
    led.pc_unmet, led.unmet_now = led.unmet_now, np.zeros(state.n)  # funds call for it next month


def _record(state, rows: np.ndarray, route: str) -> None:
    led: Ledger = state.operations.origination
    led.rows.extend((int(r), route, state.month) for r in rows)


def _vintage_row(state, key: tuple, make) -> int:
    """The row of this year's contract ``key`` (same route, lender, borrower and tranche): deals of
    one year share a row, so the table grows by years, not months. ``make()`` writes a new row."""
    led: Ledger = state.operations.origination
    c = state.contracts
    row = led.vintage.get(key)
    lender = key[1]
    if row is not None and c.active[row] and int(c.creditor[row]) == lender:
        return row
    row = int(make()[0])
    led.set_vintage(key, row)
    _record(state, np.array([row]), key[0])
    if key[0] == "bank":  # sold on to private credit after the warehouse period
        led.warehouse.setdefault(state.month + state.spec.origination.warehouse_months, []).append(row)
    return row


def _loan(state, batch: _Batch, route: str, lender: int, borrower: int, amount: float) -> None:
    """A new loan from ``lender`` (clipped to its spare cash now) to ``borrower``, added to this
    year's row of that route, lender and borrower."""
    o = state.spec.origination
    amount = min(amount, batch.spare(lender))
    if amount <= 1e-9:
        return
    premium = {"bank": o.bank_premium, "vendor": o.vendor_premium, "private_credit": o.pc_premium}[route]
    ctype = ContractType.VENDOR_FINANCING if route == "vendor" else ContractType.LOAN
    market = state.markets.index.get("private_loans", -1) if route == "private_credit" else -1
    c = state.contracts
    tenor = int(o.loan_years * 12)
    t = state.month

    def make():
        return c.add_many(
            ctype=[int(ctype)],
            creditor=[lender],
            obligor=[borrower],
            rate=[treasury_yield(state) + state.credit.spread[borrower] + premium],
            start=[t],
            maturity=[t + tenor],
            tenor=[tenor],
            amortising=[True],
            seniority=[int(Seniority.SECURED)],
            market=[market],
        )

    row = _vintage_row(state, (route, lender, borrower, 0, t // 12), make)
    batch.lend_on(row, lender, amount)
    state.operations.origination.by_route[route] += amount
    state.events.record(borrower, f"{route}_loan", amount, state.registry.ids[lender])


def _spv_deals(state, batch: _Batch, deals: list[tuple[int, int, float]]) -> None:
    """The month's vehicles raise their ``cost`` (equity and bonds), pay the builders, and lease the
    buildings to their tenants (a lease row with a residual value guarantee). A lender's spare cash
    is shared among the month's deals pro rata to what each asks of it, so no deal goes first."""
    o = state.spec.origination
    c = state.contracts
    led: Ledger = state.operations.origination
    t = state.month
    year = t // 12
    tenor = int(o.lease_years * 12)
    vehicle = np.array([d[0] for d in deals], dtype=np.int64)
    tenant = np.array([d[1] for d in deals], dtype=np.int64)
    cost = np.array([d[2] for d in deals])
    # equity: the private-credit fund with most spare cash, and the tenant; outsiders the rest
    eq = cost * o.spv_equity_share
    ask = eq * o.spv_fund_equity_share
    funds = _lenders(state, Kind.PRIVATE_CREDIT_FUND)
    fund, fund_part = -1, np.zeros(len(deals))
    if funds.size:
        spare = np.array([batch.spare(int(f)) for f in funds])
        fund = int(funds[np.argmax(spare)])
        fund_part = ask * min(1.0, spare.max() / max(ask.sum(), 1e-12))
    np.add.at(led.unmet_now, tenant, np.maximum(ask - fund_part, 0.0))  # funds call for it next month
    for k in range(len(deals)):  # a tenant's part from its spare cash after its earlier deals
        tenant_part = min(eq[k] - fund_part[k], batch.spare(int(tenant[k])))
        outside = eq[k] - fund_part[k] - tenant_part
        parts = [(fund, fund_part[k]), (int(tenant[k]), tenant_part), (EXTERNAL, outside)]
        _add_equity(state, batch, int(vehicle[k]), parts)
    # bonds: the scenario's buyers in their shares, each up to its spare cash (shared pro rata
    # among the deals); outsiders the rest; an amortising tranche and a bullet one of the residual
    # value guarantee's size repaid at the lease's end (project bonds are sculpted to the lease)
    debt = cost - eq
    index = {x: i for i, x in enumerate(state.registry.ids)}
    buyers = [index[w] for w in o.spv_bond_buyers]
    shares = np.array(list(o.spv_bond_buyers.values()))
    want = np.outer(debt, shares)  # (deals, buyers)
    live = np.array([state.lifecycle.status[b] == Status.ACTIVE for b in buyers], dtype=bool)
    room = np.array([batch.spare(b) for b in buyers]) * live
    scale = np.minimum(1.0, np.divide(room, want.sum(axis=0), out=np.zeros(len(buyers)), where=want.sum(axis=0) > 0))
    bought = want * scale
    bullet = np.minimum(cost * o.rvg_share / np.maximum(debt, 1e-12), 1.0)
    market = state.markets.index.get("spv_bonds", -1)
    for k in range(len(deals)):
        v = int(vehicle[k])
        rate = treasury_yield(state) + state.credit.spread[v]
        holders = [*buyers, EXTERNAL]
        amounts = [*bought[k], debt[k] - bought[k].sum()]
        for who, x in zip(holders, amounts, strict=True):
            for tranche, part in ((0, x * (1.0 - bullet[k])), (1, x * bullet[k])):
                if part <= 1e-12:
                    continue

                def make(who=who, tranche=tranche, v=v, rate=rate):
                    return c.add_many(
                        ctype=[int(ContractType.BOND)],
                        creditor=[who],
                        obligor=[v],
                        rate=[rate],
                        start=[t],
                        maturity=[t + tenor + 1],
                        tenor=[tenor + 1],
                        amortising=[tranche == 0],
                        rolls=[False],
                        seniority=[int(Seniority.SECURED)],
                        market=[market],
                    )

                batch.lend_on(_vintage_row(state, ("spv", who, v, tranche, year), make), who, part)
        # the vehicle pays the builders (from the money it raises this month) and owns the buildings
        if state.books.facility[v] <= 1e-12:  # its first deal: a dormant vehicle opens
            who = state.registry.ids[int(tenant[k])]
            state.events.record(v, "vehicle_opened", float(cost[k]), f"single-tenant SPV of {who}")
        batch.move(v, EXTERNAL, float(cost[k]), "capex_construction")
        state.books.facility[v] += cost[k]
        r = int(tenant[k])

        def make_lease(v=v, r=r):
            return c.add_many(
                ctype=[int(ContractType.LEASE)],
                creditor=[v],
                obligor=[r],
                start=[t + 1],
                maturity=[t + tenor],
                take_or_pay=[1.0],
                renewal=[int(o.renewal_years * 12)],
            )

        lease = _vintage_row(state, ("spv_lease", v, r, 0, year), make_lease)
        c.payment[lease] += cost[k] * o.lease_yield / 12.0
        c.rvg[lease] += cost[k] * o.rvg_share
        c.termination_fee[lease] += cost[k] * o.lease_yield
        state.events.record(v, "spv_financing", float(cost[k]), f"lease to {state.registry.ids[r]}")
    # a lease signed during the run is not valued by the signing rule (the ODD description, section 7.8)
    signed = state.operations.valued_at_signing
    if signed.size < c.size:
        state.operations.valued_at_signing = np.append(signed, np.zeros(c.size - signed.size, dtype=bool))
    led.by_route["spv"] += float(cost.sum())
    led.built_now += float(cost.sum())


def _add_equity(state, batch: _Batch, issuer: int, parts: list[tuple[int, float]]) -> None:
    """New equity in ``issuer`` from each ``(holder, amount)``; existing stakes diluted, one stake
    row per holder (outsiders' part: the share no row holds)."""
    b, c = state.books, state.contracts
    total = sum(max(a, 0.0) for _, a in parts)
    if total <= 1e-12:
        return
    pre = max(float(b.equity[issuer]), 0.0)
    stakes = c.stake_rows
    stakes = stakes[c.obligor[stakes] == issuer]
    c.share[stakes] *= pre / (pre + total)
    for holder, amount in parts:
        if amount <= 1e-12:
            continue
        if holder >= 0:
            mine = stakes[c.creditor[stakes] == holder]
            if mine.size:
                row = int(mine[0])
            else:
                row = int(c.add_many(ctype=[int(ContractType.EQUITY)], creditor=[holder], obligor=[issuer])[0])
                stakes = np.append(stakes, row)
            c.share[row] += amount / (pre + total)
            c.principal[row] += amount
        batch.move(holder, issuer, amount, "spv_equity")
    b.book(np.array([issuer]), np.array([total]), Channel.CAPITAL)


def _sell_warehoused(state) -> None:
    """Bank loans originated ``warehouse_months`` ago are sold to private-credit funds at their
    carrying value, as far as the funds' spare cash goes (the fund with most spare cash first)."""
    led: Ledger = state.operations.origination
    c = state.contracts
    due = led.warehouse.pop(state.month, [])
    if not due:
        return
    funds = _lenders(state, Kind.PRIVATE_CREDIT_FUND)
    for r in due:
        if funds.size == 0 or not c.active[r] or c.principal[r] <= 1e-9:
            continue
        spare = spare_cash(state, funds)
        price = float(c.principal[r] * c.mark[r])
        best = int(np.argmax(spare))
        if spare[best] < price:
            continue
        bank, fund = int(c.creditor[r]), int(funds[best])
        state.books.transfer(np.array([fund]), np.array([bank]), np.array([price]), "loan_sale")
        c.set_creditor(np.array([r]), fund)
        led.by_route["warehouse_sale"] += price
        led.rows.append((r, "warehouse_sale", state.month))
        state.events.record(bank, "loan_sold", price, state.registry.ids[fund])


def record_bonds(state, amount: float) -> None:
    """Count bonds issued on balance sheet (route ``bond``) in the ledger."""
    if state.operations.origination is not None:
        state.operations.origination.by_route["bond"] += float(amount)


def built_this_month(state) -> float:
    """USD bn of buildings the vehicles paid for this month (0 without origination)."""
    led = state.operations.origination
    return float(led.built_now) if led is not None else 0.0
