"""How the numpy primitives behind every month scale with array size on this machine.

    python benchmarks/bench_primitives.py

The model's monthly work is a fixed number of passes over the contract arrays (no loop over
institutions or contracts in Python), so its time per month would grow linearly in contracts if
each pass did. This script times the three kinds of pass the model makes (a weighted
``bincount`` by institution, a gather ``x[index]`` by institution, an elementwise expression) on
arrays of 0.1M-3M entries indexed into 10x fewer institutions, as in ``bench_scale.py``, and fits
``time ~ size^b``. On a machine whose caches hold the small arrays but not the large ones, ``b``
exceeds 1 for the primitives themselves: that excess is the memory hierarchy, not the model.
"""

from __future__ import annotations

import statistics
import time

import numpy as np


def median_time(fn, repeats: int = 15) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    rng = np.random.default_rng(0)
    sizes = (100_000, 300_000, 1_000_000, 3_000_000)
    rows = []
    print("| entries | bincount | gather | elementwise |\n|---|---|---|---|")
    for m in sizes:
        n = m // 10
        index, weights, per_institution = rng.integers(0, n, m), rng.random(m), rng.random(n)
        row = (
            median_time(lambda i=index, w=weights, k=n: np.bincount(i, weights=w, minlength=k)),
            median_time(lambda x=per_institution, i=index: x[i]),
            median_time(lambda w=weights: w * w + w),
        )
        rows.append(row)
        print(f"| {m:,} | " + " | ".join(f"{t * 1000:.2f} ms" for t in row) + " |")
    x = np.log(sizes)
    fits = [np.polyfit(x, np.log([r[j] for r in rows]), 1)[0] for j in range(3)]
    names = ("bincount", "gather", "elementwise")
    print("\nexponent b (time ~ size^b): " + ", ".join(f"{k} {b:.2f}" for k, b in zip(names, fits, strict=True)))


if __name__ == "__main__":
    main()
