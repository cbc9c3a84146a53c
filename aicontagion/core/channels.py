"""Contagion-channel switches: every channel can be switched off for an ablation.

A scenario's ``channels`` section (all on by default), ``Sim(..., channels={"fire_sales": False})``,
``aicontagion run --channel fire_sales=off`` and a sweep design key ``channels.fire_sales`` all
set these. The run summary reports them. What each switch stops (docs/model.md, section 7b):

================== ========================================================================
switch             when off
================== ========================================================================
strategic_default  customers never walk away from leases and offtakes before they end
fire_sales         no constraint-driven or liquidity sales (constraints still measured)
price_impact       sales clear at the pre-sale price (no impact, no mark-to-market spiral)
funding_runs       maturing short-term and bullet debt always rolls; no runs on distressed borrowers
margin_calls       repo haircuts do not widen with collateral prices (no margin calls)
fund_leverage      private-credit funds have no bank credit lines (closed at the start; the funds owe
                   the drawn balance to outside lenders instead)
lp_sales           pensions, insurers and ETF holders place no sale orders
appraisal_lag      private asset classes are marked to market every month (appraisal = 1)
guarantees         guarantee contracts (and policies' guarantees) pay nothing on default
project_marks      SPV debt is marked from the SPV's book equity (1 - h x LGD), not from its
                   contracted cash flows, its tenants' credit and its collateral
capex_commitments  no capex order book: capex follows the sentiment of ``capex_lag_months`` ago
origination        no new SPVs, leases or loans: what cash and bonds do not cover is not spent
renegotiation      customers short of cash never renegotiate leases and offtakes: they default
relet_demand       vacated capacity is re-let at once, however much other capacity stands idle
rebalancing        long-horizon LPs do not trade back toward their strategic weights (they hold)
================== ========================================================================
"""

from __future__ import annotations

from aicontagion.core.params import Strict

CHANNEL_NAMES = (
    "strategic_default",
    "fire_sales",
    "price_impact",
    "funding_runs",
    "margin_calls",
    "fund_leverage",
    "lp_sales",
    "appraisal_lag",
    "guarantees",
    "project_marks",
    "capex_commitments",
    "origination",
    "renegotiation",
    "relet_demand",
    "rebalancing",
)


class Channels(Strict):
    """Which contagion channels run (True: on). Unknown names are errors."""

    strategic_default: bool = True
    fire_sales: bool = True
    price_impact: bool = True
    funding_runs: bool = True
    margin_calls: bool = True
    fund_leverage: bool = True
    lp_sales: bool = True
    appraisal_lag: bool = True
    guarantees: bool = True
    project_marks: bool = True
    capex_commitments: bool = True
    origination: bool = True
    renegotiation: bool = True
    relet_demand: bool = True
    rebalancing: bool = True

    def off(self) -> list[str]:
        """Names of the channels switched off."""
        return [n for n in CHANNEL_NAMES if not getattr(self, n)]
