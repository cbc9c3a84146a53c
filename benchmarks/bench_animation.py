"""Time network animations: 120 frames of ai_2025 (issue target: under 60 s), median of several runs.

    python benchmarks/bench_animation.py [--runs 5] [--months 120] [--formats gif mp4 html] [--dpi 80]
                                         [--large 600]

Each run records the months (stepping the model) and renders every frame to a file in a
temporary folder; recording and rendering are timed apart. ``--large N`` also times a synthetic
system of N institutions drawn as supernodes (recording, aggregation and rendering).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

import aicontagion as ac
from aicontagion.viz.animation import aggregate, animate, record_sim


def time_one(months: int, fmt: str, dpi: int, folder: Path) -> tuple[float, float, int]:
    """Seconds to record ``months`` of ai_2025 (disproven), seconds to render them, and the file size."""
    t0 = time.perf_counter()
    frames = record_sim(ac.Sim("ai_2025", productivity="disproven", seed=1, months=months))
    t1 = time.perf_counter()
    out = animate(frames, folder / f"ai_2025.{fmt}", dpi=dpi)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, out.stat().st_size


def time_large(n: int, months: int, dpi: int, folder: Path) -> str:
    """One run of a synthetic system of ``n`` institutions, drawn as supernodes."""
    from aicontagion.scenarios import synthetic

    t0 = time.perf_counter()
    frames = record_sim(ac.Sim(synthetic(n, seed=1), productivity="disproven", seed=1, months=months))
    t1 = time.perf_counter()
    small = aggregate(frames)
    t2 = time.perf_counter()
    animate(small, folder / "large.gif", dpi=dpi)
    t3 = time.perf_counter()
    return (
        f"synthetic {n} institutions, {len(frames.pairs)} exposure pairs -> {small.n} supernodes, "
        f"{len(small.pairs)} lines; {months} frames: record {t1 - t0:.1f} s, aggregate {t2 - t1:.2f} s, "
        f"render GIF {t3 - t2:.1f} s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--formats", nargs="+", default=["gif", "mp4", "html"])
    ap.add_argument("--dpi", type=int, default=80)
    ap.add_argument("--large", type=int, default=0, help="also time a synthetic system of this many institutions")
    args = ap.parse_args()
    print(
        f"ai_2025 / disproven, {args.months} frames at dpi {args.dpi}, median of {args.runs} runs "
        f"({platform.python_version()}, {platform.machine()})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        time_one(12, "gif", args.dpi, folder)  # warm-up: imports, font cache
        for fmt in args.formats:
            runs = [time_one(args.months, fmt, args.dpi, folder) for _ in range(args.runs)]
            rec = [r[0] for r in runs]
            ren = [r[1] for r in runs]
            total = [r[0] + r[1] for r in runs]
            print(
                f"  {fmt:5s} total median {statistics.median(total):5.1f} s (min {min(total):.1f}, "
                f"max {max(total):.1f}); recording {statistics.median(rec):.2f} s, rendering "
                f"{statistics.median(ren):.1f} s ({statistics.median(ren) / args.months * 1000:.0f} ms/frame); "
                f"file {runs[-1][2] / 1e6:.2f} MB"
            )
        if args.large:
            try:
                print("  " + time_large(args.large, args.months, args.dpi, folder))
            except Exception as exc:  # the synthetic generator belongs to another module
                print(f"  large system skipped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
