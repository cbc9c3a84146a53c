"""A crisis measured at the intermediaries, with mark-to-market wealth losses reported apart.

A run is a **crisis** in the first month in which any of these holds (:data:`CRISIS_DEFINITION`):

1. a bank's capital falls below the requirement (equity / assets < :data:`CAPITAL_REQUIREMENT`,
   the Basel III minimum leverage ratio), or a bank fails;
2. a pension fund or insurer has a funding gap (assets below its liabilities: equity below
   zero), or fails;
3. a fund gates materially: a private-credit fund's gate holds back redemptions of at least
   :data:`GATE_MATERIALITY` of its opening NAV in a month (a gate that holds back less, a queue
   of a few basis points of NAV, is reported as ``fund_gates`` but is not a crisis), or a
   money-market fund breaks the buck (or either fails);
4. an intermediary's credit losses (write-downs on claims, net of guarantee payments received)
   reach :data:`CREDIT_LOSS_SHARE` of its opening equity (a fund's NAV).

A bank that opens below the requirement (a 2008 dealer at 31:1) counts once it is below both the
requirement and its own opening ratio.

Intermediaries are banks, private-credit funds, money-market funds and pensions / insurers / ETFs.
The fall in market value of AI equity and other marked assets (``wealth_loss``: the market and
fire-sale channels of the final-bearer losses, whoever bears them) is **not** part of the definition: a guarantee of
debt cannot move it, and counting it made the old crisis flag blind to policy. It is reported
separately, beside the intermediaries' losses in the crisis channels (``intermediary_loss``:
credit losses, fire-sale discounts and funding-stress costs).

Each condition is also reported on its own (``crisis_bank_capital``, ``crisis_pension_gap``,
``crisis_fund_gate``, ``crisis_credit_loss``; :data:`COMPONENTS`), so a table can show which one
drives p(crisis).

The monthly series (:func:`crisis_values`, recorded as system series) let :func:`crisis_summary`
date the crisis and read the size of the guaranteed book when it began; the summary also gives
the capacity the state owns at the end (``state_owned_capacity``, USD bn of facilities of
government-kind rows: a state company that leases buildings) and the repo its bondholders raised
on its bonds (``agency_repo``, USD bn, cumulative).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.network.contracts import ContractType

CAPITAL_REQUIREMENT = 0.03
"""Minimum bank equity / assets: the Basel III leverage ratio (CAL "Sovereign and bank capital" /
Basel III leverage ratio)."""
CREDIT_LOSS_SHARE = 0.1
"""An intermediary's credit losses, as a share of its opening equity, that make a crisis (assumed;
range 0.05-0.25)."""
GATE_MATERIALITY = 0.01
"""Redemptions a private-credit fund's gate holds back in one month, as a share of its opening NAV,
that make the gate a crisis (assumed; range 0.005-0.05: from half a percent of NAV, about a third
of a month's tender cap at 5% a quarter, to a full quarter's cap)."""
INTERMEDIARIES = (Kind.BANK, Kind.PRIVATE_CREDIT_FUND, Kind.MONEY_MARKET_FUND, Kind.PENSION_LP)
GATE_EVENTS = ("gate", "broke_the_buck")
COMPONENTS = ("bank_capital", "pension_gap", "fund_gate", "credit_loss")
"""The crisis conditions reported one by one (``crisis_<component>`` in a run's summary)."""
CREDIT_CHANNELS = (Channel.COUNTERPARTY, Channel.STRATEGIC_DEFAULT, Channel.RESOLUTION, Channel.GUARANTEE)
WEALTH_CHANNELS = ("market", "fire_sale")

CRISIS_DEFINITION = (
    f"crisis = a bank below {CAPITAL_REQUIREMENT:.0%} equity/assets or failed, a pension/insurer "
    f"funding gap or failure, a material fund gate (a private-credit gate holding back >= "
    f"{GATE_MATERIALITY:.0%} of the fund's opening NAV in a month, a money-market fund breaking the buck, "
    f"or either failing), or an intermediary's credit losses >= {CREDIT_LOSS_SHARE:.0%} of its opening equity; "
    "mark-to-market wealth losses are reported separately"
)
"""The definition in one line, printed under every table that uses it."""

SERIES = (
    "intermediaries_below_requirement",
    "intermediary_capital_shortfall",
    "intermediary_credit_loss",
    "intermediaries_credit_hit",
    "guaranteed_book",
    "banks_below_requirement",
    "pensions_funding_gap",
    "funds_failed",
)
"""The system series :func:`crisis_values` adds each month (counts and USD bn)."""


_IS_INTERMEDIARY = np.isin(np.arange(len(Kind)), [int(k) for k in INTERMEDIARIES])


def _intermediary(state) -> np.ndarray:
    return _IS_INTERMEDIARY[state.registry.kind]


def capital_shortfalls(state, assets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per institution: capital shortfall (USD bn) and whether it is below its requirement.

    Banks: ``max(CAPITAL_REQUIREMENT x assets - equity, 0)``; pensions and insurers: their funding
    gap ``max(-equity, 0)``; a failed bank or pension counts as below. Other kinds: zero.
    ``assets``: the books' assets at marks, if the caller has them already.
    """
    kind = state.registry.kind
    if assets is None:
        assets = state.books.assets(state.contracts, state.markets.marked_price)
    equity = state.books.equity
    dead = state.lifecycle.status == Status.DEFAULTED
    bank, pension = kind == Kind.BANK, kind == Kind.PENSION_LP
    opening = np.divide(
        state.snapshot.equity0, state.snapshot.assets0, out=np.ones(state.n), where=state.snapshot.assets0 > 0
    )
    required = np.minimum(CAPITAL_REQUIREMENT, opening)
    short = np.where(bank & ~dead, np.maximum(required * assets - equity, 0.0), 0.0)
    short += np.where(pension & ~dead, np.maximum(-equity, 0.0), 0.0)
    below = ((bank | pension) & (dead | (short > 1e-9))) | (_intermediary(state) & dead)
    return short, below


def credit_losses(state) -> np.ndarray:
    """Each intermediary's credit loss to date (USD bn): write-downs on claims, losses when
    customers walked away and in resolution, net of guarantee payments received (floored at 0)."""
    pnl = state.books.pnl[:, [int(c) for c in CREDIT_CHANNELS]].sum(axis=1)
    return np.where(_intermediary(state), np.maximum(-pnl, 0.0), 0.0)


def intermediary_losses(state) -> np.ndarray:
    """Each intermediary's loss in the crisis channels (USD bn): credit losses plus fire-sale
    discounts and funding-stress costs, not the revaluation of what it holds (floored at 0)."""
    cols = [int(c) for c in (*CREDIT_CHANNELS, Channel.FIRE_SALE, Channel.FUNDING)]
    return np.where(_intermediary(state), np.maximum(-state.books.pnl[:, cols].sum(axis=1), 0.0), 0.0)


def guaranteed_book(state) -> float:
    """Debt the state stands behind (USD bn): the guaranteed share of debt covered by active
    government guarantees, plus the debt of state-backed companies (government-kind obligors)."""
    c = state.contracts
    gov = state.registry.kind == Kind.GOVERNMENT
    g = c.rows_of(ContractType.GUARANTEE)  # active guarantees, ascending
    g = g[(c.covers[g] >= 0) & (c.obligor[g] >= 0)]
    g = g[gov[np.maximum(c.obligor[g], 0)]]
    covered = float(np.minimum(c.share[g] * c.principal[c.covers[g]], c.limit[g]).sum()) if g.size else 0.0
    agency = float(c.principal[c.owed_by_kind(state.registry.kind, int(Kind.GOVERNMENT))].sum())
    return covered + agency


def guaranteed_holders(state) -> dict[str, float]:
    """Who holds the debt the state stands behind at the end (USD bn by holder kind; ``outside``:
    investors outside the model, foreign holders among them)."""
    c = state.contracts
    gov = state.registry.kind == Kind.GOVERNMENT
    g = ((c.ctype == ContractType.GUARANTEE) & c.active & (c.covers >= 0)).nonzero()[0]
    g = g[(c.obligor[g] >= 0) & gov[np.maximum(c.obligor[g], 0)]]
    debt = (c.is_debt & (c.obligor >= 0) & (c.principal > 0)).nonzero()[0]
    debt = debt[gov[c.obligor[debt]]]
    creditor = np.concatenate([c.creditor[c.covers[g]], c.creditor[debt]])
    amount = np.concatenate([np.minimum(c.share[g] * c.principal[c.covers[g]], c.limit[g]), c.principal[debt]])
    labels = ["outside"] + [k.label for k in Kind]
    key = np.where(creditor >= 0, state.registry.kind[np.maximum(creditor, 0)].astype(np.int64) + 1, 0)
    total = np.bincount(key, weights=amount, minlength=len(labels))
    return {labels[k]: float(v) for k, v in enumerate(total) if v > 0}


def crisis_values(state, assets: np.ndarray | None = None) -> list[float]:
    """This month's values of :data:`SERIES` (``assets``: as in :func:`capital_shortfalls`)."""
    short, below = capital_shortfalls(state, assets)
    credit = credit_losses(state)
    hit = _intermediary(state) & (credit >= CREDIT_LOSS_SHARE * np.maximum(state.snapshot.equity0, 1e-9))
    kind = state.registry.kind
    bank, pension = below & (kind == Kind.BANK), below & (kind == Kind.PENSION_LP)
    funds = below & ~(kind == Kind.BANK) & ~(kind == Kind.PENSION_LP)
    return [
        float(below.sum()),
        float(short.sum()),
        float(credit.sum()),
        float(hit.sum()),
        guaranteed_book(state),
        float(bank.sum()),
        float(pension.sum()),
        float(funds.sum()),
    ]


def material_gates(state, events: pd.DataFrame, share: float = GATE_MATERIALITY) -> pd.DataFrame:
    """The fund-gate events that make a crisis: every money-market fund breaking the buck, and each
    private-credit gate whose held-back redemptions (the event's amount, USD bn) are at least
    ``share`` of the fund's opening NAV."""
    if not len(events):
        return events
    gates = events[events["event"].isin(GATE_EVENTS)]
    if not len(gates):
        return gates
    index = {x: i for i, x in enumerate(state.registry.ids)}
    nav0 = np.array(
        [max(float(state.snapshot.equity0[index[i]]), 1e-9) if i in index else np.inf for i in gates["institution"]]
    )
    material = (gates["event"].to_numpy() != "gate") | (gates["amount"].to_numpy() >= share * nav0)
    return gates[material]


def crisis_summary(state, wide: pd.DataFrame, events: pd.DataFrame, by_channel: dict[str, float]) -> dict:
    """The crisis fields of a run's summary (see the module docstring).

    ``wide`` is the system series (index step, a column per metric), ``by_channel`` the final-bearer
    losses by channel.
    """
    inter = _intermediary(state)
    assets0 = float(state.snapshot.assets0[inter].sum())
    steps = wide.index.to_numpy() if len(wide) else np.zeros(0)

    def col(name: str) -> np.ndarray:
        return wide[name].to_numpy() if name in wide else np.zeros(len(steps))

    below, shortfall, credit, credit_hit, book, banks, pensions, failed = (col(n) for n in SERIES)
    hits = (below > 0) | (credit_hit > 0)
    every_gate = events[events["event"].isin(GATE_EVENTS)] if len(events) else events
    gates = material_gates(state, events)
    draws = events[events["event"] == "conservatorship_draw"] if len(events) else events
    repo = events[events["event"] == "agency_repo"] if len(events) else events
    first_gate = float(gates["step"].min()) if len(gates) else np.inf
    first_hit = float(steps[hits][0]) if hits.any() else np.inf
    month = min(first_gate, first_hit)
    crisis = bool(np.isfinite(month))
    at = int(np.searchsorted(steps, month)) if crisis else -1
    parts = {
        "bank_capital": bool((banks > 0).any()),
        "pension_gap": bool((pensions > 0).any()),
        "fund_gate": bool(len(gates)) or bool((failed > 0).any()),
        "credit_loss": bool((credit_hit > 0).any()),
    }
    reasons = [k for k in COMPONENTS if parts[k]]
    return {
        "crisis": crisis,
        "crisis_reason": "+".join(reasons) if crisis else "",
        **{f"crisis_{k}": v for k, v in parts.items()},
        "months_to_crisis": month if crisis else float("nan"),
        "intermediary_capital_shortfall_peak": float(shortfall.max()) if len(shortfall) else 0.0,
        "intermediaries_below_requirement_peak": float(below.max()) if len(below) else 0.0,
        "fund_gates": int(len(every_gate)),
        "material_fund_gates": int(len(gates)),
        "intermediary_credit_loss": float(credit[-1]) if len(credit) else 0.0,
        "intermediary_credit_loss_ratio": float(credit[-1]) / assets0 if assets0 > 0 and len(credit) else 0.0,
        "intermediary_loss": float(intermediary_losses(state).sum()),
        "wealth_loss": float(sum(by_channel.get(ch, 0.0) for ch in WEALTH_CHANNELS)),
        "guaranteed_book_at_crisis": float(book[at]) if crisis and 0 <= at < len(book) else float("nan"),
        "guaranteed_book_peak": float(book.max()) if len(book) else 0.0,
        "guaranteed_held_by": guaranteed_holders(state),
        "conservatorship_draws": float(draws["amount"].sum()) if len(draws) else 0.0,
        "state_owned_capacity": float(state.books.facility[state.registry.kind == Kind.GOVERNMENT].sum()),
        "agency_repo": float(repo["amount"].sum()) if len(repo) else 0.0,
    }
