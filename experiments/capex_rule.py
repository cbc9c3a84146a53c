"""What the capex rule's return test does: ``capex_rule`` own_return against sentiment, same seeds.

    python experiments/capex_rule.py [--quick] [--seeds 10] [--months 240] [--processes 2]
                                     [--out results/capex_rule]

Under ``compute.capex_rule: own_return`` (ai_2025's) what a builder orders answers to the
expected return on its own fleet (sentiment ratio x opening fleet / fleet now,
``mechanisms/capex_returns.py``); under ``sentiment`` to the sector's sentiment alone, the rule
before the ninth session. Three setups on the same seeds and clock, every path:

* ``own_return``: the scenario as shipped (plan +50% a year to 2026-12, the return test);
* ``sentiment``: the same plan without the return test;
* ``sentiment, flat plan``: the rule of the eighth session, the plan flat at its 2025 level
  (``capex_growth`` 0; the outside builders' capex as shipped).

Per run: the four hyperscalers' deliveries in 2025 and 2026 (chips and buildings paid, by them
and by their vehicles), all modelled builders' spend to 2028, defaults (tech giants among them),
the month of the first default and the losses at final bearers. Seeds are 1..N (seed 1 is the
README's). Writes ``runs.parquet`` (tidy, one row per run) and ``table.md`` (means with the
10-90% range over seeds) to --out and prints the table.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind, Status
from aicontagion.model import ContagionModel
from aicontagion.results.metrics import summarise
from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.executors import map_tasks

PATHS = ("fast", "base", "slow", "disproven")
HYPERSCALERS = ("alphabet", "meta", "amazon", "microsoft")
SETUPS = {
    "own_return": {},
    "sentiment": {"compute.capex_rule": "sentiment"},
    "sentiment, flat plan": {"compute.capex_rule": "sentiment", "compute.capex_growth": 0.0},
}


def run_one(task: tuple[str, str, int, int]) -> dict:
    """One run of ``setup`` on ``path`` and ``seed`` for ``months``: the row described above."""
    setup, path, seed, months = task
    m = ContagionModel("ai_2025", productivity=path, seed=seed, months=months, **SETUPS[setup])
    s = m.state
    ids = list(s.registry.ids)
    hyp = np.array([ids.index(h) for h in HYPERSCALERS])
    builders = np.isin(s.registry.kind, [int(Kind.TECH_GIANT), int(Kind.NEOCLOUD)])
    delivered = {2025: 0.0, 2026: 0.0}
    to_2028 = 0.0
    for t in range(months):
        m.step()
        paid = s.operations.fleet.added  # chips and buildings paid this month, by a builder or its vehicles
        year = 2025 + t // 12
        if year in delivered:
            delivered[year] += float(paid[hyp].sum())
        if year <= 2028:
            to_2028 += float(paid[builders].sum())
        if not m.running:
            break
    cols = ["step", "date", "institution", "kind", "event", "amount", "cause", "day"]
    summary = summarise(s, m.recorder.frame(), pd.DataFrame(m.events, columns=cols))
    dead = s.lifecycle.status == Status.DEFAULTED
    return {
        "setup": setup,
        "path": path,
        "seed": seed,
        "hyperscalers_2025": delivered[2025],
        "hyperscalers_2026": delivered[2026],
        "builders_to_2028": to_2028,
        "defaults": int(dead.sum()),
        "giant_defaults": int((dead & (s.registry.kind == int(Kind.TECH_GIANT))).sum()),
        "first_default": summary.get("months_to_first_default"),
        "losses": summary.get("total_loss"),
    }


def table(runs: pd.DataFrame) -> str:
    """Means over seeds with the 10-90% range, setups as rows within each path."""
    cols = {
        "hyperscalers_2025": "four hyperscalers 2025",
        "hyperscalers_2026": "2026",
        "builders_to_2028": "modelled builders to 2028",
        "defaults": "defaults (vehicles included)",
        "giant_defaults": "of which giants",
        "first_default": "first default (month)",
        "losses": "losses",
    }
    lines = ["| path | rule | " + " | ".join(cols.values()) + " |", "|---" * (len(cols) + 2) + "|"]
    for path in PATHS:
        for setup in SETUPS:
            g = runs[(runs.path == path) & (runs.setup == setup)]
            if g.empty:
                continue
            cells = []
            for c in cols:
                v = pd.to_numeric(g[c], errors="coerce").dropna()
                if v.empty:
                    cells.append("none")
                    continue
                lo, hi = np.quantile(v, [0.1, 0.9])
                fmt = ",.1f" if c.endswith("defaults") else ",.0f"
                mean = format(v.mean(), fmt)
                cells.append(mean if lo == hi else f"{mean} [{lo:{fmt}}, {hi:{fmt}}]")
            lines.append(f"| {path} | {setup} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "capex_rule", seeds=10, quick_seeds=1, months=240, quick_months=24)
    a = ex.options(ap, argv)
    seeds = [s + 1 for s in a.seeds]
    tasks = [(setup, path, seed, a.months) for path in PATHS for setup in SETUPS for seed in seeds]
    executor = "processes" if a.processes > 1 else "serial"
    runs = pd.DataFrame(map_tasks(run_one, tasks, executor=executor, workers=a.processes, progress=True))
    prov = {"seeds": seeds, "months": a.months, "setups": list(SETUPS)}
    ex.save(runs, a.out / "runs.parquet", prov)
    md = (
        f"ai_2025, seeds {seeds[0]}-{seeds[-1]}, {a.months} months (`python experiments/capex_rule.py`): "
        "means over seeds [10%, 90%]; deliveries and spend in USD bn, losses at final bearers\n\n" + table(runs)
    )
    (a.out / "table.md").write_text(md + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
