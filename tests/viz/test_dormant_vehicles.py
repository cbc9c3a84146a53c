"""Build-out vehicles that have not opened do not clutter the network picture."""

from __future__ import annotations

import numpy as np
import pytest

from aicontagion import Sim
from aicontagion.viz.frames import FrameRecorder, drop_dormant
from aicontagion.viz.picture import dormant


@pytest.fixture(scope="module")
def raw_frames():
    """ai_2025 disproven, 24 months, every institution kept (Oracle's first vehicle opens in 2025)."""
    model = Sim("ai_2025", productivity="disproven", seed=1, months=24).build()
    rec = FrameRecorder(model)
    for _ in range(24):
        model.step()
        rec.snapshot()
    return rec.frames(), model


def test_vehicles_that_never_opened_are_left_out_and_the_rest_kept(raw_frames):
    frames, model = raw_frames
    opened = {e["institution"] for e in model.state.events.rows if e["event"] == "vehicle_opened"}
    assert "oracle_vehicle" in opened
    kept = drop_dormant(frames)
    ids = model.state.registry.ids
    names = dict(zip(ids, frames.names, strict=True))
    never = [i for i in ids if "_vehicle" in i and i not in opened]
    assert never and not {names[i] for i in never} & set(kept.names)
    assert kept.n == frames.n - len(never)  # only the dormant vehicles go
    assert names["oracle_vehicle"] in kept.names
    # the lines are remapped: the same exposures, between the same named institutions
    assert kept.exposure.sum() == pytest.approx(frames.exposure.sum())
    pairs = {(frames.names[a], frames.names[b]) for a, b in frames.pairs}
    assert {(kept.names[a], kept.names[b]) for a, b in kept.pairs} == pairs
    assert drop_dormant(kept) is kept


def test_a_vehicle_is_drawn_from_its_first_contract(raw_frames):
    frames, model = raw_frames
    ids = model.state.registry.ids
    first = {}
    for e in model.state.events.rows:
        if e["event"] == "vehicle_opened":
            first.setdefault(e["institution"], e["step"])
    v = ids.index("oracle_vehicle")
    t_open = first["oracle_vehicle"] - 1  # frame of the month it opened
    assert all(dormant(frames, t)[v] for t in range(t_open))
    assert not dormant(frames, t_open)[v]
    hidden = dormant(frames, frames.T - 1)
    assert hidden[ids.index("meta_vehicle_2")] and not hidden[ids.index("meta")]
    assert not np.any(hidden & (frames.assets0 > 0))
