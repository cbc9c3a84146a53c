"""ContagionModel: the monthly cycle of the AI-infrastructure finance system (a Mesa 3 model).

One step is one month. The month is a table (:data:`STAGES`, DESIGN.md "The step cycle"):

1. **demand**   AI end revenue, expectations, compute, GPU rents; fundamental prices re-marked
   (:mod:`~aicontagion.mechanisms.ai_revenue`, :mod:`~aicontagion.mechanisms.markets`).
2. **income**   operating flows booked; the month's obligations built (:mod:`~aicontagion.mechanisms.income`).
3. **decide**   every kind records its decisions from the same snapshot (strategic defaults,
   capex, draws, calls, raises, line cuts, distributions); policies act (hook ``apply``); then
   all are applied together (:mod:`~aicontagion.mechanisms.actions`); liquidity sales.
4. **clear**    payments cleared together (:func:`~aicontagion.network.obligation_clearing.clear_obligations`,
   greatest clearing vector, priority tiers), booked (:mod:`~aicontagion.mechanisms.settlement`);
   defaults resolved in a cascade (:mod:`~aicontagion.mechanisms.defaults`).
5. **deleverage** constraints (leverage, covenants, rating floors, liquidity, allocation) order
   sales; each round clears simultaneously with price impact and marks every holder; repeat
   until quiet (:mod:`~aicontagion.mechanisms.fire_sales`).
6. **fund**     distress, credit marks, stake values, spreads (:mod:`~aicontagion.mechanisms.credit`);
   policies adjust funding (hook ``adjust_funding``); bullet debt maturing next month rolls or
   falls due; short-term lenders run; margin calls (:mod:`~aicontagion.mechanisms.funding`); with
   ``funding.liquidity_substeps`` above 1, runs, hoarding and margin calls first play out in
   sub-steps (weeks) inside the month (:mod:`~aicontagion.mechanisms.liquidity_substeps`).
7. **record**   policies' ``after_step``; the month's metrics, events and DataCollector row.

Mechanisms receive the :class:`~aicontagion.core.state.MonthState` (``model.state``), never the
model; the model keeps Mesa's registry of agents, the random generator and the stage order.
Results do not depend on agent order: decisions are vectorised per kind and applied after all
kinds decided; payments and sales clear simultaneously. All randomness comes from ``self.rng``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import mesa
import numpy as np
import pandas as pd

from aicontagion.agents import AGENT_CLASSES, Bank, ChipSupplier, MoneyMarketFund, PensionLP, PrivateCreditFund
from aicontagion.core.books import Channel
from aicontagion.core.channels import Channels
from aicontagion.core.decisions import Decisions
from aicontagion.core.invariants import check_books
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.core.obligations import DISCRETIONARY_TIER, Obligations, Purpose
from aicontagion.mechanisms import capex_returns, credit, funding
from aicontagion.mechanisms.ablations import close_fund_bank_lines
from aicontagion.mechanisms.actions import apply_decisions
from aicontagion.mechanisms.constraints import SaleOrders, uncured_breaches
from aicontagion.mechanisms.defaults import resolve_defaults
from aicontagion.mechanisms.fire_sales import MAX_ROUNDS, liquidity_sales, sell_round
from aicontagion.mechanisms.income import operate, outside_capex_month
from aicontagion.mechanisms.lease_events import scheduled_exits
from aicontagion.mechanisms.liquidity_substeps import run_substeps
from aicontagion.mechanisms.opening import opening_state
from aicontagion.mechanisms.origination import built_this_month
from aicontagion.mechanisms.rebalancing import rebalance
from aicontagion.mechanisms.settlement import settle
from aicontagion.mechanisms.strategic_default import strategic_value
from aicontagion.mechanisms.treasury import fiscal_cost, fund_government, sovereign_spread
from aicontagion.network.obligation_clearing import clear_obligations
from aicontagion.results.recorder import Recorder
from aicontagion.scenarios.build import System, build_system
from aicontagion.scenarios.loader import ScenarioError, apply_overrides, load_scenario, validate
from aicontagion.scenarios.schema import PathSpec, ScenarioSpec


@dataclass(frozen=True)
class Stage:
    """One stage of the month: its name, the model method that runs it, and the policy hook
    (a :class:`~aicontagion.policies.Policy` method) it calls, if any."""

    name: str
    method: str
    policy_hook: str | None = None


STAGES: tuple[Stage, ...] = (
    Stage("demand", "stage_demand"),
    Stage("income", "stage_income"),
    Stage("decide", "stage_decide", "apply"),
    Stage("clear", "stage_clear"),
    Stage("deleverage", "stage_deleverage"),
    Stage("fund", "stage_fund", "adjust_funding"),
    Stage("record", "stage_record", "after_step"),
)
"""The month, in order. Policies hook in by these names (``policy_hook``)."""

MODEL_REPORTERS = ("ai_revenue", "sentiment", "rent_index", "system_equity", "losses", "defaults", "fiscal_cost")
"""Headline system series of the :class:`mesa.DataCollector` (USD bn, ratios as in the recorder)."""


def scenario_spec(scenario: Any, overrides: Mapping[str, Any]) -> tuple[ScenarioSpec, System | None]:
    """The scenario spec (and a prebuilt system, if given one) behind a model's ``scenario`` argument:
    a shipped name or YAML path, a :class:`ScenarioSpec`, or a prebuilt :class:`System`."""
    if isinstance(scenario, System):
        if overrides:
            raise ScenarioError(scenario.spec.name, "", "overrides need a scenario name, path or spec")
        return scenario.spec, scenario
    if isinstance(scenario, ScenarioSpec):
        if overrides:
            raw = scenario.model_dump(mode="python", exclude_unset=False)
            scenario = validate(apply_overrides(raw, dict(overrides), scenario.name), scenario.name)
        return scenario, None
    return load_scenario(scenario, **overrides), None


class ContagionModel(mesa.Model):
    """The exposure network of a scenario run month by month.

    Args:
        scenario: a shipped scenario name (``"ai_2025"``), a YAML path, a ``ScenarioSpec`` or a
            prebuilt ``System`` (copied: the model never changes what it is given).
        productivity: the AI-productivity path (a name of the scenario's paths, a ``PathSpec`` or
            a dict of its fields; None: the scenario's default).
        policies: interventions (:mod:`aicontagion.policies`), called at their stages' hooks.
        channels: contagion-channel switches (:class:`~aicontagion.core.channels.Channels` or a
            dict such as ``{"fire_sales": False}``), on top of the scenario's ``channels``.
        months: stop after this many months (``self.running`` turns False), for ``mesa.batch_run``.
        check_invariants: verify after every stage that every balance sheet balances, money is
            conserved and every value is finite (slower; the tests turn it on).
        record_institutions: record per-institution series (default: when at most 500).
        collect: keep a :class:`mesa.DataCollector` (``self.datacollector``) of the headline series.
        seed: seed of ``self.rng`` / ``self.random`` (None: fresh entropy).
        **overrides: scenario parameters by dotted or ``__`` path (as for :class:`~aicontagion.Sim`).
    """

    def __init__(
        self,
        scenario: Any = "ai_2025",
        productivity: str | PathSpec | Mapping | None = None,
        policies: Iterable = (),
        channels: Channels | Mapping | None = None,
        months: int | None = None,
        check_invariants: bool = False,
        record_institutions: bool | None = None,
        collect: bool = True,
        seed=None,
        **overrides: Any,
    ):
        super().__init__(seed=seed)
        spec, system = scenario_spec(scenario, overrides)
        system = system.copy() if system is not None else build_system(spec)
        self.spec = spec
        self.channels = _channels(spec.channels, channels)
        self.check_invariants = check_invariants
        self.months = months
        self.policies = list(policies)
        path, path_name = _path(spec, productivity)
        self.state = state = opening_state(system, spec, path, path_name, self.rng, self.channels)
        markets = state.markets
        markets.switch_off(price_impact=self.channels.price_impact, appraisal_lag=self.channels.appraisal_lag)
        if not self.channels.fund_leverage:
            close_fund_bank_lines(state)  # every equity unchanged; assets and debt shrink
            state.snapshot.assets = state.books.assets(state.contracts, markets.marked_price)
            state.snapshot.debt = state.books.borrowings(state.contracts)
            state.snapshot.assets0 = state.snapshot.assets.copy()

        self.institutions = [
            AGENT_CLASSES[Kind(int(k))](self, r, system.ids[r], system.names[r]) for r, k in enumerate(system.kind)
        ]
        if record_institutions is None:
            record_institutions = state.n <= 500
        self.recorder = Recorder(state, record_institutions)
        state.operations.strategic_value, state.operations.valued_at_signing = strategic_value(state)
        for p in self.policies:
            p.initialize(state)
        self._check("start")
        self.recorder.collect()
        self.datacollector = (
            mesa.DataCollector(model_reporters={k: partial(latest_system_value, metric=k) for k in MODEL_REPORTERS})
            if collect
            else None
        )
        if self.datacollector is not None:
            self.datacollector.collect(self)
        self.running = True

    # -- views ---------------------------------------------------------------------------------------
    @property
    def month(self) -> int:
        """Months completed minus one (-1 before the first step)."""
        return self.state.month

    @property
    def date(self) -> pd.Period:
        """Calendar month just completed."""
        return self.state.date

    @property
    def events(self) -> list[dict]:
        """The event log's rows (see :mod:`aicontagion.core.events`)."""
        return self.state.events.rows

    @property
    def fiscal_cost(self) -> float:
        """The government's loss so far (USD bn)."""
        return fiscal_cost(self.state)

    def _check(self, stage: str) -> None:
        if self.check_invariants:
            check_books(self.state, stage, estates=True)

    def _policies(self, hook: str, *args) -> None:
        for p in self.policies:
            if hook == "apply" and not p.active(self.state):
                continue
            getattr(p, hook)(self.state, *args)

    # -- the cycle -----------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the system by one month: run :data:`STAGES` in order."""
        state = self.state
        state.month += 1
        state.step = self.steps
        state.events.tick(self.steps, state.date)
        for stage in STAGES:
            getattr(self, stage.method)()
        if self.months is not None and state.month + 1 >= self.months:
            self.running = False

    def stage_demand(self) -> None:
        """1. AI revenue, expectations, compute and rents; fundamental prices re-marked."""
        s = self.state
        outside_capex = outside_capex_month(s, s.month)
        s.ai.demand_state = s.ai.demand.advance(s.month, s.operations.capex_spent + outside_capex)
        s.ai.sentiment_history.append(s.ai.sentiment_ratio)
        s.markets.relax(s.books, s.contracts)
        s.markets.update_fundamentals(
            s.ai.equity_ratio,
            s.ai.demand_state.rent_index,
            self._spread_change_by_class(),
            s.books,
            s.contracts,
            s.month,
        )
        self._check("demand")

    def _spread_change_by_class(self) -> np.ndarray:
        """Principal-weighted change in the spreads of each class's live issuers since the start."""
        s = self.state
        c = s.contracts
        k = len(s.markets.names)
        rows = (c.is_debt & (c.market >= 0) & (c.obligor >= 0) & (c.principal > 0)).nonzero()[0]
        rows = rows[s.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED]
        change = (s.credit.spread - s.credit.spread0)[c.obligor[rows]]
        w = c.principal[rows]
        num = np.bincount(c.market[rows], weights=w * change, minlength=k)
        den = np.bincount(c.market[rows], weights=w, minlength=k)
        change = np.where(den > 0, ratio(num, den), s.credit.last_spread_change)  # no live issuer: as before
        s.credit.last_spread_change = change
        sovereign = [a for a, drv in enumerate(s.markets.driver) if drv == "sovereign"]
        if sovereign:  # government bonds: the Treasury yield's rise from the debt the run issued
            change = change.copy()
            change[sovereign] = sovereign_spread(s)
        return change

    def stage_income(self) -> None:
        """2. Operating flows booked; obligations due this month built."""
        s = self.state
        pnl_before = s.books.pnl[:, [Channel.OPERATING, Channel.INTEREST]].sum(axis=1)
        obl = operate(s)
        s.dues.due_now, s.dues.due_binding_income = obl.dues(s.n)
        s.dues.income_parts = obl.parts
        s.dues.monthly_outflow = s.dues.due_now.copy()
        s.dues.income_mark = pnl_before
        self._obligations = obl
        self._check("income")

    def stage_decide(self) -> None:
        """3. Every kind decides from the same snapshot; policies act; decisions are applied."""
        s = self.state
        s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)
        s.snapshot.debt = s.books.borrowings(s.contracts)
        s.operations.capex_wanted = np.zeros(s.n)
        self._willingness()
        decisions = Decisions(obligations=self._obligations)
        for kind, cls in AGENT_CLASSES.items():
            rows = s.registry.members[kind]
            rows = rows[s.lifecycle.status[rows] != Status.DEFAULTED]
            if rows.size:
                cls.decide(s, rows, decisions)
        self._policies("apply", decisions)
        if s.spec.events:  # the scenario's scheduled lease exits (mechanisms/lease_events.py)
            scheduled_exits(s, decisions)
        fund_government(s)
        apply_decisions(s, decisions)
        # all binding dues (the income stage's and the fees, calls and draws decided since)
        s.dues.due_binding = s.dues.due_binding_income + decisions.obligations.dues(s.n, s.dues.income_parts)[1]
        if s.channels.fire_sales:
            liquidity_sales(s)
        self._check("decide")

    def _willingness(self) -> None:
        s = self.state
        alive = s.lifecycle.status != Status.DEFAULTED
        s.lending.lender_ok = alive.copy()
        s.lending.holder_ok = alive.copy()
        for cls in (PrivateCreditFund, Bank, MoneyMarketFund):
            rows = s.registry.members[cls.kind]
            s.lending.lender_ok[rows] = cls.willing_lender(s, rows)
        chips = s.registry.members[Kind.CHIP_SUPPLIER]
        willing = ChipSupplier.willing(s, chips)
        s.lending.holder_ok[chips] = willing
        s.lending.lender_ok[chips] = willing
        s.lending.was_willing_next = s.lending.holder_ok.copy()

    def stage_clear(self) -> None:
        """4. Clear the month's payments together; resolve defaults until no new one."""
        s = self.state
        obligations: Obligations = self._obligations
        arr = obligations.arrays()
        liquid = np.where(s.lifecycle.status != Status.DEFAULTED, np.maximum(s.books.cash, 0.0), 0.0)
        res = clear_obligations(arr["obligor"], arr["creditor"], arr["due"], arr["priority"], liquid)
        if not res.converged:
            warnings.warn(f"month {s.month}: payment clearing did not converge", RuntimeWarning, stacklevel=2)
        gpu = s.registry.gpu_class
        gpu_price = s.markets.marked_price[gpu] if gpu >= 0 else 1.0
        settle(
            s.books, s.contracts, arr, res.paid, gpu, gpu_price, s.system.flows["gross_margin"], s.operations.gpu_new
        )
        capex = arr["priority"] == DISCRETIONARY_TIER
        bought = (arr["purpose"] == Purpose.CAPEX_GPU) | (arr["purpose"] == Purpose.CAPEX_BUILD)
        s.operations.capex_spent = float(res.paid[bought].sum())  # draws share the tier but are not capex
        capex_returns.add_paid(s, arr["obligor"][bought], res.paid[bought])
        s.operations.capex_spent += built_this_month(s)  # buildings paid by build-out SPVs
        short = arr["due"] - res.paid
        binding = (~capex) & (arr["obligor"] >= 0)
        shortfall = np.bincount(arr["obligor"][binding], weights=short[binding], minlength=s.n)
        income_now = s.books.pnl[:, [Channel.OPERATING, Channel.INTEREST]].sum(axis=1)
        s.operations.last_income = income_now - s.dues.income_mark
        illiquid = shortfall > 1e-9 * np.maximum(1.0, s.dues.due_now)
        self._check("clear")
        resolve_defaults(s, illiquid, "could not pay", self._check)

    def stage_deleverage(self) -> None:
        """5. Constraint-driven sales, cleared simultaneously in rounds until quiet; then the
        long-horizon LPs rebalance toward their strategic weights (mechanisms/rebalancing.py)."""
        s = self.state
        if s.channels.fire_sales:
            self._forced_sales()
        if rebalance(s):
            self._check("rebalance")
            resolve_defaults(s, np.zeros(s.n, dtype=bool), "fire sale", self._check)
            s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)

    def _forced_sales(self) -> None:
        s = self.state
        for _ in range(MAX_ROUNDS):
            s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)
            orders = SaleOrders(s)
            for kind, cls in AGENT_CLASSES.items():
                if cls is PensionLP and not s.channels.lp_sales:
                    continue
                rows = s.registry.members[kind]
                rows = rows[s.lifecycle.status[rows] != Status.DEFAULTED]
                for con in getattr(cls, "constraints", ()):
                    if rows.size:
                        con.orders(s, rows, orders)
            if orders.empty:
                break
            sell_round(s, orders)
            self._check("deleverage")
            resolve_defaults(s, np.zeros(s.n, dtype=bool), "fire sale", self._check)
        else:  # the last round sold: re-mark (a quiet round has just marked what nothing has moved since)
            s.snapshot.assets = s.books.assets(s.contracts, s.markets.marked_price)
        funds = s.registry.members[Kind.PRIVATE_CREDIT_FUND]
        funds = funds[s.lifecycle.status[funds] != Status.DEFAULTED]
        resolve_defaults(s, uncured_breaches(s, funds), "covenant breach not cured", self._check)

    def stage_fund(self) -> None:
        """6. Distress, credit marks, stake values, spreads; rollover and runs for next month."""
        s = self.state
        s.lifecycle.distress_prev = s.lifecycle.distress.copy()
        credit.update_distress(s)
        credit.update_causes(s)
        credit.update_credit_marks(s)
        credit.remark_stakes(s)
        credit.update_distress(s)  # again: stake values moved with the marks
        credit.update_spreads(s)
        self._policies("adjust_funding")
        s.snapshot.debt = s.books.borrowings(s.contracts)
        self._willingness()
        substeps = s.spec.funding.liquidity_substeps
        if substeps > 1:  # runs, hoarding and margin calls on a finer clock (weeks with 4)
            run_substeps(s, substeps, partial(self._policies, "liquidity_substep"), self._check)
        funding.rollover(s, runs_done=substeps > 1)
        funding.margin_calls(s)
        self._check("fund")
        resolve_defaults(s, np.zeros(s.n, dtype=bool), "equity below zero", self._check)

    def stage_record(self) -> None:
        """7. Policies' end-of-month hook; the month's series and the DataCollector row."""
        self._policies("after_step")
        self.recorder.collect()
        if self.datacollector is not None:
            self.datacollector.collect(self)

    # -- running -------------------------------------------------------------------------------------
    def close(self) -> None:
        """Release Mesa's class-level record of this model's agent ids (Mesa 3.3 keeps every model
        alive through it, so long sweeps in one process would otherwise grow without bound). The
        model's state stays readable."""
        mesa.Agent._ids.pop(self, None)

    def finalize(self) -> None:
        """Call the policies' ``finalize`` hook (once, at the end of a run)."""
        for p in self.policies:
            p.finalize(self.state)

    def run(self, months: int) -> ContagionModel:
        """Run ``months`` steps and finalise policies; returns self."""
        for _ in range(months):
            self.step()
        self.finalize()
        self.close()
        return self


def _path(spec: ScenarioSpec, productivity) -> tuple[PathSpec, str]:
    if productivity is None:
        productivity = spec.productivity.default
    if isinstance(productivity, Mapping):
        productivity = PathSpec(**productivity)
    if isinstance(productivity, str):
        if productivity not in spec.productivity.paths:
            known = ", ".join(spec.productivity.paths)
            raise ScenarioError(
                spec.source, "productivity", f"unknown path {productivity!r} (expected one of: {known})"
            )
        return spec.productivity.paths[productivity], productivity
    return productivity, "custom"


def _channels(base: Channels, given: Channels | Mapping | None) -> Channels:
    if given is None:
        return base
    if isinstance(given, Channels):
        return given
    return Channels.model_validate(base.model_dump() | dict(given))


def latest_system_value(model: ContagionModel, metric: str) -> float:
    """A DataCollector model reporter (bound to ``metric`` with :func:`functools.partial`): this
    month's value of a recorded system series."""
    return model.recorder.latest(metric)
