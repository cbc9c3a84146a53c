"""Clearing of obligations in a financial network: who pays whom, and who defaults.

Money is in USD billions (float64). ``L[i, j]`` is what node i owes node j (row owes column);
exposures ``A[i, j]`` are what i has lent to j (``A = L.T``); dense arrays and scipy.sparse
matrices are both accepted. A node defaults iff it pays less than it owes or its equity is
negative, beyond a per-node tolerance ``atol_i = tol * max(1, total due_i)`` USD bn; equity
exactly zero is solvent. Pure functions, frozen dataclass results.

Models: Eisenberg & Noe (2001); Rogers & Veraart (2013) default costs. The four published
primitives can all be imported from here: DebtRank (Battiston et al. 2012, Bardoscia et al. 2015)
and the Gai & Kapadia (2010) threshold cascade live in :mod:`aicontagion.network.cascades`, the
contract-level kernel of the monthly cycle in :mod:`aicontagion.network.obligation_clearing`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from aicontagion.network.cascades import CascadeResult, DebtRankResult, debtrank, threshold_cascade
from aicontagion.network.linear import as_matrix, as_vector, check_costs, row_sums, solve
from aicontagion.network.obligation_clearing import ObligationClearing, clear_obligations

__all__ = [
    "CascadeResult",
    "ClearingResult",
    "DebtRankResult",
    "ObligationClearing",
    "clear_obligations",
    "debtrank",
    "eisenberg_noe",
    "rogers_veraart",
    "threshold_cascade",
]


@dataclass(frozen=True)
class ClearingResult:
    """Outcome of a matrix clearing (Eisenberg-Noe or Rogers-Veraart); all money in USD bn.

    Attributes:
        payments: Total paid by each node on its interbank obligations.
        equity: Realised assets (external assets plus interbank receipts; for defaulted
            Rogers-Veraart nodes only ``alpha * e + beta * receipts``) minus all payments. Zero
            for defaulted nodes unless their external assets were negative.
        defaulted: Pays less than it owes (interbank or external) or has negative equity.
        iterations: Default-set iterations (plus fallback fixed-point iterations, if any).
        external_payments: Paid by each node to creditors outside the network.
    """

    payments: np.ndarray
    equity: np.ndarray
    defaulted: np.ndarray
    iterations: int
    external_payments: np.ndarray

    @property
    def total_payments(self) -> np.ndarray:
        """Interbank plus external payments per node (USD bn): the classic clearing vector."""
        return self.payments + self.external_payments


def _solve_default_set(L, LT, pbar, e_real, beta, D):
    """Payments when the set ``D`` defaults and every other node pays in full.

    Solves ``P_i = max(0, e_real_i + beta * sum_j L_ji P_j / pbar_j)`` on ``D`` for the paid
    fraction ``z = P / pbar``, with policy iteration over nodes paying nothing (only needed with
    negative assets, e.g. senior external debt). ``None`` if the system stays singular: the caller
    then iterates instead.
    """
    z_solvent = ((~D) & (pbar > 0)).astype(np.float64)
    base = e_real + beta * (LT @ z_solvent)
    F, restarted = D.copy(), False
    for _ in range(2 * int(D.sum()) + 2):
        idx = np.flatnonzero(F)
        z_def = np.zeros_like(pbar)
        if idx.size:
            if sp.issparse(L):  # scaled to a unit diagonal: z_i - beta sum_j L_ji z_j / pbar_i
                A = sp.eye(idx.size) - beta * sp.diags(1.0 / pbar[idx]) @ L[idx][:, idx].T
            else:
                A = np.eye(idx.size) - beta * L[np.ix_(idx, idx)].T / pbar[idx, None]
            z = solve(A, base[idx] / pbar[idx])
            if z is None or z.max() > 1.0 + 1e-6:
                if restarted:
                    return None
                # A closed cycle drained by senior claims is singular: restart from the nodes
                # with something of their own, so drained cycles stay at zero.
                F, restarted = D & (base > 0), True
                continue
            z_def[idx] = z
        value = base + beta * (LT @ z_def)
        F_new = D & (value > 0)
        if np.array_equal(F_new, F):
            return pbar * (z_solvent + np.maximum(z_def, 0.0))
        F = F_new
    return None


def _greatest_clearing(L, pbar, e, alpha, beta, atol, max_iter):
    """Greatest clearing vector of total payments ``P`` for the single-tier matrix model.

    The map is ``P_i = pbar_i`` if ``e_i + r_i >= pbar_i - atol_i`` else
    ``max(0, alpha e_i^+ + e_i^- + beta r_i)``, with receipts ``r = L^T (P / pbar)``. Iterates
    over default sets (Eisenberg-Noe fictitious default / Rogers-Veraart GA): the default set of
    the current vector is fixed and the linear system for it solved exactly; each step lowers
    ``P`` and stays above the greatest fixed point, so it stops, exact, after at most n steps.

    Returns:
        ``(P, iterations)``.
    """
    LT = L.T.tocsr() if sp.issparse(L) else L.T
    inv = np.divide(1.0, pbar, out=np.zeros_like(pbar), where=pbar > 0)
    e_real = np.where(e > 0, alpha * e, e)
    P, previous = pbar.copy(), None
    for it in range(1, max_iter + 1):
        r = LT @ (P * inv)
        D = (e + r < pbar - atol) & (pbar > 0)
        if not D.any() or (previous is not None and np.array_equal(D, previous)):
            return P, it
        Q = _solve_default_set(L, LT, pbar, e_real, beta, D)
        if Q is None:  # singular block: monotone fixed-point iteration from P (still >= answer)
            for k in range(1, max_iter - it + 1):
                r = LT @ (P * inv)
                Q = np.where(e + r >= pbar - atol, pbar, np.maximum(e_real + beta * r, 0.0))
                Q = np.minimum(Q, P)
                done = bool(np.all(P - Q <= atol))
                P = Q
                if done:
                    return P, it + k
            return P, max_iter
        P, previous = np.minimum(Q, P), D
    return P, max_iter


def _clearas_matrix(L, external_assets, external_liabilities, external_senior, alpha, beta, tol, max_iter):
    L, n = as_matrix(L)
    e = as_vector(external_assets, n, "external_assets")
    x = as_vector(0.0 if external_liabilities is None else external_liabilities, n, "external_liabilities")
    if x.min(initial=0.0) < 0:
        raise ValueError("external_liabilities must be non-negative")
    interbank = row_sums(L)
    atol = tol * np.maximum(1.0, interbank + x)
    pbar, e_eff = (interbank, e - x) if external_senior else (interbank + x, e)
    P, iterations = _greatest_clearing(L, pbar, e_eff, alpha, beta, atol, max_iter)

    inv = np.divide(1.0, pbar, out=np.zeros_like(pbar), where=pbar > 0)
    received = L.T @ (P * inv)
    insolvent = (e_eff + received < pbar - atol) & (pbar > 0)
    if external_senior:
        payments, external, realised = P, np.clip(e + received, 0.0, x), e + received
    else:
        payments, external = P * inv * interbank, P * inv * x
        e_real = np.where(e > 0, alpha * e, e)
        realised = np.where(insolvent, e_real + beta * received, e + received)
    equity = realised - payments - external
    defaulted = (P < pbar - atol) | (external < x - atol) | (equity < -atol)
    return ClearingResult(payments, equity, defaulted, iterations, external)


# --------------------------------------------------------------------------- public API


def eisenberg_noe(
    L, external_assets, external_liabilities=None, external_senior=False, *, tol=1e-9, max_iter=10_000
) -> ClearingResult:
    """Greatest clearing payment vector of Eisenberg & Noe (2001).

    Each node pays ``min(pbar_i, e_i + sum_j Pi_ji p_j)``, pro rata to its creditors, where
    ``Pi_ij = L_ij / pbar_i``. Computed with the fictitious default algorithm, which is exact (up
    to floating point) and returns the greatest clearing vector.

    Args:
        L: Nominal liabilities, ``L[i, j]`` = USD bn owed by i to j; dense or scipy.sparse.
        external_assets: Assets of each node from outside the network ``e_i`` (USD bn).
        external_liabilities: USD bn each node owes to creditors outside the network (default 0).
        external_senior: If False, external debt ranks pari passu with interbank debt (it is
            part of ``pbar``, paid pro rata, and the share paid out leaves the system). If True
            it is paid first from the node's resources, the remainder goes to interbank debt.
        tol: Relative tolerance; node i uses ``tol * max(1, total due_i)`` USD bn.
        max_iter: Cap on iterations (only reached in degenerate, singular cases).

    Returns:
        ClearingResult with interbank ``payments``, ``external_payments``, ``equity`` (USD bn).
    """
    return _clearas_matrix(L, external_assets, external_liabilities, external_senior, 1.0, 1.0, tol, max_iter)


def rogers_veraart(L, external_assets, alpha, beta, external_liabilities=None, *, tol=1e-9) -> ClearingResult:
    """Greatest clearing vector with default costs, Rogers & Veraart (2013).

    A solvent node pays ``pbar_i`` in full; a node in default pays
    ``alpha * e_i + beta * sum_j Pi_ji p_j`` (it realises only a fraction of its external assets
    and interbank receipts). External liabilities rank pari passu with interbank ones. Computed
    with their Greatest Clearing Vector Algorithm: starting from no defaults, the default set of
    the current vector is fixed and the linear system for the defaulting nodes solved, until the
    default set stops growing. ``alpha = beta = 1`` gives :func:`eisenberg_noe`.

    Args:
        L: Nominal liabilities, ``L[i, j]`` = USD bn owed by i to j; dense or scipy.sparse.
        external_assets: External assets ``e_i`` (USD bn).
        alpha: Fraction of external assets realised in default, in [0, 1].
        beta: Fraction of interbank receipts realised in default, in [0, 1].
        external_liabilities: USD bn owed outside the network (pari passu; default 0).
        tol: Relative tolerance; node i uses ``tol * max(1, total due_i)`` USD bn.

    Returns:
        ClearingResult (interbank ``payments``, ``external_payments``, ``equity``; USD bn).
    """
    check_costs(alpha, beta)
    return _clearas_matrix(L, external_assets, external_liabilities, False, alpha, beta, tol, 10_000)
