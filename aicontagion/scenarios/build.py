"""Turn a validated scenario into the model's arrays: a :class:`System`.

The opening balance sheets balance by construction: where a scenario states an institution's
``equity``, its ``other_assets`` (what the model does not itemise) is the balancing item, and an
impossible statement (equity larger than itemised assets less liabilities allows) is an error.
Equity stakes are carried at ``share x issuer equity``, solved jointly (stakes can form cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.books import Books
from aicontagion.core.kinds import Kind
from aicontagion.core.params import KIND_PARAMS
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType, Seniority
from aicontagion.scenarios.loader import ScenarioError
from aicontagion.scenarios.schema import (
    EXTERNAL_ID,
    BackstopSpec,
    DebtSpec,
    ExecutorySpec,
    GuaranteeSpec,
    ScenarioSpec,
    StakeSpec,
    month_index,
)

# Per-institution flow arrays (USD bn per month unless a share or a rate).
FLOW_FIELDS = ("core_cash_flow", "opex", "capex", "spot_revenue", "external_revenue")
SHARE_FIELDS = ("ai_revenue_share", "ai_cost_share", "gpu_market_share", "gross_margin", "spread", "ext_liability_rate")


@dataclass
class System:
    """Everything a model run needs, as arrays indexed by institution and contract."""

    spec: ScenarioSpec
    ids: list[str]
    names: list[str]
    kind: np.ndarray
    books: Books
    contracts: ContractTable
    flows: dict[str, np.ndarray]
    facility_life: np.ndarray  # months
    in_service: np.ndarray  # month from which each facility depreciates
    rents_gpus: np.ndarray  # GPUs it buys earn market rents (and bear their operating costs)
    params: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of institutions."""
        return len(self.ids)

    def index(self, ident: str) -> int:
        """Row of the institution with id ``ident``."""
        return self.ids.index(ident)

    def members(self, kind: Kind) -> np.ndarray:
        """Rows of the institutions of ``kind``."""
        return np.flatnonzero(self.kind == int(kind))

    def copy(self) -> System:
        """An independent copy (books, contracts and arrays)."""
        import copy

        return copy.deepcopy(self)


def build_system(spec: ScenarioSpec, label: str | None = None) -> System:
    """Build the arrays of a scenario; raise :class:`ScenarioError` when the sheets cannot balance."""
    label = label or spec.source
    if not spec.institutions:
        raise ScenarioError(label, "institutions", "the system is empty: give at least one institution")
    ids = [i.id for i in spec.institutions]
    idx = {k: n for n, k in enumerate(ids)} | {EXTERNAL_ID: EXTERNAL}
    n = len(ids)
    mnames = list(spec.markets)
    midx = {m: a for a, m in enumerate(mnames)}
    books = Books(n, len(mnames))
    kind = np.array([Kind.parse(i.kind) for i in spec.institutions], dtype=np.int8)
    flows = {f: np.zeros(n) for f in FLOW_FIELDS + SHARE_FIELDS}
    life = np.zeros(n)
    in_service = np.zeros(n, dtype=np.int64)
    rents = np.zeros(n, dtype=bool)
    for r, inst in enumerate(spec.institutions):
        books.cash[r] = inst.cash
        books.other_assets[r] = inst.other_assets
        books.facility[r] = inst.facility
        books.franchise[r] = inst.franchise
        books.ext_liab[r] = inst.ext_liabilities
        for cls, value in inst.holdings.items():
            books.holdings[r, midx[cls]] = value  # prices start at 1
        for f in FLOW_FIELDS:
            flows[f][r] = getattr(inst, f) / 12.0
        for f in SHARE_FIELDS:
            flows[f][r] = getattr(inst, f)
        life[r] = inst.facility_life_years * 12.0
        in_service[r] = month_index(inst.in_service, spec.start) if inst.in_service else 0
        rents[r] = inst.rents_gpus if inst.rents_gpus is not None else kind[r] == Kind.NEOCLOUD

    # the government's debts to outsiders are Treasury debt: they pay the Treasury rate unless the
    # scenario says otherwise (what it issues to fund guarantees and rescues costs interest)
    gov = (kind == Kind.GOVERNMENT) & (flows["ext_liability_rate"] == 0.0)
    flows["ext_liability_rate"][gov] = spec.treasury_rate
    contracts = _contracts(spec, idx, midx, label)
    _balance(spec, books, contracts, label)
    # the government's opening debt is part of the opening public debt (treasury.PUBLIC_DEBT_TO_GDP):
    # only what the run issues on top of it moves the Treasury yield
    flows["treasury_debt0"] = np.where(kind == Kind.GOVERNMENT, books.ext_liab, 0.0)
    params = kind_params(spec, kind)
    return System(
        spec=spec,
        ids=ids,
        names=[i.name or i.id for i in spec.institutions],
        kind=kind,
        books=books,
        contracts=contracts,
        flows=flows,
        facility_life=life,
        in_service=in_service,
        rents_gpus=rents,
        params=params,
    )


def _contracts(spec: ScenarioSpec, idx: dict, midx: dict, label: str) -> ContractTable:
    table = ContractTable(capacity=max(2 * len(spec.contracts), 16))
    start = spec.start
    row_of: dict[str, int] = {}
    pending_guarantees = []
    queue: list[tuple] = []  # contracts in file order, appended in batches (one add per contract is slow)

    def add(ctype, creditor, obligor, cid, **fields) -> int:
        queue.append((ctype, creditor, obligor, cid, fields))
        return len(queue) - 1  # its row: the table starts empty

    for c in spec.contracts:
        if isinstance(c, DebtSpec):
            s = month_index(c.start, start) if c.start else 0
            mat = month_index(c.maturity, start)
            limit = c.limit if c.type == "credit_line" else c.principal
            row = add(
                ContractType[c.type.upper()],
                idx[c.lender],
                idx[c.borrower],
                c.id,
                principal=c.principal,
                limit=limit,
                rate=c.rate,
                start=s,
                maturity=mat,
                tenor=max(mat - max(s, 0), 1),
                amortising=c.amortising,
                seniority=Seniority[c.seniority.upper()],
                market=midx[c.market] if c.market else -1,
                covenant=c.covenant_ltv if c.covenant_ltv else np.inf,
                haircut=c.haircut,
                collateral=midx[c.collateral] if c.collateral else -1,
                rolls=c.rolls,
            )
        elif isinstance(c, StakeSpec):
            row = add(
                ContractType[c.type.upper()],
                idx[c.holder],
                idx[c.issuer],
                c.id,
                share=c.share,
                uncalled=c.uncalled,
                start=month_index(c.callable_from, start) if c.callable_from else 0,
            )
        elif isinstance(c, ExecutorySpec):
            row = add(
                ContractType[c.type.upper()],
                idx[c.provider],
                idx[c.customer],
                c.id,
                payment=c.annual_payment / 12.0,
                start=month_index(c.start, start),
                maturity=month_index(c.end, start),
                take_or_pay=c.take_or_pay,
                renewal=int(round(c.renewal_years * 12)),
                rvg=c.residual_value_guarantee,
                termination_fee=c.termination_fee,
                tenor=month_index(c.end, start) - month_index(c.start, start),
            )
        elif isinstance(c, BackstopSpec):
            end = month_index(c.end, start)
            total = c.total_cap if c.total_cap is not None else c.annual_cap * max(end, 0) / 12.0
            row = add(
                ContractType.BACKSTOP,
                idx[c.customer],
                idx[c.provider],
                c.id,
                payment=c.annual_cap / 12.0,
                maturity=end,
                limit=total,
            )
        elif isinstance(c, GuaranteeSpec):
            pending_guarantees.append(c)
            continue
        else:  # pragma: no cover - the schema admits no other type
            raise ScenarioError(label, "contracts", f"unsupported contract {c!r}")
        if c.id:
            row_of[c.id] = row
    _add_in_order(table, queue)
    for g in pending_guarantees:
        covered = row_of[g.covers]
        table.add(
            ContractType.GUARANTEE,
            int(table.creditor[covered]),
            idx[g.guarantor],
            g.id,
            share=g.share,
            limit=g.cap,
            covers=covered,
        )
    return table


def _add_in_order(table: ContractTable, queue: list[tuple]) -> None:
    """Append queued contracts in their order, one ``add_many`` per run of contracts that set
    the same fields (rows and values exactly as one ``add`` each would give)."""
    k = 0
    while k < len(queue):
        keys = queue[k][4].keys()
        j = k + 1
        while j < len(queue) and queue[j][4].keys() == keys:
            j += 1
        chunk = queue[k:j]
        table.add_many(
            ctype=[q[0] for q in chunk],
            creditor=[q[1] for q in chunk],
            obligor=[q[2] for q in chunk],
            ids=[q[3] for q in chunk],
            **{f: [q[4][f] for q in chunk] for f in keys},
        )
        k = j


def _balance(spec: ScenarioSpec, books: Books, contracts: ContractTable, label: str) -> None:
    """Fill the balancing item and the opening equity; stake values solved by iteration."""
    stated = np.array([np.nan if i.equity is None else i.equity for i in spec.institutions])
    has = ~np.isnan(stated)
    equity = np.where(has, stated, 0.0)
    prices = np.ones(books.holdings.shape[1])
    stake = contracts.is_stake
    for _ in range(200):
        contracts.principal[stake] = contracts.share[stake] * np.maximum(equity[contracts.obligor[stake]], 0)
        assets = books.assets(contracts, prices) - books.other_assets
        liab = books.liabilities(contracts)
        given = np.where(has, stated, assets + books.other_assets - liab)
        if np.allclose(given, equity, rtol=0, atol=1e-10):
            break
        equity = given
    plug = equity + liab - assets
    books.other_assets = np.where(has, plug, books.other_assets)
    bad = np.flatnonzero(has & (plug < -1e-9))
    if bad.size:
        r = int(bad[0])
        inst = spec.institutions[r]
        raise ScenarioError(
            label,
            f"institutions[{r}] ({inst.id}).equity",
            f"{inst.equity:g} is less than itemised assets {assets[r]:.4g} minus liabilities "
            f"{liab[r]:.4g} (the balancing other_assets would be negative)",
        )
    books.other_assets = np.maximum(books.other_assets, 0.0)
    books.equity = books.assets(contracts, prices) - books.liabilities(contracts)
    books.cash_at_start = float(books.cash.sum())


def kind_params(spec: ScenarioSpec, kind: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per-kind parameter arrays over all institutions (NaN outside the kind), with overrides."""
    out: dict[str, dict[str, np.ndarray]] = {}
    n = len(kind)
    for label, model in KIND_PARAMS.items():
        defaults = getattr(spec.behaviour, label)
        arrays = {f: np.full(n, np.nan) for f in model.model_fields}
        members = np.flatnonzero(kind == int(Kind.parse(label)))
        for f in model.model_fields:
            arrays[f][members] = getattr(defaults, f)
        out[label] = arrays
    for r, inst in enumerate(spec.institutions):
        for f, v in inst.params.items():
            out[inst.kind][f][r] = v
    return out
