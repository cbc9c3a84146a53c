"""``make demo``: the calibrated default scenario under the four AI-productivity paths.

Runs ``ai_2025`` for each path on one seed, prints a comparison table, and writes
``<out>/<path>/`` (Parquet series, events and summary, per-run figures), ``<out>/comparison.parquet``
and ``<out>/paths.png``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from aicontagion.core.progress import progress_bar
from aicontagion.results.plots import plot_paths
from aicontagion.results.provenance import write_parquet
from aicontagion.results.report import format_comparison
from aicontagion.sim import Sim

PATHS = ("fast", "base", "slow", "disproven")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the exit status."""
    ap = argparse.ArgumentParser(prog="aicontagion-demo")
    ap.add_argument("--scenario", default="ai_2025")
    ap.add_argument("--months", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="results/demo")
    args = ap.parse_args(argv)
    out = Path(args.out)
    sims = {}
    for path in progress_bar(PATHS, desc="productivity paths", leave=True):
        sim = Sim(args.scenario, productivity=path, seed=args.seed, months=args.months).run()
        sim.save(out / path)  # data and figures
        sims[path] = sim
    rows = [{"setup": p, "seed": args.seed} | s.summary_row() for p, s in sims.items()]
    table = pd.DataFrame(rows)
    prov = next(iter(sims.values())).provenance | {"productivity": list(sims)}  # the paths differ, all else not
    write_parquet(table, out / "comparison.parquet", prov)
    fig = plot_paths(sims)
    fig.savefig(out / "paths.png", dpi=110)
    plt.close(fig)
    print(format_comparison(table))
    for p, s in sims.items():
        order = s.summary["default_order"]
        print(
            f"\n{p}: {len(order)} defaults"
            + (": " + ", ".join(order[:10]) + (" ..." if len(order) > 10 else "") if order else "")
        )
    print(f"\nresults and figures written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
