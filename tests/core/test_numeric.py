"""The numeric helpers give exactly what the numpy calls they stand for give."""

import numpy as np
import pytest

from aicontagion.core.numeric import fill_nan


@pytest.mark.parametrize(
    "x",
    [
        np.array([1.0, np.nan, -0.0, 2.5]),
        np.array([np.nan, np.inf, -np.inf, 3.0]),
        np.array([1e308, -1e308, np.nan]),  # large but finite
        np.zeros(0),
    ],
)
@pytest.mark.parametrize("value", [0.0, 1.3, -1.0])
def test_fill_nan_is_nan_to_num(x, value):
    got, want = fill_nan(x, value), np.nan_to_num(x, nan=value)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))  # -0.0 stays -0.0


def test_fill_nan_leaves_its_input_alone():
    x = np.array([np.nan, 1.0])
    fill_nan(x, 2.0)
    assert np.isnan(x[0])
