"""Default resolution: liquidate the estate, pay creditors by seniority, write off the rest.

When institutions default (they could not pay what was due in full, or their equity fell below
``-tol``), all of them are resolved together:

1. **Executory contracts end.** Where the defaulter is the customer, its provider gets an
   unsecured claim of ``lease_claim_months`` of payments (after US Bankruptcy Code s.502(b)(6),
   which caps a landlord's claim at about a year of rent) plus any residual value guarantee
   shortfall; the part of the facility the contract used is impaired to its re-let value. What
   the provider recovers for the lost payments is not a gain: it never carried those payments as
   an asset, and the recovery replaces payments it will not receive, so it is unearned income
   (``Books.deferred``), earned in equal parts over the contract's remaining months (the recovery
   for the guarantee shortfall offsets the impairment and is income at once; with
   ``resolution.lease_claim_income: immediate`` all of it is income at once, the ablation).
   Where it is the
   provider, its customers' contracts simply end; its own unearned income ends with the estate.
2. **The estate is sold.** Tradable holdings and traded claims go to the market in one round
   (price impact on every holder: the fire-sale channel); untraded claims, stakes and other assets
   go to outside buyers at carrying value less the bankruptcy cost (deadweight); a facility is
   sold empty, at its distressed re-let value (``max(min(rent index, 1), relet_floor)`` of book
   for the part still let, whose contracts end now; book for the part already written down when
   vacated) less the bankruptcy cost; an AI lab's franchise fetches only ``franchise_recovery``
   of its marked value (a lab that could not fund itself is not worth its sentiment-marked
   valuation). Undrawn credit lines the defaulter had granted are cancelled.
3. **Waterfall.** Secured claims are secured up to the value of their collateral (11 U.S.C.
   s.506(a)): the proceeds of the defaulter's GPUs and other tradables and of its facility pay
   them first; the deficiency ranks with the senior unsecured claims. Then deposits where they are
   preferred (a bank's outside liabilities: US depositor preference, 12 U.S.C. s.1821(d)(11)),
   then senior claims (incl. other outside debt and lease claims), then subordinated, pro rata
   within a tier; guarantees pay part of the shortfall. What is left over (a liquidity default can
   be solvent) goes to shareholders.
4. **Write-offs.** Unpaid claims are written off by their holders (COUNTERPARTY loss) and
   extinguished at the defaulter (RESOLUTION gain), leaving it with nothing: equity zero.

**Takeover hook.** ``takeover`` (a callable a policy installs, ``operations.takeover``; the state
company's takeover of failed facilities, :mod:`aicontagion.policies.takeover`) is offered the
defaulters before anything else happens: it may buy a defaulter's facility and GPUs, paying the
estate in cash, and take over the executory contracts in which the defaulter is the provider (they
then do not end). It returns the price it paid per institution (USD bn), which counts as the
collateral of the defaulter's secured lenders, as the proceeds of the facility and GPUs would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from aicontagion.core.books import Books, Channel
from aicontagion.core.contract_types import EXECUTORY_TYPES
from aicontagion.core.numeric import ratio
from aicontagion.core.params import Resolution
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType

READS: tuple[str, ...] = ()
"""None: a pure function of its arguments (it never sees the month state)."""
WRITES: tuple[str, ...] = ()


# clearing tiers in resolution: collateralised secured claims, preferred deposits, senior
# unsecured (incl. secured deficiencies, outside debt and lease claims), subordinated
SECURED_TIER, DEPOSIT_TIER, SENIOR_TIER, SUBORDINATED_TIER = 0, 1, 2, 3
N_TIERS = 4
TIER_OF_SENIORITY = np.array([SECURED_TIER, SENIOR_TIER, SUBORDINATED_TIER])


@dataclass
class ResolutionResult:
    """What one resolution round did (USD bn)."""

    defaulted: np.ndarray  # rows resolved
    estate: np.ndarray  # cash available to creditors, per defaulted row
    claims: np.ndarray  # total claims, per defaulted row
    recovered: np.ndarray  # paid to creditors, per defaulted row
    creditor_loss: np.ndarray  # per institution (all rows): what each lost on claims
    loss_source: np.ndarray  # per institution: the defaulter that cost it most (-1 none)
    guarantee_paid: np.ndarray  # per institution, paid as guarantor
    vacated: np.ndarray  # executory rows whose customer defaulted (their providers may re-let)


def resolve(
    books: Books,
    contracts: ContractTable,
    markets,
    defaulted: np.ndarray,
    month: int,
    rules: Resolution,
    relet_index: float,
    cause: np.ndarray,
    pay_guarantees: bool = True,
    relet: np.ndarray | None = None,
    preferred_outside: np.ndarray | None = None,
    takeover: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ResolutionResult:
    """Resolve the institutions in ``defaulted`` (row indices) in one round.

    ``cause`` (per institution, a :class:`Channel`) labels the write-offs on each defaulter;
    ``pay_guarantees=False`` (the ``guarantees`` channel off) leaves guarantees unpaid.
    ``relet`` (per institution, USD bn/month of capacity already vacated and re-let) tells which
    part of a facility was already written down to its re-let value; ``preferred_outside`` (per
    institution, bool) marks outside liabilities that are deposits, ranked ahead of senior debt.
    ``takeover(defaulted)`` (optional) buys collateral before the estate is sold and returns the
    price paid per institution (USD bn; see the module docstring).
    """
    n = books.n
    dset = np.zeros(n, dtype=bool)
    dset[defaulted] = True
    c = contracts
    cost = rules.bankruptcy_cost

    # a defaulter's unearned income is owed to nobody: it ends with the estate
    books.book(defaulted, books.deferred[defaulted], Channel.RESOLUTION)
    books.deferred[defaulted] = 0.0
    books.deferred_release[defaulted] = 0.0
    taken = np.zeros(n) if takeover is None else np.asarray(takeover(defaulted), dtype=float)
    occupied = _occupied_share(c, dset, relet)  # before the defaulters' contracts end
    # 1. executory contracts: customer defaults -> provider claims; provider defaults -> ends
    ex = c.executory_rows
    ex = ex[dset[c.obligor[ex]] | (c.creditor[ex] >= 0) & dset[np.maximum(c.creditor[ex], 0)]]
    lease_claim_rows = ex[dset[c.obligor[ex]]]
    remaining = months_left(c, lease_claim_rows, month)
    lessors = c.creditor[lease_claim_rows]
    keep = max(min(relet_index, 1.0), rules.relet_floor)
    facility = np.where(lessors >= 0, books.facility[np.maximum(lessors, 0)], 0.0)
    rvg_short = np.minimum(c.rvg[lease_claim_rows], facility * contract_share(c, lease_claim_rows) * (1.0 - keep))
    lease_claims = lease_claim(c, lease_claim_rows, month, rules.lease_claim_months) + rvg_short
    label = cause[c.obligor[lease_claim_rows]]
    for ch in np.unique(label):
        sel = label == ch
        vacate(books, contracts, lease_claim_rows[sel], relet_index, rules.relet_floor, Channel(int(ch)), dset)
    c.set_active(ex, False)

    lines = c.rows_of(ContractType.CREDIT_LINE)
    lines = lines[c.creditor[lines] >= 0]
    lines = lines[dset[c.creditor[lines]]]
    c.limit[lines] = c.principal[lines]  # a defaulted lender funds no more draws

    # 2. the estate: sell tradables and traded claims in one market round
    held_rows = np.flatnonzero(c.is_debt & (c.creditor >= 0) & (c.market >= 0) & (c.principal > 0))
    held_rows = held_rows[dset[c.creditor[held_rows]]]
    orders = np.zeros_like(books.holdings)
    orders[defaulted] = books.holdings[defaulted]
    # collateral: the GPUs and other tradables (their share of the round's proceeds) and facilities
    held_value = books.holdings @ markets.trade_price
    claim_value = np.bincount(c.creditor[held_rows], weights=c.value()[held_rows], minlength=n)
    cash_before = books.cash.copy()
    if orders.any() or held_rows.size:
        markets.clear_sales(books, contracts, orders, held_rows, np.ones(held_rows.size), "liquidation")
    proceeds = np.where(dset, books.cash - cash_before, 0.0)
    collateral = proceeds * ratio(held_value, held_value + claim_value)
    collateral += _sell_untraded(books, contracts, dset, cost, rules.franchise_recovery, occupied, keep)
    collateral += np.where(dset, taken, 0.0)  # what a takeover paid for the facility and GPUs

    # 3. waterfall over debt rows owed by the defaulters, outside debt and lease claims
    owed = np.flatnonzero(c.is_debt & (c.obligor >= 0) & (c.principal > 0))
    owed = owed[dset[c.obligor[owed]]]
    # a secured claim is secured up to the value of the collateral (11 U.S.C. s.506(a)): that part
    # is paid from the collateral first; the deficiency ranks with the senior unsecured claims
    tier = TIER_OF_SENIORITY[c.seniority[owed]]
    secured = tier == SECURED_TIER
    sec_total = np.bincount(c.obligor[owed][secured], weights=c.principal[owed][secured], minlength=n)
    covered = np.clip(ratio(collateral, sec_total, default=1.0), 0.0, 1.0)[c.obligor[owed]]
    covered = np.where(secured, covered, 1.0)
    deposits = np.zeros(defaulted.size, dtype=bool) if preferred_outside is None else preferred_outside[defaulted]
    claim_ob = np.concatenate([c.obligor[owed], c.obligor[owed], defaulted, c.obligor[lease_claim_rows]])
    claim_amt = np.concatenate(
        [c.principal[owed] * covered, c.principal[owed] * (1.0 - covered), books.ext_liab[defaulted], lease_claims]
    )
    claim_tier = np.concatenate(
        [
            tier,
            np.full(owed.size, SENIOR_TIER),
            np.where(deposits, DEPOSIT_TIER, SENIOR_TIER),
            np.full(lease_claim_rows.size, SENIOR_TIER),
        ]
    )
    estate = np.maximum(books.cash, 0.0)
    totals = np.zeros((n, N_TIERS))
    np.add.at(totals, (claim_ob, claim_tier), claim_amt)
    before = np.cumsum(totals, axis=1) - totals
    frac = np.clip(
        np.divide(estate[:, None] - before, totals, out=np.zeros_like(totals), where=totals > 1e-12), 0.0, 1.0
    )
    paid = claim_amt * frac[claim_ob, claim_tier]
    paid = np.concatenate([paid[: owed.size] + paid[owed.size : 2 * owed.size], paid[2 * owed.size :]])
    claim_ob = np.concatenate([claim_ob[: owed.size], claim_ob[2 * owed.size :]])
    k1, k2 = owed.size, owed.size + defaulted.size

    creditor_loss = np.zeros(n)
    loss_source = np.full(n, -1)
    # debt rows: pay what the estate covers, then write off the rest
    if owed.size:
        books.repay_principal(contracts, owed, paid[:k1], "recovery")
        lost = c.principal[owed] * c.mark[owed]
        cred = c.creditor[owed]
        if pay_guarantees:
            guarantee_paid, covered = _pay_guarantees(books, contracts, owed, c.principal[owed].copy())
        else:
            guarantee_paid, covered = np.zeros(n), np.zeros(owed.size)
        label = cause[c.obligor[owed]]
        for ch in np.unique(label):
            sel = label == ch
            books.book(cred[sel], -lost[sel], Channel(int(ch)))
            out = np.maximum(lost - covered, 0.0)[sel & (cred == EXTERNAL)].sum()
            if out:
                books.external.losses[Channel(int(ch)).name.lower()] += float(out)
        books.book(c.obligor[owed], c.principal[owed], Channel.RESOLUTION)
        inside = cred >= 0
        creditor_loss += np.bincount(cred[inside], weights=lost[inside], minlength=n)
        _largest_source(loss_source, cred[inside], c.obligor[owed][inside], lost[inside], n)
        c.principal[owed] = 0.0
        c.limit[owed] = 0.0
        c.set_active(owed, False)
    else:
        guarantee_paid = np.zeros(n)
        covered = np.zeros(0)
    # outside debt
    ext_paid = paid[k1:k2]
    books.transfer(defaulted, EXTERNAL, ext_paid, "recovery")
    ext_lost = books.ext_liab[defaulted] - ext_paid
    books.book(defaulted, ext_lost, Channel.RESOLUTION)
    for ch in np.unique(cause[defaulted]):
        books.external.losses[Channel(int(ch)).name.lower()] += float(ext_lost[cause[defaulted] == ch].sum())
    books.ext_liab[defaulted] = 0.0
    # lease claims: the provider never carried the future payments as an asset, so what it recovers
    # for them replaces payments it will not receive: unearned income, earned over the months those
    # payments would have fallen due; the part for the residual value guarantee shortfall offsets
    # the impairment booked on its facility now, so it is income now
    lease_paid = paid[k2:]
    if lease_paid.size:
        books.transfer(c.obligor[lease_claim_rows], lessors, lease_paid, "recovery")
        books.book(c.obligor[lease_claim_rows], -lease_paid, Channel.RESOLUTION)
        for_payments = lease_paid * ratio(lease_claims - rvg_short, lease_claims, default=0.0)
        if rules.lease_claim_income == "immediate":
            for_payments = np.zeros_like(for_payments)  # all of it income now (a gain at the default)
        books.defer(lessors, for_payments, remaining)
        books.book(lessors, lease_paid - for_payments, Channel.COUNTERPARTY)

    # 4. surplus to shareholders, then the defaulter is empty
    surplus = np.maximum(books.cash[defaulted], 0.0)
    _distribute_surplus(books, contracts, defaulted, surplus)
    recovered = np.bincount(claim_ob, weights=paid, minlength=n)[defaulted]
    claims = totals.sum(axis=1)[defaulted]
    return ResolutionResult(
        defaulted=defaulted,
        estate=estate[defaulted],
        claims=claims,
        recovered=recovered,
        creditor_loss=creditor_loss,
        loss_source=loss_source,
        guarantee_paid=guarantee_paid,
        vacated=lease_claim_rows,
    )


def months_left(contracts: ContractTable, rows, month: int) -> np.ndarray:
    """Payments left after this month's on executory ``rows`` (months)."""
    return np.maximum(contracts.maturity[rows] - max(month, 0), 0)


def lease_claim(contracts: ContractTable, rows, month: int, claim_months: int) -> np.ndarray:
    """A provider's claim for the rejected ``rows`` in its customer's bankruptcy (USD bn, before any
    guarantee shortfall): ``claim_months`` of payments, or what is left if less (s.502(b)(6))."""
    return contracts.payment[rows] * np.minimum(months_left(contracts, rows, month), claim_months)


def contract_share(contracts: ContractTable, rows: np.ndarray) -> np.ndarray:
    """Share of each row's payment in its provider's live executory payments (1 for a single tenant)."""
    c = contracts
    live = c.cached("executory rows with a provider inside", lambda: _provided(c), EXECUTORY_TYPES)
    size = c.cached("bins of the creditors", lambda: np.array([max(int(c.creditor.max(initial=0)) + 1, 1)]))
    total = np.bincount(c.creditor[live], weights=c.payment[live], minlength=int(size[0]))
    provider = np.maximum(c.creditor[rows], 0)
    return ratio(c.payment[rows], total[provider], default=1.0)


def _provided(c: ContractTable) -> np.ndarray:
    """Active leases and offtakes whose provider is an institution."""
    live = c.executory_rows
    return live[c.creditor[live] >= 0]


def vacate(
    books: Books,
    contracts: ContractTable,
    rows: np.ndarray,
    relet_index: float,
    floor: float,
    channel: Channel,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """Impair the providers' facilities for the executory ``rows`` whose customer left.

    The part of the facility the contract used (its share of the provider's contracted payments)
    falls to its re-let value: ``max(min(rent index, 1), floor)`` of book. Returns the loss per row.
    """
    rows = np.asarray(rows, dtype=np.int64)
    lessors = contracts.creditor[rows]
    ok = lessors >= 0
    if exclude is not None:
        ok &= ~exclude[np.maximum(lessors, 0)]
    rows, lessors = rows[ok], lessors[ok]
    if rows.size == 0:
        return np.zeros(0)
    keep = max(min(relet_index, 1.0), floor)
    share = contract_share(contracts, rows)
    loss = np.zeros(rows.size)
    for k, (i, s) in enumerate(zip(lessors, share, strict=True)):  # sequential: shares of one facility compound
        loss[k] = books.facility[i] * s * (1.0 - keep)
        books.facility[i] -= loss[k]
    books.book(lessors, -loss, channel)
    return loss


def _occupied_share(contracts: ContractTable, dset: np.ndarray, relet: np.ndarray | None) -> np.ndarray:
    """Per institution: share of its capacity let under contracts that end in this default (1 where
    it re-lets nothing), the part of its facility still carried above its re-let value."""
    c = contracts
    n = dset.size
    if relet is None:
        return np.ones(n)
    ex = c.executory_rows
    ex = ex[c.creditor[ex] >= 0]
    ex = ex[dset[c.creditor[ex]]]
    let = np.bincount(c.creditor[ex], weights=c.payment[ex], minlength=n)
    return ratio(let, let + relet, default=1.0)


def _sell_untraded(
    books: Books,
    contracts: ContractTable,
    dset: np.ndarray,
    cost: float,
    franchise_recovery: float,
    occupied: np.ndarray,
    keep: float,
) -> np.ndarray:
    """Outside buyers take the defaulters' untraded claims, stakes and real assets at a discount.

    A facility is sold empty (its contracts end in the default): the part still carried above its
    re-let value fetches only that value (``keep`` of book), the rest its book; both less the
    bankruptcy cost. Returns the facility proceeds per institution (collateral of secured lenders).
    """
    c = contracts
    rows = np.flatnonzero((c.is_debt | c.is_stake) & (c.creditor >= 0) & (c.market < 0))
    rows = rows[dset[c.creditor[rows]]]
    if rows.size:
        value = c.value()[rows]
        price = value * (1.0 - cost)
        sellers = c.creditor[rows]
        books.transfer(EXTERNAL, sellers, price, "liquidation")
        books.book(sellers, -(value - price), Channel.RESOLUTION)
        c.set_creditor(rows, EXTERNAL)
    who = np.flatnonzero(dset)
    real = books.facility[who] + books.other_assets[who] + books.franchise[who]
    facility = books.facility[who] * (1.0 - occupied[who] * (1.0 - keep)) * (1.0 - cost)
    price = facility + books.other_assets[who] * (1.0 - cost) + books.franchise[who] * franchise_recovery
    books.transfer(EXTERNAL, who, price, "liquidation")
    books.book(who, -(real - price), Channel.RESOLUTION)
    books.facility[who] = 0.0
    books.other_assets[who] = 0.0
    books.franchise[who] = 0.0
    out = np.zeros(dset.size)
    out[who] = facility
    return out


def _pay_guarantees(
    books: Books, contracts: ContractTable, rows: np.ndarray, unpaid: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Guarantors pay ``share`` of the unpaid principal of covered rows, up to their cap.

    Returns what each institution paid as guarantor and what each row received (USD bn).
    """
    c = contracts
    paid_by = np.zeros(books.n)
    per_row = np.zeros(rows.size)
    g = np.flatnonzero((c.ctype == ContractType.GUARANTEE) & c.active)
    if g.size == 0:
        return paid_by, per_row
    pos = np.full(c.size, -1)
    pos[rows] = np.arange(rows.size)
    g = g[(c.covers[g] >= 0) & (pos[np.maximum(c.covers[g], 0)] >= 0)]
    if g.size == 0:
        return paid_by, per_row
    k = pos[c.covers[g]]
    pay = np.minimum(c.share[g] * unpaid[k], np.maximum(c.limit[g], 0.0))
    g, k, pay = g[pay > 0], k[pay > 0], pay[pay > 0]
    # several guarantees of one claim never pay more than what is unpaid on it
    total = np.bincount(k, weights=pay, minlength=rows.size)
    pay = pay * np.minimum(1.0, ratio(unpaid, total, default=1.0))[k]
    guarantor, creditor = c.obligor[g], c.creditor[rows[k]]
    books.transfer(guarantor, creditor, pay, "guarantee")
    books.book(guarantor, -pay, Channel.GUARANTEE)
    books.book(creditor, pay, Channel.GUARANTEE)  # outside creditors (-1) are not booked
    c.limit[g] -= pay
    paid_by += np.bincount(guarantor, weights=pay, minlength=books.n)
    per_row += np.bincount(k, weights=pay, minlength=rows.size)
    return paid_by, per_row


def _distribute_surplus(books: Books, contracts: ContractTable, who: np.ndarray, surplus: np.ndarray) -> None:
    """What is left after all claims goes to the defaulters' shareholders, pro rata (outsiders get the rest)."""
    c = contracts
    per = np.zeros(books.n)
    per[who] = np.maximum(surplus, 0.0)
    payers = np.flatnonzero(per > 0)
    if payers.size == 0:
        return
    stakes = np.flatnonzero(c.is_stake & (c.obligor >= 0))
    stakes = stakes[per[c.obligor[stakes]] > 0]
    holders = c.creditor[stakes]
    amounts = c.share[stakes] * per[c.obligor[stakes]]
    inside = np.bincount(c.obligor[stakes], weights=amounts, minlength=books.n)
    books.transfer(c.obligor[stakes], holders, amounts, "liquidation")
    books.transfer(payers, EXTERNAL, per[payers] - inside[payers], "liquidation")
    books.book(payers, -per[payers], Channel.CAPITAL)
    books.book(holders, amounts, Channel.COUNTERPARTY)


def _largest_source(out: np.ndarray, creditor: np.ndarray, obligor: np.ndarray, loss: np.ndarray, n: int) -> None:
    """For each creditor, the obligor behind its largest loss in this round."""
    if creditor.size == 0:
        return
    order = np.lexsort((loss, creditor))
    last = np.r_[creditor[order][1:] != creditor[order][:-1], True]
    best = order[last]
    out[creditor[best]] = obligor[best]
