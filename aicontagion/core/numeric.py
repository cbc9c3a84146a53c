"""Small numeric helpers shared by the mechanics."""

from __future__ import annotations

import math
from enum import IntEnum

import numpy as np


class ArrayIntEnum(IntEnum):
    """An ``IntEnum`` that numpy treats as the plain int it is.

    numpy looks ``__array_ufunc__`` and ``__array_function__`` up on the type of every operand
    that is not an exact builtin; on an enum class that lookup fails through ``EnumType.__getattr__``
    (two Python calls and an exception, ~3 microseconds per ``array == Status.DEFAULTED``).
    Pointing both at ndarray's own methods is what numpy reads as "no override", so results are
    unchanged and the comparison costs what one with an int does.
    """

    __array_ufunc__ = np.ndarray.__array_ufunc__
    __array_function__ = np.ndarray.__array_function__


EPS = 1e-12
"""Amounts below this (USD bn: a thousandth of a dollar) are treated as zero in ratios."""


def ratio(num, den, default: float = 0.0) -> np.ndarray:
    """``num / den`` elementwise, ``default`` where ``|den|`` is below :data:`EPS` (no overflow)."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    shape = num.shape if num.shape == den.shape else np.broadcast_shapes(num.shape, den.shape)
    out = np.empty(shape)
    out.fill(default)  # np.full: three calls
    return np.divide(num, den, out=out, where=np.abs(den) >= EPS)


def fill_nan(x, nan: float) -> np.ndarray:
    """``np.nan_to_num(x, nan=nan)`` in a third of the calls (it runs in every constraint and risk
    weight): NaN becomes ``nan``; an infinity (never in the scenarios' parameters) goes to
    ``np.nan_to_num``, which makes it the largest finite float of its sign, so the result is the same."""
    x = np.asarray(x, dtype=float)
    out = np.where(np.isnan(x), nan, x)
    if not math.isfinite(np.maximum.reduce(np.abs(out), axis=None, initial=0.0)):  # an infinity
        out = np.nan_to_num(out)
    return out


def geometric_sum(x, months) -> np.ndarray:
    """``sum_{k=1..months} x^k`` (``months`` where ``x`` is 1): the PV of 1 a period for ``months``
    periods at the per-period discount factor ``x``."""
    x = np.asarray(x, dtype=float)
    flat = np.abs(1.0 - x) < 1e-12
    return np.where(flat, months, x * (1.0 - x**months) / np.where(flat, 1.0, 1.0 - x))


def as_column(x, dtype, size: int) -> np.ndarray:
    """``x`` as a 1-d array of ``size`` (a scalar is repeated); cheap when it already is one."""
    if isinstance(x, np.ndarray) and x.ndim == 1 and x.shape[0] == size:
        return x if x.dtype == dtype else x.astype(dtype)
    a = np.asarray(x, dtype=dtype)
    if a.ndim == 0:
        out = np.empty(size, dtype=dtype)
        out[:] = a  # np.full(size, a): three calls
        return out
    return np.broadcast_to(a, (size,))


def common_size(*xs) -> int:
    """Length of the vectors among ``xs`` (scalars are repeated to it); 1 if all are scalars."""
    size = 1
    for x in xs:
        if isinstance(x, np.ndarray):
            if x.ndim:
                k = x.shape[0]
                if k > size:
                    size = k
                elif k == 0 and size == 1:
                    size = 0
        elif isinstance(x, list | tuple):
            k = len(x)
            if k > size:
                size = k
    return size


def sum_by_index(index: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum ``weights`` per institution index, ignoring the outside world (index -1).

    Shifting the indices by one puts the outside world in bin 0, which is dropped: one pass, no
    masked copies (the same summation order, so the same numbers as masking).
    """
    return np.bincount(index + 1, weights=weights, minlength=n + 1)[1:]


def positions_in(sorted_values: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(found, at)``: which ``keys`` occur in the ascending ``sorted_values``, and, for those,
    their positions in it (one sorted search: for a few keys looked up among many values, or the
    other way round)."""
    at = np.searchsorted(sorted_values, keys)
    found = at < sorted_values.size
    found[found] = sorted_values[at[found]] == keys[found]
    return found, at[found]
