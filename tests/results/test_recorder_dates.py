"""The recorder converts its months to dates in bulk: the same Timestamps Period.to_timestamp gives."""

import pandas as pd

from aicontagion.model import ContagionModel


def test_recorded_dates_are_the_months_first_days_as_they_are_read():
    m = ContagionModel("tests/data/mini.yaml", seed=1)
    for _ in range(3):
        m.step()
    rec = m.recorder
    first = list(rec.dates)  # read mid-run, then extended by the months recorded since
    m.step()
    assert rec.dates[: len(first)] == first
    assert rec.dates == [p.to_timestamp() for p in rec.periods]
    assert len(rec.dates) == len(rec.steps)
    assert pd.DatetimeIndex(rec.dates).dtype == pd.DatetimeIndex([p.to_timestamp() for p in rec.periods]).dtype
