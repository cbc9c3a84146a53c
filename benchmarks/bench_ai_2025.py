"""Time 300 months of ai_2025 (median of several runs) and show where the time goes.

    python benchmarks/bench_ai_2025.py [--runs 5] [--months 300] [--scenario ai_2025] [--profile]

A baseline measured in the same run (building the system and one month of the model with no
decisions) gives a ratio that is steadier across machines than seconds alone.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import statistics
import time

import aicontagion as ac
from aicontagion.scenarios.build import build_system


def time_run(spec, months: int, path: str) -> float:
    """Seconds to build and run the model for ``months`` (the scenario file already parsed)."""
    t = time.perf_counter()
    ac.Sim(spec, productivity=path, seed=1, months=months).run()
    return time.perf_counter() - t


def time_parse(scenario: str) -> float:
    """Seconds to read and validate the scenario file (done once per scenario, not per run)."""
    t = time.perf_counter()
    ac.load_scenario(scenario)
    return time.perf_counter() - t


def time_build(scenario: str) -> float:
    spec = ac.load_scenario(scenario)
    t = time.perf_counter()
    for _ in range(10):
        build_system(spec)
    return (time.perf_counter() - t) / 10


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--months", type=int, default=300)
    ap.add_argument("--scenario", default="ai_2025")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    spec = ac.load_scenario(args.scenario)
    time_run(spec, 12, "base")  # warm-up: imports, caches
    print(
        f"{args.scenario}, {args.months} months, median of {args.runs} runs ({platform.python_version()}, "
        f"{platform.machine()})"
    )
    parse = statistics.median(time_parse(args.scenario) for _ in range(3))
    build = statistics.median(time_build(args.scenario) for _ in range(3))
    print(f"  parsing and validating the YAML file (once per scenario): {parse * 1000:.1f} ms")
    print(f"  building the system (baseline): {build * 1000:.1f} ms")
    for path in ("fast", "base", "slow", "disproven"):
        times = [time_run(spec, args.months, path) for _ in range(args.runs)]
        med = statistics.median(times)
        print(
            f"  {path:10s} median {med:.3f} s  (min {min(times):.3f}, max {max(times):.3f}); "
            f"{med / args.months * 1000:.2f} ms/month; {med / build:.0f}x the build"
        )
    if args.profile:
        pr = cProfile.Profile()
        pr.enable()
        ac.Sim(spec, productivity="disproven", seed=1, months=args.months).run()
        pr.disable()
        out = io.StringIO()
        pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(15)
        print(out.getvalue())


if __name__ == "__main__":
    main()
