"""Linear-algebra and input helpers of the clearing algorithms (dense or sparse, float64, USD bn).

Inputs are checked here once (square, finite, non-negative matrices; finite vectors), and the
linear systems of the clearing fixed points are solved here (densely when small; iteratively,
then by sparse LU, when large).
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import MatrixRankWarning, spsolve


def as_matrix(M) -> tuple[np.ndarray | sp.csr_array, int]:
    """Return a square, non-negative float64 matrix (dense ndarray or CSR) and its size."""
    M = sp.csr_array(M, dtype=np.float64) if sp.issparse(M) else np.asarray(M, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"matrix must be square, got shape {M.shape}")
    values = M.data if sp.issparse(M) else M
    if values.size and (not np.all(np.isfinite(values)) or values.min() < 0):
        raise ValueError("matrix entries must be finite and non-negative")
    return M, M.shape[0]


def as_vector(v, n: int, name: str) -> np.ndarray:
    """Broadcast ``v`` (scalar or length-n) to a fresh float64 vector of length ``n``."""
    out = np.array(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)))
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} must be finite")
    return out


DENSE_MAX = 100  # linear systems up to this size are solved densely, larger ones iteratively
DIRECT_MAX = 5000  # ... with sparse LU as the fallback up to this size


def row_sums(M) -> np.ndarray:
    return np.asarray(M.sum(axis=1), dtype=np.float64).ravel()


def dot(u: np.ndarray, v: np.ndarray) -> float:
    # Elementwise reduction, not BLAS: threaded BLAS wake-ups make small dots cost milliseconds.
    return float(np.add.reduce(u * v))


def bicgstab(A, b: np.ndarray) -> np.ndarray | None:
    """Unpreconditioned BiCGSTAB to a relative residual of 1e-13, started from ``b``."""
    y, r = b.copy(), b - A @ b
    r_hat, p, v, rho, alpha, omega = r.copy(), np.zeros_like(b), np.zeros_like(b), 1.0, 1.0, 1.0
    goal = 1e-13 * np.sqrt(dot(b, b))
    for _ in range(10 * b.size):
        rho_next = dot(r_hat, r)
        if np.sqrt(dot(r, r)) <= goal or rho_next == 0 or omega == 0:
            break
        p = r + (rho_next / rho) * (alpha / omega) * (p - omega * v)
        v = A @ p
        alpha, rho = rho_next / dot(r_hat, v), rho_next
        s = r - alpha * v
        t = A @ s
        omega = dot(t, s) / max(dot(t, t), 1e-300)
        y += alpha * p + omega * s
        r = s - omega * t
    return y if np.sqrt(dot(r, r)) <= max(goal, 1e-10 * np.abs(b).max(initial=0.0)) else None


def solve(A, b: np.ndarray) -> np.ndarray | None:
    """Solve ``A y = b`` (dense or sparse, unit-scale diagonal); ``None`` if that fails.

    Small systems are solved densely; large sparse ones iteratively (sparse LU fill-in explodes
    on random graphs), falling back to sparse LU up to ``DIRECT_MAX`` unknowns.
    """
    if sp.issparse(A) and A.shape[0] <= DENSE_MAX:
        A = A.toarray()
    if not sp.issparse(A):
        try:
            y = np.linalg.solve(A, b)
        except np.linalg.LinAlgError:
            return None
    else:
        A = A.tocsr()
        y = bicgstab(A, b)
        if y is None and A.shape[0] <= DIRECT_MAX:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", MatrixRankWarning)
                y = np.atleast_1d(spsolve(A.tocsc(), b))
    return y if y is not None and np.all(np.isfinite(y)) else None


def check_costs(alpha, beta) -> None:
    """Rogers-Veraart default costs: the realised shares ``alpha`` (outside assets) and ``beta``
    (claims on others) must lie in [0, 1]."""
    if not (0.0 <= alpha <= 1.0 and 0.0 <= beta <= 1.0):
        raise ValueError("alpha and beta must lie in [0, 1]")
