"""The customer's rule for leases and offtakes: keep paying, walk away, or not renew.

A customer (a tech giant or an AI lab) compares, for each of its leases and offtakes:

* ``P``: present value of the payments left in the current term (at its discount rate);
* ``V``: present value of the AI cash flow it expects from the capacity: its share of AI end
  revenue net of AI operating costs, projected from today's revenue toward the expected revenue
  at the horizon (then flat), plus what it earns re-selling capacity under its own contracts,
  attributed to the contract in proportion to its payment among the customer's compute spending
  (contracts plus its own capex);
* ``R``: what replacing the capacity it uses would cost at today's market rent (the contract rent
  moved by the GPU rental index and usage);
* ``T``: the cost of walking away: the termination fee, the residual value guarantee shortfall
  (the fall of the facility's value to its re-let value, capped at the guarantee; as the guarantee
  is owed at the lease's end in any case, only the cost of paying it sooner counts:
  ``shortfall x (1 - discount factor to the lease's end)``) and a reputation penalty (a spread on
  all its debt for some years).

A lease is also worth at least what the capacity would fetch if sublet at today's market rent,
``S`` (the contract rent moved by the GPU rental index and usage, let as fast as the market absorbs
idle capacity: mechanisms/relet.py), so the value kept is ``K = max(V, R, S)``
(``resolution.strategic_value: derived``, the default: every input observable) or
``K = max(kappa V, S)`` (``calibrated``: a *strategic value multiplier* ``kappa`` by revealed
preference at signing, :func:`strategic_value`). :func:`kept_values` gives both. Consolidation of
the SPV and cross-default add nothing to ``T`` (section 7.8 of the model description: walking does not give
control of the SPV, and its non-recourse debt does not cross-default into the tenant's bonds).

**Strategic default**: it terminates mid-term when ``P > K + T``. **Non-renewal**: at the end of
a renewable term it does not renew when the next term's ``P > K + RVG cost`` (the cost of paying
the guarantee now rather than at the lease's end, when it is owed in any case). It walks only
from contracts whose fees it can pay out of its cash now (the most costly to keep first); a
customer that cannot pay keeps paying until it recovers or defaults. Both are economic rules,
never random triggers; the parameters are in the scenario.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.contract_types import STAKE_TYPES
from aicontagion.core.decisions import Decisions
from aicontagion.core.numeric import geometric_sum
from aicontagion.core.obligations import Purpose
from aicontagion.mechanisms.relet import lease_up_share
from aicontagion.mechanisms.resolution import contract_share as resolution_share

READS = ("ai", "books", "channels", "dues", "month", "operations", "registry", "snapshot", "spec", "system")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts",)
"""State groups this mechanism writes."""


def pv_growing(months, monthly_growth, growth_months, annual_rate) -> np.ndarray:
    """PV of a flow of 1 now growing at ``monthly_growth`` (log) for ``growth_months``, then flat.

    Paid at month ends for ``months`` months; discounted at ``annual_rate``. Closed form.
    """
    return _pv_growing(months, monthly_growth, growth_months, monthly_factor(annual_rate))


def monthly_factor(annual_rate) -> np.ndarray:
    """The one-month discount factor ``(1 + annual_rate)^(-1/12)``."""
    return (1.0 + np.asarray(annual_rate, dtype=float)) ** (-1.0 / 12.0)


def _pv_growing(months, monthly_growth, growth_months, d) -> np.ndarray:
    """:func:`pv_growing` at the one-month discount factor ``d`` (:func:`monthly_factor`)."""
    months = np.maximum(np.asarray(months, dtype=float), 0.0)
    g = np.asarray(monthly_growth, dtype=float)
    h = np.minimum(np.asarray(growth_months, dtype=float), months)
    q = np.exp(g) * d  # growth-and-discount per month
    first = np.where(np.abs(q - 1) < 1e-12, h, q * (1 - q**h) / np.where(np.abs(1 - q) < 1e-12, 1, 1 - q))
    rest_n = months - h
    tail = np.where(np.abs(d - 1) < 1e-12, rest_n, d * (1 - d**rest_n) / np.where(np.abs(1 - d) < 1e-12, 1, 1 - d))
    return first + np.exp(g * h) * d**h * tail


def committed_term_end(c, rows: np.ndarray, t: int) -> np.ndarray:
    """Last month of the term the customer of each lease/offtake ``rows`` is committed to at month
    ``t``: the current renewal term's last month for a renewable contract, its maturity otherwise
    (never past the maturity)."""
    renewable = c.renewal[rows] > 0
    elapsed = np.maximum(t - c.start[rows], 0)
    term_end = np.where(
        renewable,
        c.start[rows] + (elapsed // np.maximum(c.renewal[rows], 1) + 1) * c.renewal[rows] - 1,
        c.maturity[rows],
    )
    term_end = np.minimum(term_end, c.maturity[rows])
    return term_end


def appraise(state, rows: np.ndarray, month: int, walk: bool = True) -> dict[str, np.ndarray]:
    """P, V and walk-away cost T (USD bn) of executory contract ``rows`` for their customers.

    Also returns the renewal-time values (``next_pay``, ``next_val``), ``at_renewal``, the RVG
    shortfall and the reputation penalty parameters. ``V`` is before the customer's strategic
    value multiplier. With ``walk`` False only what a renewal is priced on (``customer``,
    ``rvg_short``, ``rvg_cost``, ``at_renewal`` and the ``next_*`` values: what
    :func:`kept_next` and the valuation's renewal probability read), the same numbers.
    """
    c = state.contracts
    t = month
    cust = c.obligor[rows]
    disc = _param(state, "discount_rate", cust)
    demand = state.ai.demand_state
    horizon = state.spec.productivity.expectation_horizon_years * 12.0
    growth = np.log(max(demand.expected_revenue, 1e-9) / max(demand.revenue, 1e-9)) / horizon

    # AI cash flow per month of each customer (growing with expectations) and contract income (flat)
    flows = state.system.flows
    gross = flows["ai_revenue_share"] * (1.0 - flows["ai_cost_share"]) * demand.revenue / 12.0
    live = c.executory_rows
    live = live[(c.maturity[live] >= t) & (c.obligor[live] >= 0)]
    provided = live[c.creditor[live] >= 0]
    income = np.bincount(c.creditor[provided], weights=c.payment[provided], minlength=state.n)
    spend = np.bincount(c.obligor[live], weights=c.payment[live], minlength=state.n) + state.operations.capex_plan
    weight = c.payment[rows] / np.maximum(spend[cust], 1e-12)

    renewable = c.renewal[rows] > 0
    term_end = committed_term_end(c, rows, t)
    # the annuities below share the one-month factor (and the re-let ones the plain annuity's
    # sum: mechanisms/relet.py's leased_annuity is that sum less the vacant months' own)
    step_disc = monthly_factor(disc)
    vacant = (1.0 - min(max(lease_up_share(state), 0.0), 1.0)) * step_disc  # leased_annuity's clip, on a float
    # what the capacity would fetch if sublet at today's market rent (the contract rent moved by the
    # GPU rental index and usage), let as the market absorbs idle capacity (mechanisms/relet.py):
    # a lease is worth at least that to its holder
    market = demand.rent_index * state.ai.usage

    keep = max(min(demand.rent_index, 1.0), state.spec.resolution.relet_floor)
    provider = c.creditor[rows]
    facility = np.where(provider >= 0, state.books.facility[np.maximum(provider, 0)], 0.0)
    impairment = facility * resolution_share(c, rows) * (1.0 - keep)
    rvg_short = np.minimum(c.rvg[rows], impairment)
    # the guarantee is owed at the lease's end in any case: walking early only pays it sooner
    to_end = np.maximum(c.maturity[rows] - t, 0)
    rvg_cost = rvg_short * (1.0 - (1.0 + disc) ** (-to_end / 12.0))
    # the customer's own stake in the provider loses its share of what the provider loses: the
    # facility's fall to its re-let value less what the customer pays it
    stake = _stake_in_provider(state, cust, provider)
    equity = np.where(provider >= 0, np.maximum(state.books.equity[np.maximum(provider, 0)], 0.0), 0.0)
    stake_expiry = stake * np.minimum(equity, np.maximum(impairment - rvg_short, 0.0))

    at_renewal = renewable & (t == term_end) & (term_end < c.maturity[rows])
    next_months = np.minimum(c.renewal[rows], c.maturity[rows] - t)
    nxt = payment_months(next_months)
    next_annuity = geometric_sum(step_disc, nxt)
    next_pay = c.payment[rows] * next_annuity * step_disc
    next_growing = _pv_growing(next_months, growth, horizon, step_disc)
    next_val = weight * (gross[cust] * np.exp(growth) * next_growing + income[cust] * next_annuity) * step_disc
    next_sublet = c.payment[rows] * market * (next_annuity - geometric_sum(vacant, nxt)) * step_disc
    # what replacing the capacity it uses at today's market rent would cost the customer (idle
    # capacity is there to take, so no lease-up): the 'derived' strategic value
    next_replace = c.payment[rows] * market * next_annuity * step_disc
    out = {
        "customer": cust,
        "next_sublet": next_sublet,
        "next_replace": next_replace,
        "rvg_short": rvg_short,
        "rvg_cost": rvg_cost + stake_expiry,
        "at_renewal": at_renewal,
        "next_pay": next_pay,
        "next_val": next_val,
    }
    if not walk:
        return out

    # walking away now: the rest of the committed term
    delay = np.maximum(c.start[rows] - t, 0)
    months_left = term_end - np.maximum(t, c.start[rows]) + 1
    dfac = (1.0 + disc) ** (-delay / 12.0)
    left = payment_months(months_left)
    term_annuity = geometric_sum(step_disc, left)
    pay_pv = c.payment[rows] * term_annuity * dfac
    growing = _pv_growing(months_left, growth, np.maximum(horizon - delay, 0), step_disc)
    grown = gross[cust] * np.exp(growth * delay) * growing
    value_pv = weight * (grown + income[cust] * term_annuity) * dfac
    sublet_pv = c.payment[rows] * market * (term_annuity - geometric_sum(vacant, left)) * dfac
    debt = state.snapshot.debt  # the decide stage's snapshot
    rep_spread = _param(state, "reputation_spread", cust)
    rep_years = _param(state, "reputation_years", cust)
    rep = rep_spread * rep_years * debt[cust]
    # expectation damages: a solvent customer repudiating mid-term owes the rent it repudiates over
    # the committed term less what the provider re-lets the capacity for (the contract's own fee
    # if larger); the one-year cap of the lease claim applies only in the customer's bankruptcy
    damages = np.maximum(pay_pv - sublet_pv, 0.0) if state.spec.resolution.expectation_damages else 0.0
    fee = np.maximum(c.termination_fee[rows], damages)
    stake_walk = stake * np.minimum(equity, np.maximum(impairment - fee - rvg_short, 0.0))
    replace_pv = c.payment[rows] * market * term_annuity * dfac
    return out | {
        "pay_pv": pay_pv,
        "value_pv": value_pv,
        "sublet_pv": sublet_pv,
        "replace_pv": replace_pv,
        "reputation": rep,
        "fee": fee,
        "stake_cost": stake_walk,
        "walk_cost": fee + rvg_cost + rep + stake_walk,
        "rep_spread": rep_spread,
        "rep_years": rep_years,
    }


def kept_values(state, a: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Value the customers keep by keeping each appraised contract ``a`` (:func:`appraise`), now
    and at renewal (USD bn): ``max(kappa V, S)`` with ``resolution.strategic_value: calibrated``;
    ``max(V, R)`` with ``derived``, ``R`` the cost of replacing the capacity at market rent."""
    if state.spec.resolution.strategic_value == "derived":
        now = np.maximum(np.maximum(a["value_pv"], a["replace_pv"]), a["sublet_pv"])
    else:
        now = np.maximum(state.operations.strategic_value[a["customer"]] * a["value_pv"], a["sublet_pv"])
    return now, kept_next(state, a)


def kept_next(state, a: dict[str, np.ndarray]) -> np.ndarray:
    """The renewal half of :func:`kept_values` (all an appraisal with ``walk=False`` has)."""
    if state.spec.resolution.strategic_value == "derived":
        return np.maximum(np.maximum(a["next_val"], a["next_replace"]), a["next_sublet"])
    kappa = state.operations.strategic_value[a["customer"]]
    return np.maximum(kappa * a["next_val"], a["next_sublet"])


def strategic_value(state) -> tuple[np.ndarray, np.ndarray]:
    """Each customer's strategic value multiplier, calibrated by revealed preference.

    With ``resolution.strategic_value: derived`` there is no multiplier (kappa 1) and every
    contract is valued: the customer keeps the larger of its AI value and the cost of replacing
    the capacity at market rent (:func:`kept_values`).

    The contracts in the scenario were signed voluntarily, so at the start each customer valued
    every one at least at its cost plus a ``signing_margin``. The multiplier
    ``kappa_i = max(1, (1 + margin_i) max_c P_c / V_c)`` (at the start) is the smallest that gives
    its least valuable contract that margin: it stands for what
    the customer expects beyond its share of AI revenue (strategic position, uplift of its core
    business). A customer walks away later only when expectations fall below those that justified
    signing by more than the walk-away cost covers.

    Returns ``kappa`` per institution and, per contract row, whether the model could value the
    contract at signing: a contract worth nothing in the model's terms (a customer with no AI
    revenue and nothing to resell) was signed for reasons the model does not see, so the value
    rule never ends it (only the customer's default does).
    """
    c = state.contracts
    kappa = np.ones(state.n)
    valued = np.zeros(c.size, dtype=bool)
    rows = c.executory_rows
    rows = rows[(c.obligor[rows] >= 0) & (c.maturity[rows] >= 0)]
    if state.spec.resolution.strategic_value == "derived":
        valued[rows] = True
        return kappa, valued
    if rows.size == 0:
        return kappa, valued
    a = appraise(state, rows, 0)
    has_value = a["value_pv"] > 1e-12
    valued[rows] = has_value
    ratio = a["pay_pv"][has_value] / a["value_pv"][has_value]
    ratio *= 1.0 + _param(state, "signing_margin", a["customer"][has_value])
    np.maximum.at(kappa, a["customer"][has_value], ratio)
    return kappa, valued


def review_commitments(state, customers: np.ndarray, decisions: Decisions, event: str) -> None:
    """Record strategic defaults and non-renewals of ``customers`` (rows) for this month."""
    c = state.contracts
    t = state.month
    is_customer = np.zeros(state.n, dtype=bool)
    is_customer[customers] = True
    rows = c.executory_rows
    rows = rows[(c.maturity[rows] >= t) & (c.obligor[rows] >= 0)]
    rows = rows[is_customer[c.obligor[rows]]]
    if rows.size == 0:
        return
    a = appraise(state, rows, t)
    valued = state.operations.valued_at_signing[rows]
    keep_now, keep_next = kept_values(state, a)
    no_renew = valued & a["at_renewal"] & (a["next_pay"] > keep_next + a["rvg_cost"])
    walk = valued & ~a["at_renewal"] & (a["pay_pv"] > keep_now + a["walk_cost"])
    walk &= state.channels.strategic_default  # ablation: nobody walks before the contract ends
    saving = np.where(no_renew, a["next_pay"] - keep_next - a["rvg_cost"], a["pay_pv"] - keep_now - a["walk_cost"])
    fees = np.where(no_renew, 0.0, a["fee"]) + a["rvg_short"]

    # a customer walks only from contracts whose fees it can pay now, the most costly to keep first
    budget = np.maximum(state.books.cash - state.dues.due_now, 0.0)
    chosen = []
    for k in sorted(np.flatnonzero(walk | no_renew), key=lambda k: -saving[k]):
        i = int(a["customer"][k])
        if fees[k] <= budget[i] + 1e-12:
            budget[i] -= fees[k]
            chosen.append(k)

    for k in chosen:
        row = int(rows[k])
        i = int(a["customer"][k])
        what = "non_renewal" if no_renew[k] else event
        fee = fees[k]
        pv, vv = (a["next_pay"][k], keep_next[k]) if no_renew[k] else (a["pay_pv"][k], keep_now[k])
        why = f"value kept {vv:.3g} < lease cost {pv:.3g}"
        if not no_renew[k]:
            why += f" - walk cost {a['walk_cost'][k]:.3g}"
        decisions.terminations.append((row, what, why))
        if fee > 0:
            decisions.obligations.add(i, int(c.creditor[row]), fee, 1, Purpose.FEE, row)
        c.rvg[row] = 0.0  # the guarantee is settled now; the lease's expiry will not charge it again
        if not no_renew[k] and a["reputation"][k] > 0:
            decisions.reputation.append((i, float(a["rep_spread"][k]), float(a["rep_years"][k])))


def annuity(months, annual_rate):
    """PV of 1 a month for ``months`` months (paid at month ends): :func:`pv_growing` without growth."""
    return geometric_sum(monthly_factor(annual_rate), payment_months(months))


def payment_months(months) -> np.ndarray:
    """``months`` as floats, at least 0 (the count of an annuity's payments)."""
    return np.maximum(np.asarray(months, dtype=float), 0.0)


def _stake_in_provider(state, customers: np.ndarray, providers: np.ndarray) -> np.ndarray:
    """Share of each provider's equity its customer holds (0 where none)."""
    c = state.contracts
    span = state.n + 1  # a (holder, issuer) pair as one key
    # the stakes between institutions sorted by that key, kept with the structure (the shares are
    # read fresh): the sort is the same as on each call, so is the stake a duplicate pair finds
    stakes = c.cached("stakes between institutions by pair", lambda: _stakes_by_pair(c, span), STAKE_TYPES)
    out = np.zeros(customers.size)
    if stakes.size == 0:
        return out
    key = c.cached("pair keys of the sorted stakes", lambda: c.creditor[stakes] * span + c.obligor[stakes], STAKE_TYPES)
    want = customers * span + providers
    pos = np.searchsorted(key, want)
    pos = np.minimum(pos, key.size - 1)
    hit = (key[pos] == want) & (providers >= 0)
    return np.where(hit, c.share[stakes[pos]], 0.0)


def _stakes_by_pair(c, span: int) -> np.ndarray:
    """Rows of the active stakes between institutions, sorted by ``holder x span + issuer``."""
    stakes = c.stake_rows
    stakes = stakes[(c.creditor[stakes] >= 0) & (c.obligor[stakes] >= 0)]
    return stakes[np.argsort(c.creditor[stakes] * span + c.obligor[stakes])]


def _param(state, name: str, who: np.ndarray) -> np.ndarray:
    """A tenancy parameter of each customer in ``who``, whatever its kind (giant or lab)."""
    out = np.zeros(who.size)
    for label in ("tech_giant", "ai_lab"):
        values = state.registry.params[label][name][who]
        out = np.where(np.isnan(values), out, values)
    return out
