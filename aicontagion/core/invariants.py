"""Invariants checked after every stage (``check_invariants=True``; the tests turn it on).

* every balance sheet balances: assets - liabilities - equity = 0 (to 1e-7 of the largest equity);
* money is conserved: cash in the system changes only by what enters from or leaves to outsiders;
* every number is finite: NaN or an infinity in a balance sheet, a contract or a price is a
  violation (comparisons with NaN are false, so they are checked explicitly);
* a defaulted estate stays empty: after resolution a defaulted institution holds no cash, no
  tradables and no claims, and earns nothing.
"""

from __future__ import annotations

import numpy as np

from aicontagion.core.kinds import Status


class InvariantError(AssertionError):
    """An invariant of the books failed; the message names the month, stage and institution."""


_BOOK_ARRAYS = ("cash", "equity", "ext_liab", "other_assets", "facility", "franchise", "holdings")
_CONTRACT_ARRAYS = ("principal", "mark", "credit_mark", "rate", "payment", "share", "uncalled")
_UNCAPPED = ("limit",)  # a guarantee's cap may be +inf (unlimited), never NaN


def check_books(state, stage: str, estates: bool = False) -> None:
    """Raise :class:`InvariantError` if a balance sheet is off, money drifted, or a value is not finite.

    ``estates``: also check that defaulted institutions hold nothing (after a stage that resolves).
    """
    books, contracts, markets = state.books, state.contracts, state.markets
    where = f"month {state.month} after {stage}"
    for name in _BOOK_ARRAYS:
        a = getattr(books, name)
        if not np.all(np.isfinite(a)):
            row = int(np.flatnonzero(~np.isfinite(a).reshape(a.shape[0], -1).all(axis=1))[0])
            raise InvariantError(f"{where}: {state.registry.ids[row]} has a non-finite {name}")
    for name in _CONTRACT_ARRAYS:
        a = getattr(contracts, name)
        if not np.all(np.isfinite(a)):
            row = int(np.flatnonzero(~np.isfinite(a))[0])
            raise InvariantError(f"{where}: contract {contracts.ids[row]} has a non-finite {name}")
    for name in _UNCAPPED:
        a = getattr(contracts, name)
        if np.isnan(a).any() or (a == -np.inf).any():
            row = int(np.flatnonzero(np.isnan(a) | (a == -np.inf))[0])
            raise InvariantError(f"{where}: contract {contracts.ids[row]} has an invalid {name}")
    if not np.all(np.isfinite(markets.marked_price)):
        raise InvariantError(f"{where}: a market price is not finite")
    gap = books.imbalance(contracts, markets.marked_price)
    scale = 1e-7 * max(1.0, float(np.abs(books.equity).max()))
    if not np.abs(gap).max() <= scale:  # NaN fails this test too
        worst = int(np.nan_to_num(np.abs(gap), nan=np.inf).argmax())
        raise InvariantError(f"{where}: {state.registry.ids[worst]} out of balance by {gap[worst]:.3g}")
    drift = books.money_drift()
    if not abs(drift) <= 1e-7 * max(1.0, abs(books.cash_at_start)):
        raise InvariantError(f"{where}: money not conserved (drift {drift:.3g})")
    if estates:
        check_estates(state, where)


def check_estates(state, where: str) -> None:
    """Defaulted institutions hold no cash, tradables or live claims."""
    dead = np.flatnonzero(state.lifecycle.status == Status.DEFAULTED)
    if dead.size == 0:
        return
    b, c = state.books, state.contracts
    tol = 1e-7 * max(1.0, float(np.abs(b.equity).max()))
    held = np.abs(b.cash[dead]) + np.abs(b.holdings[dead]).sum(axis=1)
    live = c.active & (c.creditor >= 0) & c.is_debt & (c.principal > tol)
    claims = np.bincount(c.creditor[live], weights=c.principal[live], minlength=b.n)[dead]
    bad = np.flatnonzero((held > tol) | (claims > tol))
    if bad.size:
        i = int(dead[bad[0]])
        raise InvariantError(
            f"{where}: defaulted {state.registry.ids[i]} still holds cash {b.cash[i]:.3g}, "
            f"tradables {b.holdings[i].sum():.3g}, claims {claims[bad[0]]:.3g}"
        )
