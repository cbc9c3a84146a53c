"""Typed contracts: the edges of the exposure network, held as a table of numpy arrays.

Every contract points from a **creditor / holder / provider** to an **obligor / issuer / customer**
(the direction money is owed back). Index ``-1`` on either side means a party outside the modelled
system (outside bond investors, the rest of the economy).

Four families, one table (a struct of arrays, so mechanics vectorise over contracts):

* **debt** (``LOAN``, ``BOND``, ``CREDIT_LINE``, ``INTERBANK``, ``REPO``, ``VENDOR_FINANCING``):
  ``principal`` (USD bn outstanding) is an asset of the creditor, valued at
  ``principal * mark``, and a liability of the obligor at nominal. ``rate`` is annual.
* **stakes** (``EQUITY``, ``LP_COMMITMENT``): ``share`` of the issuer's equity; carried by the holder
  at ``principal`` (USD bn, revalued each month to ``share * max(equity_issuer, 0)``); not a
  liability. LP commitments also carry ``uncalled`` capital the fund may call.
* **executory** (``LEASE``, ``OFFTAKE``): ``payment`` (USD bn per month) from customer to
  provider between ``start`` and ``maturity``; off balance sheet (as the structures intend);
  ``take_or_pay`` share, ``rvg`` (residual value guarantee), ``termination_fee``, ``renewal``.
* **contingent** (``GUARANTEE``, ``BACKSTOP``): a guarantor covers ``share`` of contract
  ``covers`` up to ``limit``; a backstop buys the customer's unsold capacity up to ``payment``
  per month.

Steps are integer months from the scenario start (step 0 = the start month).
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.contract_types import (
    CONTINGENT_TYPES,
    DEBT_TYPES,
    EXECUTORY_TYPES,
    EXTERNAL,
    LAST_DEBT_TYPE,
    SHORT_TERM_TYPES,
    STAKE_TYPES,
    ContractType,
    Seniority,
)
from aicontagion.core.numeric import positions_in

__all__ = [  # the vocabulary is defined in core and re-exported with the table that holds it
    "CONTINGENT_TYPES",
    "DEBT_TYPES",
    "EXECUTORY_TYPES",
    "EXTERNAL",
    "FIELDS",
    "SHORT_TERM_TYPES",
    "STAKE_TYPES",
    "ContractTable",
    "ContractType",
    "Seniority",
]

# name -> (dtype, default)
FIELDS: dict[str, tuple[type, float]] = {
    "ctype": (np.int8, 0),
    "creditor": (np.int64, EXTERNAL),
    "obligor": (np.int64, EXTERNAL),
    "principal": (np.float64, 0.0),  # USD bn outstanding (debt) or carrying value (stakes)
    "limit": (np.float64, 0.0),  # USD bn: credit-line limit, guarantee cap
    "share": (np.float64, 0.0),  # stake share of equity; guarantee coverage share
    "uncalled": (np.float64, 0.0),  # USD bn of LP capital not yet called
    "rate": (np.float64, 0.0),  # annual interest rate (0.0658 = 6.58%)
    "start": (np.int64, 0),  # first month the contract pays (executory) or exists
    "maturity": (np.int64, 10**6),  # last month of payments / principal due
    "tenor": (np.int64, 0),  # months of the original term (used when rolled over)
    "amortising": (np.bool_, False),  # principal repaid linearly to maturity
    "seniority": (np.int8, Seniority.SENIOR),
    "market": (np.int64, -1),  # asset-class index the claim trades in (-1: not traded)
    "mark": (np.float64, 1.0),  # creditor's booked valuation factor (credit mark x price)
    "credit_mark": (np.float64, 1.0),  # expected recovery factor in [0, 1]
    "payment": (np.float64, 0.0),  # USD bn per month (leases, offtakes, backstop cap)
    "take_or_pay": (np.float64, 1.0),  # share of the payment due whatever the usage
    "rvg": (np.float64, 0.0),  # USD bn residual value guarantee given by the customer
    "termination_fee": (np.float64, 0.0),  # USD bn paid by a customer that terminates
    "renewal": (np.int64, 0),  # months per renewable term (0: not renewable)
    "covenant": (np.float64, np.inf),  # maximum loan-to-value of the borrower's assets
    "haircut": (np.float64, 0.0),  # repo haircut at the start
    "collateral": (np.int64, -1),  # asset class pledged (repo); -1: none
    "call_due": (np.float64, 0.0),  # USD bn of principal called for repayment next month (margin call)
    "covers": (np.int64, -1),  # guarantee: index of the covered contract
    "rolls": (np.bool_, True),  # bullet debt expected to roll over at maturity
    "active": (np.bool_, True),
}


class ContractTable:
    """All contracts of a system as parallel numpy arrays (one row per contract).

    Rows are appended, never deleted: a terminated or repaid contract is marked inactive, so row
    indices (contract ids) stay stable for the whole run and events can refer to them.

    Attributes are the arrays named in :data:`FIELDS`, each of length :attr:`size` (views into a
    larger buffer with spare capacity). ``ids`` holds the scenario's contract names.
    """

    def __init__(self, capacity: int = 64):
        self._capacity = max(int(capacity), 8)
        self.size = 0
        self._buf = {k: np.full(self._capacity, d, dtype=t) for k, (t, d) in FIELDS.items()}
        self.ids: list[str] = []
        self._per_row: dict = {}
        self._grown: dict = {}
        self._touched: list[tuple[np.ndarray, bool]] = []  # (rows, handed on?) switched or sold, in order
        self._touched_memo: dict = {}
        self._refresh_views()

    # -- storage ------------------------------------------------------------------------------
    def _refresh_views(self) -> None:
        size = self.size
        self.__dict__.update({k: arr[:size] for k, arr in self._buf.items()})  # one call, not one per field
        # the network's structure (who owes whom, what is in force) changes only through add_many,
        # set_active and set_creditor, which keep the cached masks, row lists and bins right
        self.active.flags.writeable = False
        self.creditor.flags.writeable = False
        self.obligor.flags.writeable = False
        self.ctype.flags.writeable = False
        self._masks: dict = {}

    def set_creditor(self, rows, creditor) -> None:
        """Hand contracts ``rows`` to a new creditor (``EXTERNAL``: sold to outside buyers)."""
        view = self._buf["creditor"][: self.size]
        view[rows] = creditor
        self._masks.clear()
        self._touched.append((_as_rows(rows), True))

    def _derived(self, key: tuple, compute, part=None, listing: bool = False, types=None):
        """``compute()``, an array that depends only on the structure, kept read-only until the
        structure changes (every cache of the table goes through here, keyed by namespace).

        With ``part`` (``part(at)``: the array's values for the rows ``at``, a slice or an index
        array, where each row's value depends only on that row's own structure), the array is
        kept through structural changes and updated only where they happened: rows appended are
        evaluated alone, and so are rows switched on or off or handed to a new creditor. With
        ``listing`` the array is the ascending rows where ``part`` is true. With ``types``
        (``compute`` reads only rows of those contract types) the array is kept through changes
        that append, end or hand on no row of them. So a month that writes, ends or sells a few
        contracts does not recompute it over the whole table."""
        try:
            return self._masks[key]  # a hit costs no call (most reads are hits)
        except KeyError:
            pass
        kept = self._grown.get(key) if part is not None or types is not None else None
        if kept is not None and types is not None and self._changed_any(kept, types):
            kept = None
        if kept is None:
            value = compute()
        else:
            value, done, seen = kept
            if part is not None:
                changed = self._touched_since(seen, done)
                if changed.size:
                    value = _update_listing(value, changed, part(changed)) if listing else _update(value, changed, part)
                if done < self.size:
                    new = part(slice(done, None))
                    if listing:
                        new = np.flatnonzero(new) + done
                    if new.size:  # a listing no appended row enters is kept as it is (no copy)
                        value = np.concatenate([value, new])
        value.flags.writeable = False
        self._masks[key] = value
        if part is not None or types is not None:
            self._grown[key] = (value, self.size, len(self._touched))
        return value

    def _touched_since(self, seen: int, done: int, handed: bool = False) -> np.ndarray:
        """Rows (unique, ascending, below ``done``) switched or handed on (only handed on, with
        ``handed``) since entry ``seen`` of the log; the caches read together share one union per
        log position, not one per cache."""
        if seen == len(self._touched):
            return np.zeros(0, dtype=np.int64)
        memo = self._touched_memo
        key = (seen, len(self._touched), handed)
        if key not in memo:
            if len(memo) > 4:  # keys of older log positions are not read again
                memo.clear()
            entries = [rows for rows, sold in self._touched[seen:] if sold or not handed]
            memo[key] = np.unique(np.concatenate(entries)) if entries else np.zeros(0, dtype=np.int64)
        changed = memo[key]
        return changed[changed < done]

    def _changed_any(self, kept: tuple, types) -> bool:
        """Whether a row of contract ``types`` was appended, ended or handed on since ``kept``."""
        _, done, seen = kept
        codes = [int(t) for t in types]
        touched = self.ctype[self._touched_since(seen, done)]
        return bool(np.isin(touched, codes).any() or np.isin(self.ctype[done:], codes).any())

    def cached(self, key, compute, types=None):
        """``compute()`` (a selection that depends only on the structure: types, parties, what is in
        force), kept until the structure changes; ``key`` names it. The array returned is read-only.
        With ``types`` (contract types), ``compute`` reads only rows of those types, and the array
        is kept through changes that append, end or hand on no row of them."""
        return self._derived(("named", key), compute, types=types)

    def selection(self, key, test) -> np.ndarray:
        """Rows (ascending, read-only) where ``test(at)`` holds: ``test(at)`` is a boolean mask of
        the rows ``at`` (a slice or an index array) that depends only on each row's own structure
        (its type, parties, whether it is in force, and fields fixed when it is written) and on
        arrays fixed for the run. Kept like :meth:`cached`, and updated by testing only the rows
        appended, ended or handed on since (amortised constant time per contract); ``key`` names it."""
        return self._derived(("selection", key), lambda: np.flatnonzero(test(slice(None))), test, listing=True)

    def selection_mask(self, key, test) -> np.ndarray:
        """:meth:`selection` as a boolean mask over all rows (read-only)."""
        return self._derived(("selection mask", key), lambda: np.asarray(test(slice(None)), dtype=bool), test)

    def per_row(self, key, compute) -> np.ndarray:
        """``compute(rows)`` for every row: a float that depends only on the row's own fields, fixed
        when it is written, and on its creditor. Kept across appends and changes of hands: the rows
        written since the last call, and the rows that changed hands (:meth:`set_creditor`), are the
        only ones computed (amortised constant time per contract, in a buffer that doubles). ``key``
        names it; the array returned is read-only and is updated in place by later calls."""
        buf, done, seen = self._per_row.get(key, (np.empty(0), 0, len(self._touched)))
        moved = self._touched_since(seen, done, handed=True)
        if moved.size:
            buf[moved] = compute(moved)
        if done < self.size:
            if buf.size < self.size:
                bigger = np.empty(max(self._capacity, self.size))
                bigger[:done] = buf[:done]
                buf = bigger
            buf[done : self.size] = compute(np.arange(done, self.size))
        self._per_row[key] = (buf, self.size, len(self._touched))
        view = buf[: self.size]
        view.flags.writeable = False
        return view

    def sum_by(self, side: str, weights: np.ndarray, n: int) -> np.ndarray:
        """Sum ``weights`` (one per contract) per institution on ``side`` (``"creditor"`` or
        ``"obligor"``), dropping outside parties; the shifted index is cached with the masks."""
        # the outside world (-1) goes to bin 0, dropped
        bins = self._derived(("bins", side), lambda: getattr(self, side) + 1, lambda at: getattr(self, side)[at] + 1)
        return np.bincount(bins, weights=weights, minlength=n + 1)[1 : n + 1]

    def set_active(self, rows, value: bool) -> None:
        """Switch contracts ``rows`` (indices or a boolean mask) on or off (terminated, repaid, expired)."""
        view = self._buf["active"][: self.size]
        before = view[rows]
        if np.all(before == value):
            return  # nothing changes: the cached masks stay valid
        view[rows] = value
        self._masks.clear()
        self._touched.append((_as_rows(rows), False))

    def stakes_held(self) -> np.ndarray:
        """Rows (ascending) of active stakes held by institutions with a carrying value above zero:
        ``flatnonzero(is_stake & (creditor >= 0) & (principal > 0))``, the first two kept with the
        structure (the constraints and risk weights read it every sale round)."""
        rows = self.selection("stakes held inside", lambda at: self.is_stake[at] & (self.creditor[at] >= 0))
        return rows[self.principal[rows] > 0]

    def owed_by_kind(self, kind: np.ndarray, code: int) -> np.ndarray:
        """Rows (ascending) of active debt owed by institutions whose ``kind`` (each institution's
        kind code, fixed for the run) is ``code``; kept with the structure."""

        def test(at) -> np.ndarray:
            obligor = self.obligor[at]
            return self.is_debt[at] & (obligor >= 0) & (kind[np.maximum(obligor, 0)] == code)

        return self.selection(("debt owed by kind", int(code)), test)

    def traded_claims_held(self) -> np.ndarray:
        """Rows (ascending) of active debt trading in a market, held by institutions, with principal
        left: ``flatnonzero(is_debt & (market >= 0) & (creditor >= 0) & (principal > 0))``, all but
        the principal kept with the structure (a row's market is set when it is written)."""
        rows = self.selection(
            "traded claims held inside",
            lambda at: self.is_debt[at] & (self.market[at] >= 0) & (self.creditor[at] >= 0),
        )
        return rows[self.principal[rows] > 0]

    def traded_claims_of(self, who: int) -> np.ndarray:
        """Debt rows held by institution ``who`` that trade in a market (with principal left)."""
        return ((self.creditor == who) & self.is_debt & (self.market >= 0) & (self.principal > 0)).nonzero()[0]

    def __getstate__(self) -> dict:
        """Pickle the buffers only: the field arrays are views of them and are rebuilt on loading."""
        return {"_capacity": self._capacity, "size": self.size, "_buf": self._buf, "ids": self.ids}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._per_row, self._grown, self._touched, self._touched_memo = {}, {}, [], {}
        self._refresh_views()

    def _grow(self, needed: int) -> None:
        if needed <= self._capacity:
            return
        cap = self._capacity
        while cap < needed:
            cap *= 2
        for k, (t, d) in FIELDS.items():
            new = np.full(cap, d, dtype=t)
            new[: self.size] = self._buf[k][: self.size]
            self._buf[k] = new
        self._capacity = cap

    def add(self, ctype: ContractType, creditor: int, obligor: int, cid: str | None = None, **fields):
        """Append one contract and return its row index. Unknown field names raise ``KeyError``."""
        return int(
            self.add_many(
                ctype=[ctype], creditor=[creditor], obligor=[obligor], ids=[cid], **{k: [v] for k, v in fields.items()}
            )[0]
        )

    def add_many(self, ids=None, **columns) -> np.ndarray:
        """Append many contracts given column arrays of equal length; return their row indices."""
        unknown = set(columns) - set(FIELDS)
        if unknown:
            raise KeyError(f"unknown contract fields: {sorted(unknown)}")
        k = len(next(iter(columns.values())))
        start = self.size
        if k == 0:  # nothing written: the structure, and every cache of it, stays as it is
            return np.arange(start, start)
        self._grow(start + k)
        for name, values in columns.items():
            self._buf[name][start : start + k] = values
        self.size = start + k
        if ids is None:
            ids = [None] * k
        self.ids.extend(cid if cid is not None else f"c{start + i}" for i, cid in enumerate(ids))
        self._refresh_views()
        return np.arange(start, start + k)

    def split(self, rows: np.ndarray, fraction: np.ndarray, new_creditor: np.ndarray) -> np.ndarray:
        """Move ``fraction`` of each row's principal to a new row held by ``new_creditor``.

        Used when a holder sells part of a bond or loan: the sold part becomes its own contract
        with the same terms. Returns the new row indices.
        """
        rows = np.asarray(rows, dtype=np.int64)
        fraction = np.broadcast_to(np.asarray(fraction, dtype=np.float64), rows.shape)
        cols = {k: getattr(self, k)[rows].copy() for k in FIELDS}
        cols["creditor"] = np.broadcast_to(new_creditor, rows.shape).astype(np.int64)
        for name in ("principal", "limit", "share", "uncalled"):
            moved = getattr(self, name)[rows] * fraction
            cols[name] = moved
            getattr(self, name)[rows] -= moved
        ids = [f"{self.ids[r]}/sold{self.size + i}" for i, r in enumerate(rows)]
        return self.add_many(ids=ids, **cols)

    def copy(self) -> ContractTable:
        """A deep copy (used to run several sims from one scenario)."""
        new = ContractTable(self._capacity)
        new.size = self.size
        new._buf = {k: v.copy() for k, v in self._buf.items()}
        new.ids = list(self.ids)
        new._per_row, new._grown, new._touched, new._touched_memo = {}, {}, [], {}
        new._refresh_views()
        return new

    def __deepcopy__(self, memo) -> ContractTable:
        """``copy.deepcopy`` (as in ``System.copy``) must keep the field arrays views of the copied
        buffer: a deep-copied view is detached, and the next ``add`` would restore stale values."""
        return self.copy()

    # -- families ------------------------------------------------------------------------------
    def _family(self, name: str, first: ContractType, last: ContractType) -> np.ndarray:
        """Cached read-only mask of active contracts with ``first <= ctype <= last`` (types never
        change and ``active`` changes only through :meth:`set_active`, which clears the cache)."""
        try:
            return self._masks[("family", name)]  # the hit without a call (read on every is_debt)
        except KeyError:
            pass

        def part(at) -> np.ndarray:
            return (self.ctype[at] >= first) & (self.ctype[at] <= last) & self.active[at]

        return self._derived(("family", name), lambda: part(slice(None)), part)

    @property
    def is_debt(self) -> np.ndarray:
        """Active debt contracts (a creditor's asset, an obligor's liability); read-only."""
        return self._family("debt", ContractType.LOAN, LAST_DEBT_TYPE)  # debt types are the codes 0-5

    @property
    def is_stake(self) -> np.ndarray:
        """Active equity stakes and LP commitments; read-only."""
        return self._family("stake", ContractType.EQUITY, ContractType.LP_COMMITMENT)

    @property
    def is_executory(self) -> np.ndarray:
        """Active leases and offtakes; read-only."""
        return self._family("executory", ContractType.LEASE, ContractType.OFFTAKE)

    def rows_of(self, *types: ContractType) -> np.ndarray:
        """Indices (ascending) of the active contracts of the given types; cached like the masks, so
        a mechanism touching one small family (leases, credit lines) filters those rows, not the table."""
        try:
            return self._masks[("rows", *types)]  # the hit without a call
        except KeyError:
            pass

        codes = sorted({int(t) for t in types})

        contiguous = codes == list(range(codes[0], codes[-1] + 1))

        def part(at) -> np.ndarray:
            ctype, active = self.ctype[at], self.active[at]
            if contiguous:  # two comparisons
                return (ctype >= codes[0]) & (ctype <= codes[-1]) & active
            return np.isin(ctype, codes) & active

        return self._derived(("rows", *types), lambda: np.flatnonzero(part(slice(None))), part, listing=True)

    @property
    def executory_rows(self) -> np.ndarray:
        """Indices of active leases and offtakes (read-only)."""
        return self.rows_of(*EXECUTORY_TYPES)

    @property
    def stake_rows(self) -> np.ndarray:
        """Indices of active stakes (read-only)."""
        return self.rows_of(*STAKE_TYPES)

    @property
    def debt_rows(self) -> np.ndarray:
        """Indices of active debt contracts (read-only)."""
        return self.rows_of(*DEBT_TYPES)

    def of_type(self, *types: ContractType) -> np.ndarray:
        """Boolean mask of active contracts of the given types."""
        return np.isin(self.ctype, [int(t) for t in types]) & self.active

    def value(self) -> np.ndarray:
        """Creditor-side carrying value of each contract (USD bn); zero for off-balance rows."""
        v = np.where(self.is_debt, self.principal * self.mark, 0.0)
        return np.where(self.is_stake, self.principal, v)

    def value_of(self, rows: np.ndarray) -> np.ndarray:
        """:meth:`value` of debt and stake ``rows`` only (USD bn): debt at its mark, stakes at
        carrying value."""
        return self.principal[rows] * np.where(self.is_debt[rows], self.mark[rows], 1.0)

    def liability(self) -> np.ndarray:
        """Obligor-side liability of each contract (USD bn, nominal debt only)."""
        return np.where(self.is_debt, self.principal, 0.0)

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        counts = np.bincount(self.ctype[self.active], minlength=len(ContractType))
        parts = [f"{ContractType(i).name.lower()}={c}" for i, c in enumerate(counts) if c]
        return f"ContractTable({self.size} rows: {', '.join(parts)})"


def _as_rows(rows) -> np.ndarray:
    """Row indices (int64, 1-d) of ``rows``: indices, one index, or a boolean mask."""
    rows = np.asarray(rows)
    return np.flatnonzero(rows) if rows.dtype == bool else np.atleast_1d(rows).astype(np.int64)


def _update(value: np.ndarray, rows: np.ndarray, part) -> np.ndarray:
    """``value`` with ``value[rows] = part(rows)``: a new array only when something changed."""
    new = part(rows)
    if np.array_equal(value[rows], new):
        return value
    value = value.copy()
    value[rows] = new
    return value


def _update_listing(listing: np.ndarray, rows: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The ascending ``listing`` with ``rows`` (ascending, unique) in it where ``keep`` and out of
    it elsewhere: a new array only when a row enters or leaves."""
    present, pos = positions_in(listing, rows)
    stays, enter = keep[present], ~present & keep
    if not stays.all():  # each a copy: only when a row leaves or enters
        listing = np.delete(listing, pos[~stays])
    if enter.any():
        listing = np.insert(listing, np.searchsorted(listing, rows[enter]), rows[enter])
    return listing
