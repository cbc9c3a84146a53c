"""Timings in days from the liquidity sub-steps (aicontagion.results.substep_timing), by hand."""

from types import SimpleNamespace

import numpy as np
import pytest

import aicontagion as ac
from aicontagion.results.substep_timing import event_day, substep_timing


def _state(rows, weeks, shock="2007-07"):
    shocks = [SimpleNamespace(at=shock, fall=0.1)] if shock else []
    spec = SimpleNamespace(markets={"mbs": SimpleNamespace(shocks=shocks)})
    return SimpleNamespace(start="2007-01", spec=spec, events=SimpleNamespace(rows=rows), weeks=weeks)


def _ev(step, day, who, event):
    return {"step": step, "day": day, "institution": who, "kind": "bank", "event": event}


def test_event_days_on_a_thirty_day_month():
    assert event_day(0, 8) == 8 and event_day(2, None) == 60 and event_day(2, float("nan")) == 60


def test_a_run_a_default_and_a_freeze_by_hand():
    # shock in 2007-07 (month 6: day 180); a run on "a" from day 8 of month 14, default on day 15;
    # interbank lending 100 before, 70 on day 22 and 40 on day 30 (below half 8+7 = 15 days later)
    rows = [_ev(15, 8, "a", "run"), _ev(15, 15, "a", "default"), _ev(16, None, "b", "default")]
    weeks = [{"month": 14, "day": d, "interbank": v} for d, v in ((8, 100.0), (15, 100.0), (22, 70.0), (30, 40.0))]
    weeks += [{"month": 15, "day": d, "interbank": 30.0} for d in (8, 15, 22, 30)]
    out = substep_timing(_state(rows, weeks))
    assert out["first_bank_default"] == "a"
    assert out["days_shock_to_first_bank_default"] == 14 * 30 + 15 - 180
    assert out["days_first_run_to_first_bank_default"] == 7
    assert out["days_interbank_freeze"] == 15  # day 30 of month 14, against 100 on day 8
    # 30 days after day 435: day 465 (month 15, day 15): 30 of 100 left
    assert out["interbank_volume_drop"] == pytest.approx(0.7)


def test_no_default_or_no_shock_gives_no_timing():
    out = substep_timing(_state([], []))
    assert np.isnan(out["days_shock_to_first_bank_default"]) and out["first_bank_default"] == ""
    out = substep_timing(_state([_ev(3, 8, "a", "default")], [], shock=None))
    assert np.isnan(out["days_shock_to_first_bank_default"]) and np.isnan(out["days_interbank_freeze"])


def test_interbank_series_measure_the_freeze_in_bank_2008():
    """The month-end interbank series: lending outstanding and its principal-weighted spread, calm
    before the September 2008 step, the spread widening as the dealers are run on, the lending
    gone (and the spread undefined) once they have failed, by the end of 2008."""
    sim = ac.Sim("bank_2008", seed=0, months=24).run()
    lending = sim.series("interbank_lending").iloc[:, 0]
    spread = sim.series("interbank_spread").iloc[:, 0]
    assert lending.iloc[0] > 100 and lending.iloc[-1] == 0.0
    assert spread.iloc[:19].between(0.0, 0.01).all()  # to 2008-07
    assert spread.max() > 0.02 and np.isnan(spread.iloc[-1])
