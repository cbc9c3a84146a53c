"""Build a :class:`~aicontagion.scenarios.build.System` directly as arrays from kind profiles and
contract classes (the machinery behind :mod:`aicontagion.scenarios.synthetic`).

A :class:`Profile` gives a kind's balance sheet and flows as shares of its members' total assets;
a :class:`Link` a class of contracts between two groups of institutions. :func:`assemble` draws
member sizes (Pareto), contract endpoints (in proportion to size: a core-periphery network),
amounts and dates, prices the rents of indebted providers from their debt service, and balances
the sheets as :mod:`~aicontagion.scenarios.build` does: each institution states a target equity
and ``other_assets`` is the balancing item; where itemised assets less liabilities already exceed
the target, equity is that residual (``other_assets`` is never negative); stakes are carried at
``share x issuer equity``, solved jointly. Everything is vectorised: 100,000 institutions with a
million contracts build in about two seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.books import Books
from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import DEBT_TYPES, FIELDS, ContractTable, ContractType, Seniority
from aicontagion.scenarios.build import FLOW_FIELDS, SHARE_FIELDS, System, kind_params

SIZE_CAP = 1e4  # largest Pareto draw relative to the smallest (keeps one draw from taking a kind)
REFERENCE_COUNT = {Kind.AI_LAB: 3, Kind.NEOCLOUD: 3}  # members in ai_2025 (outside_capacity is per member there)
DEBT_SERVICE_MARGIN = 1.25  # a provider's contract rents cover its debt service and opex this many times


@dataclass(frozen=True)
class Profile:
    """A group of institutions of one kind: balance sheet and flows as shares of total assets.

    ``total`` is the group's aggregate total assets (USD bn); ``equity`` its target equity ratio
    (or a ``(low, high)`` range drawn per member); ``tail`` the Pareto index of member sizes
    (lower: more unequal); ``flows`` are annual shares of assets; ``ai_share`` and ``gpu_share``
    are the group's total shares of AI revenue and of chip sales; ``funding_income`` adds that
    annual rate on the member's liabilities to its core cash flow (a bank's lending margin);
    ``own_leverage`` makes a bank target its opening leverage (Adrian and Shin 2010).
    """

    kind: Kind
    total: float
    equity: float | tuple[float, float]  # target equity / total assets
    cash: float = 0.0
    holdings: dict[str, float] = field(default_factory=dict)
    facility: float = 0.0
    franchise: float = 0.0
    flows: dict[str, float] = field(default_factory=dict)  # core_cash_flow, opex, capex, spot/external revenue
    ai_share: float = 0.0
    gpu_share: float = 0.0
    ai_cost_share: float = 0.35
    gross_margin: float = 0.0
    spread: float = 0.0
    ext_rate: float = 0.0
    claim_cap: float = 0.0  # most of its total assets it holds as loans and bonds to the system
    tail: float = 1.3
    funding_income: float = 0.0
    own_leverage: bool = False


@dataclass(frozen=True)
class Link:
    """One class of contracts between two groups of institutions.

    ``weight`` is the class's share of the flexible contract budget; ``per`` instead fixes the
    count per member of the ``per_of`` side's group (structural contracts: an SPV's lease). ``size`` is the
    obligor's total of this class as a share of its assets (for stakes: the issuer's total share
    held), or the creditor's when ``sized_by`` is ``creditor`` (what a lender places). Rates are
    annual, maturities in months from the start; ``collateral`` names the asset class a repo pledges.
    """

    ctype: ContractType
    creditor: str
    obligor: str
    size: float
    weight: float = 0.0
    per: float = 0.0
    per_of: str = "obligor"  # the side whose every member gets ``per`` contracts (or at least one)
    rate: tuple[float, float] = (0.0, 0.0)
    maturity: tuple[int, int] = (60, 240)
    starts: tuple[int, int] = (0, 0)  # leases and offtakes: first month of payments
    market: str | None = None
    seniority: Seniority = Seniority.SENIOR
    amortising: bool = False
    drawn: float = 1.0  # credit lines: drawn share of the limit
    covenant: float = np.inf
    haircut: float = 0.0
    uncalled: float = 0.0  # stakes: uncalled capital as a share of the stake's value
    sized_by: str = "obligor"
    collateral: str | None = None


def members(rng, counts: dict[str, int], profiles: dict[str, Profile]):
    """Rows of each group (in the order of ``profiles``, largest first within a group).

    Returns the kind of each row, its total assets (USD bn), the rows of each group and the ids
    (``<group>_<k>``, ``k = 0`` the largest).
    """
    kinds, sizes, groups, ids = [], [], {}, []
    start = 0
    for name, prof in profiles.items():
        c = counts.get(name, 0)
        draws = -np.sort(-np.minimum(rng.pareto(prof.tail, c) + 1.0, SIZE_CAP))
        kinds.append(np.full(c, int(prof.kind), dtype=np.int8))
        sizes.append(prof.total * draws / draws.sum() if c else draws)
        groups[name] = np.arange(start, start + c)
        ids += [f"{name}_{k}" for k in range(c)]
        start += c
    return np.concatenate(kinds), np.concatenate(sizes), groups, ids


def _class_counts(links, groups, n: int, per_institution: float) -> list[int]:
    """Contracts per class: structural counts first, the flexible budget split by weight."""

    def members(lk: Link) -> int:
        return groups[getattr(lk, lk.per_of)].size

    fixed = [max(round(lk.per * members(lk)), 1) if lk.per and members(lk) else 0 for lk in links]
    budget = max(round(per_institution * n) - sum(fixed), 0)
    weights = np.array([lk.weight for lk in links])
    flexible = np.floor(budget * weights / weights.sum()).astype(int) if weights.sum() else np.zeros(len(links), int)
    return [f + int(x) for f, x in zip(fixed, flexible, strict=True)]


def _pick(rng, rows: np.ndarray, sizes: np.ndarray, m: int, cover: bool) -> np.ndarray:
    """``m`` rows drawn in proportion to size; with ``cover``, every row at least once if m allows."""
    p = sizes[rows] / sizes[rows].sum() if sizes[rows].sum() > 0 else None
    if cover and m >= rows.size:
        return np.concatenate([rng.permutation(rows), rng.choice(rows, m - rows.size, p=p)])
    return rng.choice(rows, m, p=p)


def _endpoints(rng, link: Link, groups, sizes, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Creditor and obligor rows of ``m`` contracts of ``link`` (no institution on both sides).

    Every member of the ``per_of`` side (and of the other side when it is the larger group) gets
    at least one contract when ``m`` allows; the rest are drawn in proportion to size.
    """
    cred_rows, obl_rows = groups[link.creditor], groups[link.obligor]
    cover_cred = link.per_of == "creditor" or cred_rows.size > obl_rows.size
    cover_obl = link.per_of == "obligor" or obl_rows.size > cred_rows.size
    obligor = _pick(rng, obl_rows, sizes, m, cover=cover_obl)
    creditor = _pick(rng, cred_rows, sizes, m, cover=cover_cred)
    for _ in range(50):
        same = np.flatnonzero(creditor == obligor)
        if same.size == 0:
            break
        creditor[same] = rng.choice(cred_rows, same.size)
    keep = creditor != obligor
    return creditor[keep], obligor[keep]


def assemble(spec, rng, kind, sizes, groups, ids, profiles, links, per_institution) -> System:
    """The :class:`System` of the members (see :func:`members`) linked by ``links``."""
    n = kind.size
    markets = list(spec.markets)
    midx = {m: a for a, m in enumerate(markets)}
    books = Books(n, len(markets))
    flows = {f: np.zeros(n) for f in FLOW_FIELDS + SHARE_FIELDS}
    target_equity, claim_cap, funding_income = np.zeros(n), np.zeros(n), np.zeros(n)
    for name, prof in profiles.items():
        rows = groups[name]
        if rows.size == 0:
            continue
        s = sizes[rows]
        w = s / s.sum() if s.sum() > 0 else np.zeros(rows.size)
        books.cash[rows] = prof.cash * s
        books.facility[rows] = prof.facility * s
        books.franchise[rows] = prof.franchise * s
        for cls, share in prof.holdings.items():
            books.holdings[rows, midx[cls]] = share * s
        for f, share in prof.flows.items():
            flows[f][rows] = share * s / 12.0
        flows["ai_revenue_share"][rows] = prof.ai_share * w
        flows["gpu_market_share"][rows] = prof.gpu_share * w
        flows["ai_cost_share"][rows] = prof.ai_cost_share
        flows["gross_margin"][rows] = prof.gross_margin
        flows["spread"][rows] = prof.spread * np.exp(rng.normal(0.0, 0.2, rows.size))
        flows["ext_liability_rate"][rows] = prof.ext_rate
        ratio = rng.uniform(*prof.equity, rows.size) if isinstance(prof.equity, tuple) else prof.equity
        target_equity[rows] = ratio * s
        claim_cap[rows] = prof.claim_cap * s
        funding_income[rows] = prof.funding_income

    table = _contracts(rng, links, groups, sizes, n, per_institution, claim_cap, midx)
    _price_executory(rng, table, sizes, flows, np.isin(kind, [int(Kind.SPV), int(Kind.NEOCLOUD)]))
    _balance(books, table, sizes, target_equity)
    flows["core_cash_flow"] += funding_income * books.liabilities(table) / 12.0
    params = kind_params(spec, kind)
    for k, ref in REFERENCE_COUNT.items():  # amounts (USD bn/yr) split over the kind by size
        rows = np.flatnonzero(kind == k)
        if rows.size:
            params[k.label]["outside_capacity"][rows] *= ref * sizes[rows] / sizes[rows].sum()
    for name, prof in profiles.items():
        rows = groups[name]
        if prof.own_leverage and prof.kind == Kind.BANK and rows.size:
            ratio = books.equity[rows] / np.maximum(sizes[rows], 1e-12)
            params["bank"]["leverage_target"][rows] = np.clip(ratio, 0.0, 1.0)
            params["bank"]["leverage_buffer"][rows] = np.clip(0.85 * ratio, 0.0, 1.0)
    return System(
        spec=spec,
        ids=ids,
        names=list(ids),
        kind=kind,
        books=books,
        contracts=table,
        flows=flows,
        facility_life=np.full(n, 360.0),
        in_service=np.zeros(n, dtype=np.int64),
        rents_gpus=kind == Kind.NEOCLOUD,
        params=params,
    )


def _contracts(rng, links, groups, sizes, n, per_institution, claim_cap, midx) -> ContractTable:
    counts = _class_counts(links, groups, n, per_institution)
    parts: list[tuple[int, dict[str, np.ndarray]]] = []
    for link, m in zip(links, counts, strict=True):
        if m == 0 or groups[link.creditor].size == 0 or groups[link.obligor].size == 0:
            continue
        cred, obl = _endpoints(rng, link, groups, sizes, m)
        if cred.size == 0:
            continue
        k = cred.size
        u = rng.uniform(0.5, 1.5, k)  # split of the obligor's total over its contracts of this class
        per_obligor = np.bincount(obl, weights=u, minlength=n)
        part = u / per_obligor[obl]
        lo, hi = link.maturity
        c = {
            "ctype": np.full(k, int(link.ctype), dtype=np.int8),
            "creditor": cred,
            "obligor": obl,
            "rate": rng.uniform(*link.rate, k),
            "seniority": np.full(k, int(link.seniority), dtype=np.int8),
            "market": np.full(k, midx[link.market] if link.market else -1),
        }
        if link.ctype in (ContractType.EQUITY, ContractType.LP_COMMITMENT):
            c["share"] = link.size * part
            c["uncalled"] = np.full(k, link.uncalled)  # scaled to the stake's value in _balance
            c["maturity"] = np.full(k, 10**6)
        elif link.ctype in (ContractType.LEASE, ContractType.OFFTAKE, ContractType.BACKSTOP):
            start = rng.integers(link.starts[0], link.starts[1] + 1, k)
            c["start"], c["maturity"] = start, start + rng.integers(lo, hi + 1, k)
            c["tenor"] = c["maturity"] - start
            c["payment"] = link.size * sizes[obl] * part / 12.0  # providers' rents are set in _price_executory
            c["take_or_pay"] = rng.uniform(0.85, 1.0, k) if link.ctype != ContractType.BACKSTOP else np.ones(k)
            if link.ctype == ContractType.LEASE:
                c["renewal"] = np.full(k, 48)
            if link.ctype == ContractType.BACKSTOP:  # creditor is the customer, obligor the provider
                c["creditor"], c["obligor"] = obl, cred
                c["payment"] = link.size * sizes[obl] * part / 12.0
                c["limit"] = c["payment"] * c["maturity"]
        else:
            if link.sized_by == "creditor":  # what each lender places, split over its contracts
                per_creditor = np.bincount(cred, weights=u, minlength=n)
                amount = link.size * sizes[cred] * u / per_creditor[cred]
            else:
                amount = link.size * sizes[obl] * part
            limit = amount
            maturity = rng.integers(lo, hi + 1, k)
            c |= {
                "principal": amount * link.drawn,
                "limit": limit,
                "maturity": maturity,
                "tenor": np.maximum(maturity, 1),
                "amortising": np.full(k, link.amortising),
                "covenant": np.full(k, link.covenant),
                "haircut": np.full(k, link.haircut),
                "collateral": np.full(k, midx[link.collateral] if link.collateral else -1),
            }
        parts.append((k, c))
    names = {name for _, c in parts for name in c}
    merged = {
        name: np.concatenate([c[name] if name in c else np.full(k, FIELDS[name][1], FIELDS[name][0]) for k, c in parts])
        for name in names
    }
    _cap_lending(merged, claim_cap, n)
    table = ContractTable(capacity=2 * merged["ctype"].size + 16)
    table.add_many(**merged)
    return table


def _cap_lending(cols: dict[str, np.ndarray], cap: np.ndarray, n: int) -> None:
    """Scale each creditor's loans and bonds down to at most ``cap`` (USD bn) in all."""
    debt = np.isin(
        cols["ctype"],
        [int(t) for t in DEBT_TYPES],
    )
    lent = np.bincount(cols["creditor"][debt], weights=cols["limit"][debt], minlength=n)
    factor = np.minimum(1.0, np.divide(cap, lent, out=np.ones(n), where=lent > 0))
    scale = np.where(debt, factor[cols["creditor"]], 1.0)
    cols["principal"] *= scale
    cols["limit"] *= scale


def _price_executory(rng, table: ContractTable, sizes, flows: dict[str, np.ndarray], priced: np.ndarray) -> None:
    """Rents of ``priced`` providers (SPVs, neoclouds): their debt service and opex, with a
    margin, split over their leases and offtakes (other providers keep the sized rents); a
    termination fee of a year of take-or-pay rent; a lease's residual value guarantee of half its
    share of the provider's assets."""
    n = sizes.size
    c = table
    debt = c.is_debt
    years = np.maximum(c.tenor, 12) / 12.0
    service = c.principal * (c.rate + np.where(c.amortising, 1.0 / years, 0.0))
    monthly_service = np.bincount(c.obligor[debt], weights=service[debt], minlength=n) / 12.0
    need = DEBT_SERVICE_MARGIN * (monthly_service + flows["opex"]) - flows["spot_revenue"]
    rented = np.flatnonzero((c.ctype == ContractType.LEASE) | (c.ctype == ContractType.OFFTAKE))
    provider = c.creditor[rented]
    rows = rented[priced[provider] & (need[provider] > 0)]
    weight = rng.uniform(0.5, 1.5, rows.size)
    total = np.bincount(c.creditor[rows], weights=weight, minlength=n)
    c.payment[rows] = need[c.creditor[rows]] * weight / total[c.creditor[rows]]
    c.termination_fee[rented] = 12.0 * c.payment[rented] * c.take_or_pay[rented]
    leases = rented[c.ctype[rented] == ContractType.LEASE]
    n_leases = np.bincount(c.creditor[leases], minlength=n)
    c.rvg[leases] = 0.5 * sizes[c.creditor[leases]] / np.maximum(n_leases[c.creditor[leases]], 1)


def _balance(books: Books, c: ContractTable, sizes: np.ndarray, target: np.ndarray) -> None:
    """Outside liabilities fill each sheet to its size; equity is the target where the itemised
    assets allow (``other_assets`` balances), else the residual; stakes at ``share x equity``."""
    n = sizes.size
    debt = c.is_debt
    owed = np.bincount(c.obligor[debt], weights=c.principal[debt], minlength=n)
    books.ext_liab = np.maximum(sizes - target - owed, 0.0)
    stake = c.is_stake
    prices = np.ones(books.holdings.shape[1])
    equity = target.copy()
    liab = books.liabilities(c)
    for _ in range(200):
        c.principal[stake] = c.share[stake] * np.maximum(equity[c.obligor[stake]], 0.0)
        itemised = books.assets(c, prices) - books.other_assets
        new = np.maximum(target, itemised - liab)
        if np.allclose(new, equity, rtol=0, atol=1e-10):
            break
        equity = new
    books.other_assets = np.maximum(equity + liab - itemised, 0.0)
    c.uncalled[stake] *= c.principal[stake]
    books.equity = books.assets(c, prices) - books.liabilities(c)
    books.cash_at_start = float(books.cash.sum())


def describe(system: System) -> dict:
    """Counts and totals of a system, for checks and reports: members and assets per kind,
    contracts per type, and the largest imbalance of assets - liabilities - equity."""
    CT = ContractType
    prices = np.ones(system.books.holdings.shape[1])
    assets = system.books.assets(system.contracts, prices)
    gap = assets - system.books.liabilities(system.contracts) - system.books.equity
    types = np.bincount(system.contracts.ctype, minlength=len(CT))
    return {
        "institutions": system.n,
        "contracts": len(system.contracts),
        "members": {k.label: int((system.kind == k).sum()) for k in Kind},
        "assets": {k.label: float(assets[system.kind == k].sum()) for k in Kind},
        "contract_types": {CT(i).name.lower(): int(v) for i, v in enumerate(types) if v},
        "max_imbalance": float(np.abs(gap).max()) if gap.size else 0.0,
    }


__all__ = ["Link", "Profile", "assemble", "describe", "members"]
