"""Clearing of obligations in a financial network: who pays whom, and who defaults.

Money is in USD billions (float64). ``L[i, j]`` is what node i owes node j (row owes column);
exposures ``A[i, j]`` are what i has lent to j (``A = L.T``); dense arrays and scipy.sparse
matrices are both accepted. A node defaults iff it pays less than it owes or its equity is
negative, beyond a per-node tolerance ``atol_i = tol * max(1, total due_i)`` USD bn; equity
exactly zero is solvent. Pure functions, frozen dataclass results.

Models: Eisenberg & Noe (2001); Rogers & Veraart (2013) default costs; DebtRank (Battiston et
al. 2012, Bardoscia et al. 2015); Gai & Kapadia (2010) threshold cascade; and
:func:`clear_obligations`, the vectorised contract-level kernel of the monthly cycle (priority
tiers, creditors outside the system).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve

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


@dataclass(frozen=True)
class ObligationClearing:
    """Outcome of :func:`clear_obligations`; money in USD bn.

    Attributes:
        paid: Amount paid on each obligation.
        paid_by_node: Total paid by each node.
        received_by_node: Total received by each node from its debtors inside the system.
        shortfall_by_node: Total due minus total paid, per node.
        defaulted: Nodes with ``shortfall > tol * max(1, total due)``.
        iterations: Evaluations of the clearing map (an exact solve ends the count).
        paid_out_of_system: Sum paid to creditors outside the system (creditor ``-1``).
        converged: False if ``max_iter`` was hit first (payments then over-state the clearing
            payments: every iterate lies above the greatest clearing vector).
    """

    paid: np.ndarray
    paid_by_node: np.ndarray
    received_by_node: np.ndarray
    shortfall_by_node: np.ndarray
    defaulted: np.ndarray
    iterations: int
    paid_out_of_system: float
    converged: bool = True


# --------------------------------------------------------------------------- helpers


def _matrix(M) -> tuple[np.ndarray | sp.csr_array, int]:
    """Return a square, non-negative float64 matrix (dense ndarray or CSR) and its size."""
    M = sp.csr_array(M, dtype=np.float64) if sp.issparse(M) else np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"matrix must be square, got shape {M.shape}")
    values = M.data if sp.issparse(M) else M
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
        raise ValueError("matrix entries must be finite and non-negative")
    return M, M.shape[0]


def _vector(v, n: int, name: str) -> np.ndarray:
    """Broadcast ``v`` (scalar or length-n) to a fresh float64 vector of length ``n``."""
    out = np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite")
    return out


_DENSE_MAX = 100  # linear systems up to this size are solved densely, larger ones iteratively
_DIRECT_MAX = 5000  # ... with sparse LU as the fallback up to this size
_EXACT_AFTER = 5  # clear_obligations tries an exact solve from this iteration on


def _row_sums(M) -> np.ndarray:
    return np.asarray(M.sum(axis=1), dtype=np.float64).ravel()


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    # Elementwise reduction, not BLAS: threaded BLAS wake-ups make small dots cost milliseconds.
    return float(np.add.reduce(u * v))


def _bicgstab(A, b: np.ndarray) -> np.ndarray | None:
    """Unpreconditioned BiCGSTAB to a relative residual of 1e-13, started from ``b``."""
    y, r = b.copy(), b - A @ b
    r_hat, p, v, rho, alpha, omega = r.copy(), np.zeros_like(b), np.zeros_like(b), 1.0, 1.0, 1.0
    goal = 1e-13 * np.sqrt(_dot(b, b))
    for _ in range(10 * b.size):
        rho_next = _dot(r_hat, r)
        if np.sqrt(_dot(r, r)) <= goal or rho_next == 0 or omega == 0:
            break
        p = r + (rho_next / rho) * (alpha / omega) * (p - omega * v)
        v = A @ p
        alpha, rho = rho_next / _dot(r_hat, v), rho_next
        s = r - alpha * v
        t = A @ s
        omega = _dot(t, s) / max(_dot(t, t), 1e-300)
        y += alpha * p + omega * s
        r = s - omega * t
    return y if np.sqrt(_dot(r, r)) <= max(goal, 1e-10 * np.abs(b).max(initial=0.0)) else None


def _solve(A, b: np.ndarray) -> np.ndarray | None:
    """Solve ``A y = b`` (dense or sparse, unit-scale diagonal); ``None`` if that fails.

    Small systems are solved densely; large sparse ones iteratively (sparse LU fill-in explodes
    on random graphs), falling back to sparse LU up to ``_DIRECT_MAX`` unknowns.
    """
    if sp.issparse(A) and A.shape[0] <= _DENSE_MAX:
        A = A.toarray()
    if not sp.issparse(A):
        try:
            y = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            return None
    else:
        A = A.tocsr()
        y = _bicgstab(A, b)
        if y is None and A.shape[0] <= _DIRECT_MAX:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MatrixRankWarning)
                y = np.atleast_1d(spsolve(A.tocsc(), b))
    return y if y is not None and np.all(np.isfinite(y)) else None


def _check_costs(alpha, beta) -> None:
    if not (0.0 <= alpha <= 1.0 and 0.0 <= beta <= 1.0):
        raise ValueError("alpha and beta must lie in [0, 1]")


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
            z = _solve(A, base[idx] / pbar[idx])
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


def _clear_matrix(L, external_assets, external_liabilities, external_senior, alpha, beta, tol, max_iter):
    L, n = _matrix(L)
    e = _vector(external_assets, n, "external_assets")
    x = _vector(0.0 if external_liabilities is None else external_liabilities, n, "external_liabilities")
    if x.min(initial=0.0) < 0:
        raise ValueError("external_liabilities must be non-negative")
    interbank = _row_sums(L)
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
    return _clear_matrix(L, external_assets, external_liabilities, external_senior, 1.0, 1.0, tol, max_iter)


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
    _check_costs(alpha, beta)
    return _clear_matrix(L, external_assets, external_liabilities, False, alpha, beta, tol, 10_000)


def _exact_fixed_point(D, piece, paid, obl, sink, due, before, inv_tier, total, liquid, realisable, beta, atol):
    """Solve the clearing map exactly, assuming the default set ``D`` and payment pieces stay put.

    Every payment is affine in its obligor's payout on its current piece (nothing, pro rata part
    of a tier, in full), so the payouts of ``D`` solve a linear system. The solution is accepted
    only if it reproduces ``D`` and the pieces: it is then a fixed point that shares the default
    set and pieces of the current iterate (which lies above the greatest fixed point), hence it
    is the greatest fixed point itself. Returns ``None`` otherwise (iteration just continues).
    """
    n, idx = total.size, np.flatnonzero(D)
    k = idx.size
    pos = np.full(n + 1, -1)
    pos[idx] = np.arange(k)
    rows, cols = pos[sink], pos[obl]
    slope = np.where((piece == 1) & (cols >= 0), due * inv_tier, 0.0)
    const = np.where(slope > 0, -slope * before, paid)  # payers outside D keep paying as now
    lin = (slope > 0) & (rows >= 0)
    b = realisable[idx] + beta * np.bincount(sink, weights=const, minlength=n + 1)[idx]
    y = _solve(sp.eye(k) - beta * sp.csr_array((slope[lin], (rows[lin], cols[lin])), shape=(k, k)), b)
    if y is None or y.min(initial=0.0) < 0:
        return None
    Q = total.copy()
    Q[idx] = y
    raw = (Q[obl] - before) * inv_tier
    eps, threshold = 1e-9, total - atol
    ok = np.where(piece == 0, raw <= eps, np.where(piece == 2, raw >= 1 - eps, np.abs(raw - 0.5) <= 0.5 + eps))
    received = np.bincount(sink, weights=np.clip(raw, 0.0, 1.0) * due, minlength=n + 1)[:n]
    if not ok.all() or not np.array_equal(liquid + received >= threshold, ~D):
        return None
    if np.any(np.abs(realisable[idx] + beta * received[idx] - y) > atol[idx]):
        return None  # not a fixed point after all (rounding at a piece boundary)
    return np.minimum(Q, total)


def clear_obligations(
    obligor, creditor, due, priority, liquid_assets, *, alpha=1.0, beta=1.0, tol=1e-9, max_iter=1000
) -> ObligationClearing:
    """Clear a list of obligations between nodes, with priority tiers (vectorised kernel).

    Node i's resources are ``liquid_assets_i`` plus what its debtors pay it. A node that can pay
    everything (within tolerance) pays every obligation in full; otherwise it pays out all it
    realises (``alpha * liquid + beta * receipts``; the whole of it when ``alpha = beta = 1``),
    tier by tier (tier 0 first) and pro rata within a tier. Starting from full payment the
    monotone clearing map is iterated downward (every iterate stays above the greatest clearing
    vector) until no node's payment moves by more than its tolerance. Plain iteration converges
    only geometrically, slowly around defaulted cycles; so once the default set and the tier each
    node pays into stop changing, the linear system for that structure is solved and its solution
    accepted if it reproduces the structure, which makes it the greatest clearing vector exactly
    (a fictitious-default step, as in Eisenberg & Noe 2001). That system is singular for a
    defaulted cycle drained only by senior claims; plain iteration then drains it by a constant
    amount per step and may hit ``max_iter`` (``converged=False``; payments are then an upper
    bound on the clearing payments). Money is conserved:
    ``sum(liquid) == sum(liquid - paid_by_node + received_by_node) + paid_out_of_system``; with
    ``alpha, beta < 1`` the unrealised part stays with the defaulted node, for the caller to write
    off as default costs.

    Args:
        obligor: int array, node that owes each obligation (0 <= obligor < n_nodes).
        creditor: int array, node owed; ``-1`` is a creditor outside the system.
        due: Amount due on each obligation (USD bn, >= 0).
        priority: int array, tier of each obligation; lower tiers are paid first.
        liquid_assets: Cash each node has before receipts (USD bn); ``n_nodes = len(...)``.
            Negative values are a hole in the node's resources (never scaled by ``alpha``).
        alpha: Fraction of liquid assets a defaulted node realises, in [0, 1].
        beta: Fraction of receipts a defaulted node realises, in [0, 1].
        tol: Relative tolerance; node i uses ``tol * max(1, total due_i)`` USD bn.
        max_iter: Cap on evaluations of the clearing map.

    Returns:
        ObligationClearing (per-obligation and per-node amounts in USD bn).
    """
    liquid = np.asarray(liquid_assets, dtype=np.float64).ravel()
    n = liquid.size
    obl = np.asarray(obligor, dtype=np.intp).ravel()
    cred = np.asarray(creditor, dtype=np.intp).ravel()
    due = np.asarray(due, dtype=np.float64).ravel()
    prio = np.asarray(priority).ravel()
    m = due.size
    if not (obl.size == cred.size == prio.size == m):
        raise ValueError("obligor, creditor, due and priority must have the same length")
    _check_costs(alpha, beta)
    if m and (obl.min() < 0 or obl.max() >= n or cred.min() < -1 or cred.max() >= n):
        raise ValueError("obligor must be in [0, n_nodes) and creditor in [-1, n_nodes)")
    if m and not (np.all(np.isfinite(due)) and due.min() >= 0):
        raise ValueError("due must be finite and non-negative")

    # Tier structure, once: what each obligation's tier starts after, and the tier's total.
    lo, hi = (prio.min(), prio.max()) if m else (0, 0)
    if lo == hi:
        n_tiers, key = 1, obl
    else:
        if np.issubdtype(prio.dtype, np.integer) and hi - lo < 4096:  # O(m) relabelling
            present = np.bincount(prio - lo) > 0
            tier = (np.cumsum(present) - 1)[prio - lo]
        else:
            tier = np.unique(prio, return_inverse=True)[1].ravel()
        n_tiers = int(tier.max()) + 1
        key = obl * n_tiers + tier
    tier_due = np.bincount(key, weights=due, minlength=n * n_tiers).astype(np.float64).reshape(n, n_tiers)
    cumulative = np.cumsum(tier_due, axis=1)
    total = cumulative[:, -1].copy()
    before = (cumulative - tier_due).ravel()[key]
    tier_total = tier_due.ravel()[key]
    inv_tier = np.divide(1.0, tier_total, out=np.zeros(m), where=tier_total > 0)
    sink = np.where(cred < 0, n, cred)  # bin n collects payments leaving the system
    atol = tol * np.maximum(1.0, total)
    threshold = total - atol
    realisable = liquid if alpha == 1.0 else np.where(liquid > 0, alpha * liquid, liquid)
    floor_needed = liquid.min(initial=0.0) < 0

    system = (obl, sink, due, before, inv_tier, total, liquid, realisable, beta, atol)
    P = total.copy()
    ratio = np.empty(m)
    converged, iterations, structure, tried = False, 0, None, False
    while not converged and iterations < max_iter:
        iterations += 1
        np.take(P, obl, out=ratio)
        ratio -= before
        ratio *= inv_tier
        if iterations >= _EXACT_AFTER:  # which affine piece (0 / pro rata / full) each payment is on
            piece = (ratio > 0).astype(np.int8) + (ratio >= 1)
        np.clip(ratio, 0.0, 1.0, out=ratio)
        ratio *= due
        received = np.bincount(sink, weights=ratio, minlength=n + 1)[:n]
        solvent = liquid + received >= threshold
        realised = realisable + (received if beta == 1.0 else beta * received)
        if floor_needed:
            np.maximum(realised, 0.0, out=realised)
        new = np.where(solvent, total, realised)
        np.minimum(new, P, out=new)
        converged = bool(np.all(P - new <= atol))
        if not converged and iterations >= _EXACT_AFTER:  # structure unchanged for a step: solve it exactly
            if structure is not None and np.array_equal(piece, structure[0]) and np.array_equal(solvent, structure[1]):
                if not tried:
                    tried, exact = True, _exact_fixed_point(~solvent, piece, ratio, *system)
                    if exact is not None:
                        new, converged = exact, True
            else:
                structure, tried = (piece, solvent), False
        P = new

    full = P >= total
    paid = np.clip((P[obl] - before) * inv_tier, 0.0, 1.0) * due
    paid[full[obl]] = due[full[obl]]
    flows = np.bincount(sink, weights=paid, minlength=n + 1).astype(np.float64)
    paid_by_node = np.bincount(obl, weights=paid, minlength=n).astype(np.float64)
    short = total - paid_by_node
    return ObligationClearing(
        paid, paid_by_node, flows[:n], short, short > atol, iterations, float(flows[n]), converged
    )


# DebtRank and the threshold cascade live in their own module; they are re-exported here so the
# four published primitives can all be imported from aicontagion.network.clearing.
from aicontagion.network.cascades import CascadeResult, DebtRankResult, debtrank, threshold_cascade  # noqa: E402
