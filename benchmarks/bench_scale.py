"""Time synthetic systems of 10k-300k institutions (about 10 contracts each) for 120 months.

    python benchmarks/bench_scale.py                       # 10k, 30k, 100k, 300k; 10-minute budget per size
    python benchmarks/bench_scale.py --sizes 10000 30000 --months 120 --budget 600
    python benchmarks/bench_scale.py --profile 10000       # where the time goes (stages, functions)

Each size runs in its own process (so its peak memory is its own): it builds the system
(``ac.scenarios.synthetic``), the model, and runs month by month. After ``--probe`` months it
projects the whole run; a size that would exceed ``--budget`` seconds stops there and is reported
as skipped, with its measured months. Each child process is held to one thread (the BLAS thread
variables are set to 1), so the times are one core's. Reported: build times, time per month (mean over the
months run; the first month apart, as it warms caches), the projection for 120 months, peak
memory (``ru_maxrss`` of the process), the machine's load average (other work slows the wall
clock; CPU time per month is reported beside it), and the exponent ``b`` of
``time per month ~ contracts^b`` fitted over the sizes (1 = linear scaling), on wall and CPU time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import subprocess
import sys
import time

import numpy as np

STAGES = ("stage_demand", "stage_income", "stage_decide", "stage_clear", "stage_deleverage", "stage_fund")


def measure(n: int, months: int, budget: float, probe: int, seed: int, per: float) -> dict:
    """Build and run one size in this process; returns the measurements."""
    import aicontagion as ac
    from aicontagion.scenarios import synthetic

    t = time.perf_counter()
    system = synthetic(n, per, seed=seed)
    build = time.perf_counter() - t
    t = time.perf_counter()
    sim = ac.Sim(system, productivity="base", seed=seed, months=months)
    model = sim.build()
    model_build = time.perf_counter() - t
    steps, cpu = [], []
    skipped = False
    for month in range(months):
        t, c = time.perf_counter(), time.process_time()
        model.step()
        steps.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if month + 1 == probe and months > probe:
            projected = sum(steps) + (months - probe) * float(np.mean(steps[1:] or steps))
            if build + model_build + projected > budget:
                skipped = True
                break
    later = steps[1:] or steps
    per_month = float(np.mean(later))
    return {
        "institutions": n,
        "contracts": len(system.contracts),
        "build_s": build,
        "model_build_s": model_build,
        "months_run": len(steps),
        "first_month_s": steps[0],
        "per_month_s": per_month,
        "per_month_max_s": float(np.max(later)),
        "cpu_per_month_s": float(np.mean(cpu[1:] or cpu)),  # CPU time: less sensitive to a loaded machine
        "projected_120_s": build + model_build + steps[0] + 119 * per_month,
        "run_s": build + model_build + sum(steps),
        "skipped": skipped,
        "load_average": os.getloadavg()[0],
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "defaults": int((model.state.lifecycle.status == 2).sum()),
    }


def profile(n: int, months: int, seed: int, per: float) -> str:
    """Stage shares and the top functions (cProfile, by own time) of one run."""
    import aicontagion as ac
    from aicontagion.scenarios import synthetic

    model = ac.Sim(synthetic(n, per, seed=seed), productivity="base", seed=seed, months=months).build()
    spent = dict.fromkeys((*STAGES, "record"), 0.0)

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            spent[name] += time.perf_counter() - t
            return out

        return wrapper

    for name in STAGES:
        setattr(model, name, timed(name, getattr(model, name)))
    model.recorder.collect = timed("record", model.recorder.collect)
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    for _ in range(months):
        model.step()
    pr.disable()
    total = time.perf_counter() - t
    lines = [f"{n} institutions, {months} months: {total:.1f} s under cProfile", "", "| stage | share |", "|---|---|"]
    lines += [
        f"| {k.removeprefix('stage_')} | {v / total:.0%} |" for k, v in sorted(spent.items(), key=lambda x: -x[1])
    ]
    out = io.StringIO()
    pstats.Stats(pr, stream=out).sort_stats("tottime").print_stats(20)
    return "\n".join(lines) + "\n\n" + out.getvalue()


def fit_exponent(rows: list[dict], key: str = "per_month_s") -> float | None:
    """Least-squares slope of log(time per month) on log(contracts)."""
    if len(rows) < 2:
        return None
    x = np.log([r["contracts"] for r in rows])
    y = np.log([r[key] for r in rows])
    return float(np.polyfit(x, y, 1)[0])


def table(rows: list[dict], months: int) -> str:
    """The results as a Markdown table."""
    head = (
        f"| institutions | contracts | build | model build | months run | s/month (CPU s) | {months} months "
        "| peak memory | load |\n|---|---|---|---|---|---|---|---|---|"
    )
    body = []
    for r in rows:
        run = f"{r['run_s']:.0f} s" if not r["skipped"] else f"skipped (~{r['projected_120_s'] / 60:.0f} min projected)"
        body.append(
            f"| {r['institutions']:,} | {r['contracts']:,} | {r['build_s']:.1f} s | {r['model_build_s']:.1f} s "
            f"| {r['months_run']} | {r['per_month_s']:.2f} ({r['cpu_per_month_s']:.2f}) | {run} "
            f"| {r['peak_rss_mib'] / 1024:.2f} GiB | {r['load_average']:.1f} |"
        )
    return head + "\n" + "\n".join(body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000, 100_000, 300_000])
    ap.add_argument("--months", type=int, default=120)
    ap.add_argument("--budget", type=float, default=600.0, help="seconds a size may take (projected)")
    ap.add_argument("--probe", type=int, default=3, help="months measured before projecting")
    ap.add_argument("--contracts-per-institution", type=float, default=10.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--profile", type=int, default=None, metavar="N", help="profile one run of N institutions")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # a child process: one size
    args = ap.parse_args()
    per = args.contracts_per_institution
    if args.one is not None:
        print(json.dumps(measure(args.one, args.months, args.budget, args.probe, args.seed, per)))
        return
    if args.profile is not None:
        print(profile(args.profile, args.months, args.seed, per))
        return
    print(
        f"synthetic systems, {args.months} months, budget {args.budget:.0f} s per size "
        f"({platform.python_version()}, {platform.machine()}, one process per size)",
        flush=True,
    )
    rows = []
    for n in args.sizes:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(n),
            "--months",
            str(args.months),
            "--budget",
            str(args.budget),
            "--probe",
            str(args.probe),
            "--seed",
            str(args.seed),
            "--contracts-per-institution",
            str(per),
        ]
        # one core, as the target says: numpy's BLAS would otherwise spread matrix products over threads
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(f"{n}: failed ({done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode})")
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print()
    print(table(rows, args.months))
    b = fit_exponent(rows)
    if b is not None:
        c = fit_exponent(rows, "cpu_per_month_s")
        print(f"\ntime per month ~ contracts^{b:.2f} (CPU time: ^{c:.2f}) over {len(rows)} sizes (1.00 = linear)")


if __name__ == "__main__":
    main()
