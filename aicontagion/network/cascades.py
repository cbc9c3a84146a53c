"""Distress and default cascades on an exposure network: DebtRank and the threshold cascade.

``A[i, j]`` is the exposure of node i to node j (what i has lent to j, USD bn); dense arrays and
scipy.sparse matrices are both accepted. Pure functions, frozen dataclass results.

* :func:`debtrank`: Battiston et al. (2012), "DebtRank: too central to fail?", the original
  single-hit algorithm (default), or the linear / differential variant of Bardoscia et al. (2015).
* :func:`threshold_cascade`: Gai & Kapadia (2010), "Contagion in financial networks": a node
  defaults when its losses on defaulted counterparties exceed its capital.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from aicontagion.network.linear import as_matrix, as_vector, row_sums

__all__ = ["CascadeResult", "DebtRankResult", "debtrank", "threshold_cascade"]


@dataclass(frozen=True)
class DebtRankResult:
    """Outcome of :func:`debtrank`.

    Attributes:
        distress: Final relative equity loss ``h_i`` in [0, 1] (1 = default).
        system_stress: ``sum_i w_i h_i - sum_i w_i h0_i`` (the DebtRank), weights summing to 1.
        rounds: Propagation rounds performed.
    """

    distress: np.ndarray
    system_stress: float
    rounds: int


@dataclass(frozen=True)
class CascadeResult:
    """Outcome of :func:`threshold_cascade`.

    Attributes:
        defaulted: Final default mask.
        rounds: Number of propagation rounds that produced new defaults.
        default_round: Round in which each node defaulted (0 initial, -1 never).
    """

    defaulted: np.ndarray
    rounds: int
    default_round: np.ndarray


def debtrank(
    A, equity, initial_distress, weights=None, *, variant="battiston2012", tol=1e-12, max_rounds=100_000
) -> DebtRankResult:
    """DebtRank distress propagation.

    Impact ``W[i, j] = min(1, A[i, j] / equity[i])`` is the fraction of i's equity lost if j
    fails (``W[i, j] = 1`` wherever ``A[i, j] > 0`` and ``equity[i] <= 0``). Distress
    ``h_i`` in [0, 1] is the relative equity loss.

    * ``"battiston2012"`` (default; Battiston et al. 2012, Sci. Rep. 2:541): states
      Undistressed / Distressed / Inactive. Nodes with ``h0 > 0`` start Distressed. Each round
      ``h_i <- min(1, h_i + sum_{j Distressed} W_ij h_j)``; nodes that were Distressed become
      Inactive and undistressed nodes with ``h > 0`` become Distressed. A node thus propagates
      its distress once, at the level it had when it became distressed (for a node that starts
      undistressed, exactly its increment); later losses are not passed on.
    * ``"bardoscia2015"`` (Bardoscia et al. 2015, PLoS ONE 10:e0130406, linear DebtRank):
      ``h(t+1) = min(1, h(t) + W (h(t) - h(t-1)))`` with ``h(-1) = 0``, iterated until no
      increment exceeds ``tol``; every increment propagates, so cycles reverberate.

    Args:
        A: Exposures, ``A[i, j]`` = USD bn lent by i to j; dense or scipy.sparse.
        equity: Equity (capital) of each node, USD bn.
        initial_distress: Initial relative equity loss ``h0`` per node (clipped to [0, 1]).
        weights: Relative economic value of each node (normalised to sum 1). Default: each
            node's total interbank exposure (row sums of ``A``); equal weights if ``A`` is zero.
        variant: ``"battiston2012"`` or ``"bardoscia2015"``.
        tol: Convergence tolerance on the distress increment (``"bardoscia2015"``).
        max_rounds: Cap on propagation rounds.

    Returns:
        DebtRankResult with final ``distress``, ``system_stress`` (the DebtRank, dimensionless)
        and ``rounds``.
    """
    if variant not in ("battiston2012", "bardoscia2015"):
        raise ValueError(f"unknown DebtRank variant {variant!r}")
    A, n = as_matrix(A)
    E = as_vector(equity, n, "equity")
    h0 = np.clip(as_vector(initial_distress, n, "initial_distress"), 0.0, 1.0)
    inv_E = np.divide(1.0, E, out=np.zeros(n), where=E > 0)
    if sp.issparse(A):
        W, rows = A.copy(), np.repeat(np.arange(n), np.diff(A.indptr))
        W.data = np.where(E[rows] > 0, np.minimum(A.data * inv_E[rows], 1.0), A.data > 0)
    else:
        W = np.where(E[:, None] > 0, np.minimum(A * inv_E[:, None], 1.0), A > 0)
    w = as_vector(row_sums(A) if weights is None else weights, n, "weights")
    if weights is None and w.sum() <= 0:
        w = np.ones(n)
    if w.min() < 0 or w.sum() <= 0:
        raise ValueError("weights must be non-negative with a positive sum")
    w = w / w.sum()

    h, rounds = h0.copy(), 0
    if variant == "battiston2012":
        distressed, inactive = h > 0, np.zeros(n, dtype=bool)
        while distressed.any() and rounds < max_rounds:
            rounds += 1
            h_new = np.minimum(1.0, h + W @ np.where(distressed, h, 0.0))
            inactive |= distressed
            distressed = (h_new > 0) & ~inactive
            h = h_new
    else:
        increment = h0.copy()
        while increment.max(initial=0.0) > tol and rounds < max_rounds:
            rounds += 1
            h_new = np.minimum(1.0, h + W @ increment)
            increment, h = h_new - h, h_new
    return DebtRankResult(distress=h, system_stress=float(w @ h - w @ h0), rounds=rounds)


def threshold_cascade(A, capital, initially_defaulted, recovery=0.0) -> CascadeResult:
    """Default cascade in the style of Gai & Kapadia (2010).

    Node i defaults when its losses on defaulted counterparties,
    ``sum_j A[i, j] * (1 - recovery_j)`` over defaulted j, strictly exceed its capital. Rounds
    are synchronous: all nodes pushed over in a round default together, then losses are updated.
    Note a node with negative capital defaults in round 1 even without losses.

    Args:
        A: Exposures, ``A[i, j]`` = USD bn lent by i to j; dense or scipy.sparse.
        capital: Loss-absorbing capital of each node, USD bn.
        initially_defaulted: Boolean mask of length n, or integer indices of defaulted nodes.
        recovery: Fraction of an exposure recovered from a defaulted counterparty, in [0, 1];
            scalar or one value per (defaulted) counterparty j.

    Returns:
        CascadeResult with the final ``defaulted`` mask, ``rounds`` and ``default_round``.
    """
    A, n = as_matrix(A)
    capital = as_vector(capital, n, "capital")
    loss_given_default = 1.0 - as_vector(recovery, n, "recovery")
    if loss_given_default.min() < 0 or loss_given_default.max() > 1:
        raise ValueError("recovery must lie in [0, 1]")
    init = np.asarray(initially_defaulted)
    if init.dtype == bool:
        if init.shape != (n,):
            raise ValueError("a boolean initially_defaulted must have one entry per node")
        defaulted = init.copy()
    else:
        defaulted = np.zeros(n, dtype=bool)
        defaulted[init.astype(np.intp)] = True
    default_round = np.where(defaulted, 0, -1)
    losses = A @ (defaulted * loss_given_default)
    rounds = 0
    while True:
        new = (losses > capital) & ~defaulted
        if not new.any():
            return CascadeResult(defaulted=defaulted, rounds=rounds, default_round=default_round)
        rounds += 1
        defaulted |= new
        default_round[new] = rounds
        losses = losses + A @ (new * loss_given_default)
