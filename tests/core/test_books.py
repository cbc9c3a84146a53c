"""Accounting primitives keep every balance sheet balanced and money conserved."""

import numpy as np
import pytest

from aicontagion.core.books import Books, Channel
from aicontagion.network.contracts import EXTERNAL, ContractTable, ContractType


def _books():
    b = Books(3, 1)
    c = ContractTable()
    c.add(ContractType.LOAN, 0, 1, "loan", principal=10.0, rate=0.05, maturity=12)
    b.cash[:] = [5.0, 20.0, 1.0]
    b.equity = b.assets(c, np.ones(1)) - b.liabilities(c)
    b.cash_at_start = b.cash.sum()
    return b, c


def _ok(b, c):
    assert np.abs(b.imbalance(c, np.ones(1))).max() < 1e-12
    assert abs(b.money_drift()) < 1e-12


def test_expense_moves_cash_and_equity_together():
    b, c = _books()
    b.pay_expense(1, 0, 0.5, Channel.INTEREST, "interest")
    _ok(b, c)
    assert b.pnl[0, Channel.INTEREST] == 0.5 and b.pnl[1, Channel.INTEREST] == -0.5


def test_repayment_at_par_of_a_marked_down_claim_is_a_gain():
    b, c = _books()
    b.revalue_contracts(c, [0], 0.8, Channel.COUNTERPARTY)
    _ok(b, c)
    b.repay_principal(c, [0], 5.0)
    _ok(b, c)
    assert b.pnl[0, Channel.COUNTERPARTY] == pytest.approx(-2.0 + 1.0)


def test_outside_flows_are_recorded():
    b, c = _books()
    b.transfer(EXTERNAL, 2, 3.0, "ai_revenue")
    b.book(2, 3.0, Channel.OPERATING)
    b.transfer(0, EXTERNAL, 1.0, "opex")
    b.book(0, -1.0, Channel.OPERATING)
    _ok(b, c)
    assert b.external.inflow["ai_revenue"] == 3.0 and b.external.outflow["opex"] == 1.0


def test_a_missed_booking_is_detected():
    b, c = _books()
    b.transfer(1, 2, 1.0, "gift")  # cash moved, no equity booked
    assert np.abs(b.imbalance(c, np.ones(1))).max() == pytest.approx(1.0)


def test_drawdown_keeps_old_principal_at_its_mark():
    b, c = _books()
    b.revalue_contracts(c, [0], 0.5, Channel.COUNTERPARTY)
    b.lend(c, [0], 10.0)
    _ok(b, c)
    assert c.principal[0] == 20.0 and c.value()[0] == pytest.approx(5.0 + 10.0)


def test_contract_table_grows_and_splits():
    c = ContractTable(capacity=8)
    rows = c.add_many(ctype=[ContractType.BOND] * 20, creditor=range(20), obligor=[0] * 20, principal=[1.0] * 20)
    assert len(c) == 20 and rows[-1] == 19
    new = c.split(np.array([3]), np.array([0.25]), EXTERNAL)
    assert c.principal[3] == pytest.approx(0.75) and c.principal[new[0]] == pytest.approx(0.25)
    assert c.creditor[new[0]] == EXTERNAL
    with pytest.raises(KeyError):
        c.add(ContractType.LOAN, 0, 1, colour="red")


def test_structure_changes_only_through_setters_and_caches_follow():
    """Masks, row lists and per-institution sums derived from the structure are cached; they must
    follow every structural change, and a direct write to the structure must fail loudly."""
    c = ContractTable()
    c.add_many(
        ctype=[ContractType.LOAN, ContractType.LEASE, ContractType.EQUITY],
        creditor=[0, 1, 2],
        obligor=[1, 2, 0],
        principal=[4.0, 0.0, 3.0],
        payment=[0.0, 1.0, 0.0],
    )
    assert c.is_debt.tolist() == [True, False, False]
    assert c.executory_rows.tolist() == [1]
    for name in ("active", "creditor", "obligor", "ctype"):
        with pytest.raises(ValueError):
            getattr(c, name)[0] = 0
    with pytest.raises(ValueError):
        c.is_debt[0] = False  # cached masks are read-only too
    c.set_active([1], False)
    assert c.executory_rows.tolist() == [] and c.is_executory.tolist() == [False, False, False]
    new = c.add(ContractType.OFFTAKE, 2, 1, payment=2.0)
    assert c.executory_rows.tolist() == [new] and c.rows_of(ContractType.OFFTAKE).tolist() == [new]
    assert c.sum_by("creditor", c.value(), 3).tolist() == [4.0, 0.0, 3.0]
    c.set_creditor([0], EXTERNAL)  # sold to outsiders: no institution holds it now
    assert c.sum_by("creditor", c.value(), 3).tolist() == [0.0, 0.0, 3.0]
    assert c.sum_by("obligor", c.liability(), 3).tolist() == [0.0, 4.0, 0.0]


def test_held_rows_follow_principal_and_structure_as_the_masks_do():
    """stakes_held and traded_claims_held keep their structural part cached: they must equal the
    full masks after principal, creditor, activity and new rows change."""
    c = ContractTable()
    c.add_many(
        ctype=[ContractType.BOND, ContractType.EQUITY, ContractType.LOAN, ContractType.BOND, ContractType.EQUITY],
        creditor=[0, 1, 2, EXTERNAL, 2],
        obligor=[1, 2, 0, 1, 0],
        principal=[4.0, 3.0, 2.0, 1.0, 0.0],
        market=[0, -1, -1, 0, -1],
    )

    def masks():
        stakes = np.flatnonzero(c.is_stake & (c.creditor >= 0) & (c.principal > 0))
        traded = np.flatnonzero(c.is_debt & (c.market >= 0) & (c.creditor >= 0) & (c.principal > 0))
        assert c.stakes_held().tolist() == stakes.tolist()
        assert c.traded_claims_held().tolist() == traded.tolist()
        return stakes.tolist(), traded.tolist()

    assert masks() == ([1], [0])
    c.principal[4] = 1.0  # not structure: read fresh every call
    assert masks() == ([1, 4], [0])
    c.set_creditor([0], EXTERNAL)
    assert masks() == ([1, 4], [])
    c.split(np.array([3]), 0.5, 2)  # half of the outsiders' bond to institution 2
    assert masks() == ([1, 4], [5])
    c.set_active([1], False)
    assert masks() == ([4], [5])


def test_per_row_values_are_computed_once_per_row_and_follow_a_change_of_hands():
    """ContractTable.per_row computes only the rows appended since its last call (the amortised
    constant-time append of issue 12, item 6), always equals computing every row afresh, and
    recomputes a row that changes hands (its creditor is an input)."""
    c = ContractTable(capacity=8)
    seen = []

    def creditor_plus_principal(rows):
        seen.append(rows.tolist())
        return c.creditor[rows] + c.principal[rows]

    c.add_many(ctype=[ContractType.BOND] * 3, creditor=[0, 1, 2], obligor=[1, 2, 0], principal=[1.0, 2.0, 3.0])
    assert c.per_row("k", creditor_plus_principal).tolist() == [1.0, 3.0, 5.0]
    first = c.per_row("k", creditor_plus_principal)
    assert seen == [[0, 1, 2]] and not first.flags.writeable  # the second read computed nothing
    c.add_many(ctype=[ContractType.LOAN] * 10, creditor=[1] * 10, obligor=[0] * 10, principal=np.arange(10.0))
    grown = c.per_row("k", creditor_plus_principal)
    assert seen[-1] == list(range(3, 13))  # only the new rows, through a buffer that grew
    assert grown.tolist() == (c.creditor + c.principal).tolist() and first.tolist() == [1.0, 3.0, 5.0]
    c.set_active([4], False)  # activity is not an input: nothing recomputed
    c.per_row("k", creditor_plus_principal)
    assert len(seen) == 2
    c.set_creditor([0], 2)
    assert c.per_row("k", creditor_plus_principal)[0] == 3.0 and seen[-1] == [0]  # only the row handed on
    assert c.per_row("k", creditor_plus_principal).tolist() == (c.creditor + c.principal).tolist()


def test_selections_follow_appends_ends_and_sales_testing_only_those_rows():
    """Cached selections, families, row lists and bins are kept through structural changes and
    updated only where they happened (issue 12, item 6): rows appended, switched off or handed to a
    new creditor are tested alone, and the result always equals scanning the whole table afresh."""
    c = ContractTable(capacity=8)
    tested = []

    def held_debt(at):
        tested.append(list(range(c.size))[at] if isinstance(at, slice) else at.tolist())
        return c.is_debt[at] & (c.creditor[at] >= 0)

    def check():
        scan = (c.ctype >= int(ContractType.LOAN)) & (c.ctype <= int(ContractType.VENDOR_FINANCING)) & c.active
        assert c.is_debt.tolist() == scan.tolist() and c.debt_rows.tolist() == np.flatnonzero(scan).tolist()
        assert c.selection("held debt", held_debt).tolist() == np.flatnonzero(scan & (c.creditor >= 0)).tolist()
        assert c.selection_mask("held debt mask", held_debt).tolist() == (scan & (c.creditor >= 0)).tolist()
        assert c.stakes_held().tolist() == np.flatnonzero(c.is_stake & (c.creditor >= 0) & (c.principal > 0)).tolist()
        v = c.value()
        assert c.sum_by("creditor", v, 4).tolist() == [float(v[c.creditor == i].sum()) for i in range(4)]

    c.add_many(ctype=[ContractType.BOND, ContractType.EQUITY], creditor=[0, 1], obligor=[1, 2], principal=[1.0, 2.0])
    check()
    tested.clear()
    c.add_many(ctype=[ContractType.LOAN] * 12, creditor=[2, EXTERNAL] * 6, obligor=[3] * 12, principal=np.ones(12))
    check()
    assert tested == [list(range(2, 14))] * 2  # the selection and the mask tested the new rows only
    assert c.add_many(ctype=[], creditor=[], obligor=[]).size == 0  # nothing written: caches kept
    tested.clear()
    c.set_active([2], False)
    check()
    assert tested == [[2], [2]]
    tested.clear()
    c.set_creditor(np.arange(14) == 3, 0)  # a mask, as the sale rounds pass
    c.set_creditor([0], EXTERNAL)
    check()
    assert tested == [[0, 3], [0, 3]]
    assert c.selection("held debt", held_debt).flags.writeable is False


@pytest.mark.parametrize("seed", range(5))
def test_kept_selections_equal_fresh_scans_through_random_structural_changes(seed):
    """Random appends, ends, revivals and sales: every kept selection, mask, family, row list and
    bin equals a fresh scan after each change."""
    rng = np.random.default_rng(seed)
    c = ContractTable(capacity=8)
    types = [ContractType.LOAN, ContractType.BOND, ContractType.EQUITY, ContractType.LEASE]

    def add(k):
        c.add_many(
            ctype=rng.choice(types, k),
            creditor=rng.integers(-1, 5, k),
            obligor=rng.integers(-1, 5, k),
            principal=rng.random(k),
        )

    add(20)
    for _ in range(40):
        op = rng.integers(4)
        if op == 0:
            add(int(rng.integers(0, 6)))
        elif op == 1:
            c.set_active(rng.integers(0, c.size, 3), bool(rng.integers(2)))
        elif op == 2:
            c.set_creditor(rng.random(c.size) < 0.1, int(rng.integers(-1, 5)))
        held = c.selection("held stakes or debt", lambda at: (c.is_debt[at] | c.is_stake[at]) & (c.creditor[at] >= 0))
        want = (c.is_debt | c.is_stake) & (c.creditor >= 0)
        scan_debt = (c.ctype <= int(ContractType.VENDOR_FINANCING)) & c.active
        assert c.is_debt.tolist() == scan_debt.tolist()
        assert held.tolist() == np.flatnonzero(want).tolist()
        assert (
            c.selection_mask("held mask", lambda at: c.is_stake[at] & (c.obligor[at] >= 0)).tolist()
            == (c.is_stake & (c.obligor >= 0)).tolist()
        )
        assert c.executory_rows.tolist() == np.flatnonzero((c.ctype == int(ContractType.LEASE)) & c.active).tolist()
        assert (
            c.sum_by("obligor", np.ones(c.size), 5).tolist()
            == np.bincount(c.obligor[c.obligor >= 0], minlength=5).tolist()
        )


def test_a_cache_of_some_types_is_kept_through_changes_to_other_types():
    """cached(key, compute, types) is recomputed only when a row of those types is appended, ended
    or handed on (the stakes sorted by holder-issuer pair survive a month of bond issues)."""
    c = ContractTable()
    c.add_many(ctype=[ContractType.EQUITY, ContractType.BOND], creditor=[0, 1], obligor=[1, 2], principal=[1.0, 1.0])
    computed = []

    def stakes():
        computed.append(1)
        return c.stake_rows.copy()

    def read():
        return c.cached("stakes", stakes, (ContractType.EQUITY, ContractType.LP_COMMITMENT)).tolist()

    assert read() == [0]
    c.add(ContractType.BOND, 2, 0, principal=1.0)
    c.set_active([1], False)
    c.set_creditor([2], EXTERNAL)
    assert read() == [0] and len(computed) == 1  # only debt changed: kept
    c.add(ContractType.LP_COMMITMENT, 3, 1, principal=1.0)
    assert read() == [0, 3] and len(computed) == 2
    c.set_active([0], False)
    assert read() == [3] and len(computed) == 3


def test_contract_table_pickles_as_views_of_its_buffers():
    import pickle

    c = ContractTable()
    c.add(ContractType.BOND, 0, 1, principal=2.0)
    copy = pickle.loads(pickle.dumps(c))
    copy.add(ContractType.BOND, 1, 0, principal=5.0)  # appends into the buffer the views share
    assert copy.principal.tolist() == [2.0, 5.0] and copy.is_debt.tolist() == [True, True]
    assert not copy.active.flags.writeable


def test_remark_claims_matches_revaluing_rows():
    """The whole-table remark books exactly what revaluing the selected rows does."""
    a, ca = _books()
    b, cb = _books()
    for c in (ca, cb):
        c.add(ContractType.BOND, EXTERNAL, 0, principal=3.0)
        c.add(ContractType.BOND, 2, 0, principal=2.0)
    for bk, c in ((a, ca), (b, cb)):
        bk.equity = bk.assets(c, np.ones(1)) - bk.liabilities(c)
    marks = np.array([0.9, 0.5, 0.8])
    a.revalue_contracts(ca, [0, 1, 2], marks, Channel.COUNTERPARTY)
    b.remark_claims(cb, cb.is_debt, marks, Channel.COUNTERPARTY)
    assert np.allclose(a.equity, b.equity) and np.allclose(a.pnl, b.pnl)
    assert a.external.losses["counterparty"] == pytest.approx(b.external.losses["counterparty"]) == pytest.approx(1.5)
    _ok(b, cb)
    by_row = np.array([Channel.COUNTERPARTY, Channel.STRATEGIC_DEFAULT, Channel.FIRE_SALE])
    b.remark_claims(cb, cb.is_debt, np.array([0.5, 0.5, 0.5]), by_row)
    assert b.pnl[0, Channel.COUNTERPARTY] == pytest.approx(10.0 * (0.9 - 1.0) + 10.0 * (0.5 - 0.9))
    assert b.pnl[2, Channel.FIRE_SALE] == pytest.approx(2.0 * (0.5 - 0.8))
    assert b.external.losses["strategic_default"] == pytest.approx(0.0)  # 3 x (0.5 - 0.5)
    _ok(b, cb)
