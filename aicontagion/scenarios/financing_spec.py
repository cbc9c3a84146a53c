"""Scenario sections for the financing written during a run: build-out vehicle pools, origination
routes and their limits, and pension funding ratios (mechanisms/origination.py,
mechanisms/build_out_vehicles.py, mechanisms/subscription_lines.py, mechanisms/pension_funding.py).
Amounts are USD bn; rates and premiums annual fractions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from aicontagion.core.params import Elasticity, NonNeg, Positive, Share, Strict
from aicontagion.scenarios.fields import Slug


class VehiclePool(Strict):
    """A tenant's build-out vehicles: ``template`` (an spv entry with an empty opening sheet) is the
    first, and ``count - 1`` copies of it, ``<template>_2`` .. ``<template>_<count>``, wait dormant
    (empty books) until the one before has taken a campus of deals. A bare id is a pool of one."""

    template: Slug
    count: Annotated[int, Field(ge=1, le=1000)] = 1

    @model_validator(mode="before")
    @classmethod
    def _bare_id(cls, v):
        return {"template": v} if isinstance(v, str) else v

    def ids(self) -> list[str]:
        """The pool's vehicle ids, in the order they open."""
        return [self.template] + [f"{self.template}_{k}" for k in range(2, self.count + 1)]


class Origination(Strict):
    """New financing written during the run (mechanisms/origination.py); no vehicles: no SPV deals."""

    vehicles: dict[str, VehiclePool] = {}  # tenant id -> its build-out SPVs (empty opening sheets)
    campus_size: Positive = 27.0  # USD bn of buildings one vehicle finances before the next one opens
    spv_equity_share: Share = 0.084  # equity share of a vehicle's funding
    spv_fund_equity_share: Share = 0.8  # a private-credit fund's share of that equity (the tenant: the rest)
    spv_bond_buyers: dict[str, Share] = {}  # inside buyer id -> share of a vehicle's bonds (outsiders: the rest)
    lease_years: Positive = 20.0  # lease (and bond) term
    renewal_years: NonNeg = 4.0  # lease renewal term (0: not renewable)
    lease_yield: NonNeg = 0.105  # annual rent / cost of the buildings
    rvg_share: Share = 0.54  # residual value guarantee / cost
    value_exit_option: bool = True  # giants price the option not to renew an SPV lease (mechanisms/exit_option.py)
    lease_debt: bool = False  # a giant's bond ceiling counts its leases' committed-term PV as debt (S&P)
    advance_rate: Share = 0.8  # loans to a neocloud: at most this share of the chips delivered
    loan_years: Positive = 5.0  # term of new loans (amortising)
    bank_premium: NonNeg = 0.0  # over the borrower's spread, annual
    vendor_premium: NonNeg = 0.02
    pc_premium: NonNeg = 0.04
    bank_sector_limit: Share = 0.1  # a bank's originated loans, share of its equity
    single_name_limit: Share = 0.25  # a bank's loans to one borrower, share of its equity
    vendor_share: Share = 0.2  # share of a chip seller's spare cash it lends to customers a month
    warehouse_months: Annotated[int, Field(ge=0, le=120)] = 12  # bank loans sold to private credit after this
    syndicate_size: Annotated[int, Field(ge=1, le=100)] = 3  # lenders per route and month (the largest)
    fund_raise_rate: NonNeg = 0.0  # new LP commitments a year, share of a fund's NAV (at the opening sentiment)
    fund_raise_elasticity: Elasticity = 1.0  # ... x (sentiment ratio) ** this
    call_lag_months: Annotated[int, Field(ge=0, le=24)] = 0  # LPs pay a call this many months later (0: at once)
    subline_advance_rate: Share = 0.9  # subscription lines' borrowing base: share of eligible LPs' uncalled


class PensionFunding(Strict):
    """Pension plans' funding ratios and sponsors' contributions (mechanisms/pension_funding.py)."""

    funding_ratio: dict[str, Positive] = {}  # pension id -> opening assets / PV of accrued benefits
    amortisation_years: Positive = 20.0  # sponsors amortise a rise in the unfunded liability over this
    contributions: bool = False  # sponsors' contributions rise with the unfunded liability (off: today)
