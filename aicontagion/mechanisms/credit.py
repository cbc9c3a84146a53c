"""Credit: distress, credit marks on claims, stake values, loss causes and spreads.

**Distress** of institution ``i`` is its relative equity loss since the start,
``h_i = clip(1 - E_i / E_i(0), 0, 1)`` (1 when defaulted): the DebtRank state variable
(Battiston et al. 2012; Bardoscia et al. 2015).

**Credit marks.** A creditor values a claim on ``j`` at ``1 - h_j x LGD(seniority)`` of face
(the DebtRank valuation with seniority-dependent loss given default). A claim's booked mark moves
a share ``appraisal`` of the way to that value each month: at once for traded bonds
(``appraisal = 1``), slowly for private loans (appraisal smoothing) and for untraded bank loans
(``provisioning``); with the ``appraisal_lag`` channel off, every mark moves at once. Traded
claims are also multiplied by their class's marked price.

**Project debt** (debt owed by SPVs with contracts or re-let capacity to value) targets instead the
project-finance value of :mod:`aicontagion.mechanisms.valuation`: the present value of the
contracted payments at the tenants' own credit, renewal and re-letting, the residual value
guarantee and the collateral, shared by seniority (the ``project_marks`` channel; off: the
book-equity mark above). Rating bands of the projects are recorded at the same time.

**Spreads.** ``spread_i = spread_i(0) + spread_distress x h_i + sector term + reputation penalty``,
the sector term ``spread_sector_loss x loss rate of i's kind`` (``funding.sector_spread_form:
additive``) or, for borrowers with an opening spread, ``spread_i(0) x spread_sector_beta x loss
rate`` (``proportional``: duration times spread, Ben Dor et al. 2007: a sector's spreads move in
proportion to their level, so an AA giant's spread does not jump by a neocloud's amount when a peer
loses). New and rolled debt is priced at the Treasury rate plus spread.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.treasury import treasury_yield
from aicontagion.mechanisms.valuation import project_marks, project_values, update_ratings

READS = ("books", "contracts", "markets", "spec", "channels", "month", "registry", "snapshot", "ai", "operations")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("books", "contracts", "lifecycle", "credit")
"""State groups this mechanism writes."""

NAV_KINDS = [int(Kind.MONEY_MARKET_FUND), int(Kind.PENSION_LP), int(Kind.PRIVATE_CREDIT_FUND)]


def update_distress(state) -> None:
    """Recompute distress ``h`` and mark institutions DISTRESSED above ``distressed_at``.

    For funds whose equity is their investors' money (money-market funds, pensions and ETFs,
    private-credit funds) distress is measured on performance: capital paid in or out
    (subscriptions, redemptions, distributions) does not count, as a NAV per share would not move.
    A money-market fund's distress is its NAV per share's fall (:func:`money_market_nav`).
    """
    e0 = state.snapshot.equity0
    # a fund's capital flows are taken out of its equity (kind never changes: the mask is kept)
    capital = np.where(state.registry.nav_measured, state.books.pnl[:, Channel.CAPITAL], 0.0)
    e = state.books.equity - capital
    mmf = state.registry.members.get(Kind.MONEY_MARKET_FUND, ())
    if len(mmf):
        e[mmf] = money_market_nav(state, mmf, e[mmf])
    h = np.where(e0 > 0, np.clip(1.0 - ratio(e, e0, default=1.0), 0.0, 1.0), np.where(e < 0, 1.0, 0.0))
    dead = state.lifecycle.status == Status.DEFAULTED
    h[dead] = 1.0
    state.lifecycle.distress = h
    threshold = state.spec.funding.distressed_at
    state.lifecycle.status[:] = np.where(
        dead, Status.DEFAULTED, np.where(h > threshold, Status.DISTRESSED, Status.ACTIVE)
    )


def money_market_nav(state, rows: np.ndarray, performance: np.ndarray) -> np.ndarray:
    """The equity behind a stable-NAV money-market fund's share price (USD bn), from its
    ``performance`` (equity less capital flows), per SEC Rule 2a-7's amortized-cost method: its
    income is distributed daily (reinvested as new shares at 1.00), so it builds no cushion, and
    paper of issuers that have not defaulted is carried at par (amortized cost), so only realised
    losses move the share price: a default's write-down to the estate's recovery, a sale below
    par. A fund "breaks the buck" when this falls by more than ``buck`` of its opening NAV (Reserve
    Primary in September 2008: Lehman paper of 1.2% of its assets written to zero)."""
    books, c = state.books, state.contracts
    nav = performance - books.pnl[rows, Channel.OPERATING] - books.pnl[rows, Channel.INTEREST]
    kind = state.registry.kind
    held = c.selection(
        "debt owed by institutions to money-market funds",
        lambda at: (
            c.is_debt[at]
            & (c.creditor[at] >= 0)
            & (c.obligor[at] >= 0)
            & (kind[c.creditor[at]] == Kind.MONEY_MARKET_FUND)
        ),
    )
    held = held[(c.principal[held] > 0) & (state.lifecycle.status[c.obligor[held]] != Status.DEFAULTED)]
    at_par = np.bincount(c.creditor[held], weights=c.principal[held] * (1.0 - c.mark[held]), minlength=state.n)
    return nav + at_par[rows]


def update_credit_marks(state) -> None:
    """Move every debt claim's credit mark toward ``1 - h_obligor x LGD`` and book the change."""
    c = state.contracts
    claims = c.selection_mask("debt owed by institutions", lambda at: c.is_debt[at] & (c.obligor[at] >= 0))
    if not claims.any():
        return
    r = state.spec.resolution
    # the whole table at once (claims on outsiders are left as they are): per-row values come from
    # small tables indexed by seniority, obligor and market; index -1 (untraded) takes the last entry
    lgd = np.array([r.lgd_secured, r.lgd_senior, r.lgd_subordinated])[c.seniority]
    target = 1.0 - state.lifecycle.distress[c.obligor] * lgd
    values = project_values(state)
    update_ratings(state, values)
    if state.channels.project_marks:  # SPV debt: from contracted flows, tenants' credit, collateral
        rows, marks = project_marks(state, values)
        target[rows] = marks
    provisioning = state.spec.funding.provisioning if state.channels.appraisal_lag else 1.0
    speed = np.append(state.markets.appraisal, provisioning)[c.market]  # markets: 1 when the lag is off
    credit = c.credit_mark + speed * (target - c.credit_mark)
    np.copyto(c.credit_mark, credit, where=claims)
    price = np.append(state.markets.marked_price, 1.0)[c.market]
    cause = state.lifecycle.cause
    channel = Channel(int(cause[0])) if np.all(cause == cause[0]) else cause[c.obligor]
    state.books.remark_claims(c, claims, credit * price, channel)


def update_causes(state) -> None:
    """How losses on claims on each institution are labelled (the root channel behind them).

    An institution that has faced a run or rollover failure passes on FUNDING losses; otherwise
    the channel of its own largest loss if that is a strategic default or a fire sale; otherwise
    COUNTERPARTY. Creditors' and holders' write-downs on it are booked under this label, so a
    bondholder's loss on an SPV whose tenant walked away counts as STRATEGIC_DEFAULT.
    """
    pnl = state.books.pnl
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
    state.lifecycle.cause = np.where(state.lifecycle.funding_hint, Channel.FUNDING, cause).astype(np.int64)


def remark_stakes(state) -> None:
    """Carry every stake at ``share x max(issuer equity, 0)``; book the change to its holder."""
    c = state.contracts
    rows = c.selection("stakes in institutions", lambda at: c.is_stake[at] & (c.obligor[at] >= 0))
    if rows.size == 0:
        return
    for _ in range(2):  # stakes in holders of stakes: two passes settle short chains
        issuer = c.obligor[rows]
        new = c.share[rows] * np.maximum(state.books.equity[issuer], 0.0)
        delta = new - c.principal[rows]
        if not np.any(np.abs(delta) > 1e-12):
            return
        c.principal[rows] = new
        moved = np.flatnonzero(delta)  # the rest add exact zeros
        issuer = issuer[moved]
        distressed = state.lifecycle.status[issuer] != Status.ACTIVE
        channel = np.where(distressed, state.lifecycle.cause[issuer], Channel.MARKET)
        state.books.book_channels(c.creditor[rows[moved]], delta[moved], channel.astype(np.int64))


def update_spreads(state) -> None:
    """Credit spread of every institution (annual)."""
    f = state.spec.funding
    kinds = state.registry.kind
    loss = np.maximum(state.snapshot.equity0 - state.books.equity, 0.0)
    k_loss = np.bincount(kinds, weights=loss, minlength=kinds.max() + 1)
    k_assets = np.bincount(kinds, weights=state.snapshot.assets0, minlength=kinds.max() + 1)
    rate = ratio(k_loss, k_assets)
    active_penalty = np.where(state.month <= state.credit.reputation_until, state.credit.reputation_penalty, 0.0)
    spread0 = state.credit.spread0
    sector = f.spread_sector_loss * rate[kinds]
    if f.sector_spread_form == "proportional":  # duration times spread: relative moves, rated borrowers
        sector = np.where(spread0 > 0, spread0 * f.spread_sector_beta * rate[kinds], sector)
    state.credit.spread = spread0 + f.spread_distress * state.lifecycle.distress + sector + active_penalty


def new_debt_rate(state, borrower: int) -> float:
    """Annual rate on new debt of ``borrower``: the live Treasury yield plus its current spread."""
    return float(treasury_yield(state) + state.credit.spread[borrower])
