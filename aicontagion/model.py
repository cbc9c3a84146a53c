"""ContagionModel: the monthly cycle of the AI-infrastructure finance system (a Mesa 3 model).

One step is one month. Each step runs seven stages (DESIGN.md, 'The step cycle'):

1. **demand**   AI end revenue, expectations, compute, GPU rents; fundamental prices re-marked.
2. **income**   operating flows booked; the month's obligations built (:mod:`~aicontagion.mechanisms.income`).
3. **decide**   every kind records its decisions from the same snapshot (strategic defaults,
   capex, draws, calls, raises, line cuts, distributions) and policies act; then all are applied.
4. **clear**    payments cleared together (:func:`~aicontagion.network.clearing.clear_obligations`,
   greatest clearing vector, priority tiers); defaults resolved (:mod:`~aicontagion.mechanisms.resolution`),
   repeated while resolution losses push further institutions below zero equity.
5. **deleverage** constraints (leverage, covenants, rating floors, liquidity, allocation) order
   sales; each round clears simultaneously with price impact and marks every holder; repeat
   until quiet, resolving any new insolvencies.
6. **fund**     distress, credit marks, stake values, spreads; bullet debt maturing next month rolls
   or falls due; short-term lenders run from distressed borrowers (:mod:`~aicontagion.mechanisms.funding`).
7. **record**   the month's metrics and events (:mod:`~aicontagion.results.recorder`).

Results do not depend on agent order: decisions are vectorised per kind and applied after all
kinds decided; payments and sales clear simultaneously. All randomness comes from ``self.rng``.
"""

from __future__ import annotations

import warnings

import mesa
import numpy as np
import pandas as pd

from aicontagion.agents import AGENT_CLASSES, ChipSupplier, Decisions, MoneyMarketFund, PrivateCreditFund
from aicontagion.agents.bank import Bank
from aicontagion.core.books import Channel
from aicontagion.core.calendar import month_index
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.core.obligations import DISCRETIONARY_TIER, Obligations, Purpose
from aicontagion.mechanisms import funding
from aicontagion.mechanisms.actions import apply_decisions
from aicontagion.mechanisms.ai_revenue import Demand
from aicontagion.mechanisms.fire_sales import deleverage, liquidity_sales
from aicontagion.mechanisms.income import capex_growth_factor, operate, relet_eligible
from aicontagion.mechanisms.markets import Markets
from aicontagion.mechanisms.resolution import resolve
from aicontagion.mechanisms.settlement import settle
from aicontagion.mechanisms.strategic_default import strategic_value
from aicontagion.network.contracts import EXTERNAL
from aicontagion.network.obligation_clearing import clear_obligations
from aicontagion.results.recorder import Recorder
from aicontagion.scenarios.build import System
from aicontagion.scenarios.schema import PathSpec

TOL = 1e-9


class ContagionModel(mesa.Model):
    """The exposure network of a :class:`~aicontagion.scenarios.build.System` run month by month.

    Args:
        system: the scenario's arrays (the model takes ownership; pass a copy to reuse it).
        path: the AI-productivity path (a :class:`PathSpec` or the name of one in the scenario).
        policies: interventions with ``initialize(model)``, ``apply(model)``, ``finalize(model)``.
        check_invariants: verify after every stage that every balance sheet balances and money
            is conserved (slower; the tests turn it on).
        record_institutions: record per-institution series (default: when at most 500).
        seed: seed of ``self.rng`` / ``self.random`` (None: fresh entropy).
    """

    def __init__(
        self,
        system: System,
        path: PathSpec | str | None = None,
        policies=(),
        check_invariants: bool = False,
        record_institutions: bool | None = None,
        seed=None,
    ):
        super().__init__(seed=seed)
        self.system = system
        self.scenario = spec = system.spec
        self.books = system.books
        self.contracts = system.contracts
        self.n = system.n
        self.ids = system.ids
        self.kind = system.kind
        self.params = system.params
        self.treasury_rate = spec.treasury_rate
        self.check_invariants = check_invariants
        self.month = -1
        self.start = pd.Period(spec.start, freq="M")
        self.capex_peak_month = month_index(spec.compute.capex_peak, spec.start)

        if path is None:
            path = spec.productivity.default
        self.path_name = path if isinstance(path, str) else "custom"
        self.path = spec.productivity.paths[path] if isinstance(path, str) else path
        self.markets = Markets(list(spec.markets), list(spec.markets.values()), spec.start)
        self.gpu_class = self.markets.index.get("gpu", -1)
        opening_capex = float(system.flows["capex"].sum()) + spec.compute.outside_capex / 12.0
        self.demand = Demand(spec.productivity, spec.compute, self.path, spec.start, self.rng, opening_capex)
        self.demand_state = self.demand.state
        self.sentiment0 = max(self.demand_state.sentiment, 1e-9)
        self.sentiment_history: list[float] = []  # sentiment ratio by month

        n = self.n
        self.status = np.full(n, Status.ACTIVE, dtype=np.int8)
        self.distress = np.zeros(n)
        self.distress_prev = np.zeros(n)
        self.equity0 = self.books.equity.copy()
        self.assets = self.books.assets(self.contracts, self.markets.marked_price)
        self.assets0 = self.assets.copy()
        self.debt = self.books.liabilities(self.contracts)  # refreshed where decisions read it
        self.franchise0 = self.books.franchise.copy()
        self.gpu_opening = self.books.holdings[:, self.gpu_class].copy() if self.gpu_class >= 0 else np.zeros(n)
        self.gpu_new = np.zeros(n)  # GPU units bought during the run (still in service)
        self.spot_capacity = np.zeros(n)  # USD bn/month of spot GPU rental capacity (operations.spot_capacity)
        self.relet = np.zeros(n)  # USD bn/month of vacated capacity re-let at market rents (at contract rents)
        self.spread0 = system.flows["spread"].copy()
        self.spread = self.spread0.copy()
        self.reputation_penalty = np.zeros(n)
        self.reputation_until = np.full(n, -1)
        self.investment_multiplier = np.ones(n)
        self.capex_plan = system.flows["capex"].copy()
        self.capex_wanted = np.zeros(n)
        self.due_now = np.zeros(n)
        self.monthly_outflow = np.zeros(n)
        self.monthly_inflow = np.zeros(n)
        self.last_income = np.zeros(n)
        self.lender_ok = np.ones(n, dtype=bool)
        self.holder_ok = np.ones(n, dtype=bool)
        self.was_willing = np.ones(n, dtype=bool)
        self.capex_spent = 0.0
        self.outside_revenue = 0.0
        self.always_rolls = np.zeros(n, dtype=bool)  # debt markets believe it is backed (a guarantee)
        self._last_spread_change = np.zeros(len(spec.markets))
        self.rate_cover: dict[int, float] = {}  # contract row -> share priced at the Treasury rate (guaranteed)
        self.default_month = np.full(n, -1)
        self.cause = np.full(n, int(Channel.COUNTERPARTY), dtype=np.int64)  # label of losses on claims on each
        self.funding_hint = np.zeros(n, dtype=bool)  # faced a run or rollover failure
        self.events: list[dict] = []
        self._kind_label = [Kind(int(k)).label for k in self.kind]
        self._event_month, self._event_date = None, None
        sellers = system.members(Kind.CHIP_SUPPLIER)
        self.chip_sellers = sellers[system.flows["gpu_market_share"][sellers] > 0]
        self.members = {k: system.members(k) for k in Kind}
        self.nav_measured = np.isin(self.kind, funding.NAV_KINDS)  # distress on performance, not capital flows

        self.institutions = [
            AGENT_CLASSES[Kind(int(k))](self, r, system.ids[r], system.names[r]) for r, k in enumerate(self.kind)
        ]
        if record_institutions is None:
            record_institutions = n <= 500
        self.recorder = Recorder(self, record_institutions)
        self.strategic_value, self.valued_at_signing = strategic_value(self)
        self.policies = list(policies)
        for p in self.policies:
            p.initialize(self)
        self._check("start")
        self.recorder.collect()

    # -- helpers -------------------------------------------------------------------------------------
    @property
    def fiscal_cost(self) -> float:
        """The government's loss so far (USD bn): the fall of its equity since the start (guarantee
        payouts, written-off rescue loans, the fall in value of stakes bought in bailouts)."""
        gov = self.members[Kind.GOVERNMENT]
        return float((self.equity0[gov] - self.books.equity[gov]).sum())

    def fund_government_for(self, amount: float) -> None:
        """Make sure the government has ``amount`` of cash, issuing Treasury debt for the rest."""
        gov = self.members[Kind.GOVERNMENT][:1]
        short = max(amount - float(self.books.cash[gov].sum()), 0.0)
        if short > 0:
            self.books.transfer(EXTERNAL, gov, short, "treasury_issuance")
            self.books.ext_liab[gov] += short

    def fund_government(self) -> None:
        """The government never runs out of cash: it covers a shortfall by issuing Treasury debt to
        outside investors (a liability, no loss)."""
        gov = self.members[Kind.GOVERNMENT]
        short = np.maximum(-self.books.cash[gov], 0.0)
        if short.any():
            self.books.transfer(EXTERNAL, gov, short, "treasury_issuance")
            self.books.ext_liab[gov] += short

    @property
    def date(self) -> pd.Period:
        """Calendar month just completed (the opening record is dated the month before the start)."""
        return self.start + self.month

    @property
    def sentiment_ratio(self) -> float:
        """AI sentiment relative to the start."""
        return self.demand_state.sentiment / self.sentiment0

    @property
    def committed_sentiment_ratio(self) -> float:
        """Sentiment relative to the start as of ``capex_lag_months`` ago: capex spent now was
        committed then (chip orders, construction contracts)."""
        lag = self.scenario.compute.capex_lag_months
        h = self.sentiment_history
        return h[-1 - lag] if len(h) > lag else 1.0

    @property
    def sentiment_capex_response(self) -> float:
        """How outside builders scale capex with (committed) sentiment, clipped to [0, 2]."""
        return float(np.clip(self.committed_sentiment_ratio, 0.0, 2.0))

    @property
    def usage(self) -> float:
        """Share of contracted compute customers use: utilisation relative to the start, at most 1."""
        return float(min(1.0, self.demand_state.utilisation / self.scenario.compute.initial_utilisation))

    def traded_claims_of(self, who: int) -> np.ndarray:
        """Debt rows held by ``who`` that trade in a market."""
        c = self.contracts
        return np.flatnonzero((c.creditor == who) & c.is_debt & (c.market >= 0) & (c.principal > 0))

    def add_reputation_penalty(self, who: int, spread: float, years: float) -> None:
        """Raise ``who``'s spread by ``spread`` for ``years`` (after walking away from a contract)."""
        self.reputation_penalty[who] += spread
        self.reputation_until[who] = self.month + int(round(years * 12))

    def record_event(self, who: int, event: str, amount: float, cause: str) -> None:
        """Append one row to the event log (amount in USD bn)."""
        if self._event_month != self.month:
            self._event_month, self._event_date = self.month, self.date.to_timestamp()
        self.events.append(
            {
                "step": self.steps,
                "date": self._event_date,
                "institution": self.ids[who] if who >= 0 else "outside",
                "kind": self._kind_label[who] if who >= 0 else "outside",
                "event": event,
                "amount": float(amount),
                "cause": cause,
            }
        )

    def _check(self, stage: str) -> None:
        if not self.check_invariants:
            return
        gap = self.books.imbalance(self.contracts, self.markets.marked_price)
        scale = 1e-7 * max(1.0, float(np.abs(self.books.equity).max()))
        if np.abs(gap).max() > scale:
            worst = int(np.abs(gap).argmax())
            raise AssertionError(
                f"month {self.month} after {stage}: {self.ids[worst]} out of balance by {gap[worst]:.3g}"
            )
        drift = self.books.money_drift()
        if abs(drift) > 1e-7 * max(1.0, abs(self.books.cash_at_start)):
            raise AssertionError(f"month {self.month} after {stage}: money not conserved (drift {drift:.3g})")

    # -- the cycle -----------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance the system by one month."""
        self.month += 1
        self.stage_demand()
        obligations = self.stage_income()
        self.stage_decide(obligations)
        self.stage_clear(obligations)
        self.stage_deleverage()
        self.stage_fund()
        for p in self.policies:
            p.after_step(self)
        self.recorder.collect()

    def stage_demand(self) -> None:
        """1. AI revenue, expectations, compute and rents; fundamental prices re-marked."""
        self.demand_state = self.demand.advance(self.month, self.capex_spent + self._outside_capex())
        self.sentiment_history.append(self.sentiment_ratio)
        self.markets.relax(self.books, self.contracts)
        self.markets.update_fundamentals(
            self.sentiment_ratio,
            self.demand_state.rent_index,
            self._spread_change_by_class(),
            self.books,
            self.contracts,
            self.month,
        )
        self._check("demand")

    def _spread_change_by_class(self) -> np.ndarray:
        """Principal-weighted change in the spreads of each class's live issuers since the start."""
        c = self.contracts
        k = len(self.markets.names)
        rows = np.flatnonzero(c.is_debt & (c.market >= 0) & (c.obligor >= 0) & (c.principal > 0))
        rows = rows[self.status[c.obligor[rows]] != Status.DEFAULTED]
        change = (self.spread - self.spread0)[c.obligor[rows]]
        w = c.principal[rows]
        num = np.bincount(c.market[rows], weights=w * change, minlength=k)
        den = np.bincount(c.market[rows], weights=w, minlength=k)
        change = np.where(den > 0, ratio(num, den), self._last_spread_change)  # no live issuer: as before
        self._last_spread_change = change
        return change

    def _outside_capex(self) -> float:
        cpt = self.scenario.compute
        return cpt.outside_capex / 12.0 * capex_growth_factor(self, self.month) * self.sentiment_capex_response

    def stage_income(self) -> Obligations:
        """2. Operating flows booked; obligations due this month built."""
        pnl_before = self.books.pnl[:, [Channel.OPERATING, Channel.INTEREST]].sum(axis=1)
        obl = operate(self)
        self.due_now, self._due_binding_income = obl.dues(self.n)
        self._income_parts = obl.parts
        self.monthly_outflow = self.due_now.copy()
        self._income_mark = pnl_before
        self._check("income")
        return obl

    def stage_decide(self, obligations: Obligations) -> None:
        """3. Every kind decides from the same snapshot; policies act; decisions are applied."""
        self.assets = self.books.assets(self.contracts, self.markets.marked_price)
        self.debt = self.books.liabilities(self.contracts)
        self.capex_wanted = np.zeros(self.n)
        self._willingness()
        decisions = Decisions(obligations=obligations)
        for kind, cls in AGENT_CLASSES.items():
            rows = self.members[kind]
            rows = rows[self.status[rows] != Status.DEFAULTED]
            if rows.size:
                cls.decide(self, rows, decisions)
        for p in self.policies:
            if p.active(self):
                p.apply(self, decisions)
        self.fund_government()
        apply_decisions(self, decisions)
        # all binding dues (the income stage's and the fees, calls and draws decided since)
        self.due_binding = self._due_binding_income + decisions.obligations.dues(self.n, self._income_parts)[1]
        liquidity_sales(self)
        self._check("decide")

    def _willingness(self) -> None:
        alive = self.status != Status.DEFAULTED
        self.lender_ok = alive.copy()
        self.holder_ok = alive.copy()
        for cls in (PrivateCreditFund, Bank, MoneyMarketFund):
            rows = self.members[cls.kind]
            self.lender_ok[rows] = cls.willing_lender(self, rows)
        chips = self.members[Kind.CHIP_SUPPLIER]
        willing = ChipSupplier.willing(self, chips)
        self.holder_ok[chips] = willing
        self.lender_ok[chips] = willing
        self.was_willing_next = self.holder_ok.copy()

    def stage_clear(self, obligations: Obligations) -> None:
        """4. Clear the month's payments together; resolve defaults until no new one."""
        arr = obligations.arrays()
        liquid = np.where(self.status != Status.DEFAULTED, np.maximum(self.books.cash, 0.0), 0.0)
        res = clear_obligations(arr["obligor"], arr["creditor"], arr["due"], arr["priority"], liquid)
        if not res.converged:
            warnings.warn(f"month {self.month}: payment clearing did not converge", RuntimeWarning, stacklevel=2)
        gpu_price = self.markets.marked_price[self.gpu_class] if self.gpu_class >= 0 else 1.0
        settle(
            self.books,
            self.contracts,
            arr,
            res.paid,
            self.gpu_class,
            gpu_price,
            self.system.flows["gross_margin"],
            self.gpu_new,
        )
        capex = arr["priority"] == DISCRETIONARY_TIER
        bought = np.isin(arr["purpose"], [int(Purpose.CAPEX_GPU), int(Purpose.CAPEX_BUILD)])
        self.capex_spent = float(res.paid[bought].sum())  # draws share the tier but are not capex
        short = arr["due"] - res.paid
        binding = (~capex) & (arr["obligor"] >= 0)
        shortfall = np.bincount(arr["obligor"][binding], weights=short[binding], minlength=self.n)
        self.last_income = self.books.pnl[:, [Channel.OPERATING, Channel.INTEREST]].sum(axis=1) - self._income_mark
        illiquid = shortfall > TOL * np.maximum(1.0, self.due_now)
        self._check("clear")
        self._resolve_defaults(illiquid, "could not pay")

    def _resolve_defaults(self, illiquid: np.ndarray, reason: str) -> None:
        """Resolve institutions that could not pay or whose equity is below zero; cascade."""
        candidates = illiquid.copy()
        for _ in range(self.n + 1):
            alive = self.status != Status.DEFAULTED
            insolvent = self.books.equity < -TOL * np.maximum(1.0, np.abs(self.equity0))
            new = np.flatnonzero(alive & (candidates | insolvent) & (self.kind != Kind.GOVERNMENT))
            if new.size == 0:
                return
            owed = self.books.liabilities(self.contracts)  # once per round, not once per defaulter
            for i in new:
                why = reason if candidates[i] else "equity below zero"
                src = self._loss_source.get(int(i)) if hasattr(self, "_loss_source") else None
                self.record_event(
                    int(i),
                    "default",
                    float(owed[i]),
                    f"{why}" + (f" (largest loss: {src})" if src else ""),
                )
            self.status[new] = Status.DEFAULTED
            self.default_month[new] = self.month
            rules = self.scenario.resolution
            funding.update_causes(self)
            result = resolve(
                self.books,
                self.contracts,
                self.markets,
                new,
                self.month,
                rules,
                self.demand_state.rent_index,
                self.cause,
            )
            self._loss_source = {int(k): self.ids[int(v)] for k, v in enumerate(result.loss_source) if v >= 0}
            vac = result.vacated
            vac = vac[(self.contracts.creditor[vac] >= 0) & relet_eligible(self.contracts, vac)]
            np.add.at(self.relet, self.contracts.creditor[vac], self.contracts.payment[vac])
            funding.remark_stakes(self)
            self.fund_government()
            self._check("resolution")
            candidates = np.zeros(self.n, dtype=bool)

    def stage_deleverage(self) -> None:
        """5. Constraint-driven sales, cleared simultaneously in rounds until quiet."""
        deleverage(self)

    def stage_fund(self) -> None:
        """6. Distress, credit marks, stake values, spreads; rollover and runs for next month."""
        self.distress_prev = self.distress.copy()
        funding.update_distress(self)
        funding.update_causes(self)
        funding.update_credit_marks(self)
        funding.remark_stakes(self)
        funding.update_distress(self)
        funding.update_spreads(self)
        for p in self.policies:
            p.adjust_funding(self)
        self.debt = self.books.liabilities(self.contracts)
        self._willingness()
        funding.rollover(self)
        funding.margin_calls(self)
        self._check("fund")
        self._resolve_defaults(np.zeros(self.n, dtype=bool), "equity below zero")

    def close(self) -> None:
        """Release Mesa's class-level record of this model's agent ids (Mesa 3.3 keeps every model
        alive through it, so long sweeps in one process would otherwise grow without bound). The
        model's state stays readable."""
        mesa.Agent._ids.pop(self, None)

    def run(self, months: int) -> ContagionModel:
        """Run ``months`` steps and finalise policies; returns self."""
        for _ in range(months):
            self.step()
        for p in self.policies:
            p.finalize(self)
        self.close()
        return self
