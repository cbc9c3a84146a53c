"""The state company takes over failed borrowers' facilities (the GSE analogy's creditor bailout).

When a borrower the company's mandate covers (SPVs, neoclouds: :class:`StateCompany` ``kinds``)
defaults, the resolution offers it the estate first (the resolution's takeover hook,
:mod:`aicontagion.mechanisms.resolution`). With ``takeover=True`` the company

* **buys the facility and the GPUs** at their carrying value: the buildings at book (depreciated
  cost, the part already written down when vacated at its written-down value) and the GPUs at the
  price their holders carry them at (``markets.marked_price``). This is the going-concern value of
  capacity that keeps its tenants: the company takes over the customer contracts, so, unlike the
  liquidation (which sells the facility empty, at its re-let value less the bankruptcy cost, and
  dumps the GPUs on the market with price impact), nothing is vacated and nothing is fire-sold.
  Carrying value is the valuation the model already has for every facility and GPU, so neither
  side books a gain or loss at the purchase; what the company overpays against the fire sale is
  the creditors' gain (their recovery rises by that difference) and becomes the company's cost
  later, through its net worth (rents that do not cover depreciation and agency coupons,
  impairments when its new tenants leave) and the Treasury's conservatorship injections;
* **pays with newly issued agency bonds** (:meth:`StateCompany.issue`, what its cash does not cover);
  the price is cash in the estate and counts as the secured lenders' collateral;
* **keeps operating them**: every live executory contract in which the failed borrower is the
  provider (leases, offtakes) changes provider to the company (the contract table names one
  provider per row, and the customer's terms, rent and take-or-pay share are unchanged), so the
  company receives the rents from then on; capacity the failed borrower had vacated and was
  re-letting (``operations.relet`` / ``vacant``) moves with the facility and is let at market rent
  as the market absorbs it (:mod:`aicontagion.mechanisms.relet`).

* **bears their running costs**: the failed borrower's monthly ``opex`` flow and the operating
  cost of the GPUs it had bought in the run (``compute.gpu_operating_cost`` a year per unit, as
  the income stage charges a GPU renter) pass to the company with the facility
  (:func:`operating_costs`, fixed at the takeover, as the borrower's own ``opex`` was), paid each
  month in the decide stage.

What it does not take over: the failed borrower's own leases as a tenant (they end in the
default, their lessors claim as usual), its claims and stakes (sold to outside buyers as usual).
Because the customer contracts survive (assumed and assigned, as a trustee may under 11 U.S.C.
s.365, instead of ending in the default), the customers stay bound to pay for them.
At most the company's ``budget`` (shared with the loans it buys) is spent on takeovers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aicontagion.core.kinds import Kind
from aicontagion.network.contracts import EXTERNAL

LABEL = "state_company_takeover"


def estate_value(state, who: np.ndarray) -> np.ndarray:
    """What the company pays for each of ``who``'s facility and GPUs (USD bn): carrying value."""
    b = state.books
    value = b.facility[who].copy()
    g = state.registry.gpu_class
    if g >= 0:
        value += b.holdings[who, g] * float(state.markets.marked_price[g])
    return value


def eligible(state, company: int, defaulted: np.ndarray, targets: np.ndarray, room: float) -> np.ndarray:
    """The defaulters among ``targets`` with something to take, in row order, while the cumulative
    price stays within ``room`` (USD bn)."""
    mask = np.zeros(state.n, dtype=bool)
    mask[targets] = True
    who = np.asarray(defaulted, dtype=np.int64)
    who = who[mask[who] & (who != company) & (state.registry.kind[who] != Kind.GOVERNMENT)]
    price = estate_value(state, who)
    keep = (price > 1e-12) & (np.cumsum(price) <= room + 1e-9)
    return who[keep]


def operating_costs(state, who: np.ndarray) -> float:
    """Monthly running costs (USD bn/month) of ``who``'s facilities: their ``opex`` flow plus the
    operating cost of the GPUs bought in the run, for those that rent GPUs (as the income stage)."""
    if who.size == 0:
        return 0.0
    gpu = state.spec.compute.gpu_operating_cost / 12.0 * state.operations.gpu_new[who]
    gpu = np.where(state.system.rents_gpus[who], gpu, 0.0)
    return float(state.system.flows["opex"][who].sum() + gpu.sum())


def take_over(state, company: int, who: np.ndarray, issue: Callable[[float], None]) -> np.ndarray:
    """The company buys ``who``'s facilities and GPUs and takes over their provider contracts and
    re-let capacity; ``issue(amount)`` sells the agency bonds that fund what its cash does not.
    Returns the price paid per institution (USD bn, all rows)."""
    paid = np.zeros(state.n)
    if who.size == 0:
        return paid
    b, c, ops = state.books, state.contracts, state.operations
    price = estate_value(state, who)
    total = float(price.sum())
    issue(max(total - max(float(b.cash[company]), 0.0), 0.0))
    b.transfer(np.full(who.size, company), who, price, LABEL)
    b.facility[company] += float(b.facility[who].sum())
    b.facility[who] = 0.0
    g = state.registry.gpu_class
    if g >= 0:
        b.holdings[company, g] += float(b.holdings[who, g].sum())
        b.holdings[who, g] = 0.0
        ops.gpu_new[company] += float(ops.gpu_new[who].sum())
        ops.gpu_new[who] = 0.0
    for field in ("relet", "vacant"):  # vacated capacity being re-let goes with the facility
        arr = getattr(ops, field)
        arr[company] += float(arr[who].sum())
        arr[who] = 0.0
    ex = c.executory_rows
    ex = ex[c.active[ex] & (c.creditor[ex] != EXTERNAL)]
    mine = ex[np.isin(c.creditor[ex], who)]
    if mine.size:
        c.set_creditor(mine, company)
    paid[who] = price
    for i, p in zip(who, price, strict=True):
        state.events.record(company, LABEL, float(p), f"facilities of {state.registry.ids[int(i)]}")
    return paid
