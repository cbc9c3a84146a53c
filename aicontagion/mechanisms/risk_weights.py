"""Banks' risk-weighted assets (the US standardised approach, 12 CFR 217 subpart D; Basel III).

A bank's risk-weighted assets (RWA, USD bn) are the sum over what it holds of value x risk weight:

* **cash**: 0% (12 CFR 217.32(l)(1));
* **holdings** of a market class, at marks: the class's ``risk_weight`` (scenario ``markets``:
  US Treasuries 0%, 217.32(a); corporate bonds and loans 100%, 217.32(f); publicly traded equity
  300% under the simple risk-weight approach, 217.52(b)(5));
* **debt claims** (``principal x mark``): a claim traded in a market class takes that class's
  weight; a claim on the Treasury (the first government row) 0%; a claim on another government-kind
  institution (the state-backed compute company's agency bonds) ``agency_risk_weight`` (GSE debt
  20%, 217.32(c)(1)); interbank loans ``interbank_risk_weight`` (US depository institutions 20%,
  217.32(d)); repo the weight of its collateral class, at least 20% (the simple collateral approach,
  217.37(b)); the loans the bank wrote through origination's bank route (GPU-backed project loans to
  neoclouds) ``project_loan_risk_weight`` (Basel III pre-operational project finance 130%, CRE20.50);
  other loans, credit lines, bonds and vendor financing ``loan_risk_weight`` (corporate, 100%);
* **equity stakes** (fund interests, private stakes): ``stake_risk_weight`` (non-publicly traded
  equity 400%, 217.52(b)(6));
* **other assets** (the unmodelled loan book and the rest of the balance sheet):
  ``other_risk_weight`` (an average risk density, assumed).

The weights per contract kind are bank parameters (``behaviour.bank``), the weights per class are
market parameters, so a scenario moves them. Off-balance-sheet commitments (undrawn lines,
guarantees written) carry no weight here.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.contract_types import ContractType
from aicontagion.core.kinds import Kind
from aicontagion.core.numeric import fill_nan, positions_in

READS = ("books", "contracts", "markets", "operations", "registry", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ()
"""State groups this mechanism writes (none: it measures)."""

REPO_FLOOR = 0.2
"""Least risk weight of a repo claim (12 CFR 217.37(b)(2): the collateralised portion gets the
collateral's weight, not below 20%)."""


def _tables(state):
    """The contract table and the bank parameters, read only here (a tuple: not an alias the state
    checker would count as a write)."""
    return state.contracts, state.registry.params["bank"]


def class_weights(state) -> np.ndarray:
    """``risk_weight`` of each market class, in the markets' order."""
    return np.array([state.spec.markets[m].risk_weight for m in state.markets.names])


def claim_weights(state, rows: np.ndarray) -> np.ndarray:
    """Risk weight of each debt contract row of ``rows`` to its creditor (a bank's parameters)."""
    rows = np.asarray(rows, dtype=np.int64)
    return _with_project_weight(state, rows, _kind_weights(state, rows))


def _with_project_weight(state, rows: np.ndarray, w: np.ndarray, ascending: bool = False) -> np.ndarray:
    """``w`` (weights of ``rows``) with the bank route's loans at ``project_loan_risk_weight``.
    With ``ascending`` (``rows`` sorted and unique, as the kept selections are) the few project
    rows are looked up in ``rows``, not each of ``rows`` among the projects."""
    project = np.sort(project_rows(state))
    if project.size == 0 or rows.size == 0:
        return w
    c, p = _tables(state)
    if ascending:
        _, at = positions_in(rows, project)
        out = w.copy()
        out[at] = fill_nan(p["project_loan_risk_weight"][np.maximum(c.creditor[rows[at]], 0)], 1.3)
        return out
    mine = project[np.minimum(np.searchsorted(project, rows), project.size - 1)] == rows
    return np.where(mine, fill_nan(p["project_loan_risk_weight"][np.maximum(c.creditor[rows], 0)], 1.3), w)


def _kind_weights(state, rows: np.ndarray) -> np.ndarray:
    """:func:`claim_weights` before the project-loan weight: what the row's kind, market,
    collateral, obligor and creditor decide (fields fixed when the row is written)."""
    c, p = _tables(state)
    creditor = np.maximum(c.creditor[rows], 0)
    ctype = c.ctype[rows]
    w = fill_nan(p["loan_risk_weight"][creditor], 1.0)
    cls = class_weights(state)
    traded = c.market[rows] >= 0
    w = np.where(traded, cls[np.maximum(c.market[rows], 0)], w)
    w = np.where(ctype == int(ContractType.INTERBANK), fill_nan(p["interbank_risk_weight"][creditor], 0.2), w)
    coll = c.collateral[rows]
    repo_w = np.where(coll >= 0, np.maximum(cls[np.maximum(coll, 0)], REPO_FLOOR), w)
    w = np.where(ctype == int(ContractType.REPO), repo_w, w)
    obligor = c.obligor[rows]
    gov = state.registry.members[Kind.GOVERNMENT]
    treasury = gov[:1]
    is_gov = (obligor >= 0) & (state.registry.kind[np.maximum(obligor, 0)] == int(Kind.GOVERNMENT))
    is_treasury = obligor == treasury[0] if treasury.size else np.zeros(rows.size, dtype=bool)
    w = np.where(is_gov & ~is_treasury, fill_nan(p["agency_risk_weight"][creditor], 0.2), w)
    return np.where(is_treasury, 0.0, w)


def project_rows(state) -> np.ndarray:
    """Contract rows of the loans written through origination's bank route (the ledger's vintages)."""
    led = state.operations.origination
    if led is None or not led.vintage:
        return np.zeros(0, dtype=np.int64)
    return led.route_rows(("bank",))


def held_debt_weights(state, banks_only: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, weights)``: the active debt rows held by institutions (by banks only with
    ``banks_only``), ascending, and their risk weights. The weights of the rows' kinds are computed
    once per row as the table grows
    (:meth:`~aicontagion.network.contracts.ContractTable.per_row`: they depend on fields fixed when
    a row is written and on parameters fixed for the run); the bank route's loans then take the
    project-loan weight."""
    c, _ = _tables(state)
    debt = _held(state, "debt", banks_only)
    weights = c.per_row("risk weight by kind", lambda rows: _kind_weights(state, rows))[debt]
    return debt, _with_project_weight(state, debt, weights, ascending=True)


def _held(state, family: str, banks_only: bool) -> np.ndarray:
    """Rows (ascending, kept with the structure) of active ``family`` contracts (``"debt"`` or
    ``"stake"``) held by institutions, or by banks only."""
    c, _ = _tables(state)
    bank = state.registry.kind == int(Kind.BANK)

    def test(at):
        held = getattr(c, f"is_{family}")[at] & (c.creditor[at] >= 0)
        return held & bank[c.creditor[at]] if banks_only else held

    return c.selection((f"{family} rows held", banks_only), test)


def risk_weighted_assets(state, rows: np.ndarray) -> np.ndarray:
    """USD bn of risk-weighted assets of institutions ``rows`` (weights of the bank block). When
    ``rows`` are all banks (every caller's case) only the banks' claims are read; the sums per
    holder are the same."""
    rows = np.asarray(rows, dtype=np.int64)
    c, p = _tables(state)
    banks_only = bool((state.registry.kind[rows] == int(Kind.BANK)).all())
    held = state.books.holdings[rows] @ (state.markets.marked_price * class_weights(state))
    debt, weights = held_debt_weights(state, banks_only)
    w = c.principal[debt] * c.mark[debt] * weights  # rows repaid to zero add exact zeros
    claims = np.bincount(c.creditor[debt], weights=w, minlength=state.n)[rows]
    stakes = _held(state, "stake", banks_only)
    value = np.bincount(c.creditor[stakes], weights=c.principal[stakes], minlength=state.n)[rows]
    stake_w = fill_nan(p["stake_risk_weight"][rows], 4.0)
    other_w = fill_nan(p["other_risk_weight"][rows], 1.0)
    return held + claims + stake_w * value + other_w * state.books.other_assets[rows]


def risk_capital_ratio(state) -> np.ndarray:
    """Equity / risk-weighted assets of every bank (NaN for other kinds, inf with no RWA): the
    opening value is the base of :class:`~aicontagion.mechanisms.constraints.RiskCapitalFloor`."""
    out = np.full(state.n, np.nan)
    banks = state.registry.members[Kind.BANK]
    if banks.size:
        rwa = risk_weighted_assets(state, banks)
        out[banks] = np.where(rwa > 1e-12, state.books.equity[banks] / np.maximum(rwa, 1e-12), np.inf)
    return out


def risk_headroom(state, banks: np.ndarray) -> np.ndarray:
    """USD bn of risk-weighted assets each of ``banks`` may add before its ratio reaches its floor
    (``risk_capital_floor x`` its opening ratio); inf where the floor is off (0) or not set."""
    floor = fill_nan(state.registry.params["bank"]["risk_capital_floor"][banks], 0.0)
    base = state.operations.risk_ratio0
    out = np.full(banks.size, np.inf)
    if base is None:
        return out
    on = (floor > 0) & np.isfinite(base[banks])
    if on.any():
        b = banks[on]
        k = floor[on] * base[b]
        out[on] = np.maximum(state.books.equity[b], 0.0) / k - risk_weighted_assets(state, b)
    return out
