"""Which assumptions drive the answer: Morris screening of every ranged number of ai_2025, then Sobol indices.

    python experiments/sensitivity.py [--quick] [--seeds 1] [--months 60] [--processes 2] [--out results/sensitivity]

Runs the analysis of experiments/sweeps/sensitivity_ai_2025.yaml (the disproven AI path; every
number of ai_2025 that carries a range in the scenario file, docs/calibration.md "Ranges for
sensitivity analysis") with ``aicontagion.runs.sensitivity.run_sensitivity``: Morris screening of
all of them, then Sobol first-order and total indices (bootstrap 95% intervals) of the top 4, for
the headline outcomes. The runs are sweeps under --out (re-running skips the finished ones).

Writes to --out: indices.parquet (outcome, parameter, method, mu_star, mu_star_conf, sigma, S1,
S1_conf, ST, ST_conf), points.parquet, top.parquet (the five most influential assumptions per
outcome), table.md (the README's table: per outcome the five largest Morris mu*, with Sobol ST and
S1 where the Sobol stage ran), sensitivity.json and figures/<outcome>.png (one tornado per outcome).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.sensitivity import load_spec, run_sensitivity, summary_table

SPEC = Path(__file__).resolve().parent / "sweeps" / "sensitivity_ai_2025.yaml"


def _g(v: float) -> str:
    """Three significant figures, no scientific notation below a million."""
    return f"{v:,.3g}" if abs(v) < 1e6 else f"{v:.3g}"


def readme_table(indices: pd.DataFrame, labels: dict[str, str] | None = None, k: int = 5) -> str:
    """Per outcome: the ``k`` largest Morris ``mu*`` (with their 95% intervals) and, for the parameters
    of the Sobol stage among them, ``ST`` and ``S1`` (with theirs): the README's table."""
    morris = indices[indices.method == "morris"]
    sobol = indices[indices.method == "sobol"].set_index(["outcome", "parameter"])
    lines = [
        "| outcome | most influential assumptions: Morris mu* (+- 95%); Sobol ST, S1 (+- 95%) |",
        "|---|---|",
    ]
    for outcome, g in morris.groupby("outcome", sort=False):
        cells = []
        for r in g.sort_values("mu_star", ascending=False).head(k).itertuples():
            cell = f"`{r.parameter}` (mu* {_g(r.mu_star)} ± {_g(r.mu_star_conf)}"
            if (outcome, r.parameter) in sobol.index:
                s = sobol.loc[(outcome, r.parameter)]
                cell += f"; ST {s.ST:.2f} ± {s.ST_conf:.2f}, S1 {s.S1:.2f} ± {s.S1_conf:.2f}"
            cells.append(cell + ")")
        name = (labels or {}).get(outcome, outcome)
        lines.append(f"| {name} | " + "<br>".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
    table = readme_table(pd.read_parquet(args.out / "indices.parquet"))
    (args.out / "table.md").write_text(table)
    print(f"\n{result}; {ex.elapsed(args):.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
