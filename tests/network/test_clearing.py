"""Tests for ``aicontagion.network.clearing``.

Published worked examples where they exist (source cited in each docstring), hand-computed
examples built from the papers' definitions where they do not (arithmetic shown, and labelled as
such), and hypothesis property tests on small random networks.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from aicontagion.network import clearing, linear
from aicontagion.network.clearing import (
    clear_obligations,
    debtrank,
    eisenberg_noe,
    rogers_veraart,
    threshold_cascade,
)

# ----------------------------------------------------------------------------- fixtures


def gandy_veraart_network():
    """Three-bank example of the R package ``systemicrisk`` (Gandy & Veraart).

    From the ``default_clearing`` help page (systemicrisk 0.4.x, CRAN; rendered with its
    "Example output" at https://rdrr.io/cran/systemicrisk/man/default_clearing.html)::

        ea <- c(1/2,5/8,3/4); el <- c(3/2,1/2,1/2); x <- 0.5
        L <- matrix(c(0,x,1-x,1-x,0,x,x,1-x,0),nrow=3)

    With ``x = 0.5`` every off-diagonal liability is 0.5. External liabilities ``el`` rank pari
    passu with interbank ones (they are part of ``pbar``), as in our default.
    """
    L = np.full((3, 3), 0.5)
    np.fill_diagonal(L, 0.0)
    return L, np.array([0.5, 0.625, 0.75]), np.array([1.5, 0.5, 0.5])


def obligations_from_matrix(L, external_liabilities, external_senior=False):
    """Contract lists (obligor, creditor, due, priority) equivalent to a liability matrix."""
    i, j = np.nonzero(L)
    ext = np.flatnonzero(external_liabilities > 0)
    obligor = np.r_[i, ext]
    creditor = np.r_[j, -np.ones(ext.size, dtype=int)]
    due = np.r_[L[i, j], external_liabilities[ext]]
    priority = np.r_[np.full(i.size, 1 if external_senior else 0), np.zeros(ext.size, dtype=int)]
    return obligor, creditor, due, priority


# ----------------------------------------------------------------------------- published examples


def test_eisenberg_noe_reproduces_systemicrisk_example():
    """Eisenberg-Noe clearing vector of the ``systemicrisk`` example (published output).

    Source: Gandy & Veraart, R package ``systemicrisk``, ``default_clearing(L, ea, el)``, example
    output ``defaultind 1 1 0`` and ``clearingvec 1.473214 1.419643 1.500000`` (total payments,
    interbank plus external). Hand check: ``pbar = (2.5, 1.5, 1.5)``, ``Pi`` rows
    ``(0, .2, .2)``, ``(1/3, 0, 1/3)``, ``(1/3, 1/3, 0)``. At ``pbar`` bank 1 has
    ``0.5 + 1.5/3 + 1.5/3 = 1.5 < 2.5`` (default); with ``p1 = 1.5`` bank 2 has
    ``0.625 + 0.2*1.5 + 0.5 = 1.425 < 1.5`` (default). Solving ``p1 = 0.5 + p2/3 + 0.5``,
    ``p2 = 0.625 + 0.2 p1 + 0.5`` gives ``p1 = 1.375 * 15/14 = 1.4732142857``,
    ``p2 = 1.125 + 0.2 p1 = 1.4196428571``; bank 3 keeps ``0.75 + 0.2 p1 + p2/3 = 1.5178571 >= 1.5``
    so its equity is ``1.5178571 - 1.5 = 0.0178571``.
    """
    L, ea, el = gandy_veraart_network()
    res = eisenberg_noe(L, ea, el)
    np.testing.assert_allclose(res.total_payments, [1.473214, 1.419643, 1.5], atol=5e-7)
    p1 = 1.375 * 15 / 14
    np.testing.assert_allclose(res.total_payments, [p1, 1.125 + 0.2 * p1, 1.5], rtol=1e-12)
    np.testing.assert_array_equal(res.defaulted, [True, True, False])
    # interbank share of a pro rata payment: bank 1 owes 1 of 2.5 inside, bank 2 1 of 1.5
    np.testing.assert_allclose(res.payments, [p1 / 2.5, res.total_payments[1] / 1.5, 1.0], rtol=1e-12)
    np.testing.assert_allclose(res.equity, [0.0, 0.0, 0.75 + 0.2 * p1 + (1.125 + 0.2 * p1) / 3 - 1.5], atol=1e-12)


def test_rogers_veraart_reproduces_systemicrisk_example():
    """Rogers-Veraart greatest clearing vector with default costs (published output).

    Source: R package ``systemicrisk``, ``default_clearing(L, ea, el, alpha=0.5, beta=0.7)``,
    example output ``defaultind 1 1 1``, ``clearingvec 0.5020200 0.5147049 0.5653806``; the
    package implements the Greatest Clearing Vector Algorithm of Rogers & Veraart (2013,
    Management Science 59(4):882-898, Definition 3.6). Trace of the algorithm by hand: at
    ``pbar`` only bank 1 defaults; fixing that set, ``p1 = 0.5*0.5 + 0.7*(1.5/3 + 1.5/3) = 0.95``;
    then bank 2 has ``0.625 + 0.2*0.95 + 0.5 = 1.315 < 1.5`` and bank 3
    ``0.75 + 0.19 + 0.5 = 1.44 < 1.5``, so all default and ``p = alpha*e + beta*Pi^T p``. Default
    costs lower the clearing vector well below the Eisenberg-Noe one (1.47, 1.42, 1.5).
    """
    L, ea, el = gandy_veraart_network()
    res = rogers_veraart(L, ea, 0.5, 0.7, el)
    np.testing.assert_allclose(res.total_payments, [0.5020200, 0.5147049, 0.5653806], atol=5e-8)
    np.testing.assert_array_equal(res.defaulted, [True, True, True])
    Pi = L / (L.sum(axis=1) + el)[:, None]
    exact = np.linalg.solve(np.eye(3) - 0.7 * Pi.T, 0.5 * ea)
    np.testing.assert_allclose(res.total_payments, exact, rtol=1e-12)
    assert np.all(res.total_payments < eisenberg_noe(L, ea, el).total_payments)
    assert res.iterations == 3  # D = {1}, then {1, 2, 3}, then confirmed
    np.testing.assert_allclose(res.equity, 0.0, atol=1e-12)  # default costs are not equity


def test_kernel_reproduces_systemicrisk_examples():
    """``clear_obligations`` (Picard iteration on contracts) gives the same published vectors.

    Source: as the two tests above (R package ``systemicrisk``, ``default_clearing`` examples).
    """
    L, ea, el = gandy_veraart_network()
    args = obligations_from_matrix(L, el)
    en = clear_obligations(*args, ea, tol=1e-13, max_iter=10_000)
    np.testing.assert_allclose(en.paid_by_node, [1.473214, 1.419643, 1.5], atol=5e-7)
    np.testing.assert_array_equal(en.defaulted, [True, True, False])
    rv = clear_obligations(*args, ea, alpha=0.5, beta=0.7, tol=1e-13, max_iter=10_000)
    np.testing.assert_allclose(rv.paid_by_node, [0.5020200, 0.5147049, 0.5653806], atol=5e-8)
    np.testing.assert_array_equal(rv.defaulted, [True, True, True])


def test_eisenberg_noe_pari_passu_and_senior_hand_example():
    """Hand-computed; inputs from a published teaching exercise, answer derived here.

    Inputs: ``Exercise2.m`` of P. Barucca's "Big Data Finance" course code
    (github.com/paolobarucca/eisenbergnoe): ``L = [[0,4,0],[0,0,3],[2,0,0]]``, external assets
    ``(20, 20, 10)`` hit by a uniform 10% shock, so ``e = (18, 18, 9)``, external liabilities
    ``x = (17, 18, 8)``. The repository publishes no numbers, so the answer is worked here.

    Pari passu: ``pbar = (21, 21, 10)``. At ``pbar`` bank 0 has ``18 + 2 = 20 < 21`` (default),
    bank 1 ``18 + 4 = 22``, bank 2 ``9 + 3 = 12`` (solvent). With ``p0 = 20`` bank 1 receives
    ``4/21 * 20 = 3.8095`` and still has ``21.8095 >= 21``. Bank 0 pays ``20*4/21`` inside and
    ``20*17/21`` outside; equities ``(0, 18 + 80/21 - 21, 9 + 3 - 10) = (0, 0.8095, 2)``.

    External senior: bank 0 keeps ``18 - 17 + 2 = 3 < 4`` for interbank debt (default, pays 3);
    bank 1 has ``18 - 18 + 3 = 3 >= 3`` and ends with equity exactly 0, which is solvent;
    bank 2 ``9 - 8 + 3 = 4 >= 2``.
    """
    L = np.array([[0, 4, 0], [0, 0, 3], [2, 0, 0]], dtype=float)
    e, x = np.array([20.0, 20.0, 10.0]) * 0.9, np.array([17.0, 18.0, 8.0])
    pp = eisenberg_noe(L, e, x)
    np.testing.assert_allclose(pp.total_payments, [20, 21, 10], rtol=1e-12)
    np.testing.assert_allclose(pp.payments, [80 / 21, 3, 2], rtol=1e-12)
    np.testing.assert_allclose(pp.external_payments, [340 / 21, 18, 8], rtol=1e-12)
    np.testing.assert_allclose(pp.equity, [0, 18 + 80 / 21 - 21, 2], atol=1e-12)
    np.testing.assert_array_equal(pp.defaulted, [True, False, False])

    sen = eisenberg_noe(L, e, x, external_senior=True)
    np.testing.assert_allclose(sen.payments, [3, 3, 2], rtol=1e-12)
    np.testing.assert_allclose(sen.external_payments, [17, 18, 8], rtol=1e-12)
    np.testing.assert_allclose(sen.equity, [0, 0, 2], atol=1e-12)
    np.testing.assert_array_equal(sen.defaulted, [True, False, False])


def test_debtrank_reproduces_networkriskmeasures_readme():
    """Original DebtRank (Battiston et al. 2012) on the published 3-bank example.

    Source: README of the R package ``NetworkRiskMeasures`` (Cinelli & Silva; early version,
    github.com/carloscinelli/NetworkRiskMeasures, whose ``debt_rank`` implements the
    Undistressed/Distressed/Inactive algorithm of Battiston et al. 2012, Sci. Rep. 2:541).
    Assets matrix ``matrix(c(0,10,3,1,0,2,0,3,0), ncol=3)`` (column-major, so rows are
    a=(0,1,0), b=(10,0,3), c=(3,2,0); ``A[i,j]`` = i's asset on j), buffers (2, 5, 2),
    weights (10, 100, 30)/140. Published output:

    * 10% shock to all: final stress (0.15, 0.26, 0.30), additional stress 16.07%.
    * default of a alone: additional stress 0.9285714 (2 additional defaults);
      of c: 0.6642857 (0 defaults); of b: 0.25 (1 default).

    Hand check: ``W = min(1, A/E)`` = rows (0, .5, 0), (1, 0, .6), (1, 1, 0). 10% shock:
    ``h = 0.1 + W @ 0.1`` = (0.15, 0.26, 0.30). c defaults: round 1 b gets 0.6; round 2 b
    propagates 0.6, a gets 0.5*0.6 = 0.3; round 3 a propagates 0.3, b rises to 0.9 but is
    inactive and passes nothing on. Stress = (10*0.3 + 100*0.9)/140 = 0.6642857.
    """
    A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)
    E, w = np.array([2.0, 5.0, 2.0]), np.array([10.0, 100.0, 30.0])
    res = debtrank(A, E, [0.1, 0.1, 0.1], w)
    np.testing.assert_allclose(res.distress, [0.15, 0.26, 0.30], rtol=1e-12)
    assert round(100 * res.system_stress, 2) == 16.07
    assert res.rounds == 1
    published = {0: (0.9285714, 2), 1: (0.25, 1), 2: (0.6642857, 0)}
    for node, (stress, extra_defaults) in published.items():
        r = debtrank(A, E, np.eye(3)[node], w)
        assert r.system_stress == pytest.approx(stress, abs=5e-8)
        assert int((r.distress >= 1).sum()) - 1 == extra_defaults
    np.testing.assert_allclose(debtrank(A, E, np.eye(3)[2], w).distress, [0.3, 0.9, 1.0], rtol=1e-12)


def test_debtrank_bardoscia_propagates_every_increment():
    """Linear DebtRank (Bardoscia et al. 2015) on the same network: hand-computed, not published.

    Bardoscia et al. (PLoS ONE 10:e0130406) note that the original algorithm underestimates
    losses on networks with cycles because a node passes on distress once. Default of c,
    ``h(t+1) = min(1, h(t) + W (h(t) - h(t-1)))``: increments (0,0,1) -> b +0.6 -> a +0.3 ->
    b +0.3 (0.9) -> a +0.15 (0.45) -> b +0.1 (capped at 1) -> a +0.05 (0.5) -> nothing.
    Final (0.5, 1, 1) after 7 rounds; stress (10*0.5 + 100*1)/140 = 0.75 > 0.6642857.
    """
    A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)
    E, w = np.array([2.0, 5.0, 2.0]), np.array([10.0, 100.0, 30.0])
    res = debtrank(A, E, [0.0, 0.0, 1.0], w, variant="bardoscia2015")
    np.testing.assert_allclose(res.distress, [0.5, 1.0, 1.0], rtol=1e-12)
    assert res.system_stress == pytest.approx(0.75, rel=1e-12)
    assert res.rounds == 7


def test_debtrank_chain_and_default_weights():
    """Hand-computed 3-node chain (no published table): 0 lent to 1, 1 lent to 2.

    ``A[0,1] = 4`` with equity 8 gives ``W[0,1] = 0.5``; ``A[1,2] = 6`` with equity 3 gives
    ``W[1,2] = min(1, 2) = 1``. Shock node 2 by 0.4: round 1 node 1 gets 0.4; round 2 node 0
    gets 0.5*0.4 = 0.2. Default weights are each node's total interbank exposure (row sums
    4, 6, 0)/10, so system stress = 0.4*0.2 + 0.6*0.4 = 0.32.
    """
    A = np.array([[0, 4, 0], [0, 0, 6], [0, 0, 0]], dtype=float)
    for variant in ("battiston2012", "bardoscia2015"):
        res = debtrank(A, [8.0, 3.0, 1.0], [0.0, 0.0, 0.4], variant=variant)
        np.testing.assert_allclose(res.distress, [0.2, 0.4, 0.4], rtol=1e-12)
        assert res.system_stress == pytest.approx(0.32, rel=1e-12)
    # no exposures at all: equal weights
    assert debtrank(np.zeros((2, 2)), [1, 1], [0.5, 0]).system_stress == 0.0


def test_threshold_cascade_hand_example():
    """Gai & Kapadia (2010, Proc. R. Soc. A 466:2401) default rule, hand-built example.

    GK give no small worked table, so this network is built from their definition (a bank fails
    when losses on failed counterparties exceed its capital; zero recovery in GK). Bank 0 fails.
    Bank 1 lent 8 to bank 0, capital 4: 8 > 4, fails in round 1. Bank 2 lent 2 to bank 0 and 3
    to bank 1, capital 4: loss 2 in round 1, 5 > 4 in round 2. Bank 3 lent 2 to bank 2, capital
    2: loss 2 is not strictly greater, survives, so bank 4 (lent 10 to bank 3) survives too.
    With 50% recovery bank 1 loses exactly 4 = capital and survives: nothing spreads.
    """
    A = np.zeros((5, 5))
    A[1, 0], A[2, 0], A[2, 1], A[3, 2], A[4, 3], A[0, 1] = 8, 2, 3, 2, 10, 5
    capital = np.array([1.0, 4.0, 4.0, 2.0, 1.0])
    res = threshold_cascade(A, capital, [0])
    np.testing.assert_array_equal(res.defaulted, [True, True, True, False, False])
    np.testing.assert_array_equal(res.default_round, [0, 1, 2, -1, -1])
    assert res.rounds == 2
    half = threshold_cascade(A, capital, np.array([True, False, False, False, False]), recovery=0.5)
    np.testing.assert_array_equal(half.default_round, [0, -1, -1, -1, -1])
    assert half.rounds == 0


# ----------------------------------------------------------------------------- hand-checked kernel cases


def test_clear_obligations_priority_tiers():
    """Hand-computed tiers. Node 0 (cash 10) owes 6 senior (tier 0) outside and 6 + 2 junior
    (tier 1) to nodes 1 and 2; node 1 (cash 0) owes 5 to node 2 (tier 0).

    Node 0 pays 6 senior, then its remaining 4 pro rata on 8 junior: 3 to node 1, 1 to node 2.
    Node 1 receives 3 and pays it on. With alpha = beta = 0.5, node 0 realises 5 < 6: pays
    5 to the senior creditor and nothing junior; node 1 then pays nothing.
    """
    obligor, creditor = [0, 0, 0, 1], [-1, 1, 2, 2]
    due, priority = [6.0, 6.0, 2.0, 5.0], [0, 1, 1, 0]
    res = clear_obligations(obligor, creditor, due, priority, [10.0, 0.0, 0.0])
    np.testing.assert_allclose(res.paid, [6, 3, 1, 3])
    np.testing.assert_allclose(res.paid_by_node, [10, 3, 0])
    np.testing.assert_allclose(res.received_by_node, [0, 3, 4])
    np.testing.assert_allclose(res.shortfall_by_node, [4, 2, 0])
    np.testing.assert_array_equal(res.defaulted, [True, True, False])
    assert res.paid_out_of_system == 6.0 and res.converged
    costly = clear_obligations(obligor, creditor, due, [0, 5, 5, 0], [10.0, 0.0, 0.0], alpha=0.5, beta=0.5)
    np.testing.assert_allclose(costly.paid, [5, 0, 0, 0])
    assert costly.paid_out_of_system == 5.0


def test_clear_obligations_exact_on_a_slowly_leaking_cycle():
    """Hand-computed. Nodes 0 and 1 owe each other 1; node 0 also owes 0.001 outside.

    With 0.5 of cash node 0 can pay everything (0.5 + 1 >= 1.001): nothing defaults. With 0.0005
    both default: ``p0 = 0.0005 + p1`` and ``p1 = p0 / 1.001`` (node 1 gets the 1/1.001 share of
    ``p0``) give ``p0 = 0.0005 * 1.001 / 0.001 = 0.5005`` and ``p1 = 0.5``. Plain iteration closes
    the gap by a factor 1/1.001 per step (about 20,000 steps to 1e-9); the exact solve on the
    settled default set finishes in a handful of iterations.
    """
    args = ([0, 0, 1], [1, -1, 0], [1.0, 0.001, 1.0], [0, 0, 0])
    full = clear_obligations(*args, [0.5, 0.0])
    assert not full.defaulted.any()
    res = clear_obligations(*args, [0.0005, 0.0])
    np.testing.assert_allclose(res.paid_by_node, [0.5005, 0.5], rtol=1e-12)
    assert res.converged and res.iterations < 10
    L = np.array([[0.0, 1.0], [1.0, 0.0]])
    en = eisenberg_noe(L, [0.0005, 0.0], [0.001, 0.0])
    np.testing.assert_allclose(res.paid_by_node, en.total_payments, rtol=1e-12)


def test_cycle_drained_by_senior_claims():
    """Hand-computed. Banks 0 and 1 owe each other 10 (junior); bank 0 also owes 0.01 senior
    outside; no cash. Any flow round the cycle loses 0.01 to the senior creditor each time, so
    the only clearing vector pays nothing: ``p0 = max(0, p1 - 0.01)``, ``p1 = p0`` give 0.

    The matrix algorithm finds it at once (policy iteration puts both banks in the zero state).
    The contract kernel's linear system is singular there, so it drains by 0.01 per two steps:
    about 2,000 iterations; at the default cap it stops early with an upper bound.
    """
    L = np.array([[0.0, 10.0], [10.0, 0.0]])
    en = eisenberg_noe(L, [0.0, 0.0], [0.01, 0.0], external_senior=True)
    np.testing.assert_array_equal(en.payments, [0, 0])
    np.testing.assert_array_equal(en.defaulted, [True, True])
    assert en.iterations <= 3
    args = ([0, 1, 0], [1, 0, -1], [10.0, 10.0, 0.01], [1, 1, 0], [0.0, 0.0])
    full = clear_obligations(*args, max_iter=10_000)
    assert full.converged and full.defaulted.all()
    np.testing.assert_allclose(full.paid_by_node, [0, 0], atol=1e-9)
    capped = clear_obligations(*args)
    assert not capped.converged and capped.defaulted.all()
    assert np.all(capped.paid_by_node > full.paid_by_node)  # an upper bound, flagged as such


def test_clear_obligations_edge_cases_and_validation():
    empty = clear_obligations([], [], [], [], [1.0, 2.0])
    assert empty.paid.size == 0 and not empty.defaulted.any() and empty.paid_out_of_system == 0.0
    solvent = clear_obligations([0], [1], [1.0], [0], [1.0, 0.0])  # equity exactly zero
    assert not solvent.defaulted.any() and solvent.paid[0] == 1.0
    with pytest.raises(ValueError):
        clear_obligations([0], [2], [1.0], [0], [1.0, 0.0])
    with pytest.raises(ValueError):
        clear_obligations([0], [1], [-1.0], [0], [1.0, 0.0])
    with pytest.raises(ValueError):
        clear_obligations([0], [1], [1.0], [0], [1.0, 0.0], alpha=1.5)


def test_greatest_vector_in_a_closed_cycle():
    """Two banks owing each other 1 with no outside assets: every ``c*(1, 1)``, ``c`` in [0, 1],
    clears (Eisenberg & Noe 2001 non-uniqueness); the greatest is full payment, equity exactly 0,
    no default, also with default costs."""
    L = np.array([[0.0, 1.0], [1.0, 0.0]])
    for res in (eisenberg_noe(L, [0, 0]), rogers_veraart(L, [0, 0], 0.3, 0.3)):
        np.testing.assert_array_equal(res.payments, [1, 1])
        assert not res.defaulted.any()
        np.testing.assert_array_equal(res.equity, [0, 0])
    k = clear_obligations([0, 1], [1, 0], [1.0, 1.0], [0, 0], [0.0, 0.0])
    np.testing.assert_array_equal(k.paid, [1, 1])


def test_sparse_inputs_match_dense():
    L, ea, el = gandy_veraart_network()
    for f in (lambda M: eisenberg_noe(M, ea, el), lambda M: rogers_veraart(M, ea, 0.5, 0.7, el)):
        np.testing.assert_allclose(f(sp.csr_matrix(L)).total_payments, f(L).total_payments, rtol=1e-12)
    A = np.array([[0, 1, 0], [10, 0, 3], [3, 2, 0]], dtype=float)
    for variant in ("battiston2012", "bardoscia2015"):
        d = debtrank(A, [2, 5, 2], [0, 0, 1], variant=variant)
        s = debtrank(sp.csr_array(A), [2, 5, 2], [0, 0, 1], variant=variant)
        np.testing.assert_allclose(s.distress, d.distress, rtol=1e-12)
    np.testing.assert_array_equal(
        threshold_cascade(sp.csr_matrix(A), [1, 1, 1], [0]).defaulted,
        threshold_cascade(A, [1, 1, 1], [0]).defaulted,
    )


def test_iterative_solver_path_matches_direct(monkeypatch):
    """Large sparse default sets are solved with BiCGSTAB; force that path on a 300-bank network
    (matrix clearing and the contract kernel's exact step)."""
    rng = np.random.default_rng(7)
    n = 300
    L = sp.random_array((n, n), density=0.02, format="csr", rng=rng) * 10
    L.setdiag(0)
    L.eliminate_zeros()
    owed = np.asarray(L.sum(axis=1)).ravel()
    e, x = owed * rng.uniform(0, 0.8, n), owed * 0.2
    direct = [eisenberg_noe(L, e, x), rogers_veraart(L, e, 0.6, 0.8, x)]
    assert direct[0].defaulted.sum() > 20
    monkeypatch.setattr(linear, "DIRECT_MAX", 0)
    monkeypatch.setattr(linear, "DENSE_MAX", 0)
    for before, after in zip(direct, [eisenberg_noe(L, e, x), rogers_veraart(L, e, 0.6, 0.8, x)], strict=True):
        np.testing.assert_allclose(after.total_payments, before.total_payments, atol=1e-9)
        np.testing.assert_array_equal(after.defaulted, before.defaulted)
    k = clear_obligations(*obligations_from_matrix(L.toarray(), x), e, alpha=0.6, beta=0.8)
    assert k.converged
    np.testing.assert_allclose(k.paid_by_node, direct[1].total_payments, atol=1e-8)


def test_singular_fallback_gives_same_answer(monkeypatch):
    """The fixed-point fallback (used if a default-set system is singular) agrees with the solve."""
    L, ea, el = gandy_veraart_network()
    direct = eisenberg_noe(L, ea, el)
    monkeypatch.setattr(clearing, "_solve_default_set", lambda *args: None)
    fallback = eisenberg_noe(L, ea, el, tol=1e-14)
    np.testing.assert_allclose(fallback.total_payments, direct.total_payments, atol=1e-9)
    np.testing.assert_array_equal(fallback.defaulted, direct.defaulted)


# ----------------------------------------------------------------------------- properties

# Money on a USD 10m grid up to 10bn: keeps hypothesis away from subnormal amounts, which make
# the contract kernel's fixed-point iteration crawl without testing anything new.
money = st.integers(0, 1000).map(lambda k: k / 100)
FAST = settings(max_examples=150, deadline=None)


@st.composite
def networks(draw, max_n=6):
    n = draw(st.integers(2, max_n))
    L = np.array(draw(st.lists(money, min_size=n * n, max_size=n * n))).reshape(n, n)
    L *= np.array(draw(st.lists(st.booleans(), min_size=n * n, max_size=n * n))).reshape(n, n)
    np.fill_diagonal(L, 0.0)
    e = np.array(draw(st.lists(money, min_size=n, max_size=n)))
    x = np.array(draw(st.lists(money, min_size=n, max_size=n))) / 2
    return L, e, x


def _tolerance(L, x):
    return 1e-9 * np.maximum(1.0, L.sum(axis=1) + x)


@FAST
@given(networks())
def test_en_is_a_bounded_fixed_point(net):
    L, e, x = net
    res = eisenberg_noe(L, e, x)
    pbar = L.sum(axis=1) + x
    p = res.total_payments
    Pi = np.divide(L, pbar[:, None], out=np.zeros_like(L), where=pbar[:, None] > 0)
    np.testing.assert_allclose(p, np.minimum(pbar, e + Pi.T @ p), atol=1e-8)
    assert np.all(p >= -1e-12) and np.all(p <= pbar + 1e-12)
    np.testing.assert_array_equal(res.defaulted, p < pbar - _tolerance(L, x))


@FAST
@given(networks(), st.lists(money, min_size=6, max_size=6))
def test_en_payments_monotone_in_external_assets(net, bump):
    L, e, x = net
    base = eisenberg_noe(L, e, x).total_payments
    more = eisenberg_noe(L, e + np.array(bump[: e.size]), x).total_payments
    assert np.all(more >= base - 1e-9)


@FAST
@given(networks(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_rv_matches_en_at_one_and_is_below_it_otherwise(net, alpha, beta):
    L, e, x = net
    en = eisenberg_noe(L, e, x)
    one = rogers_veraart(L, e, 1.0, 1.0, x)
    np.testing.assert_array_equal(one.total_payments, en.total_payments)
    np.testing.assert_array_equal(one.defaulted, en.defaulted)
    rv = rogers_veraart(L, e, alpha, beta, x)
    assert np.all(rv.total_payments <= en.total_payments + 1e-9)
    assert np.all(rv.defaulted >= en.defaulted)


@FAST
@given(networks(), st.booleans(), st.sampled_from([(1.0, 1.0), (0.5, 0.7), (0.9, 0.2)]))
def test_matrix_clearing_agrees_with_contract_kernel(net, senior, costs):
    L, e, x = net
    alpha, beta = costs
    if senior:
        if costs != (1.0, 1.0):
            return  # Rogers-Veraart is defined with pari passu external debt only
        res = eisenberg_noe(L, e, x, external_senior=True)
    else:
        res = rogers_veraart(L, e, alpha, beta, x)
    k = clear_obligations(
        *obligations_from_matrix(L, x, senior), e, alpha=alpha, beta=beta, tol=1e-13, max_iter=200_000
    )
    assert k.converged
    np.testing.assert_allclose(k.paid_by_node, res.total_payments, atol=1e-7)
    np.testing.assert_allclose(
        k.received_by_node,
        L.T @ np.divide(res.payments, L.sum(1), out=np.zeros_like(e), where=L.sum(1) > 0),
        atol=1e-7,
    )
    np.testing.assert_array_equal(k.defaulted, res.defaulted)


@st.composite
def obligation_lists(draw):
    n = draw(st.integers(1, 6))
    m = draw(st.integers(0, 14))
    obligor = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    creditor = draw(st.lists(st.integers(-1, n - 1), min_size=m, max_size=m))
    due = draw(st.lists(money, min_size=m, max_size=m))
    priority = draw(st.lists(st.integers(0, 2), min_size=m, max_size=m))
    liquid = draw(st.lists(money, min_size=n, max_size=n))
    return [np.array(v) for v in (obligor, creditor, due, priority, liquid)]


@FAST
@given(obligation_lists(), st.sampled_from([(1.0, 1.0), (0.6, 0.8)]))
def test_kernel_conserves_money_and_flags_defaults(args, costs):
    obligor, creditor, due, priority, liquid = args
    res = clear_obligations(obligor, creditor, due, priority, liquid, alpha=costs[0], beta=costs[1], max_iter=100_000)
    after = liquid - res.paid_by_node + res.received_by_node
    assert np.sum(liquid) == pytest.approx(np.sum(after) + res.paid_out_of_system, abs=1e-9)
    assert np.all(res.paid >= 0) and np.all(res.paid <= due * (1 + 1e-12))
    total = np.bincount(obligor, weights=due, minlength=liquid.size) if due.size else np.zeros(liquid.size)
    np.testing.assert_array_equal(res.defaulted, res.shortfall_by_node > 1e-9 * np.maximum(1.0, total))
    # a node that paid anything in a junior tier paid its senior tiers in full
    for k in np.flatnonzero(res.paid > 0):
        senior = (obligor == obligor[k]) & (priority < priority[k])
        np.testing.assert_allclose(res.paid[senior], due[senior], rtol=1e-9)
    if costs == (1.0, 1.0):  # a defaulted node pays out everything it has
        d = res.defaulted
        np.testing.assert_allclose(res.paid_by_node[d], liquid[d] + res.received_by_node[d], atol=1e-7)


@FAST
@given(
    networks(max_n=7),
    st.lists(st.booleans(), min_size=7, max_size=7),
    st.lists(st.booleans(), min_size=7, max_size=7),
)
def test_threshold_cascade_monotone_in_initial_set(net, first, extra):
    A, capital, _ = net
    n = A.shape[0]
    small = np.array(first[:n])
    large = small | np.array(extra[:n])
    a, b = threshold_cascade(A, capital, small), threshold_cascade(A, capital, large)
    assert np.all(a.defaulted <= b.defaulted)
    assert np.all(a.defaulted >= small)
    assert np.all((a.default_round >= 0) == a.defaulted)


@FAST
@given(
    networks(),
    st.lists(st.floats(0.0, 1.0), min_size=6, max_size=6),
    st.sampled_from(["battiston2012", "bardoscia2015"]),
)
def test_debtrank_distress_bounded_and_not_below_initial(net, h0, variant):
    A, equity, _ = net
    h0 = np.array(h0[: A.shape[0]])
    res = debtrank(A, equity, h0, variant=variant)
    assert np.all(res.distress >= h0) and np.all(res.distress <= 1.0)
    assert res.system_stress >= -1e-12
