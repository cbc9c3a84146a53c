"""Subscription lines: capital calls that settle later, bridged by bank lines secured on the LPs' uncalled commitments.

With ``origination.call_lag_months`` L above 0, a private-credit fund's capital call is paid by
its LPs L months after it is made (ILPA guidance: 30-180 days). The fund bridges the call at once
with its **subscription lines** (its bank credit lines without a loan-to-value covenant), within
their undrawn limit, the banks' spare cash and its **borrowing base**: ``subline_advance_rate``
x the uncalled commitments of eligible LPs, less the bridges already outstanding. An LP is
ineligible when it is defaulted or unwilling, when a pension is over its allocation cap, or when
an insurer is below its capital floor (:func:`~aicontagion.mechanisms.constraints.lp_distressed`).

When the call settles, the LP pays it (a tier-1 CALL, as a call without a lag) and the fund
repays the bridge (a tier-0 PRINCIPAL on the line, in the same clearing, so the LP's cash repays
the bank). An LP that is defaulted or unwilling at settlement, or whose liquid assets (cash and
holdings at marks) are below the call, **defaults on the call**: it pays nothing and forfeits the
rest of that commitment (``uncalled`` set to 0). The fund still owes the bridge, from its own
cash; a fund that cannot pay it defaults, and its bank bears the loss in resolution (the
bank-nonbank channel). Each month a fund whose outstanding bridges exceed its borrowing base
prepays the excess (the mandatory prepayment of a borrowing-base deficiency).

With L = 0 (or without origination's ledger) nothing here runs: calls are paid in the month they
are made, as before. The lines are ordinary credit-line rows of the contract table, so they are
in the exposure graph, the banks' claims on funds and their losses by counterparty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aicontagion.core.kinds import Kind, Status
from aicontagion.core.obligations import DISCRETIONARY_TIER, Purpose
from aicontagion.mechanisms.constraints import lp_distressed
from aicontagion.network.contracts import ContractType

READS = ("books", "contracts", "dues", "lending", "lifecycle", "markets", "month", "operations", "registry", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("contracts", "events", "operations")
"""State groups this mechanism writes (``operations.origination.sublines``, forfeited ``uncalled``)."""


@dataclass
class SublineBook:
    """Calls in flight and the bridges drawn for them (USD bn)."""

    calls: dict = field(default_factory=dict)  # month due -> [(stake row, amount)]
    bridges: dict = field(default_factory=dict)  # month due -> [(line row, amount)]
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per stake row: called, not yet settled
    unbridged: dict = field(default_factory=dict)  # fund row -> called, not bridged, not yet settled
    arriving: dict = field(default_factory=dict)  # fund row -> unbridged calls paid in this month
    drawn: float = 0.0  # cumulative bridges drawn
    defaulted: float = 0.0  # cumulative calls LPs defaulted on
    forfeited: set = field(default_factory=set)  # stake rows whose LP defaulted on a call (no new commitments)


def book(state) -> SublineBook | None:
    """The fund's book of calls in flight when calls are lagged (None: they settle at once)."""
    led = state.operations.origination
    if led is None or state.spec.origination.call_lag_months <= 0:
        return None
    return led.sublines


def subline_rows(state) -> np.ndarray:
    """Credit lines from banks to private-credit funds without an LTV covenant (the subscription
    lines; the lines with a covenant are NAV loans)."""
    c, kind = state.contracts, state.registry.kind

    def compute():
        lines = c.rows_of(ContractType.CREDIT_LINE)
        lines = lines[(c.creditor[lines] >= 0) & (c.obligor[lines] >= 0) & ~np.isfinite(c.covenant[lines])]
        ok = (kind[c.creditor[lines]] == Kind.BANK) & (kind[c.obligor[lines]] == Kind.PRIVATE_CREDIT_FUND)
        return lines[ok]

    return c.cached("subscription_lines", compute, (ContractType.CREDIT_LINE,))


def lp_stakes(state) -> np.ndarray:
    """LP commitments in private-credit funds held by institutions in the system."""
    c, kind = state.contracts, state.registry.kind

    def test(at) -> np.ndarray:
        creditor, obligor = c.creditor[at], c.obligor[at]
        lp = (c.ctype[at] == int(ContractType.LP_COMMITMENT)) & c.active[at] & (creditor >= 0) & (obligor >= 0)
        return lp & (kind[obligor] == Kind.PRIVATE_CREDIT_FUND)

    return c.selection("LP commitments in funds held inside", test)


def eligible(state, holders: np.ndarray) -> np.ndarray:
    """Which LPs of ``holders`` count in a borrowing base: active, willing, and not distressed."""
    ok = (state.lifecycle.status[holders] == Status.ACTIVE) & state.lending.holder_ok[holders]
    return ok & ~lp_distressed(state, holders)


def borrowing_base(state) -> np.ndarray:
    """USD bn per institution: ``subline_advance_rate`` x eligible LPs' uncalled commitments."""
    c = state.contracts
    stakes = lp_stakes(state)
    ok = eligible(state, np.arange(state.n))  # per institution, then read per commitment (many more)
    w = c.uncalled[stakes] * ok[c.creditor[stakes]]
    return state.spec.origination.subline_advance_rate * np.bincount(c.obligor[stakes], weights=w, minlength=state.n)


def outstanding(state, sb: SublineBook) -> np.ndarray:
    """USD bn of bridges outstanding per fund (drawn, not yet repaid), capped at the lines' principal."""
    c = state.contracts
    entries = [e for month in sb.bridges.values() for e in month]  # in the order they were added
    if not entries:
        return np.zeros(state.n)
    rows = np.fromiter((row for row, _ in entries), dtype=np.int64, count=len(entries))
    amount = np.fromiter((a for _, a in entries), dtype=float, count=len(entries))
    return np.bincount(c.obligor[rows], weights=np.minimum(amount, c.principal[rows]), minlength=state.n)


def settle(state, funds: np.ndarray, decisions) -> np.ndarray:
    """This month's calls fall due: LPs pay (or default on) them and ``funds`` repay their bridges;
    a borrowing-base deficiency is prepaid. Returns USD bn of calls paid in this month per fund."""
    sb = book(state)
    received = np.zeros(funds.size)
    if sb is None:
        return received
    c, t = state.contracts, state.month
    index = {int(f): k for k, f in enumerate(funds)}
    called_now = np.zeros(state.n)
    _collect_calls(state, sb, sb.calls.pop(t, []), index, called_now, received, decisions)
    bridge_now = np.zeros(state.n)
    for row, amount in sb.bridges.get(t, []):
        bridge_now[c.obligor[row]] += amount
    sb.arriving = {}
    for f, k in index.items():
        sb.unbridged[f] = max(sb.unbridged.get(f, 0.0) - max(called_now[f] - bridge_now[f], 0.0), 0.0)
        sb.arriving[f] = max(received[k] - bridge_now[f], 0.0)
    due = np.zeros(c.size)
    for row, amount in sb.bridges.pop(t, []):
        due[row] += amount
    _prepay_deficiency(state, sb, due)
    rows = np.flatnonzero(due > 1e-12)
    rows = rows[c.active[rows] & (c.maturity[rows] != t)]  # at maturity the whole line is due anyway
    rows = rows[state.lifecycle.status[c.obligor[rows]] != Status.DEFAULTED]
    amount = np.minimum(due[rows], c.principal[rows])
    keep = amount > 1e-12
    decisions.obligations.add(
        c.obligor[rows[keep]], c.creditor[rows[keep]], amount[keep], 0, Purpose.PRINCIPAL, rows[keep]
    )
    return received


def _collect_calls(state, sb, entries, index, called_now, received, decisions) -> None:
    """The calls falling due (``entries``: (commitment row, USD bn) in the order they were made):
    each LP pays or defaults (:func:`pays_calls`, judged on its liquid assets before this month's
    payments), and the paid calls become one block of obligations. Vectorised: the scale
    benchmark's funds call thousands of commitments a month, and one obligation block per call made
    every later sum over the blocks a Python loop."""
    if not entries:
        return
    c = state.contracts
    rows = np.fromiter((r for r, _ in entries), dtype=np.int64, count=len(entries))
    asked = np.fromiter((a for _, a in entries), dtype=float, count=len(entries))
    np.subtract.at(_pending(sb, c.size), rows, asked)  # in the order the calls were made
    fund, lp = c.obligor[rows], c.creditor[rows]
    np.add.at(called_now, fund, asked)
    amount = np.minimum(asked, c.uncalled[rows])
    live = (amount > 1e-12) & np.isin(fund, np.fromiter(index, dtype=np.int64, count=len(index)))
    if np.unique(rows[live]).size < int(live.sum()):  # a commitment called twice: one after the other
        pays = np.zeros(rows.size, dtype=bool)
        for k in np.flatnonzero(live):
            amount[k] = min(asked[k], float(c.uncalled[rows[k]]))
            pays[k] = amount[k] > 1e-12 and bool(pays_calls(state, lp[k : k + 1], amount[k : k + 1])[0])
            if amount[k] > 1e-12 and not pays[k]:
                _forfeit(state, sb, int(rows[k]), int(lp[k]), int(fund[k]), float(amount[k]))
    else:
        at = np.flatnonzero(live)
        ok = pays_calls(state, lp[at], amount[at])
        pays = np.zeros(rows.size, dtype=bool)
        pays[at[ok]] = True
        for k in at[~ok]:
            _forfeit(state, sb, int(rows[k]), int(lp[k]), int(fund[k]), float(amount[k]))
    if pays.any():
        decisions.obligations.add(lp[pays], fund[pays], amount[pays], 1, Purpose.CALL, rows[pays])
        np.add.at(received, np.array([index[int(f)] for f in fund[pays]], dtype=np.int64), amount[pays])


def _forfeit(state, sb, row: int, lp: int, fund: int, amount: float) -> None:
    """LP ``lp`` defaults on its call of ``amount`` on commitment ``row``: it forfeits the rest."""
    sb.defaulted += amount
    state.events.record(lp, "lp_call_default", amount, state.registry.ids[fund])
    state.contracts.uncalled[row] = 0.0
    sb.forfeited.add(row)


def pays_calls(state, lps: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    """Whether each LP of ``lps`` pays its call of ``amounts`` (USD bn) falling due: it is not
    defaulted, it is willing, and its liquid assets (cash and holdings at marks) cover the call."""
    ok = (state.lifecycle.status[lps] != Status.DEFAULTED) & state.lending.holder_ok[lps]
    liquid = state.books.cash[lps] + state.books.holdings[lps] @ state.markets.marked_price
    return ok & (liquid >= amounts)


def _prepay_deficiency(state, sb: SublineBook, due: np.ndarray) -> None:
    """Add to ``due`` (per line row) what each fund must prepay for its outstanding bridges (net of
    this month's repayments) to fit its borrowing base, taken from its later bridges in order."""
    c = state.contracts
    owed = outstanding(state, sb)
    excess = np.maximum(owed - borrowing_base(state), 0.0)
    if not (excess > 1e-9).any():
        return
    for month in sorted(sb.bridges):
        kept = []
        for row, amount in sb.bridges[month]:
            f = int(c.obligor[row])
            cut = min(excess[f], amount)
            if cut > 1e-12:
                due[row] += cut
                excess[f] -= cut
                state.events.record(f, "borrowing_base_prepayment", cut, state.registry.ids[int(c.creditor[row])])
            if amount - cut > 1e-12:
                kept.append((row, amount - cut))
        sb.bridges[month] = kept


def _pending(sb: SublineBook, size: int) -> np.ndarray:
    """``sb.pending`` (USD bn called and not yet paid, per contract row; 0 where none), grown to
    ``size`` rows (doubling, so the table's appends cost amortised constant time)."""
    if sb.pending.size < size:
        grown = np.zeros(max(size, 2 * sb.pending.size))
        grown[: sb.pending.size] = sb.pending
        sb.pending = grown
    return sb.pending


def call(state, funds: np.ndarray, need: np.ndarray, decisions) -> np.ndarray:
    """Call ``need`` (USD bn, net of calls already in flight) of ``funds``' uncalled commitments
    not yet called, from willing LPs pro rata, due ``call_lag_months`` from now; bridge what the
    subscription lines allow now. Returns USD bn called per fund."""
    sb = book(state)
    c, t = state.contracts, state.month
    lag = state.spec.origination.call_lag_months
    in_flight = np.array([sb.unbridged.get(int(f), 0.0) + sb.arriving.get(int(f), 0.0) for f in funds])
    need = np.maximum(need - in_flight, 0.0)
    want = np.zeros(state.n)
    want[funds] = need
    stakes = c.stake_rows
    stakes = stakes[(c.obligor[stakes] >= 0) & (want[np.maximum(c.obligor[stakes], 0)] > 0)]
    stakes = stakes[(c.creditor[stakes] >= 0) & (c.start[stakes] <= t)]
    stakes = stakes[state.lending.holder_ok[c.creditor[stakes]]]
    pending = _pending(sb, c.size)
    callable_ = np.maximum(c.uncalled[stakes] - pending[stakes], 0.0)
    room = np.bincount(c.obligor[stakes], weights=callable_, minlength=state.n)
    take = np.minimum(np.divide(want, room, out=np.zeros(state.n), where=room > 1e-12), 1.0)
    amount = callable_ * take[c.obligor[stakes]]
    made = amount > 1e-12
    if made.any():  # the stake rows are unique: one call each
        sb.calls.setdefault(t + lag, []).extend(zip(stakes[made].tolist(), amount[made].tolist(), strict=True))
        pending[stakes[made]] += amount[made]
    called = np.bincount(c.obligor[stakes], weights=amount, minlength=state.n)
    bridged = _bridge(state, sb, called, t + lag, decisions)
    for f in funds[called[funds] > 1e-12]:
        sb.unbridged[int(f)] = sb.unbridged.get(int(f), 0.0) + float(called[f] - bridged[f])
    return called[funds]


def _bridge(state, sb: SublineBook, called: np.ndarray, due: int, decisions) -> np.ndarray:
    """Draw the subscription lines for ``called`` (USD bn per fund), within the undrawn limits of
    lines open this month from willing banks (scaled to their spare cash) and the borrowing base
    left; repaid in month ``due``. Returns USD bn bridged per fund."""
    c, t = state.contracts, state.month
    lines = subline_rows(state)
    lines = lines[c.active[lines] & (c.start[lines] <= t) & (c.maturity[lines] > due)]
    lines = lines[(called[c.obligor[lines]] > 1e-12) & state.lending.lender_ok[c.creditor[lines]]]
    if lines.size == 0:
        return np.zeros(state.n)
    undrawn = np.maximum(c.limit[lines] - c.principal[lines], 0.0)
    spare = np.maximum(state.books.cash - state.dues.due_now, 0.0)
    asked = np.bincount(c.creditor[lines], weights=undrawn, minlength=state.n)
    undrawn *= np.minimum(np.divide(spare, asked, out=np.zeros(state.n), where=asked > 1e-12), 1.0)[c.creditor[lines]]
    room = np.bincount(c.obligor[lines], weights=undrawn, minlength=state.n)
    base = np.maximum(borrowing_base(state) - outstanding(state, sb), 0.0)
    bridge = np.minimum(called, np.minimum(room, base))
    take = np.minimum(np.divide(bridge, room, out=np.zeros(state.n), where=room > 1e-12), 1.0)
    draw = undrawn * take[c.obligor[lines]]
    keep = draw > 1e-12
    decisions.obligations.add(
        c.creditor[lines[keep]], c.obligor[lines[keep]], draw[keep], DISCRETIONARY_TIER, Purpose.DRAW, lines[keep]
    )
    sb.bridges.setdefault(due, []).extend((int(r), float(x)) for r, x in zip(lines[keep], draw[keep], strict=True))
    sb.drawn += float(draw[keep].sum())
    return np.bincount(c.obligor[lines[keep]], weights=draw[keep], minlength=state.n)
