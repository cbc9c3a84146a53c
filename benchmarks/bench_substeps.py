"""The cost of the liquidity sub-steps: ai_2025 (and bank_2008) with ``funding.liquidity_substeps``
1 (the monthly model) and 4 (weeks), run alternately in one process, median of several runs.

    python benchmarks/bench_substeps.py [--runs 7] [--months 300]

The ratio (4 sub-steps over 1, measured in the same run) is what to read on a shared machine.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import aicontagion as ac


def time_run(spec, months: int, path: str | None) -> float:
    """CPU seconds to build and run the model for ``months`` (the scenario already parsed)."""
    t = time.process_time()
    ac.Sim(spec, productivity=path, seed=1, months=months).run()
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--months", type=int, default=300)
    args = ap.parse_args()
    print(f"median of {args.runs} runs, alternating, CPU time ({platform.python_version()}, {platform.machine()})")
    for scenario, path, months in (("ai_2025", "base", args.months), ("bank_2008", None, 60)):
        specs = {k: ac.load_scenario(scenario, funding__liquidity_substeps=k) for k in (1, 4)}
        time_run(specs[1], 12, path)  # warm-up: imports, caches
        times: dict[int, list[float]] = {1: [], 4: []}
        for _ in range(args.runs):
            for k, spec in specs.items():
                times[k].append(time_run(spec, months, path))
        one, four = statistics.median(times[1]), statistics.median(times[4])
        print(
            f"  {scenario}, {months} months: sub-steps 1 {one:.3f} s, sub-steps 4 {four:.3f} s, ratio {four / one:.3f}"
        )


if __name__ == "__main__":
    main()
