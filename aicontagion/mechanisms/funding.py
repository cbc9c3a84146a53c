"""The funding stage: distress, credit marks, spreads, rollover and short-term funding runs.

**Distress** of institution ``i`` is its relative equity loss since the start,
``h_i = clip(1 - E_i / E_i(0), 0, 1)`` (1 when defaulted): the DebtRank state variable
(Battiston et al. 2012; Bardoscia et al. 2015).

**Credit marks.** A creditor values a claim on ``j`` at ``1 - h_j x LGD(seniority)`` of face
(the DebtRank valuation with seniority-dependent loss given default). A claim's booked mark moves
a share ``appraisal`` of the way to that value each month: at once for traded bonds
(``appraisal = 1``), slowly for private loans (appraisal smoothing) and for untraded bank loans
(``provisioning``). Traded claims are also multiplied by their class's marked price.

**Spreads.** ``spread_i = spread_i(0) + spread_distress x h_i + spread_sector_loss x loss rate of
i's kind + reputation penalty``. New and rolled debt is priced at the Treasury rate plus spread.

**Rollover.** Bullet debt maturing next month rolls for another original tenor at the new rate
when the borrower is active, its spread is at most ``rollover_max_spread``, and its lender is
willing; otherwise the principal falls due (a rollover failure, possibly a liquidity default).
For short-term interbank and repo funding the lender also withdraws when the borrower's distress
exceeds the lender's ``run_distress`` (a run).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.network.contracts import SHORT_TERM_TYPES, ContractType

NAV_KINDS = [int(Kind.MONEY_MARKET_FUND), int(Kind.PENSION_LP), int(Kind.PRIVATE_CREDIT_FUND)]


def update_distress(model) -> None:
    """Recompute distress ``h`` and mark institutions DISTRESSED above ``distressed_at``.

    For funds whose equity is their investors' money (money-market funds, pensions and ETFs,
    private-credit funds) distress is measured on performance: capital paid in or out
    (subscriptions, redemptions, distributions) does not count, as a NAV per share would not move.
    """
    e0 = model.equity0
    # a fund's capital flows are taken out of its equity (kind never changes: the mask is kept)
    capital = np.where(model.nav_measured, model.books.pnl[:, Channel.CAPITAL], 0.0)
    e = model.books.equity - capital
    h = np.where(e0 > 0, np.clip(1.0 - ratio(e, e0, default=1.0), 0.0, 1.0), np.where(e < 0, 1.0, 0.0))
    dead = model.status == Status.DEFAULTED
    h[dead] = 1.0
    model.distress = h
    threshold = model.scenario.funding.distressed_at
    model.status[:] = np.where(dead, Status.DEFAULTED, np.where(h > threshold, Status.DISTRESSED, Status.ACTIVE))


def update_credit_marks(model) -> None:
    """Move every debt claim's credit mark toward ``1 - h_obligor x LGD`` and book the change."""
    c = model.contracts
    claims = c.cached("debt owed by institutions", lambda: c.is_debt & (c.obligor >= 0))
    if not claims.any():
        return
    r = model.scenario.resolution
    # the whole table at once (claims on outsiders are left as they are): per-row values come from
    # small tables indexed by seniority, obligor and market; index -1 (untraded) takes the last entry
    lgd = np.array([r.lgd_secured, r.lgd_senior, r.lgd_subordinated])[c.seniority]
    target = 1.0 - model.distress[c.obligor] * lgd
    speed = np.append(model.markets.appraisal, model.scenario.funding.provisioning)[c.market]
    credit = c.credit_mark + speed * (target - c.credit_mark)
    np.copyto(c.credit_mark, credit, where=claims)
    price = np.append(model.markets.marked_price, 1.0)[c.market]
    cause = model.cause
    channel = Channel(int(cause[0])) if np.all(cause == cause[0]) else cause[c.obligor]
    model.books.remark_claims(c, claims, credit * price, channel)


def update_causes(model) -> None:
    """How losses on claims on each institution are labelled (the root channel behind them).

    An institution that has faced a run or rollover failure passes on FUNDING losses; otherwise
    the channel of its own largest loss if that is a strategic default or a fire sale; otherwise
    COUNTERPARTY. Creditors' and holders' write-downs on it are booked under this label, so a
    bondholder's loss on an SPV whose tenant walked away counts as STRATEGIC_DEFAULT.
    """
    pnl = model.books.pnl
    roots = [
        Channel.STRATEGIC_DEFAULT,
        Channel.FIRE_SALE,
        Channel.COUNTERPARTY,
        Channel.MARKET,
        Channel.OPERATING,
        Channel.INTEREST,
        Channel.DEPRECIATION,
        Channel.RESOLUTION,
    ]
    worst = np.array(roots)[np.argmin(pnl[:, roots], axis=1)]
    passed_on = (worst == Channel.STRATEGIC_DEFAULT) | (worst == Channel.FIRE_SALE)
    cause = np.where(passed_on, worst, Channel.COUNTERPARTY)
    model.cause = np.where(model.funding_hint, Channel.FUNDING, cause).astype(np.int64)


def remark_stakes(model) -> None:
    """Carry every stake at ``share x max(issuer equity, 0)``; book the change to its holder."""
    c = model.contracts
    rows = np.flatnonzero(c.is_stake & (c.obligor >= 0))
    if rows.size == 0:
        return
    for _ in range(2):  # stakes in holders of stakes: two passes settle short chains
        issuer = c.obligor[rows]
        new = c.share[rows] * np.maximum(model.books.equity[issuer], 0.0)
        delta = new - c.principal[rows]
        if not np.any(np.abs(delta) > 1e-12):
            return
        distressed = model.status[issuer] != Status.ACTIVE
        channel = np.where(distressed, model.cause[issuer], Channel.MARKET)
        c.principal[rows] = new
        model.books.book_channels(c.creditor[rows], delta, channel.astype(np.int64))


def update_spreads(model) -> None:
    """Credit spread of every institution (annual)."""
    f = model.scenario.funding
    kinds = model.kind
    loss = np.maximum(model.equity0 - model.books.equity, 0.0)
    k_loss = np.bincount(kinds, weights=loss, minlength=kinds.max() + 1)
    k_assets = np.bincount(kinds, weights=model.assets0, minlength=kinds.max() + 1)
    rate = ratio(k_loss, k_assets)
    active_penalty = np.where(model.month <= model.reputation_until, model.reputation_penalty, 0.0)
    model.spread = (
        model.spread0 + f.spread_distress * model.distress + f.spread_sector_loss * rate[kinds] + active_penalty
    )


def rollover(model) -> None:
    """Roll, reprice or call the bullet debt that matures next month; record failures and runs."""
    c = model.contracts
    nxt = model.month + 1
    rows = np.flatnonzero(c.is_debt & ~c.amortising & (c.maturity == nxt) & (c.principal > 0) & (c.obligor >= 0))
    if rows.size == 0:
        return
    f = model.scenario.funding
    borrower = c.obligor[rows]
    lender = c.creditor[rows]
    market_open = model.spread[borrower] <= f.rollover_max_spread
    alive = model.status[borrower] != Status.DEFAULTED
    lender_ok = np.where(lender >= 0, model.lender_ok[np.maximum(lender, 0)], True)
    short = np.isin(c.ctype[rows], [int(t) for t in SHORT_TERM_TYPES])
    safe_lender = np.maximum(lender, 0)
    run_limit = np.fmin(
        model.params["bank"]["run_distress"][safe_lender],
        model.params["money_market_fund"]["run_distress"][safe_lender],
    )
    run_limit = np.where(np.isnan(run_limit) | (lender < 0), f.outside_run_distress, run_limit)
    runs = short & (model.distress[borrower] > run_limit)
    # a weak bank keeps its cash: it stops rolling its short-term lending (liquidity hoarding)
    hoard_limit = np.nan_to_num(model.params["bank"]["hoard_distress"][safe_lender], nan=1.0)
    hoards = short & (lender >= 0) & (model.distress[safe_lender] > hoard_limit)
    backed = model.always_rolls[borrower]  # a guarantee: markets roll its debt whatever happens
    roll = alive & ((market_open & lender_ok & ~runs & ~hoards) | backed) & c.rolls[rows]
    rolled = rows[roll]
    c.maturity[rolled] += np.maximum(c.tenor[rolled], 1)
    cover = np.array([model.rate_cover.get(int(r), 0.0) for r in rolled]) if model.rate_cover else 0.0
    c.rate[rolled] = model.treasury_rate + model.spread[c.obligor[rolled]] * (1.0 - cover)
    for k in np.flatnonzero(~roll & alive & c.rolls[rows]):
        r = int(rows[k])
        event = "run" if runs[k] else "hoarding" if hoards[k] else "rollover_failure"
        why = (
            f"distress {model.distress[borrower[k]]:.2f}"
            if runs[k]
            else f"lender's own distress {model.distress[lender[k]]:.2f}"
            if hoards[k]
            else "market closed"
            if not market_open[k]
            else "lender unwilling"
            if not lender_ok[k]
            else "does not roll"
        )
        cause = model.ids[lender[k]] if lender[k] >= 0 else "outside investors"
        model.record_event(int(borrower[k]), event, float(c.principal[r]), f"{cause}: {why}")
        model.funding_hint[borrower[k]] = True


def margin_calls(model) -> None:
    """Repo haircuts widen as the collateral's price falls; what the collateral no longer covers
    is called for repayment next month (the haircut spiral of 2007-08, Gorton and Metrick 2012).

    ``haircut = min(0.95, haircut at the start + haircut_sensitivity x (1 - collateral price))``;
    a borrower's pledgeable holdings of a class are shared over its repos on that class in
    proportion to their principal.
    """
    c = model.contracts
    rows = c.rows_of(ContractType.REPO)
    rows = rows[(c.collateral[rows] >= 0) & (c.principal[rows] > 0) & (c.obligor[rows] >= 0)]
    if rows.size == 0:
        return
    borrower, cls = c.obligor[rows], c.collateral[rows]
    price = model.markets.marked_price[cls]
    haircut = np.minimum(0.95, c.haircut[rows] + model.scenario.funding.haircut_sensitivity * np.maximum(1 - price, 0))
    key = borrower * len(model.markets.names) + cls
    owed = np.bincount(key, weights=c.principal[rows], minlength=model.n * len(model.markets.names))
    held = model.books.holdings[borrower, cls] * price
    pledged = held * ratio(c.principal[rows], owed[key])
    excess = np.maximum(c.principal[rows] - pledged * (1.0 - haircut), 0.0)
    c.call_due[rows] = excess
    for k in np.flatnonzero(excess > 1e-6):
        model.record_event(
            int(borrower[k]),
            "margin_call",
            float(excess[k]),
            f"haircut {haircut[k]:.0%} on {model.markets.names[cls[k]]} at {price[k]:.2f}",
        )


def new_debt_rate(model, borrower: int) -> float:
    """Annual rate on new debt of ``borrower``: the Treasury rate plus its current spread."""
    return float(model.treasury_rate + model.spread[borrower])


__all__ = [
    "update_causes",
    "update_distress",
    "update_credit_marks",
    "remark_stakes",
    "update_spreads",
    "rollover",
    "new_debt_rate",
    "ContractType",
]
