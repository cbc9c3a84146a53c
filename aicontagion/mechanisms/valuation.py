"""Project-finance valuation of the debt of project companies (SPVs), and their rating bands.

A project company owns a facility (or a GPU fleet) and lives on the leases and offtakes it
provides. Its lenders are paid from those contracts, not from its book equity, so its debt is
valued the way a project-finance desk would (section 7.16b of the model description):

**Project value** ``V_j`` of SPV ``j`` (USD bn) is its cash and the claims it holds plus the larger
of a going-concern value and a collateral value:

* *going concern*: for each live lease or offtake ``L`` it provides (any row of the contract table,
  including contracts added during the run), with tenant ``i``:

  - the payments left in the committed term, discounted at the tenant's own borrowing rate
    ``r_i = Treasury + spread_i`` (the tenant's credit: a downgrade or a reputation penalty lowers
    the value of its promise);
  - after the committed term, to the contract's end: with the *renewal probability* ``p_L`` the
    tenant renews (payments at ``r_i``), otherwise the capacity is re-let at market rent and the
    tenant pays its residual value guarantee shortfall. ``p_L = clip((K + RVG cost) / P, 0, 1)``
    reads the tenant's own incentives from the walk-away rule
    (:func:`aicontagion.mechanisms.strategic_default.appraise`): 1 while renewing is worth its cost
    to the tenant, falling as the tenant's value of the capacity falls short of the next term's
    cost (the market reads a non-renewal signal before it happens);
  - after the contract's end, to the horizon (the last maturity of the SPV's debt or contracts):
    the capacity re-let at market rent;
  - capacity already vacated (``operations.relet``): the part let at market rent to the horizon;
    the part still vacant (``operations.vacant``) as it is let.

  Capacity re-let later (after a term, after the contract's end, vacant now) finds tenants only
  as the market absorbs idle capacity (mechanisms/relet.py): let in month ``k`` with probability
  ``1 - (1 - q)^k`` at this month's lease-up share ``q`` (``q = 1`` outside a glut), so a walk-away
  in a glut lowers the project value by more than the rent index alone says.

  *Market rent* is ``payment x min(rent index, 1) x usage`` (what the capacity earns re-let in the
  model, mechanisms/income.py), discounted at ``Treasury + merchant_spread`` (uncontracted rent is
  riskier than a tenant's promise).
* *collateral*: what the lenders would get by seizing and selling the assets now: GPUs at the
  marked secondary price; a facility at its distressed re-let value, what a buyer pays for it
  empty: the PV of its whole capacity re-let at market rent to the horizon as the market absorbs
  it (not its book value);
  both less the bankruptcy cost.

**Marks.** ``V_j`` is shared among the SPV's debts by seniority (secured, then senior including
its outside liabilities, then subordinated; pro rata within a tier); a debt's target mark is
``min(1, its share / its face)``. The mark therefore moves in the month the tenant walks, does not
renew, is downgraded or signals non-renewal, by what the lost payments were worth less what the
re-let value, the guarantee and the collateral recover, whatever the SPV's book equity says.

**Rating bands** (0 AAA, 1 AA, 2 A, 3 BBB, 4 BB, 5 B, 6 CCC; 7 defaulted) from the cover
``V_j / D_j``: at least 2.0, 1.6, 1.25, 1.1, 1.0, 0.8 (assumed thresholds, loan-to-value bands of
the kind rating agencies use for project debt). The debt-service cover (this month's contracted
and re-let payments over this month's interest and amortisation) is reported but does not set the
band: the model amortises project debt linearly, so early debt service exceeds a level annuity
and the cover would read below 1 for a sound project. Bands 4 and worse are speculative grade:
the insurers' rating floor (mechanisms/constraints.py) sells them.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.numeric import geometric_sum, ratio
from aicontagion.core.obligations import senior_tier
from aicontagion.mechanisms.relet import lease_up_share, leased_annuity
from aicontagion.mechanisms.strategic_default import (
    annuity,
    appraise,
    committed_term_end,
    kept_next,
    monthly_factor,
    payment_months,
)
from aicontagion.mechanisms.treasury import treasury_yield

READS = (
    "ai",
    "books",
    "channels",
    "contracts",
    "credit",
    "lifecycle",
    "markets",
    "month",
    "operations",
    "registry",
    "spec",
)
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("credit",)
"""State groups this mechanism writes."""

BANDS = ("AAA", "AA", "A", "BBB", "BB", "B", "CCC", "D")
COVER_FLOORS = np.array([2.0, 1.6, 1.25, 1.1, 1.0, 0.8])  # assumed: cover at least this -> band index
SPECULATIVE = 4  # BB and worse
N_TIERS = 3


def _discount(months, annual_rate) -> np.ndarray:
    return (1.0 + np.asarray(annual_rate, dtype=float)) ** (-np.maximum(np.asarray(months, dtype=float), 0.0) / 12.0)


def _tables(state):
    """The contract table and the books, read only here (a tuple: not an alias the state checker
    would count as a write)."""
    return state.contracts, state.books


def spv_debt_rows(state) -> np.ndarray:
    """Rows (ascending) of active debt owed by SPVs, kept with the table's structure (the live
    ones with principal left are every project's debt)."""
    c, _ = _tables(state)
    spv = state.registry.kind == Kind.SPV
    return c.selection("debt rows owed by SPVs", lambda at: c.is_debt[at] & (c.obligor[at] >= 0) & spv[c.obligor[at]])


def _spv_claims(state) -> np.ndarray:
    """Carrying value of the claims SPVs hold (USD bn per institution, zero for other kinds): the
    books' claims read from the rows SPVs hold (kept with the structure), the same sums per holder."""
    c, _ = _tables(state)
    spv = state.registry.kind == Kind.SPV
    rows = c.selection(
        "claims held by SPVs",
        lambda at: (c.is_debt[at] | c.is_stake[at]) & (c.creditor[at] >= 0) & spv[c.creditor[at]],
    )
    value = c.value_of(rows)
    return np.bincount(c.creditor[rows], weights=value, minlength=state.n)


def project_rows(state) -> np.ndarray:
    """Institutions valued as projects: live SPVs."""
    kind = state.registry.kind
    return np.flatnonzero((kind == Kind.SPV) & (state.lifecycle.status != Status.DEFAULTED))


def lease_values(state, rows: np.ndarray) -> dict[str, np.ndarray]:
    """Value (USD bn) of each executory row in ``rows`` to its provider, by component."""
    c, _ = _tables(state)
    t = state.month
    rules = state.spec.resolution
    demand = state.ai.demand_state
    treasury = treasury_yield(state)
    tenant = c.obligor[rows]
    r_ten = treasury + np.maximum(state.credit.spread[tenant], 0.0)
    r_mkt = treasury + rules.merchant_spread
    usage = state.ai.usage
    top = c.take_or_pay[rows]
    pay = c.payment[rows] * (top + (1.0 - top) * usage)
    market = c.payment[rows] * min(demand.rent_index, 1.0) * usage

    start = np.maximum(c.start[rows], t)
    term_end = committed_term_end(c, rows, t)
    delay = start - t  # months before the first payment still to come (0 once running)
    d_ten = monthly_factor(r_ten)  # shared by the tenant-rate annuities
    committed = pay * geometric_sum(d_ten, payment_months(term_end - start + 1)) * _discount(delay, r_ten)
    after_term = np.maximum(c.maturity[rows] - term_end, 0)
    to_term = term_end - t + 1
    to_term_ten = _discount(to_term, r_ten)
    renewed = pay * geometric_sum(d_ten, payment_months(after_term)) * to_term_ten
    q = lease_up_share(state)  # re-let capacity finds tenants as the market absorbs it
    relet_after_term = market * leased_annuity(after_term, r_mkt, q) * _discount(to_term, r_mkt)

    p_renew, rvg = _renewal(state, rows, after_term)
    to_end = c.maturity[rows] - t + 1
    rvg_pv = (1.0 - p_renew) * rvg * to_term_ten + p_renew * rvg * _discount(to_end, r_ten)
    beyond = p_renew * renewed + (1.0 - p_renew) * relet_after_term
    return {
        "committed": committed,
        "beyond": beyond,
        "rvg": rvg_pv,
        "p_renew": p_renew,
        "market": market,
        "pay": pay,
        "end": c.maturity[rows],
    }


def _renewal(state, rows: np.ndarray, after_term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Renewal probability and RVG shortfall (USD bn) of executory ``rows`` with ``after_term``
    months past their committed term: the tenant's own incentives (section 7.8's appraisal), only
    where there is a renewal to price or a guarantee."""
    c, _ = _tables(state)
    p_renew = np.ones(rows.size)
    rvg = np.zeros(rows.size)
    ask = np.flatnonzero((after_term > 0) | (c.rvg[rows] > 0))
    if ask.size:
        a = appraise(state, rows[ask], state.month, walk=False)
        keep_next = kept_next(state, a)
        p_ask = np.clip(ratio(keep_next + a["rvg_cost"], a["next_pay"], default=1.0), 0.0, 1.0)
        p_renew[ask] = np.where(after_term[ask] > 0, p_ask, 1.0)
        rvg[ask] = a["rvg_short"]
    return p_renew, rvg


def renewal_probability_of(state, rows: np.ndarray) -> np.ndarray:
    """:func:`lease_values`'s ``p_renew`` of executory ``rows``, without the values."""
    c, _ = _tables(state)
    after_term = np.maximum(c.maturity[rows] - committed_term_end(c, rows, state.month), 0)
    return _renewal(state, rows, after_term)[0]


def project_values(state) -> dict[str, np.ndarray]:
    """Per institution: project value, debt, cover, debt-service cover and rating band (projects only).

    Non-projects get NaN value and cover and band -1. Returns also ``has_flows``: whether the
    project has contracted or re-let flows to value (otherwise its debt keeps the book-equity mark),
    and ``debt_rows``: the projects' debt rows with principal left (ascending), which
    :func:`project_marks` marks.
    """
    n = state.n
    c, b = _tables(state)
    t = state.month
    rules = state.spec.resolution
    demand = state.ai.demand_state
    at = project_rows(state)
    proj = np.zeros(n, dtype=bool)
    proj[at] = True
    value = np.full(n, np.nan)
    cover = np.full(n, np.nan)
    dscr = np.full(n, np.nan)
    band = np.full(n, -1, dtype=np.int64)
    has_flows = np.zeros(n, dtype=bool)
    if at.size == 0:
        return {
            "value": value,
            "debt": np.zeros(n),
            "cover": cover,
            "dscr": dscr,
            "band": band,
            "has_flows": has_flows,
            "debt_rows": np.zeros(0, dtype=np.int64),
        }

    debt_rows = spv_debt_rows(state)
    debt_rows = debt_rows[(c.principal[debt_rows] > 0) & proj[c.obligor[debt_rows]]]
    # (float even with no rows: bincount of nothing is int64)
    debt = np.bincount(c.obligor[debt_rows], weights=c.principal[debt_rows], minlength=n).astype(float, copy=False)
    debt[at] += b.ext_liab[at]
    horizon = np.full(n, t)
    np.maximum.at(horizon, c.obligor[debt_rows], c.maturity[debt_rows])

    ex = c.executory_rows
    ex = ex[(c.creditor[ex] >= 0) & (c.obligor[ex] >= 0) & (c.maturity[ex] >= t)]
    ex = ex[proj[c.creditor[ex]] & (state.lifecycle.status[c.obligor[ex]] != Status.DEFAULTED)]
    going = np.zeros(n)
    rent_now = np.zeros(n)
    r_mkt = treasury_yield(state) + rules.merchant_spread
    q = lease_up_share(state)
    if ex.size:
        v = lease_values(state, ex)
        owner = c.creditor[ex]
        np.maximum.at(horizon, owner, v["end"])
        h = horizon[owner]
        tail = v["market"] * leased_annuity(np.maximum(h - v["end"], 0), r_mkt, q) * _discount(v["end"] - t + 1, r_mkt)
        going += np.bincount(owner, weights=v["committed"] + v["beyond"] + v["rvg"] + tail, minlength=n)
        running = c.start[ex] <= t
        rent_now += np.bincount(owner[running], weights=v["pay"][running], minlength=n)
        has_flows[owner] = True
    # from here on, the projects only (``at``, ascending): the rest of the outputs stay NaN / -1
    relet = state.operations.relet[at]
    vacant = np.minimum(state.operations.vacant[at], relet)
    rent_index = min(demand.rent_index, 1.0) * state.ai.usage
    to_horizon = np.maximum(horizon[at] - t, 0)
    relet_rent = (relet - vacant) * rent_index
    leased = leased_annuity(to_horizon, r_mkt, q)  # also the empty facility's value below
    plain = annuity(to_horizon, r_mkt)
    going = going[at] + (relet_rent * plain + vacant * rent_index * leased)
    rent_now = rent_now[at] + relet_rent
    has_flows[at] |= relet > 0

    # collateral: GPUs at the secondary price; a facility at what a buyer pays for it empty, the PV
    # of its whole capacity re-let at market rent to the horizon as the market absorbs it (leased up
    # from empty at the share q a month); both less the bankruptcy cost
    let = np.bincount(c.creditor[ex], weights=c.payment[ex], minlength=n)[at] if ex.size else np.zeros(at.size)
    capacity_rent = (let + relet) * rent_index
    empty = np.where(b.facility[at] > 0, capacity_rent * leased, 0.0)
    tradables = b.holdings[at] @ state.markets.marked_price
    collateral = (tradables + empty) * (1.0 - rules.bankruptcy_cost)
    value[at] = b.cash[at] + _spv_claims(state)[at] + np.maximum(going, collateral)
    debt_at = debt[at]
    cover[at] = np.where(debt_at > 1e-12, ratio(value[at], debt_at, default=np.inf), np.nan)

    # this month's debt service: interest plus amortisation (bullets at maturity)
    started = debt_rows[c.start[debt_rows] <= t]
    months_left = np.maximum(c.maturity[started] - t + 1, 1)
    service_row = c.principal[started] * c.rate[started] / 12.0 + np.where(
        c.amortising[started], c.principal[started] / months_left, 0.0
    )
    service = np.bincount(c.obligor[started], weights=service_row, minlength=n)[at]
    dscr[at] = np.where(service > 1e-12, ratio(rent_now, service, default=np.inf), np.nan)

    safe_cover = np.where(np.isnan(cover[at]), np.inf, cover[at])
    band[at] = np.searchsorted(-COVER_FLOORS, -safe_cover, side="right")
    return {
        "value": value,
        "debt": debt,
        "cover": cover,
        "dscr": dscr,
        "band": band,
        "has_flows": has_flows,
        "debt_rows": debt_rows,
    }


def project_marks(state, values: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Target credit marks of debt rows owed by projects with flows to value: ``(rows, marks)``.

    The project value is shared by seniority tier (outside liabilities rank senior), pro rata
    within a tier.
    """
    c, _ = _tables(state)
    n = state.n
    use = values["has_flows"] & np.isfinite(values["value"])
    rows = values["debt_rows"]  # the projects' debt with principal left (projects are SPVs)
    rows = rows[use[c.obligor[rows]]]
    if rows.size == 0:
        return rows, np.zeros(0)
    who = np.flatnonzero(use)
    slot = np.full(n, -1, dtype=np.int64)  # the projects numbered 0..m-1: the tiers of m, not of n
    slot[who] = np.arange(who.size)
    tier_rows = senior_tier(c.seniority[rows])
    ob = np.concatenate([slot[c.obligor[rows]], np.arange(who.size)])
    face = np.concatenate([c.principal[rows], _tables(state)[1].ext_liab[who]])
    tier = np.concatenate([tier_rows, np.ones(who.size, dtype=np.int64)])
    # per (project, tier) in order of appearance, as np.add.at would add them
    totals = np.bincount(ob * N_TIERS + tier, weights=face, minlength=who.size * N_TIERS).reshape(who.size, N_TIERS)
    before = np.cumsum(totals, axis=1) - totals
    v = np.maximum(values["value"][who], 0.0)
    frac = np.clip(np.divide(v[:, None] - before, totals, out=np.ones_like(totals), where=totals > 1e-12), 0.0, 1.0)
    return rows, frac[slot[c.obligor[rows]], tier_rows]


def update_ratings(state, values: dict[str, np.ndarray]) -> None:
    """Record every project's rating band and cover (defaulted SPVs: band 7)."""
    band = values["band"].copy()
    dead = (state.registry.kind == Kind.SPV) & (state.lifecycle.status == Status.DEFAULTED)
    band[dead] = len(BANDS) - 1
    state.credit.rating = band
    state.credit.project_cover = values["cover"]
