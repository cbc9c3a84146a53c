"""Behaviour and mechanism parameters, declared once with defaults, ranges and units.

Each block is a strict pydantic model: unknown keys are errors, values outside their range are
errors. Scenario files set every value they use and cite its source; the defaults here serve
synthetic systems and tests and are documented (all ``assumed``) in ``docs/model.md``.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

MAX_AMOUNT = 1e6  # USD bn (ten years of world output): anything larger is a typo, and overflows
Share = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0, le=MAX_AMOUNT)]
Rate = Annotated[float, Field(ge=-0.05, le=1.0)]  # annual rate as a fraction
Positive = Annotated[float, Field(gt=0.0, le=MAX_AMOUNT)]
Signed = Annotated[float, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]  # a flow or a stated equity, either sign
Elasticity = Annotated[float, Field(ge=0.0, le=10.0)]  # an exponent: larger ones overflow
Sensitivity = Annotated[float, Field(ge=0.0, le=100.0)]  # a response per unit of a fall
RiskWeight = Annotated[float, Field(ge=0.0, le=12.5)]  # a bank risk weight (1: 100%; 12.5: the 1,250% cap)


class Strict(BaseModel):
    """Base for every schema block: unknown keys are errors; assignments are validated; numbers
    are finite and strictly typed (no NaN or infinity, no ``true`` or ``"44"`` read as a number)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, strict=True, allow_inf_nan=False)


def allowed_range(model: type[BaseModel], loc: tuple) -> str | None:
    """The bounds of the field at ``loc`` (a pydantic error location) under ``model``, as text
    (``">= 0 and <= 1"``), or None when it has none or cannot be found."""
    ann: Any = model
    meta: list = []
    for part in loc:
        ann, meta = _step(ann, part, meta)
        if ann is None:
            return None
    parts = []
    for m in meta:
        for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
            bound = getattr(m, attr, None)
            if isinstance(bound, int | float) and not isinstance(bound, bool):
                parts.append(f"{sign} {bound:g}")
    return " and ".join(parts) or None


def _step(ann: Any, part: Any, meta: list) -> tuple[Any, list]:
    """One step of a location: into a model's field, a list's item, a dict's value or a union member."""
    ann, meta = _unwrap(ann, [])
    origin = typing.get_origin(ann)
    if origin in (typing.Union, types.UnionType):
        members = [_unwrap(a, [])[0] for a in typing.get_args(ann)]
        for m in members:  # a tagged member (``loan``): the location names it
            if isinstance(m, type) and issubclass(m, BaseModel) and "type" in m.model_fields:
                if part in typing.get_args(_unwrap(m.model_fields["type"].annotation, [])[0]):
                    return m, []
        for m in members:
            found = _step(m, part, [])
            if found[0] is not None:
                return found
        return None, []
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        field = ann.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None, []
        return _unwrap(field.annotation, list(field.metadata))
    if origin is list and isinstance(part, int):
        return _unwrap(typing.get_args(ann)[0], [])
    if origin is dict and isinstance(part, str):
        return _unwrap(typing.get_args(ann)[1], [])
    return None, []


def _unwrap(ann: Any, meta: list) -> tuple[Any, list]:
    while typing.get_origin(ann) is Annotated:
        base, *extra = typing.get_args(ann)
        for e in extra:
            meta.extend(e.metadata if isinstance(e, FieldInfo) else [e])
        ann = base
    return ann, meta


# ---------------------------------------------------------------- behaviour by institution kind
class TechGiantParams(Strict):
    """Tech giant: lease review (strategic default), capex pace, bond issuance."""

    discount_rate: Rate = 0.08  # annual, to value remaining lease payments and AI cash flow
    reputation_spread: NonNeg = 0.005  # annual spread penalty on all debt after walking away
    reputation_years: NonNeg = 3.0  # years the penalty lasts
    signing_margin: NonNeg = 0.2  # contracts were signed expecting value >= (1 + margin) x cost
    capex_elasticity: Elasticity = 1.0  # capex = plan * sentiment ** elasticity
    cash_buffer_months: NonNeg = 3.0  # issue bonds when cash < buffer x monthly outflows
    max_debt_to_assets: Share = 0.6  # no new bonds beyond this leverage (a rating constraint)
    payout_share: Share = 0.0  # share of positive monthly net income paid out (dividends, buybacks)


class AILabParams(Strict):
    """AI lab: equity raising, commitment review."""

    discount_rate: Rate = 0.20
    reputation_spread: NonNeg = 0.0
    reputation_years: NonNeg = 0.0
    signing_margin: NonNeg = 0.2
    runway_months: NonNeg = 12.0  # raise when cash < runway x monthly burn
    raise_months: NonNeg = 24.0  # a raise aims to fund this many months of burn
    outside_capacity: NonNeg = 40.0  # USD bn/yr outside investors supply at the opening sentiment
    appetite_elasticity: Elasticity = 2.0  # supply scales with (sentiment / opening) ** elasticity


class ChipSupplierParams(Strict):
    """Chip supplier: customer financing (equity calls, backstops)."""

    financing_floor: NonNeg = 0.5  # stop funding customers when sentiment falls below this share of its start
    payout_share: Share = 0.0  # share of positive monthly net income paid out (dividends, buybacks)


class NeocloudParams(Strict):
    """Neocloud: liquidity buffer, credit-line draws, discounted equity raises."""

    cash_buffer_months: NonNeg = 2.0
    capex_elasticity: Elasticity = 1.0  # capex = plan * sentiment ** elasticity
    outside_capacity: NonNeg = 5.0  # USD bn/yr of new equity available at the opening sentiment
    appetite_elasticity: Elasticity = 2.0
    equity_discount: Share = 0.15  # new shares issued at this discount to book value
    bond_share: Share = 0.5  # share of a funding gap (after credit lines) it seeks in the bond market


class SPVParams(Strict):
    """SPV: no decisions; it pays while paid and restructures when not."""


class PrivateCreditFundParams(Strict):
    """Private-credit fund: distributions, covenant cure, lending stop, redemption gate."""

    distribution_share: Share = 0.8  # share of positive monthly net income paid to LPs
    stop_lending_ltv: NonNeg = 0.9  # stop funding draws when LTV exceeds this share of covenant
    redemption_rate: Share = 0.0  # monthly share of NAV LPs ask back in normal times
    redemption_sensitivity: Sensitivity = 0.0  # extra monthly redemption per unit of this month's NAV fall
    gate: Share = 0.05  # most NAV paid out per quarter when redemptions are gated
    liquidity_target: Share = 0.02  # calls LP capital when cash would fall below this share of assets


class BankParams(Strict):
    """Bank: leverage targeting, credit-line cuts, short-term funding withdrawal."""

    leverage_target: Share = 0.06  # equity / assets it delevers toward
    leverage_buffer: Share = 0.045  # delever when equity / assets falls below this
    leverage_adjustment: Share = 1.0  # share of the gap to the target closed within a month (1: all at once)
    line_cut_distress: Share = 0.3  # cut undrawn lines to borrowers with distress above this
    run_distress: Share = 0.2  # withdraw short-term funding from borrowers with distress above this
    hoard_distress: Share = 1.0  # stop rolling short-term loans when its own distress exceeds this (hoarding)
    payout_share: Share = 0.0  # share of positive monthly net income paid out (dividends, buybacks)
    # risk-based capital (mechanisms/risk_weights.py, constraints.RiskCapitalFloor); weights 0..12.5
    risk_capital_floor: Share = 0.0  # delever when equity / RWA < floor x its opening ratio (0: off, leverage only)
    loan_risk_weight: RiskWeight = 1.0  # corporate loans, credit lines, bonds not traded in a class
    project_loan_risk_weight: RiskWeight = 1.3  # loans it wrote through origination's bank route
    interbank_risk_weight: RiskWeight = 0.2  # interbank loans (claims on depository institutions)
    agency_risk_weight: RiskWeight = 0.2  # debt of a government-kind institution other than the Treasury (GSE)
    stake_risk_weight: RiskWeight = 4.0  # equity stakes not publicly traded
    other_risk_weight: RiskWeight = 1.0  # other (unmodelled) assets


class PensionLPParams(Strict):
    """Pension, insurer, sovereign fund or ETF: liquidity, rating floor, allocation."""

    liquidity_floor: Share = 0.02  # sell public assets when cash < floor x assets
    forced_sale_mark: Share = 0.0  # sell bonds whose credit mark falls below this (rating floor)
    max_private_share: Share = 1.0  # sell fund stakes when they exceed this share of assets
    secondary_discount: Share = 0.2  # discount to NAV on secondary sales of fund stakes
    redemption_sensitivity: Sensitivity = 0.0  # ETF: monthly outflow per unit of this month's NAV fall
    private_other_share: Share = 0.0  # share of other (unmodelled) assets that is private, held at appraisal
    private_target: Share = 1.0  # private share of assets at which new fund commitments stop growing (pacing)
    capital_floor: Share = 0.0  # insurer: sell when equity / risk charges < floor x its opening ratio (0: off)
    stake_charge: Share = 0.0  # insurer: risk charge per USD of fund stakes (and of other assets: other_charge)
    other_charge: Share = 0.0
    rebalance_speed: Share = 0.0  # monthly share of the way back to the opening weights of its tradables (0: holds)


class MoneyMarketFundParams(Strict):
    """Money-market fund: short-term lender to dealers, run by its investors when it breaks the buck."""

    liquidity_floor: Share = 0.05  # sell holdings when cash < floor x assets
    redemption_sensitivity: Sensitivity = 2.0  # monthly outflow per unit of this month's NAV fall
    buck: Share = 0.005  # NAV loss at which it "breaks the buck" (share price below 0.995)
    run_share: Share = 0.3  # share of NAV investors take out in a month once the buck is broken
    run_distress: Share = 0.1  # stops rolling repo to borrowers with distress above this


class GovernmentParams(Strict):
    """Government: acts only through policies."""


KIND_PARAMS: dict[str, type[Strict]] = {
    "tech_giant": TechGiantParams,
    "ai_lab": AILabParams,
    "chip_supplier": ChipSupplierParams,
    "neocloud": NeocloudParams,
    "spv": SPVParams,
    "private_credit_fund": PrivateCreditFundParams,
    "bank": BankParams,
    "pension_lp": PensionLPParams,
    "government": GovernmentParams,
    "money_market_fund": MoneyMarketFundParams,
}


class Behaviour(Strict):
    """Default behaviour parameters for each kind (institutions may override them)."""

    tech_giant: TechGiantParams = TechGiantParams()
    ai_lab: AILabParams = AILabParams()
    chip_supplier: ChipSupplierParams = ChipSupplierParams()
    neocloud: NeocloudParams = NeocloudParams()
    spv: SPVParams = SPVParams()
    private_credit_fund: PrivateCreditFundParams = PrivateCreditFundParams()
    bank: BankParams = BankParams()
    pension_lp: PensionLPParams = PensionLPParams()
    government: GovernmentParams = GovernmentParams()
    money_market_fund: MoneyMarketFundParams = MoneyMarketFundParams()


# ---------------------------------------------------------------- system-wide mechanisms
class Resolution(Strict):
    """How a defaulted estate is resolved."""

    bankruptcy_cost: Share = 0.1  # share of the estate's non-cash value lost in resolution
    lease_claim_months: NonNeg = 12.0  # a terminated executory contract's claim, in months of payments
    relet_floor: Share = 0.2  # a vacated facility keeps at least this share of book value
    franchise_recovery: Share = 0.2  # share of a failed lab's marked franchise value buyers pay
    lgd_secured: Share = 0.3  # expected loss given default used in credit marks
    lgd_senior: Share = 0.6
    lgd_subordinated: Share = 0.9
    merchant_spread: NonNeg = 0.06  # spread over the Treasury rate on uncontracted (re-let) rent of a project
    expectation_damages: bool = True  # a solvent customer walking mid-term owes PV(rent left) - re-let value
    # the value a customer keeps in a lease: 'calibrated' kappa x V (kappa by revealed preference at
    # signing) or 'derived' max(V, replacement cost of the capacity it uses at market rent)
    strategic_value: Literal["calibrated", "derived"] = "derived"
    # what a provider recovers on a defaulted customer's lease claim for its future payments:
    # 'deferred' unearned income, earned over the months those payments would have fallen due (it
    # replaces payments the provider never carried as an asset); 'immediate' income in the month of
    # the default (the accounting before the sixth session: a gain at the customer's default)
    lease_claim_income: Literal["deferred", "immediate"] = "deferred"


class Funding(Strict):
    """Credit spreads, rollover and distress measurement."""

    spread_distress: NonNeg = 0.05  # annual spread added per unit of distress
    spread_sector_loss: NonNeg = 0.5  # annual spread added per unit of the kind's loss rate
    # how the kind's loss rate moves a borrower's spread: 'additive' (spread_sector_loss x rate, the
    # same for every member) or 'proportional' to its opening spread (spread0 x spread_sector_beta x
    # rate: duration-times-spread, Ben Dor et al. 2007, spread changes scale with the spread level;
    # members without an opening spread, i.e. unrated, keep the additive term)
    sector_spread_form: Literal["additive", "proportional"] = "additive"
    spread_sector_beta: NonNeg = 10.0  # relative spread rise per unit of the kind's loss rate (proportional form)
    rollover_max_spread: NonNeg = 0.15  # maturing debt does not roll when the spread exceeds this
    distressed_at: Share = 0.5  # distress above which an institution is marked DISTRESSED
    provisioning: Share = 0.34  # monthly speed at which untraded loans are marked to credit quality
    outside_run_distress: Share = 0.5  # outside short-term lenders withdraw above this distress
    haircut_sensitivity: Sensitivity = 0.0  # repo haircut rise per unit fall of the collateral's price
    investment_elasticity: Elasticity = 1.0  # capex response to the cost of capital: (r_old / r_new) ** elasticity
    liquidity_substeps: Annotated[int, Field(ge=1, le=31)] = 1  # funding sub-steps a month (4: weeks; 1: monthly)
