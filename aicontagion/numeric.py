"""Small numeric helpers shared by the mechanics."""

from __future__ import annotations

import numpy as np

EPS = 1e-12
"""Amounts below this (USD bn: a thousandth of a dollar) are treated as zero in ratios."""


def ratio(num, den, default: float = 0.0) -> np.ndarray:
    """``num / den`` elementwise, ``default`` where ``|den|`` is below :data:`EPS` (no overflow)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    shape = num.shape if num.shape == den.shape else np.broadcast_shapes(num.shape, den.shape)
    out = np.full(shape, default, dtype=float)
    return np.divide(num, den, out=out, where=np.abs(den) >= EPS)
