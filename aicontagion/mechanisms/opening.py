"""The opening month state: a built system turned into the :class:`~aicontagion.core.state.MonthState`
the mechanisms work on (before the first month)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicontagion.core.books import Channel
from aicontagion.core.calendar import month_index
from aicontagion.core.channels import Channels
from aicontagion.core.events import EventLog
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.state import AIState, Credit, Dues, Lending, Lifecycle, MonthState, Operations, Registry, Snapshot
from aicontagion.mechanisms import capex_returns
from aicontagion.mechanisms.ai_revenue import Demand
from aicontagion.mechanisms.constraints import capital_ratio
from aicontagion.mechanisms.credit import NAV_KINDS
from aicontagion.mechanisms.markets import Markets
from aicontagion.mechanisms.order_book import active, builder_mask, opening_book
from aicontagion.mechanisms.origination import opening_ledger
from aicontagion.mechanisms.rebalancing import opening_weights
from aicontagion.mechanisms.risk_weights import risk_capital_ratio

READS: tuple[str, ...] = ()
"""None: it creates the state."""
WRITES = ("operations",)
"""It creates the state, then writes the insurers' and the banks' opening capital ratios into it
(``operations.capital_ratio0``, ``operations.risk_ratio0``)."""


def opening_state(system, spec, path, path_name: str, rng, channels: Channels) -> MonthState:
    """The month state of a freshly built ``system`` under AI-productivity ``path``, before the first
    month: markets at their opening prices, the AI demand block (drawing from ``rng``), every group
    at its opening value (nobody defaulted or distressed, spreads as in the scenario)."""
    n = system.n
    books, contracts = system.books, system.contracts
    markets = Markets(list(spec.markets), list(spec.markets.values()), spec.start)
    gpu_class = markets.index.get("gpu", -1)
    opening_capex = float(system.flows["capex"].sum()) + spec.compute.outside_capex / 12.0
    demand = Demand(spec.productivity, spec.compute, path, spec.start, rng, opening_capex)
    sellers = system.members(Kind.CHIP_SUPPLIER)
    registry = Registry(
        n=n,
        ids=system.ids,
        kind=system.kind,
        members={k: system.members(k) for k in Kind},
        params=system.params,
        gpu_class=gpu_class,
        chip_sellers=sellers[system.flows["gpu_market_share"][sellers] > 0],
        nav_measured=np.isin(system.kind, NAV_KINDS),
        treasury_rate=spec.treasury_rate,
        capex_peak_month=month_index(spec.compute.capex_peak, spec.start),
    )
    assets = books.assets(contracts, markets.marked_price)
    book = None
    if active(spec, channels):  # capex ordered before the start arrives at the opening plan's rate
        cpt = spec.compute
        book = opening_book(
            system.flows["capex"] * cpt.opening_orders,
            builder_mask(system.kind),
            cpt.gpu_share_of_capex,
            cpt.gpu_lead_months,
            cpt.build_lead_months,
            cpt.opening_order_growth,
        )
    state = MonthState(
        books=books,
        contracts=contracts,
        markets=markets,
        system=system,
        spec=spec,
        channels=channels,
        registry=registry,
        ai=AIState(
            demand=demand,
            demand_state=demand.state,
            path=path,
            path_name=path_name,
            sentiment0=max(demand.state.sentiment, 1e-9),
            capex_lag_months=spec.compute.capex_lag_months,
            initial_utilisation=spec.compute.initial_utilisation,
        ),
        lifecycle=Lifecycle(
            status=np.full(n, Status.ACTIVE, dtype=np.int8),
            default_month=np.full(n, -1),
            distress=np.zeros(n),
            distress_prev=np.zeros(n),
            cause=np.full(n, int(Channel.COUNTERPARTY), dtype=np.int64),
            funding_hint=np.zeros(n, dtype=bool),
        ),
        credit=Credit(
            spread0=system.flows["spread"].copy(),
            spread=system.flows["spread"].copy(),
            reputation_penalty=np.zeros(n),
            reputation_until=np.full(n, -1),
            always_rolls=np.zeros(n, dtype=bool),
            investment_multiplier=np.ones(n),
            last_spread_change=np.zeros(len(spec.markets)),
        ),
        lending=Lending(
            lender_ok=np.ones(n, dtype=bool),
            holder_ok=np.ones(n, dtype=bool),
            was_willing=np.ones(n, dtype=bool),
            was_willing_next=np.ones(n, dtype=bool),
        ),
        operations=Operations(
            gpu_opening=books.holdings[:, gpu_class].copy() if gpu_class >= 0 else np.zeros(n),
            gpu_new=np.zeros(n),
            spot_capacity=np.zeros(n),
            relet=np.zeros(n),
            vacant=np.zeros(n),
            capex_plan=system.flows["capex"].copy(),
            capex_wanted=np.zeros(n),
            franchise0=books.franchise.copy(),
            strategic_value=np.ones(n),
            valued_at_signing=np.zeros(contracts.size, dtype=bool),
            last_income=np.zeros(n),
            order_book=book,
            fleet=capex_returns.opening_fleet(
                books,
                contracts,
                gpu_class,
                float(markets.marked_price[gpu_class]) if gpu_class >= 0 else 1.0,
                builder_mask(system.kind),
            ),
            origination=opening_ledger(spec, system.ids) if channels.origination else None,
        ),
        dues=Dues(
            due_now=np.zeros(n),
            due_binding=np.zeros(n),
            due_binding_income=np.zeros(n),
            monthly_outflow=np.zeros(n),
            monthly_inflow=np.zeros(n),
        ),
        snapshot=Snapshot(
            assets=assets,
            debt=books.borrowings(contracts),
            assets0=assets.copy(),
            equity0=books.equity.copy(),
        ),
        events=EventLog(system.ids, [Kind(int(k)).label for k in system.kind]),
        start=pd.Period(spec.start, freq="M"),
    )
    state.operations.capital_ratio0 = capital_ratio(state)  # the base of the insurers' capital floor
    state.operations.rebalance_weights = opening_weights(books.holdings, markets.marked_price)
    state.operations.risk_ratio0 = risk_capital_ratio(state)  # the base of the banks' risk-based floor
    return state
