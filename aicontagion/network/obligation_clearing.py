"""Clearing of the month's obligations, contract by contract: priority tiers, outside creditors.

:func:`clear_obligations` is the vectorised kernel of the monthly cycle's clear stage: each
obligation has an obligor, a creditor (``-1``: outside the system), an amount due and a priority
tier (0 paid first); every obligor pays its tiers in order from its liquid assets plus what it
receives, pro rata within a tier. The result is the greatest clearing vector (Eisenberg-Noe
generalised to tiers), found by iteration with an exact solve once the default set settles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from aicontagion.network.linear import check_costs, solve

__all__ = ["ObligationClearing", "clear_obligations"]

_EXACT_AFTER = 5  # clear_obligations tries an exact solve from this iteration on


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
    y = solve(sp.eye(k) - beta * sp.csr_array((slope[lin], (rows[lin], cols[lin])), shape=(k, k)), b)
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
    check_costs(alpha, beta)
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
