"""Time one sweep on each executor and check that they agree.

    python benchmarks/bench_sweep.py [--runs-per-point 4] [--months 60] [--workers 2]

The sweep: ``ai_2025`` under the base and disproven paths x two values of
``funding.spread_distress`` x ``--runs-per-point`` seeds. Each executor writes to its own
temporary folder; the script reports wall time, runs per second and whether the records equal
the serial ones (all columns but run id, code version and seconds).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pandas as pd

from aicontagion.runs.sweep import run_sweep

VOLATILE = ["run_id", "code_version", "seconds"]


def spec(seeds: int, months: int) -> dict:
    """The benchmark sweep."""
    return {
        "name": "bench",
        "scenario": "ai_2025",
        "months": months,
        "seeds": seeds,
        "productivity": ["base", "disproven"],
        "design": {"grid": {"funding.spread_distress": [0.03, 0.08]}},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs-per-point", type=int, default=4)
    ap.add_argument("--months", type=int, default=60)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    sweep = spec(args.runs_per_point, args.months)
    keys = ["productivity", "param.funding__spread_distress", "seed"]
    with tempfile.TemporaryDirectory() as tmp:
        base = None
        print(f"{4 * args.runs_per_point} runs of ai_2025, {args.months} months; load average {os.getloadavg()[0]:.1f}")
        print("| executor | wall | runs/s | same results as serial |\n|---|---|---|---|")
        for name, kwargs in (
            ("serial", {"executor": "serial"}),
            (f"processes ({args.workers})", {"executor": "processes", "workers": args.workers}),
            (f"dask LocalCluster ({args.workers})", {"executor": "dask", "workers": args.workers}),
        ):
            out = Path(tmp) / name.split()[0]
            t = time.perf_counter()
            result = run_sweep(sweep, out, progress=False, **kwargs)
            wall = time.perf_counter() - t
            table = pd.read_parquet(out).sort_values(keys).reset_index(drop=True).drop(columns=VOLATILE)
            same = "-" if base is None else str(table.equals(base))
            base = table if base is None else base
            print(f"| {name} | {wall:.1f} s | {result.total / wall:.2f} | {same} |", flush=True)


if __name__ == "__main__":
    main()
