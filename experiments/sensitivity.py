"""Which assumptions drive the answer: Morris screening of every ranged number of ai_2025, then Sobol indices.

    python experiments/sensitivity.py [--quick] [--seeds 1] [--months 60] [--processes 2] [--out results/sensitivity]

Runs the analysis of experiments/sweeps/sensitivity_ai_2025.yaml (the disproven AI path; every
number of ai_2025 that carries a range in the scenario file, docs/calibration.md "Ranges for
sensitivity analysis") with ``aicontagion.runs.sensitivity.run_sensitivity``: Morris screening of
all of them, then Sobol first-order and total indices (bootstrap 95% intervals) of the top 4, for
the headline outcomes. The runs are sweeps under --out (re-running skips the finished ones).

Writes to --out: indices.parquet (outcome, parameter, method, mu_star, mu_star_conf, sigma, S1,
S1_conf, ST, ST_conf), points.parquet, top.parquet (the five most influential assumptions per
outcome), sensitivity.json and figures/<outcome>.png (one tornado per outcome).
"""

from __future__ import annotations

import sys
from pathlib import Path

from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.sensitivity import load_spec, run_sensitivity, summary_table

SPEC = Path(__file__).resolve().parent / "sweeps" / "sensitivity_ai_2025.yaml"


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "sensitivity", seeds=1, quick_seeds=1, months=60, quick_months=12)
    args = ex.options(ap, argv)
    spec, _ = load_spec(SPEC)
    spec = spec.model_copy(update={"seeds": len(args.seeds), "months": args.months})
    executor = "processes" if args.processes > 1 else "serial"
    result = run_sensitivity(
        spec, args.out, executor=executor, workers=args.processes, progress=not args.quick, quick=args.quick
    )
    top = summary_table(result, 5)
    ex.save(top, args.out / "top.parquet", {"spec": str(SPEC), "months": args.months, "seeds": len(args.seeds)})
    ex.show(top, "most influential assumptions per outcome (Sobol ST where run, else Morris mu*)")
    print(f"\n{result}; {ex.elapsed(args):.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
