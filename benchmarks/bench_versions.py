"""Cost of one checkout against another: CPU time and Python calls of the same runs, alternating processes.

    python benchmarks/bench_versions.py --before /tmp/old [--after .] [--processes 3]

``--before`` and ``--after`` are source trees of the package (for instance
``git archive ee763b7 | tar -x -C /tmp/old``), run with this interpreter. Each process runs
ai_2025 on its four paths (300 months, seed 1) and bank_2008 (120 months, seed 1) three times
and reports the median CPU time (``time.process_time``, one BLAS thread) of each; processes of
the two trees alternate, so both see the same load. Python function calls (cProfile, base path,
300 months; bank_2008, 120 months) are counted once per tree: they are deterministic, so they
are the steadier measure on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import cProfile, json, pstats, statistics, sys, time
import aicontagion as ac
ai = ac.load_scenario("ai_2025"); bank = ac.load_scenario("bank_2008")
ac.Sim(ai, productivity="base", seed=1, months=12).run()  # warm-up: imports, caches
def cpu(f):
    t = time.process_time(); f(); return time.process_time() - t
def paths():
    for p in ("fast", "base", "slow", "disproven"):
        ac.Sim(ai, productivity=p, seed=1, months=300).run()
out = {"ai": statistics.median(cpu(paths) for _ in range(3)),
       "bank": statistics.median(cpu(lambda: ac.Sim(bank, seed=1, months=120).run()) for _ in range(3))}
if sys.argv[1] == "calls":
    for key, sim in (("ai_calls", lambda: ac.Sim(ai, productivity="base", seed=1, months=300)),
                     ("bank_calls", lambda: ac.Sim(bank, seed=1, months=120))):
        s = sim(); pr = cProfile.Profile(); pr.enable(); s.run(); pr.disable()
        out[key] = pstats.Stats(pr).total_calls
print(json.dumps(out))
"""


def run(tree: str, calls: bool) -> dict:
    env = os.environ | {"PYTHONPATH": str(Path(tree).resolve()), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    res = subprocess.run(
        [sys.executable, "-c", CHILD, "calls" if calls else "time"],
        env=env,
        cwd="/",
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default=str(Path(__file__).resolve().parents[1]))
    ap.add_argument("--processes", type=int, default=3)
    args = ap.parse_args()
    got: dict[str, list[dict]] = {"before": [], "after": []}
    for i in range(args.processes):
        for name in ("before", "after"):
            got[name].append(run(getattr(args, name), calls=i == 0))
            print(name, got[name][-1], flush=True)
    for key, label in (("ai", "ai_2025, four paths x 300 months"), ("bank", "bank_2008, 120 months")):
        b = [r[key] for r in got["before"]]
        a = [r[key] for r in got["after"]]
        print(
            f"{label}: CPU s before {' / '.join(f'{x:.2f}' for x in b)}, after {' / '.join(f'{x:.2f}' for x in a)}; "
            f"ratio of medians {statistics.median(a) / statistics.median(b):.3f}"
        )
    for key in ("ai_calls", "bank_calls"):
        b, a = got["before"][0][key], got["after"][0][key]
        print(f"{key}: {b:,} -> {a:,} ({a / b:.3f})")


if __name__ == "__main__":
    main()
