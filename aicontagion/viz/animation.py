"""Network animations: record a run month by month (:mod:`~aicontagion.viz.frames`), then render
one frame per month (:mod:`~aicontagion.viz.picture`) to a movie (:mod:`~aicontagion.viz.writers`).

>>> from aicontagion.viz.animation import record, animate
>>> frames = record("ai_2025", productivity="disproven", months=120, seed=1)
>>> animate(frames, "disproven.gif")                      # or .mp4 (extra ``video``) or .html
>>> animate([record("ai_2025"), record("tests/data/mini.yaml")], "both.gif")   # side by side

The picture uses a layout fixed for the whole run, so only the artists' data change from frame
to frame.
"""

from __future__ import annotations

from pathlib import Path

from aicontagion.viz.frames import (
    MAX_NODES,
    AnimationError,
    FrameRecorder,
    Frames,
    aggregate,
    drop_dormant,
    policies_from_name,
    policy_names,
    record,
    record_sim,
)
from aicontagion.viz.picture import NetworkAnimation
from aicontagion.viz.writers import output_format


def animate(
    frames: Frames | list[Frames],
    out: str | Path,
    fps: float = 8,
    dpi: int = 80,
    max_nodes: int = MAX_NODES,
    progress: bool = False,
) -> Path:
    """Render recorded frames to ``out`` (``.gif`` through Pillow, ``.mp4`` through imageio-ffmpeg,
    ``.html`` through matplotlib's JavaScript animation). Several recordings play side by side
    on the same clock (months since their start). The file appears only when complete.
    """
    out = Path(out)
    output_format(out)
    runs = [aggregate(drop_dormant(f), max_nodes) for f in (frames if isinstance(frames, list | tuple) else [frames])]
    movie = NetworkAnimation(runs)
    try:
        movie.save(out, fps=fps, dpi=dpi, progress=progress)
    finally:
        movie.close()
    return out


__all__ = [
    "AnimationError",
    "FrameRecorder",
    "Frames",
    "aggregate",
    "animate",
    "output_format",
    "policies_from_name",
    "policy_names",
    "record",
    "record_sim",
]
