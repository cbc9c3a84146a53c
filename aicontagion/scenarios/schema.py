"""The scenario file schema: institutions, contracts, markets, AI demand, behaviour.

A scenario file is YAML validated by these strict pydantic models: unknown keys, impossible
values (negative amounts, shares above one, maturities before starts) and dangling
counterparties are errors. Amounts are USD billions; annual flows are USD bn per year; rates are
annual fractions; dates are ``"YYYY-MM"`` strings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from aicontagion.core.calendar import month_index  # noqa: F401  (re-exported)
from aicontagion.core.channels import Channels
from aicontagion.core.kinds import Kind
from aicontagion.core.params import (
    KIND_PARAMS,
    Behaviour,
    Elasticity,
    Funding,
    NonNeg,
    Positive,
    Rate,
    Resolution,
    RiskWeight,
    Share,
    Signed,
    Strict,
    allowed_range,
)
from aicontagion.scenarios.fields import EXTERNAL_ID, MAX_MONTHS, Cap, Month, Months, Slug  # noqa: F401  (re-exported)
from aicontagion.scenarios.financing_spec import Origination, PensionFunding, VehiclePool  # noqa: F401  (re-exported)


# ---------------------------------------------------------------- AI demand
class PathSpec(Strict):
    """One AI-productivity path: logistic AI end revenue toward a multiple of the hurdle.

    ``revenue(t) = initial + (ceiling * hurdle - initial) * S(t)`` with ``t`` in months and
    ``S(t) = (sigma(t) - sigma(0)) / (1 - sigma(0))``, ``sigma(t) = 1 / (1 + exp(-steepness * (t -
    midpoint)))``: a logistic normalised so that month 0 is exactly the initial revenue.
    ``decline`` (per year) shrinks the level after the ``midpoint`` (a disproven path that fades).
    """

    ceiling: NonNeg  # long-run AI revenue / hurdle revenue
    midpoint: Month
    steepness: Annotated[float, Field(gt=0.0, le=10.0)] = 0.08  # per month
    decline: Share = 0.0  # annual decay of the level after the midpoint


class Hurdle(Strict):
    """SEED_NOTES section 3: capex x required ROI / EBITDA margin = required AI revenue per year."""

    capex: Positive = 3000.0  # USD bn invested by 2028
    roi: Positive = 0.12  # EBITDA / capex needed
    ebitda_margin: Annotated[float, Field(gt=0.0, le=1.0)] = 0.65

    @property
    def revenue(self) -> float:
        """Required AI end revenue, USD bn per year (about 554 with the seed's numbers)."""
        return self.capex * self.roi / self.ebitda_margin


class Productivity(Strict):
    """AI end revenue under named productivity paths, with persistent noise."""

    default: str = "base"
    hurdle: Hurdle = Hurdle()
    initial_revenue: Positive = 60.0  # USD bn per year of AI end revenue at the start
    initial_growth: Annotated[float, Field(ge=-0.9, le=10.0)] = 1.0  # annual growth agents expect at the start
    noise_sigma: Annotated[float, Field(ge=0.0, le=1.0)] = 0.03  # monthly sd of log revenue shocks
    noise_persistence: Share = 0.9  # AR(1) coefficient of the log shock
    expectation_smoothing: Share = 0.1  # weight of the newest month in expected growth
    expectation_horizon_years: Positive = 5.0  # how far ahead agents project revenue
    # listed AI equity (classes driven by 'sentiment', franchise values): priced on sentiment
    # relative to the opening, or on the PV of expected revenue against the opening-implied path
    equity_pricing: Literal["sentiment", "expectations"] = "sentiment"
    equity_discount_rate: Annotated[float, Field(gt=0.0, le=0.5)] = 0.09  # annual, for 'expectations'
    paths: dict[str, PathSpec]

    @model_validator(mode="after")
    def _default_exists(self):
        if self.default not in self.paths:
            raise ValueError(f"default path {self.default!r} is not one of {sorted(self.paths)}")
        return self


class Compute(Strict):
    """Installed AI compute, its utilisation, and the GPU rental index."""

    rent_initial: Positive = 2.0  # USD per GPU-hour at the start
    break_even_rent: Positive = 1.65  # USD per GPU-hour
    initial_utilisation: Positive = 0.8  # AI revenue / revenue capacity of installed compute
    rent_elasticity: Elasticity = 1.0  # rent index = (utilisation / initial) ** elasticity
    useful_life_years: Positive = 6.0  # GPU depreciation life
    gpu_revenue_yield: NonNeg = 0.55  # USD/yr of rent per GPU unit (1 unit = 1 USD at opening prices), opening rent
    gpu_operating_cost: NonNeg = 0.15  # USD/yr of power, space and staff per GPU unit in service
    capex_lag_months: Annotated[int, Field(ge=0, le=60)] = 0  # capex follows the sentiment of this many months ago
    outside_capex: NonNeg = 0.0  # USD bn/yr of data-centre capex by unmodelled builders
    capex_growth: Rate = 0.0  # annual growth of planned capex until capex_peak
    capex_peak: Month = "2028-12"
    gpu_share_of_capex: Share = 0.6  # share of capex spent on chips
    power_delay_months: NonNeg = 0.0  # months between capex and usable capacity (power, supply)
    gpu_lead_months: Annotated[int, Field(ge=0, le=36)] = 0  # chips ordered this many months before delivery
    build_lead_months: Annotated[int, Field(ge=0, le=60)] = 0  # buildings ordered this many months ahead
    cancel_fee: Share = 0.2  # share of a cancelled order owed to the supplier
    opening_orders: Positive = 1.0  # the opening order book's monthly deliveries / the opening planned capex
    opening_order_growth: Rate = 0.0  # annual rise of the orders placed before the start across delivery months
    capex_rule: Literal["sentiment", "own_return"] = "sentiment"  # what builders' capex answers to (capex_returns)


class MarketShock(Strict):
    """An exogenous fall of a class's fundamental price from month ``at`` on (e.g. MBS in 2007)."""

    at: Month
    fall: Share  # share of the fundamental lost


class MarketSpec(Strict):
    """A tradable asset class with price impact and (optionally) appraisal-lagged marks.

    Exponential impact (Cifuentes-Ferrucci-Shin): ``price = fundamental * exp(-beta * sold/depth)``
    with ``beta = -ln(1 - impact) / impact_share``, so selling ``impact_share`` of ``depth`` lowers
    the price by ``impact``. Linear impact (Greenwood-Landier-Thesmar):
    ``price = fundamental * (1 - impact / impact_share * sold / depth)``.
    """

    impact_model: Literal["exponential", "linear"] = "exponential"
    depth: Positive  # USD bn outstanding in the whole market
    impact: Share = 0.1  # price fall when impact_share of depth is sold
    impact_share: Positive = 0.05
    resilience: Share = 0.1  # monthly share of past impact that fades
    appraisal: Share = 1.0  # monthly weight of the market price in holders' marks (1: mark-to-market)
    fundamental: Literal["constant", "sentiment", "gpu_rent", "spread", "credit", "sovereign"] = "constant"
    elasticity: Elasticity = 1.0  # sensitivity of the fundamental to its driver
    duration: NonNeg = 0.0  # years (for 'spread' and 'credit': price falls by duration x loss change)
    # 'credit': a loan book marked from its borrowers (mechanisms/markets.py, credit_fundamental)
    default_rate: Share = 0.0  # borrowers' annual default rate at the start
    recovery: Share = 0.0  # share of a defaulted loan recovered from collateral at the start
    collateral_gpu_share: Share = 0.0  # share of the collateral whose value follows the GPU rent index
    spread_beta: NonNeg = 0.0  # move of the borrowers' spreads per unit spread change of the class's modelled issuers
    capital_charge: Share = 0.0  # insurers' risk charge per USD held (mechanisms/constraints.py, CapitalFloor)
    risk_weight: RiskWeight = 1.0  # banks' risk weight per USD held (mechanisms/risk_weights.py; 1: corporate)
    shocks: list[MarketShock] = []  # exogenous repricings of the fundamental


class LeaseExitSpec(Strict):
    """A scheduled event: the tenant of lease or offtake ``contract`` leaves it in month ``at``,
    ``how`` (mechanisms/lease_events.py: repudiate, not_renew or tenant_default)."""

    type: Literal["lease_exit"] = "lease_exit"
    contract: Slug
    at: Month
    how: Literal["repudiate", "not_renew", "tenant_default"] = "repudiate"


# ---------------------------------------------------------------- institutions
class InstitutionSpec(Strict):
    """One institution's opening balance sheet (USD bn) and flows (USD bn per year)."""

    id: Slug
    name: str | None = None
    kind: str
    cash: NonNeg = 0.0
    equity: Signed | None = None  # if given, other_assets balances the sheet to this equity
    other_assets: NonNeg = 0.0
    facility: NonNeg = 0.0  # data-centre real assets at book
    facility_life_years: Positive = 30.0
    in_service: Month | None = None  # the facility depreciates from this month (None: from the start)
    franchise: NonNeg = 0.0  # AI lab intangible, marked with sentiment
    ext_liabilities: NonNeg = 0.0  # debts to outsiders not modelled as contracts
    ext_liability_rate: Rate = 0.0
    holdings: dict[str, NonNeg] = {}  # market value at start per asset class
    core_cash_flow: Signed = 0.0  # USD bn/yr from business other than AI
    ai_revenue_share: Share = 0.0  # share of AI end revenue it earns
    ai_cost_share: Share = 0.35  # share of its AI revenue consumed by operating costs
    opex: NonNeg = 0.0  # USD bn/yr of costs not in contracts
    capex: NonNeg = 0.0  # USD bn/yr planned capex at the start
    spot_revenue: NonNeg = 0.0  # USD bn/yr from uncontracted GPUs at the initial rent
    rents_gpus: bool | None = None  # GPUs it buys are rented out at market rates (None: neoclouds only)
    external_revenue: NonNeg = 0.0  # USD bn/yr from customers outside the system
    gpu_market_share: Share = 0.0  # chip supplier: its share of chip spend
    gross_margin: Share = 0.0  # chip supplier: margin on chip revenue
    spread: NonNeg = 0.0  # annual credit spread over Treasuries at the start
    params: dict[str, float] = {}

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, v: str) -> str:
        if v not in KIND_PARAMS:  # exactly a label: Kind.parse would also read 'TECH_GIANT' or 'tech_giant '
            raise ValueError(f"unknown kind {v!r} (expected one of: {', '.join(k.label for k in Kind)})")
        return v

    @model_validator(mode="after")
    def _params_fit_kind(self):
        allowed = KIND_PARAMS[self.kind].model_fields
        for key, value in self.params.items():
            if key not in allowed:
                names = ", ".join(allowed) or "none"
                raise ValueError(f"params.{key}: not a parameter of {self.kind} (its parameters: {names})")
            try:
                KIND_PARAMS[self.kind](**{key: value})
            except ValidationError as exc:
                bounds = allowed_range(KIND_PARAMS[self.kind], (key,))
                msg = f"out of range: must be {bounds}" if bounds else exc.errors()[0]["msg"]
                raise ValueError(f"params.{key}: {msg} (got {value!r})") from None
        return self


# ---------------------------------------------------------------- contracts
class _Contract(Strict):
    id: Slug | None = None


def _two_parties(c: _Contract, a: str, b: str) -> None:
    if getattr(c, a) == getattr(c, b):
        raise ValueError(f"{a} and {b} are the same institution ({getattr(c, a)!r})")


class DebtSpec(_Contract):
    """A loan, bond, credit line, interbank or repo loan, or vendor financing."""

    type: Literal["loan", "bond", "credit_line", "interbank", "repo", "vendor_financing"]
    lender: str
    borrower: str
    principal: NonNeg = 0.0  # drawn / outstanding
    limit: NonNeg = 0.0  # credit line: most that can be drawn
    rate: Rate
    start: Month | None = None
    maturity: Month
    amortising: bool = False
    seniority: Literal["secured", "senior", "subordinated"] = "senior"
    market: str | None = None  # asset class the claim trades in
    covenant_ltv: Positive | None = None  # borrower's debt / assets ceiling
    haircut: Share = 0.0
    collateral: str | None = None  # asset class pledged (repo)
    rolls: bool = True

    @model_validator(mode="after")
    def _sane(self):
        _two_parties(self, "lender", "borrower")
        if self.type == "credit_line" and self.principal > self.limit:
            raise ValueError(f"principal {self.principal} exceeds limit {self.limit}")
        if self.start and self.start > self.maturity:
            raise ValueError(f"maturity {self.maturity} is before start {self.start}")
        return self


class StakeSpec(_Contract):
    """An equity stake or LP commitment (share of the issuer's equity, plus uncalled capital)."""

    type: Literal["equity", "lp_commitment"]
    holder: str
    issuer: str
    share: Share
    uncalled: NonNeg = 0.0  # USD bn the issuer may still call
    callable_from: Month | None = None  # uncalled capital can be called from this month

    @model_validator(mode="after")
    def _sane(self):
        _two_parties(self, "holder", "issuer")
        return self


class ExecutorySpec(_Contract):
    """A lease or take-or-pay offtake: the customer pays the provider each month."""

    type: Literal["lease", "offtake"]
    provider: str
    customer: str
    annual_payment: NonNeg  # USD bn per year
    start: Month
    end: Month
    take_or_pay: Share = 1.0
    renewal_years: NonNeg = 0.0
    residual_value_guarantee: NonNeg = 0.0
    termination_fee: NonNeg = 0.0

    @model_validator(mode="after")
    def _sane(self):
        _two_parties(self, "provider", "customer")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class BackstopSpec(_Contract):
    """A provider's promise to buy a customer's unsold capacity (Nvidia for CoreWeave)."""

    type: Literal["backstop"]
    provider: str  # who pays
    customer: str  # whose unsold capacity is bought
    annual_cap: NonNeg
    total_cap: NonNeg | None = None  # most it pays over its life (None: annual cap x years)
    end: Month

    @model_validator(mode="after")
    def _sane(self):
        _two_parties(self, "provider", "customer")
        return self


class GuaranteeSpec(_Contract):
    """A guarantee of ``share`` of contract ``covers``, up to ``cap``."""

    type: Literal["guarantee"]
    guarantor: str
    covers: Slug
    share: Share = 1.0
    cap: Cap = float("inf")

    @model_validator(mode="after")
    def _sane(self):
        if self.id is not None and self.covers == self.id:
            raise ValueError("a guarantee cannot cover itself")
        return self


ContractSpec = Annotated[
    DebtSpec | StakeSpec | ExecutorySpec | BackstopSpec | GuaranteeSpec, Field(discriminator="type")
]


class ScenarioSpec(Strict):
    """A whole scenario file."""

    name: Slug
    description: str = ""
    start: Month = "2025-01"
    months: Months = 240
    treasury_rate: Rate = 0.042
    productivity: Productivity
    compute: Compute = Compute()
    markets: dict[str, MarketSpec]
    behaviour: Behaviour = Behaviour()
    resolution: Resolution = Resolution()
    funding: Funding = Funding()
    channels: Channels = Channels()
    origination: Origination = Origination()
    pension_funding: PensionFunding = PensionFunding()
    institutions: list[InstitutionSpec]  # empty for synthetic systems (built as arrays); files need one
    contracts: list[ContractSpec] = []
    events: list[LeaseExitSpec] = []  # scheduled events: the stress tests' imposed lease exits
    _source: str | None = PrivateAttr(default=None)  # the file it was read from, for error messages
    _ranges: tuple = PrivateAttr(default=())  # uncertainty ranges of its numbers (scenarios.ranges)

    @property
    def source(self) -> str:
        """Name of the file the scenario came from (or ``<name>.yaml``)."""
        return self._source or f"{self.name}.yaml"

    def set_source(self, name: str) -> None:
        """Record where the scenario came from (a file name, or a generator), for error messages."""
        self._source = name

    @property
    def ranges(self) -> tuple:
        """The uncertainty ranges its file gives (:class:`~aicontagion.scenarios.ranges.ParamRange`,
        file order); the scenario itself holds the point values."""
        return self._ranges

    def set_ranges(self, ranges) -> None:
        """Attach the ranges read from its file (:func:`~aicontagion.scenarios.ranges.split_ranges`)."""
        self._ranges = tuple(ranges)

    @model_validator(mode="after")
    def _references(self):  # linear in institutions and contracts
        _expand_vehicle_pools(self)
        ids = [i.id for i in self.institutions]
        dup = _first_duplicate(ids)
        if dup is not None:
            raise ValueError(f"institutions: duplicate id {dup!r}")
        known = set(ids) | {EXTERNAL_ID}
        by_id = {c.id: c for c in self.contracts if c.id}
        cdup = _first_duplicate([c.id for c in self.contracts if c.id])
        if cdup is not None:
            raise ValueError(f"contracts: duplicate id {cdup!r}")
        for n, inst in enumerate(self.institutions):
            for cls in inst.holdings:
                if cls not in self.markets:
                    raise ValueError(f"institutions[{n}] ({inst.id}).holdings: unknown market {cls!r}")
        owned: dict[str, float] = defaultdict(float)
        y0, m0 = (int(x) for x in self.start.split("-"))
        earliest = f"{max(y0 - 50, 0):04d}-{m0:02d}"  # 600 months before the start
        for n, c in enumerate(self.contracts):
            roles, dates = _FIELDS[type(c)]
            for role in roles:
                who = getattr(c, role)
                if who not in known:
                    raise ValueError(f"{_at(n, c)}.{role}: unknown institution {who!r}")
            if isinstance(c, DebtSpec):
                if c.market is not None and c.market not in self.markets:
                    raise ValueError(f"{_at(n, c)}.market: unknown market {c.market!r}")
                if c.collateral is not None and c.collateral not in self.markets:
                    raise ValueError(f"{_at(n, c)}.collateral: unknown market {c.collateral!r}")
            elif isinstance(c, GuaranteeSpec):
                _check_guarantee(c, by_id.get(c.covers), _at(n, c))
            elif isinstance(c, StakeSpec):
                owned[c.issuer] += c.share
                if owned[c.issuer] > 1.0 + 1e-9:
                    raise ValueError(
                        f"{_at(n, c)}.share: stakes in {c.issuer!r} add up to {owned[c.issuer]:.4g} of its equity "
                        "(more than all of it)"
                    )
            for field_name in dates:
                when = getattr(c, field_name)
                if when is None:
                    continue
                if when < earliest:
                    raise ValueError(f"{_at(n, c)}.{field_name}: {when} is implausibly early")
                if field_name != "start" and when < self.start:  # a contract that ended before the start
                    raise ValueError(f"{_at(n, c)}.{field_name}: {when} is before the scenario's start {self.start}")
        for n, e in enumerate(self.events):
            if not isinstance(by_id.get(e.contract), ExecutorySpec):
                raise ValueError(f"events[{n}].contract: {e.contract!r} is not a lease or offtake of the scenario")
            if e.at < self.start:
                raise ValueError(f"events[{n}].at: {e.at} is before the scenario's start {self.start}")
        kind = {i.id: i.kind for i in self.institutions}
        for tenant in self.origination.vehicles:
            if tenant not in kind:
                raise ValueError(f"origination.vehicles: unknown institution {tenant!r}")
        for who in self.origination.spv_bond_buyers:
            if who not in kind:
                raise ValueError(f"origination.spv_bond_buyers: unknown institution {who!r}")
        if sum(self.origination.spv_bond_buyers.values()) > 1.0 + 1e-9:
            raise ValueError("origination.spv_bond_buyers: shares add up to more than 1")
        for who in self.pension_funding.funding_ratio:
            if kind.get(who) != "pension_lp":
                raise ValueError(f"pension_funding.funding_ratio: {who!r} is not a pension_lp")
        return self


def _expand_vehicle_pools(spec: ScenarioSpec) -> None:
    """Append each pool's dormant vehicles to the institutions, as copies of its template (those
    already there, as in a scenario dumped and validated again, are kept)."""
    by_id = {i.id: i for i in spec.institutions}
    for tenant, pool in spec.origination.vehicles.items():
        template = by_id.get(pool.template)
        if template is None or template.kind != "spv":
            raise ValueError(f"origination.vehicles.{tenant}.template: {pool.template!r} is not an spv")
        for k, vid in enumerate(pool.ids()[1:], start=2):
            if vid not in by_id:
                by_id[vid] = template.model_copy(update={"id": vid, "name": f"{template.name or template.id} {k}"})
                spec.institutions.append(by_id[vid])
            elif by_id[vid].kind != "spv":
                raise ValueError(f"origination.vehicles.{tenant}: {vid!r} is not an spv")


_FIELDS = {  # per contract type: its counterparty fields and its date fields
    DebtSpec: (("lender", "borrower"), ("start", "maturity")),
    StakeSpec: (("holder", "issuer"), ()),
    ExecutorySpec: (("provider", "customer"), ("start", "end")),
    BackstopSpec: (("provider", "customer"), ("end",)),
    GuaranteeSpec: (("guarantor",), ()),
}


def _at(n: int, c) -> str:
    return f"contracts[{n}]{_cid(c)}"


def _first_duplicate(items: list[str]) -> str | None:
    """The smallest item that occurs twice (None if all are distinct); linear time."""
    dups = [x for x, k in Counter(items).items() if k > 1]
    return min(dups) if dups else None


def _check_guarantee(g: GuaranteeSpec, covered, at: str) -> None:
    if covered is None:
        raise ValueError(f"{at}.covers: unknown contract {g.covers!r}")
    if isinstance(covered, GuaranteeSpec):
        raise ValueError(f"{at}.covers: {g.covers!r} is a guarantee (a guarantee covers a loan, lease or other claim)")
    parties = {getattr(covered, role) for role in _FIELDS[type(covered)][0]}
    if g.guarantor in parties:
        raise ValueError(f"{at}.guarantor: {g.guarantor!r} is a party to the contract it guarantees ({g.covers!r})")


def _cid(c) -> str:
    return f" ({c.id})" if c.id else ""
