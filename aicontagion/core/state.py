"""The month state: everything the mechanisms read and write, declared in one place, grouped by owner.

A mechanism (:mod:`aicontagion.mechanisms`) never receives the model: it receives this
:class:`MonthState` and touches only the groups its module declares (``READS`` / ``WRITES`` at
the top of each mechanism module; ``tests/core/test_state.py`` checks the declarations against
the code). The model (:class:`aicontagion.model.ContagionModel`) keeps what is Mesa's (the agent
registry, the random generator, the step counter) and the stage order.

Groups (each a small dataclass of per-institution arrays, index = institution row; money in
USD bn, rates annual):

========== ==================================================== =====================================
group      what                                                 written by
========== ==================================================== =====================================
registry   who exists: ids, kinds, members by kind, parameters  nobody (fixed when the system is built)
ai         AI demand: revenue path, sentiment, rents            mechanisms.ai_revenue
lifecycle  status, default month, distress, loss causes         mechanisms.credit, mechanisms.defaults
credit     spreads, reputation penalties, guarantee beliefs     mechanisms.credit, policies
lending    who is willing to lend / hold this month             the decide stage (agents)
operations GPUs bought, spot capacity, re-let capacity, capex   mechanisms.income, settlement, agents
dues       what is due this month, binding and discretionary    mechanisms.income, the decide stage
snapshot   assets and debt as of the decide stage               the decide and deleverage stages
========== ==================================================== =====================================

Besides the groups: ``books`` (balance sheets, :mod:`aicontagion.core.books`), ``contracts`` (the
exposure network's contract table), ``markets`` (prices), ``spec`` (the scenario's parameters,
read-only), ``channels`` (the contagion-channel switches), ``month`` and ``events`` (the event log).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aicontagion.core.channels import Channels
from aicontagion.core.events import EventLog


@dataclass
class Registry:
    """Who exists (fixed for the run): ``n`` institutions, their ids, kinds and parameters."""

    n: int
    ids: list[str]
    kind: np.ndarray  # int8 Kind code per institution
    members: dict  # Kind -> rows of that kind
    params: dict  # kind label -> field -> per-institution array (NaN where the kind lacks it)
    gpu_class: int  # index of the GPU asset class (-1: none)
    chip_sellers: np.ndarray  # rows of chip suppliers with a GPU market share
    nav_measured: np.ndarray  # bool: distress measured on performance (funds), not capital flows
    treasury_rate: float  # annual
    capex_peak_month: int  # month index of the scenario's capex peak


@dataclass
class AIState:
    """AI demand as the rest of the model sees it (owner: :mod:`aicontagion.mechanisms.ai_revenue`)."""

    demand: Any  # the Demand block (revenue path, expectations, compute, rents)
    demand_state: Any  # this month's DemandState
    path: Any  # the PathSpec being run
    path_name: str
    sentiment0: float
    capex_lag_months: int
    initial_utilisation: float
    sentiment_history: list[float] = field(default_factory=list)  # sentiment ratio by month

    @property
    def sentiment_ratio(self) -> float:
        """AI sentiment relative to the start."""
        return self.demand_state.sentiment / self.sentiment0

    @property
    def equity_ratio(self) -> float:
        """What prices listed AI equity relative to the start (tech-equity classes driven by
        'sentiment', franchise values): the sentiment ratio, or with ``equity_pricing:
        expectations`` the PV of expected revenue against the opening-implied path."""
        if self.demand.p.equity_pricing == "expectations":
            return self.demand_state.value_ratio
        return self.sentiment_ratio

    @property
    def committed_sentiment_ratio(self) -> float:
        """Sentiment relative to the start as of ``capex_lag_months`` ago: capex spent now was
        committed then (chip orders, construction contracts)."""
        lag, h = self.capex_lag_months, self.sentiment_history
        return h[-1 - lag] if len(h) > lag else 1.0

    @property
    def usage(self) -> float:
        """Share of contracted compute customers use: utilisation relative to the start, at most 1."""
        return float(min(1.0, self.demand_state.utilisation / self.initial_utilisation))


@dataclass
class Lifecycle:
    """Status and distress of each institution (owners: :mod:`~aicontagion.mechanisms.credit`,
    :mod:`~aicontagion.mechanisms.defaults`)."""

    status: np.ndarray  # int8 Status code
    default_month: np.ndarray  # month of default, -1 if none
    distress: np.ndarray  # DebtRank-style distress in [0, 1]
    distress_prev: np.ndarray  # last month's distress
    cause: np.ndarray  # int Channel code: the label of losses on claims on each institution
    funding_hint: np.ndarray  # bool: faced a run or rollover failure
    loss_source: dict = field(default_factory=dict)  # row -> id of the counterparty behind its largest loss


@dataclass
class Credit:
    """Funding costs and market beliefs (owners: :mod:`~aicontagion.mechanisms.credit`, policies)."""

    spread0: np.ndarray  # opening credit spread (annual)
    spread: np.ndarray  # current credit spread (annual)
    reputation_penalty: np.ndarray  # extra spread after walking away from a contract (annual)
    reputation_until: np.ndarray  # month the penalty ends (-1: none)
    always_rolls: np.ndarray  # bool: debt markets believe it is backed (a guarantee)
    investment_multiplier: np.ndarray  # capex scale from cheaper guaranteed funding
    rate_cover: dict = field(default_factory=dict)  # contract row -> share priced at the Treasury rate
    last_spread_change: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per asset class
    rating: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # project rating band (-1: unrated)
    project_cover: np.ndarray = field(default_factory=lambda: np.zeros(0))  # project value / debt (NaN: not a project)

    def add_reputation_penalty(self, who: int, spread: float, years: float, month: int) -> None:
        """Raise ``who``'s spread by ``spread`` for ``years`` from ``month`` (after walking away)."""
        self.reputation_penalty[who] += spread
        self.reputation_until[who] = month + int(round(years * 12))


@dataclass
class Lending:
    """Who lends and holds this month (owner: the decide stage's willingness rules)."""

    lender_ok: np.ndarray  # bool: willing to lend (draws, rollover)
    holder_ok: np.ndarray  # bool: willing to keep holding / financing customers
    was_willing: np.ndarray  # bool: willing last month
    was_willing_next: np.ndarray  # bool: becomes ``was_willing`` next month


@dataclass
class Operations:
    """Real-side state (owners: :mod:`~aicontagion.mechanisms.income`,
    :mod:`~aicontagion.mechanisms.settlement`, the capex decisions)."""

    gpu_opening: np.ndarray  # GPU units held at the start
    gpu_new: np.ndarray  # GPU units bought during the run (still in service)
    spot_capacity: np.ndarray  # USD bn/month of spot GPU rental capacity
    relet: np.ndarray  # USD bn/month of vacated capacity offered for re-letting (at contract rents)
    vacant: np.ndarray  # USD bn/month of that capacity still empty (mechanisms/relet.py)
    capex_plan: np.ndarray  # USD bn/month planned capex
    capex_wanted: np.ndarray  # USD bn/month capex wanted this month
    franchise0: np.ndarray  # opening franchise value (AI labs' intangibles)
    strategic_value: np.ndarray  # per contract row: strategic value (kappa) in the walk-away rule
    valued_at_signing: np.ndarray  # per contract row: bool, kappa revealed at signing
    last_income: np.ndarray  # USD bn: operating + interest P&L last month
    capex_spent: float = 0.0  # USD bn paid for chips and construction this month
    outside_revenue: float = 0.0  # USD bn/month of AI revenue from outside customers
    order_book: Any = None  # the capex order book (mechanisms.order_book.OrderBook; None: no book)
    capex_ordered: Any = None  # USD bn ordered this month per institution
    fleet: Any = None  # builders' AI capital in service (mechanisms.capex_returns.Fleet)
    origination: Any = None  # what was originated (mechanisms.origination.Ledger; None: no origination)
    capital_ratio0: Any = None  # opening equity / risk charges per institution (mechanisms.constraints.CapitalFloor)
    rebalance_weights: Any = None  # (n, classes) opening value weights of tradables (mechanisms.rebalancing)
    risk_ratio0: Any = None  # banks' opening equity / risk-weighted assets (mechanisms.constraints.RiskCapitalFloor)
    takeover: Any = None  # a policy's bid for failed borrowers' facilities (resolution's takeover hook; None: none)


@dataclass
class Dues:
    """What is due this month (owners: :mod:`~aicontagion.mechanisms.income`, the decide stage)."""

    due_now: np.ndarray  # USD bn due in the income stage's obligations
    due_binding: np.ndarray  # USD bn of binding dues (income stage + fees, calls, draws decided)
    due_binding_income: np.ndarray  # binding part of the income stage's dues
    monthly_outflow: np.ndarray  # USD bn/month of expected outflows
    monthly_inflow: np.ndarray  # USD bn/month of expected inflows
    income_parts: Any = None  # the income stage's obligation parts (so later dues add on)
    income_mark: np.ndarray | None = None  # operating + interest P&L before the income stage


@dataclass
class Snapshot:
    """Balance-sheet totals as of the decide stage (refreshed where decisions read them)."""

    assets: np.ndarray  # USD bn
    debt: np.ndarray  # USD bn of liabilities
    assets0: np.ndarray  # opening assets
    equity0: np.ndarray  # opening equity
    leverage_month: int = -1  # month of ``leverage_plan`` (mechanisms.constraints.LeverageTarget)
    leverage_plan: np.ndarray | None = None  # USD bn: banks' sale plans this month (partial adjustment)
    risk_month: int = -1  # month of ``risk_plan`` (mechanisms.constraints.RiskCapitalFloor)
    risk_plan: np.ndarray | None = None  # USD bn of RWA: banks' plans to shed this month (partial adjustment)


@dataclass
class MonthState:
    """Everything a mechanism may read or write; see the module docstring for the groups."""

    books: Any
    contracts: Any
    markets: Any
    system: Any  # the built System: static inputs (flows, in-service months, facility lives, names)
    spec: Any  # the ScenarioSpec (read-only parameters)
    channels: Channels
    registry: Registry
    ai: AIState
    lifecycle: Lifecycle
    credit: Credit
    lending: Lending
    operations: Operations
    dues: Dues
    snapshot: Snapshot
    events: EventLog
    start: pd.Period
    month: int = -1
    step: int = 0  # Mesa's step counter (the opening record is step 0)
    weeks: list = field(default_factory=list)  # one row per liquidity sub-step (mechanisms.liquidity_substeps)

    @property
    def n(self) -> int:
        """Number of institutions."""
        return self.registry.n

    @property
    def date(self) -> pd.Period:
        """Calendar month just completed (the opening record is dated the month before the start)."""
        return self.start + self.month


GROUPS = ("registry", "ai", "lifecycle", "credit", "lending", "operations", "dues", "snapshot")
"""The state groups, in the order of the table above."""
OBJECTS = ("books", "contracts", "markets", "system", "spec", "channels", "events", "month", "weeks")
"""The shared objects besides the groups."""
