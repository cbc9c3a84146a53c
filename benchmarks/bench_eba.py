"""Time the 63-run EBA fire-sale sweep (issue #6), optionally beside the open INET reference model.

    python benchmarks/bench_eba.py [--repeats 7] [--reference DIR] [--reference-site DIR]

The sweep is the open model's three experiments (its ``simulation.py``): 21 price impacts at a
20% shock, 21 shocks at 1% impact under the threshold rule, the same 21 shocks under leverage
targeting (experiment 3's threshold curve repeats experiment 2 and is not run twice).

This project's side is timed two ways: ``aicontagion.validation.eba.eba_sweep`` (all 63 runs in one
vectorised call, reading the CSV file each time) and a loop of 63 ``eba_fire_sale`` calls.

The reference is timed only if a checkout of github.com/ox-inet-resilience/firesale_stresstest is
given (``--reference`` or the ``EBA_REFERENCE`` environment variable); its dependency
``economicsl`` must be importable, e.g. from a separate environment's site-packages given with
``--reference-site`` / ``EBA_REFERENCE_SITE`` (appended to ``sys.path``, so numpy and matplotlib
still come from this environment). Nothing of the reference is part of this repository. Both
sides run in this one process, alternating repeat by repeat; the ratio is of the medians.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import platform
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from aicontagion import validation as v  # noqa: E402


def ours_vectorised() -> list[tuple[float, float]]:
    banks = v.load_eba_banks()  # read and parse the file every time, as the reference does per run
    runs = v.eba_sweep(banks=banks)
    return list(zip(runs["systemic_risk"], runs["sold_fraction"], strict=True))


def ours_loop() -> list[tuple[float, float]]:
    banks = v.load_eba_banks()
    design = v.eba_sweep_design()
    out = []
    for pi, sh, rule in zip(design["price_impact"], design["shock"], design["rule"], strict=True):
        run = v.eba_fire_sale(pi, sh, rule, banks=banks)
        out.append((float(v.systemic_risk(run["defaults"], banks.n)), run["sold_fraction"]))
    return out


@contextlib.contextmanager
def _cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


class Reference:
    """The open model's own ``Model`` and ``run_sim_set``, driven as its simulation.py drives them."""

    def __init__(self, path: Path, site: Path | None):
        self.path = path.resolve()
        if site is not None:
            sys.path.append(str(site))
        sys.path.insert(0, str(self.path))
        with _cwd(self.path):
            self.model = importlib.import_module("model")
        random.seed(1337)
        np.random.seed(1337)  # noqa: NPY002 (the reference draws from the legacy global generator)
        self.eu = self.model.Model()

    def sweep(self) -> list[tuple[float, float]]:
        """The three experiments through the reference's own ``run_sim_set``: (systemic risk, sold)."""
        m, eu = self.model, self.eu
        params = eu.parameters
        params.INITIAL_SHOCK, params.BANK_LEVERAGE_BUFFER = 0.2, 0.04

        def set_pi(pi):
            params.PRICE_IMPACTS = defaultdict(lambda: pi)

        def set_shock(shock):
            params.INITIAL_SHOCK = shock

        out = []
        with _cwd(self.path):
            out += zip(*m.run_sim_set(eu, np.linspace(0, 0.1, 21), set_pi), strict=True)  # 1. price impact
            set_pi(0.01)
            out += zip(*m.run_sim_set(eu, np.linspace(0, 0.3, 21), set_shock), strict=True)  # 2. shock, threshold
            params.BANK_LEVERAGE_BUFFER = 1  # 3. leverage targeting, as simulation.py sets it
            out += zip(*m.run_sim_set(eu, np.linspace(0, 0.3, 21), set_shock), strict=True)
        return [(float(e), float(s)) for e, s in out]


def timed(fn) -> tuple[float, float, list]:
    """Wall-clock and CPU seconds of one call (CPU time is less sensitive to other load on the machine)."""
    w, c = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w, time.process_time() - c, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--reference", default=os.environ.get("EBA_REFERENCE"))
    ap.add_argument("--reference-site", default=os.environ.get("EBA_REFERENCE_SITE"))
    args = ap.parse_args()
    ref = None
    if args.reference and Path(args.reference, "model.py").exists():
        ref = Reference(Path(args.reference), Path(args.reference_site) if args.reference_site else None)
    elif args.reference:
        print(f"no reference model at {args.reference}; timing this project only")

    print(
        f"63-run EBA sweep, median of {args.repeats} repeats "
        f"(Python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, {os.cpu_count()} cpus)"
    )
    expected = ours_vectorised()  # warm-up (imports, caches)
    ours_loop()
    sides = {"aicontagion eba_sweep (vectorised)": ours_vectorised, "aicontagion 63 x eba_fire_sale": ours_loop}
    if ref is not None:
        *_, got = timed(ref.sweep)  # warm-up, and the check that both compute the same thing
        risk = sum(abs(a[0] - b[0]) < 1e-12 for a, b in zip(got, expected, strict=True))
        sold = max(abs(a[1] - b[1]) for a, b in zip(got, expected, strict=True))
        print(f"  reference vs aicontagion: systemic risk equal in {risk}/63 runs, max |sold difference| {sold:.1e}")
        sides["INET reference (firesale_stresstest)"] = ref.sweep
    wall: dict[str, list[float]] = {k: [] for k in sides}
    cpu: dict[str, list[float]] = {k: [] for k in sides}
    for _ in range(args.repeats):
        for name, fn in sides.items():
            w, c, _ = timed(fn)
            wall[name].append(w)
            cpu[name].append(c)
    med = {k: statistics.median(t) for k, t in wall.items()}
    med_cpu = {k: statistics.median(t) for k, t in cpu.items()}
    for name, t in wall.items():
        print(
            f"  {name:38s} wall median {med[name] * 1000:7.2f} ms "
            f"(min {min(t) * 1000:6.2f}, max {max(t) * 1000:6.2f}); "
            f"CPU median {med_cpu[name] * 1000:7.2f} ms"
        )
    if ref is not None:
        r, rc = med["INET reference (firesale_stresstest)"], med_cpu["INET reference (firesale_stresstest)"]
        for label, key in (
            ("vectorised sweep", "aicontagion eba_sweep (vectorised)"),
            ("loop of single runs", "aicontagion 63 x eba_fire_sale"),
        ):
            print(
                f"  speed-up, {label}: {r / med[key]:.1f}x wall (medians), {rc / med_cpu[key]:.1f}x CPU (medians), "
                f"{min(wall['INET reference (firesale_stresstest)']) / min(wall[key]):.1f}x wall (minima)"
            )


if __name__ == "__main__":
    main()
