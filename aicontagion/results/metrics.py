"""Reporters and summaries: speed, breadth, depth, who bears the loss, channels, the risk thermometer.

*Reporters* are module-level functions of the model, called each month by the recorder. The
**risk thermometer** follows SEED_NOTES section 7:

1. AI productivity realisation: ``ai_revenue_to_hurdle`` and ``ai_revenue_growth`` (year on year);
2. neoclouds: ``neocloud_equity_index`` (equity relative to the start) and ``neocloud_spread``;
3. SPV debt: ``spv_bond_price`` (bonds and project loans, per 100 of face, principal-weighted)
   and ``spv_spread``;
4. long-contract quality: ``take_or_pay_share``, ``customer_concentration`` (Herfindahl index of
   neocloud contract revenue by customer), ``contract_months_left``;
5. power and hardware: ``pipeline_share`` (capacity paid for but not yet powered, over installed
   capacity) and ``utilisation``.

*Summaries* turn a finished run's series and events into the numbers of DESIGN.md's ``summary``.

**Losses, counted once, where they are finally borne.** An institution's own loss is its
cumulative operating loss (operating, interest and depreciation channels, floored at zero) plus its
cumulative write-downs (all other channels except capital flows, floored at zero): operating
profits do not hide write-downs. Part of it is
passed on to the institution's modelled holders through their stakes (a fund's loss is its LPs'
loss), so only the share of its equity held *outside* the model is final: its public
shareholders, a pension's beneficiaries, an ETF's holders. The listed class ``tech_equity`` stands
for shares of the listed AI companies (giants, chip suppliers, neoclouds): the part of those
shares that modelled institutions hold (units over the class's depth) is not counted again at
the companies' outside shareholders, since those holders already book it as their own marks.
Losses by holder kind are those final
losses grouped by the institution through which they are held, plus the losses of outside
creditors (bondholders and depositors outside the model). Each institution's loss is split over
channels in proportion to its negative P&L by channel; write-downs on claims carry the root
channel of the obligor's trouble (see :func:`aicontagion.mechanisms.credit.update_causes`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from aicontagion.core.books import Channel
from aicontagion.core.contract_types import ContractType
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.exposures import exposures
from aicontagion.mechanisms.treasury import fiscal_cost
from aicontagion.results.crisis import CRISIS_DEFINITION, SERIES, crisis_summary, crisis_values
from aicontagion.results.substep_timing import substep_timing

THERMOMETER = (
    "ai_revenue_to_hurdle",
    "ai_revenue_growth",
    "neocloud_equity_index",
    "neocloud_spread",
    "spv_bond_price",
    "spv_spread",
    "take_or_pay_share",
    "customer_concentration",
    "contract_months_left",
    "pipeline_share",
    "utilisation",
)


# ---------------------------------------------------------------- monthly reporters
def ai_revenue_to_hurdle(state) -> float:
    """AI end revenue over the hurdle revenue (SEED_NOTES section 3)."""
    return state.ai.demand_state.revenue / state.ai.demand.hurdle


def ai_revenue_growth(state) -> float:
    """Year-on-year growth of AI end revenue (0.5 = +50%); NaN in the first year."""
    h = state.ai.demand.history
    return h[-1] / h[-13] - 1.0 if len(h) > 12 else float("nan")


def neocloud_equity_index(state) -> float:
    """Neoclouds' equity relative to the start (1 = unchanged, 0 = wiped out)."""
    rows = state.registry.members[Kind.NEOCLOUD]
    e0 = state.snapshot.equity0[rows].sum()
    return float(np.maximum(state.books.equity[rows], 0).sum() / e0) if e0 > 0 else float("nan")


def _mean_spread(state, kind: Kind) -> float:
    rows = state.registry.members[kind]
    rows = rows[state.lifecycle.status[rows] != Status.DEFAULTED]
    return float(state.credit.spread[rows].mean()) if rows.size else float("nan")


def neocloud_spread(state) -> float:
    """Mean credit spread of neoclouds still standing (annual)."""
    return _mean_spread(state, Kind.NEOCLOUD)


def spv_spread(state) -> float:
    """Mean credit spread of SPVs still standing (annual)."""
    return _mean_spread(state, Kind.SPV)


def spv_bond_price(state) -> float:
    """Price of SPV debt per 100 of face: principal-weighted mark of live bonds and loans to SPVs."""
    c = state.contracts
    spv = state.registry.kind == Kind.SPV
    rows = c.selection("debt rows owed by SPVs", lambda at: c.is_debt[at] & (c.obligor[at] >= 0) & spv[c.obligor[at]])
    rows = rows[c.principal[rows] > 0]
    if rows.size == 0:
        return float("nan")
    w = c.principal[rows]
    price = c.credit_mark[rows] * state.markets.trade_price[np.maximum(c.market[rows], 0)] * (
        c.market[rows] >= 0
    ) + c.credit_mark[rows] * (c.market[rows] < 0)
    return float(100.0 * (w * price).sum() / w.sum())


def _live_executory(state):
    c = state.contracts
    rows = c.executory_rows
    return rows[c.maturity[rows] >= state.month]


def take_or_pay_share(state) -> float:
    """Payment-weighted take-or-pay share of live leases and offtakes."""
    c = state.contracts
    rows = _live_executory(state)
    w = c.payment[rows]
    return float((w * c.take_or_pay[rows]).sum() / w.sum()) if w.sum() > 0 else float("nan")


def contract_months_left(state) -> float:
    """Payment-weighted months left on live leases and offtakes."""
    c = state.contracts
    rows = _live_executory(state)
    w = c.payment[rows]
    left = c.maturity[rows] - np.maximum(state.month, c.start[rows])
    return float((w * left).sum() / w.sum()) if w.sum() > 0 else float("nan")


def customer_concentration(state) -> float:
    """Herfindahl index (0-1) of neoclouds' contracted revenue by customer, revenue-weighted."""
    c = state.contracts
    rows = _live_executory(state)
    rows = rows[(c.creditor[rows] >= 0) & (state.registry.kind[np.maximum(c.creditor[rows], 0)] == Kind.NEOCLOUD)]
    if rows.size == 0:
        return float("nan")
    provider, customer, w = c.creditor[rows], c.obligor[rows], c.payment[rows]
    keys, inverse = np.unique(provider * (state.n + 1) + customer, return_inverse=True)
    pair = np.bincount(inverse, weights=w)  # revenue per (provider, customer)
    owner = keys // (state.n + 1)
    _, p_idx = np.unique(owner, return_inverse=True)
    tot = np.bincount(p_idx, weights=pair)
    share = np.divide(pair, tot[p_idx], out=np.zeros_like(pair), where=tot[p_idx] > 0)
    hhi = np.bincount(p_idx, weights=share**2)
    return float((hhi * tot).sum() / tot.sum()) if tot.sum() > 0 else float("nan")


def pipeline_share(state) -> float:
    """Capacity paid for but waiting for power, over installed capacity."""
    s = state.ai.demand_state
    return s.pipeline / s.capacity if s.capacity > 0 else float("nan")


def utilisation(state) -> float:
    """AI revenue over the revenue the installed compute can serve."""
    return state.ai.demand_state.utilisation


# ---------------------------------------------------------------- losses
_PNL = [ch for ch in Channel if ch != Channel.CAPITAL]
_OPERATING = [Channel.OPERATING, Channel.INTEREST, Channel.DEPRECIATION]
_WRITE_DOWNS = [ch for ch in _PNL if ch not in _OPERATING]
_PNL_LABELS = [ch.name.lower() for ch in _PNL]


def own_losses(state) -> np.ndarray:
    """Each institution's own loss to date (USD bn): its operating loss plus its write-downs.

    Both parts are cumulative and floored at zero separately, so a bank's interest income does not
    hide what it lost on a defaulted borrower, and a neocloud's rent shortfall counts even if its
    GPUs gained value.
    """
    pnl = state.books.pnl
    return np.maximum(-pnl[:, _OPERATING].sum(axis=1), 0.0) + np.maximum(-pnl[:, _WRITE_DOWNS].sum(axis=1), 0.0)


LISTED_CLASS = "tech_equity"
"""The asset class that stands for the listed shares of AI-linked companies (the giants, chip
suppliers and neoclouds): modelled holders of it hold part of those companies' shares."""
LISTED_KINDS = (Kind.TECH_GIANT, Kind.CHIP_SUPPLIER, Kind.NEOCLOUD)
_IS_LISTED = np.zeros(len(Kind), dtype=bool)
_IS_LISTED[list(LISTED_KINDS)] = True  # by kind code: a lookup instead of np.isin


def listed_inside_share(state) -> float:
    """Share of the listed class held by modelled institutions (units held over the class's depth):
    the part of the listed companies' shareholders whose loss is already their own mark-to-market."""
    m = state.markets
    k = m.index.get(LISTED_CLASS) if hasattr(m, "index") else None
    if k is None or m.depth[k] <= 0:
        return 0.0
    return float(np.clip(state.books.holdings[:, k].sum() / m.depth[k], 0.0, 1.0))


def outside_share(state) -> np.ndarray:
    """Share of each institution's equity held outside the model: 1 - modelled stakes, and for
    listed kinds also less the part of their shares that modelled holders of the listed class
    hold (their loss is counted once, as those holders' own marks)."""
    c = state.contracts
    rows = c.selection(
        "stakes between institutions", lambda at: c.is_stake[at] & (c.creditor[at] >= 0) & (c.obligor[at] >= 0)
    )
    inside = np.bincount(c.obligor[rows], weights=c.share[rows], minlength=state.n)
    share = np.clip(1.0 - inside, 0.0, 1.0)
    listed = _IS_LISTED[state.registry.kind]
    return np.where(listed, share * (1.0 - listed_inside_share(state)), share)


def loss_identity(state) -> dict[str, float]:
    """The terms of the losses-by-bearer identity (docs/model.md, section 7.18), USD bn.

    ``net_borne``: net losses of final bearers, ``sum_i o_i x (-P&L_i) + X`` (``o_i`` the outside
    share, ``P&L_i`` all channels but capital, ``X`` outside creditors' losses); ``equity_side``:
    the same from the balance sheets, ``sum_i o_i x -(E_i - E_i0 - capital_i) + X``;
    ``stake_gap``: largest gap between a live issuer's stake carried by a modelled holder and
    ``share x max(E, 0)`` (the chain that passes the inside share of a loss to its holders);
    ``gross_borne`` and ``by_holder_sum``: the headline loss and the sum of the holder table.
    """
    pnl = state.books.pnl
    share = outside_share(state)
    share[state.registry.kind == int(Kind.GOVERNMENT)] = 0.0
    outside = sum(outside_losses(state).values())
    net = pnl[:, _PNL].sum(axis=1)
    equity_change = state.books.equity - state.snapshot.equity0 - pnl[:, Channel.CAPITAL]
    c = state.contracts
    rows = (c.is_stake & (c.creditor >= 0) & (c.obligor >= 0)).nonzero()[0]
    alive = state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED
    rows = rows[alive]
    gap = np.abs(c.principal[rows] - c.share[rows] * np.maximum(state.books.equity[c.obligor[rows]], 0.0))
    borne, _, creditors = borne_losses(state)
    by_holder = sum(float(borne[state.registry.kind == int(k)].sum()) for k in Kind if k != Kind.GOVERNMENT)
    return {
        "net_borne": float(share @ -net) + outside,
        "equity_side": float(share @ -equity_change) + outside,
        "stake_gap": float(gap.max()) if gap.size else 0.0,
        "gross_borne": float(borne.sum() + creditors),
        "by_holder_sum": by_holder + creditors,
    }


def borne_losses(state) -> tuple[np.ndarray, np.ndarray, float]:
    """Final losses: per institution (borne by its outside holders), per channel, and outside creditors'."""
    pnl = state.books.pnl
    share = outside_share(state)
    share[state.registry.kind == int(Kind.GOVERNMENT)] = 0.0
    by_channel = np.zeros(len(_PNL))
    borne = np.zeros(state.n)
    for group in (_OPERATING, _WRITE_DOWNS):
        loss = np.maximum(-pnl[:, group].sum(axis=1), 0.0) * share
        losing = loss.nonzero()[0]
        neg = np.maximum(-pnl[losing[:, None], group], 0.0)  # pnl[np.ix_(losing, group)] without its calls
        split = ratio(neg, neg.sum(axis=1, keepdims=True))  # the group's loss over its losing channels
        idx = [_PNL.index(ch) for ch in group]
        by_channel[idx] += loss[losing] @ split
        borne += loss
    creditors = sum(outside_losses(state).values())
    return borne, by_channel, creditors


def outside_losses(state) -> dict[str, float]:
    """Losses of the outside sector by channel (USD bn; negative: gains): outside creditors' and
    outside buyers' on what they bought from the system (marked like everyone else's)."""
    ext = state.books.external
    out = {ch: float(v) for ch, v in ext.losses.items()}
    for ch, v in ext.buyer_losses.items():
        out[ch] = out.get(ch, 0.0) + float(v)
    return out


# ---------------------------------------------------------------- system series
_BASE = (
    "ai_revenue",
    "expected_ai_revenue",
    "sentiment",
    "capacity",
    "rent_index",
    "rent_usd",
    "rent_to_break_even",
    "capex_spent",
    "system_equity",
    "losses",
    "outside_losses",
    "defaults",
    "fiscal_cost",
    "order_book",
    "capex_cancelled",
    "pc_ai_exposure",
    "bank_fund_exposure",
    "bank_spv_exposure",
    "originated",
    "interbank_lending",
    "interbank_spread",
)


def system_metric_names(state) -> list[str]:
    """Names of the system-level series, in the order :func:`system_values` returns them."""
    return (
        list(_BASE)
        + list(THERMOMETER)
        + [f"price_{a}" for a in state.markets.names]
        + [f"loss_{ch.name.lower()}" for ch in _PNL]
        + list(SERIES)
    )


def order_book_values(state) -> tuple[float, float]:
    """USD bn of capex ordered and not yet delivered, and cancelled so far (0 without a book)."""
    book = state.operations.order_book
    return (book.outstanding, book.cancelled) if book is not None else (0.0, 0.0)


def interbank_market(state) -> tuple[float, float]:
    """The interbank market at the end of the month: lending outstanding (USD bn, live interbank
    principal owed by institutions still standing) and its principal-weighted borrower spread
    (annual; NaN when nothing is lent). A freeze shows as the first falling and the second rising."""
    c = state.contracts
    rows = c.selection(
        "interbank lending owed by institutions",
        lambda at: c.active[at] & (c.ctype[at] == ContractType.INTERBANK) & (c.obligor[at] >= 0),
    )
    rows = rows[c.principal[rows] > 0]
    rows = rows[state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED]
    if rows.size == 0:
        return 0.0, float("nan")
    w = c.principal[rows]
    return float(w.sum()), float((state.credit.spread[c.obligor[rows]] * w).sum() / w.sum())


def originated(state) -> float:
    """USD bn of loans and SPV deals originated during the run (0 without origination)."""
    led = state.operations.origination
    return float(sum(v for k, v in led.by_route.items() if k != "warehouse_sale")) if led is not None else 0.0


def system_values(state, assets: np.ndarray | None = None) -> list[float]:
    """This month's system-level values (USD bn, rates and ratios as named); ``assets``: the
    books' assets at marks, if the caller has them already."""
    s = state.ai.demand_state
    borne, by_channel, outside = borne_losses(state)
    ext = outside_losses(state)
    loss_by_channel = by_channel + np.array([ext.get(label, 0.0) for label in _PNL_LABELS])
    base = [
        s.revenue,
        s.expected_revenue,
        s.sentiment,
        s.capacity,
        s.rent_index,
        s.rent_usd,
        s.rent_usd / state.spec.compute.break_even_rent,
        state.operations.capex_spent,
        float(state.books.equity.sum()),
        float(borne.sum() + outside),
        float(outside),
        float((state.lifecycle.status == Status.DEFAULTED).sum()),
        fiscal_cost(state),
        *order_book_values(state),
        *exposures(state),
        originated(state),
        *interbank_market(state),
    ]
    thermo = [globals()[name](state) for name in THERMOMETER]
    return base + thermo + list(state.markets.trade_price) + list(loss_by_channel) + crisis_values(state, assets)


# ---------------------------------------------------------------- summaries
def first_crossing(series: pd.Series, share: float) -> float:
    """First step at which a cumulative series reaches ``share`` of its final value (NaN if none)."""
    if series.empty:
        return float("nan")
    final = series.iloc[-1]
    if not np.isfinite(final) or final <= 0:
        return float("nan")
    hit = series[series >= share * final - 1e-12]
    return float(hit.index[0]) if len(hit) else float("nan")


def summarise(state, timeseries: pd.DataFrame, events: pd.DataFrame) -> dict:
    """The run's summary: speed, breadth, depth, who bears the loss, channels, fiscal cost, thermometer."""
    sys = timeseries[timeseries["level"] == "system"]
    wide = sys.pivot(index="step", columns="metric", values="value")
    losses = wide["losses"] if "losses" in wide else pd.Series(dtype=float)
    defaults = events[events["event"] == "default"] if len(events) else events
    kinds_present = sorted({Kind(int(k)).label for k in state.registry.kind})
    defaults_by_kind = {k: int((defaults["kind"] == k).sum()) if len(defaults) else 0 for k in kinds_present}
    borne, channel_loss, creditors = borne_losses(state)
    by_holder = {
        k: float(borne[state.registry.kind == int(Kind.parse(k))].sum()) for k in kinds_present if k != "government"
    }
    buyers = float(sum(state.books.external.buyer_losses.values()))
    by_holder["outside_creditors"] = creditors - buyers
    by_holder["outside_buyers"] = buyers
    by_channel = {ch.name.lower(): float(v) for ch, v in zip(_PNL, channel_loss, strict=True)}
    for ch, v in outside_losses(state).items():
        by_channel[ch] = by_channel.get(ch, 0.0) + float(v)
    gov = state.registry.kind == int(Kind.GOVERNMENT)
    system_assets = float(state.snapshot.assets0[~gov].sum())
    total_loss = float(losses.iloc[-1]) if len(losses) else 0.0
    first = float(defaults["step"].min()) if len(defaults) else float("nan")
    last = wide.iloc[-1] if len(wide) else pd.Series(dtype=float)
    thermo = {k: float(last.get(k, float("nan"))) for k in THERMOMETER}
    own = own_losses(state)
    return (
        {
            "months": int(state.step),
            "productivity": state.ai.path_name,
            "months_to_first_default": first,
            "months_to_half_loss": first_crossing(losses, 0.5),
            "months_to_90pct_loss": first_crossing(losses, 0.9),
            "defaults": int(len(defaults)),
            "defaults_by_kind": defaults_by_kind,
            "default_order": [f"{r.institution} ({r.kind}, month {int(r.step)})" for r in defaults.itertuples()],
            "losses_by_holder_kind": by_holder,
            "losses_by_channel": by_channel,
            "own_losses_by_kind": {
                k: float(own[state.registry.kind == int(Kind.parse(k))].sum()) for k in kinds_present
            },
            "total_loss": total_loss,
            "system_assets": system_assets,
            "system_loss_ratio": total_loss / system_assets if system_assets > 0 else float("nan"),
            "fiscal_cost": float(fiscal_cost(state)),
            "outside_revenue": float(state.operations.outside_revenue),
            "hurdle_revenue": float(state.ai.demand.hurdle),
            "thermometer": thermo,
        }
        | crisis_summary(state, wide, events, by_channel)
        | ({"days": substep_timing(state)} if state.weeks else {})
    )


__all__ = [
    "CRISIS_DEFINITION",
    "THERMOMETER",
    "summarise",
    "first_crossing",
    "system_metric_names",
    "system_values",
    "Channel",
]


# ---------------------------------------------------------------- contagion trees
_LARGEST = re.compile(r"largest loss: ([A-Za-z0-9_]+)")


def contagion_edges(events: pd.DataFrame) -> pd.DataFrame:
    """Who passed trouble to whom, from the events' ``cause`` column.

    One row per edge ``(step, source, target, channel)``: a default whose largest loss came from
    ``source`` (channel ``counterparty``); a facility impaired because its tenant ``source``
    walked away or did not renew (``strategic_default``); a run or failed rollover by lender
    ``source`` (``funding``).
    """
    rows = []
    for r in events.itertuples():
        cause = str(r.cause)
        if r.event == "default":
            found = _LARGEST.search(cause)
            if found:
                rows.append((r.step, found.group(1), r.institution, "counterparty"))
        elif r.event == "facility_impaired":
            rows.append((r.step, cause, r.institution, "strategic_default"))
        elif r.event in ("run", "rollover_failure", "hoarding") and ":" in cause:
            source = cause.split(":", 1)[0]
            if source != "outside investors":
                rows.append((r.step, source, r.institution, "funding"))
    return pd.DataFrame(rows, columns=["step", "source", "target", "channel"]).drop_duplicates(
        subset=["source", "target", "channel"], keep="first"
    )


def contagion_tree(events: pd.DataFrame):
    """The contagion edges as a networkx DiGraph (edge attributes: first ``step``, ``channel``);
    nodes that defaulted carry their default ``step``."""
    import networkx as nx

    g = nx.DiGraph()
    for r in contagion_edges(events).itertuples():
        g.add_edge(r.source, r.target, step=int(r.step), channel=r.channel)
    for r in events[events["event"] == "default"].itertuples():
        g.add_node(r.institution, default_step=int(r.step))
    return g
