"""The build-out to 2028 and how it is financed, beside the Morgan Stanley split.

    python experiments/financing_mix.py [--quick] [--seeds 5] [--path base] [--until 2028-12] [--processes 2]
                                        [--exit-option on|off] [--lease-debt off|on] [--out results/financing_mix]

Morgan Stanley (July 2025, CAL Capex and the financing gap/Morgan Stanley): 2,900 of data-centre
spend to 2028, of which 1,400 from hyperscalers' cash flow and a gap of 1,500 = 800 private
credit + 350 PE and sovereign + 200 corporate debt + 150 ABS.

The model's spend is what builders paid for chips and buildings (``capex_spent``: giants and
neoclouds, and the buildings their build-out SPVs paid) plus the unmodelled builders' capex
(``outside_capex``, grown and scaled by its return-tested response as in the income stage). Its financing, summed
from the month's events: bonds on balance sheet (``bond_issue``), SPV deals (``spv_financing``:
split into the vehicle's bonds bought by private-credit funds, the bonds bought by insurers, ETFs and
outside buyers, and its equity), loans by route (``bank_loan``, ``vendor_loan``,
``private_credit_loan``), new equity (``equity_raise``), and the rest of the modelled spend paid
from the builders' own cash flow. ABS is not modelled (no securitisation).

Seeds are 1..N (seed 1 is the README's). Writes to --out: ``mix.parquet`` (tidy: seed, item,
amount in USD bn; with the code version and options), ``table.parquet`` and ``mix.md`` (mean over
seeds beside Morgan Stanley) and prints the table. ``--months`` is not used: the horizon is ``--until``.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.exit_option import route_costs, spv_first
from aicontagion.mechanisms.income import outside_capex_month
from aicontagion.model import ContagionModel
from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.executors import map_tasks
from aicontagion.scenarios.loader import load_scenario

MORGAN_STANLEY = {
    "total spend": 2900.0,
    "hyperscaler cash flow": 1400.0,
    "private credit": 800.0,
    "PE and sovereign (equity)": 350.0,
    "corporate debt (bonds)": 200.0,
    "ABS": 150.0,
}


def run_mix(
    seed: int, path: str, until: str, scenario: str = "ai_2025", exit_option: bool = True, lease_debt: bool = False
) -> dict:
    """Spend and its financing (USD bn) from the start to ``until`` on one seed; with
    ``exit_option`` off the giants do not price the option not to renew an SPV lease; with
    ``lease_debt`` on their bond ceiling counts their leases' committed-term PV as debt (S&P). Keys
    starting with ``_`` are the option's diagnostics (per USD of buildings' cost, over the giants
    and months): lowest renewal probability, largest option value, smallest SPV-minus-bond cost
    gap, and the months a giant leased before issuing bonds."""
    spec = load_scenario(scenario)
    spec.origination = spec.origination.model_copy(update={"value_exit_option": exit_option, "lease_debt": lease_debt})
    months = (pd.Period(until, "M") - pd.Period(spec.start, "M")).n + 1
    m = ContagionModel(spec, productivity=path, seed=seed, collect=False)
    giants = m.state.registry.members[Kind.TECH_GIANT]
    modelled = outside = 0.0
    diag = {"_lowest p_renew": 1.0, "_largest option": 0.0, "_smallest spv - bond": np.inf}
    diag["_giant-months spv first"] = 0
    for _ in range(months):
        cost = route_costs(m.state, giants)  # what the giants see when they decide this month
        diag["_lowest p_renew"] = min(diag["_lowest p_renew"], float(cost["p"].min()))
        diag["_largest option"] = max(diag["_largest option"], float(cost["option"].max()))
        diag["_smallest spv - bond"] = min(diag["_smallest spv - bond"], float((cost["spv"] - cost["bond"]).min()))
        diag["_giant-months spv first"] += int(spv_first(m.state, giants).sum())
        m.step()
        s = m.state
        modelled += s.operations.capex_spent
        outside += outside_capex_month(s, s.month)
    ev = pd.DataFrame(m.events)
    kinds = dict(zip(s.registry.ids, [Kind(int(k)).label for k in s.registry.kind], strict=True))

    def total(event: str, kind: str | None = None) -> float:
        if ev.empty:
            return 0.0
        sel = ev[ev["event"] == event]
        if kind is not None:
            sel = sel[sel["institution"].map(kinds) == kind]
        return float(sel["amount"].sum())

    o = spec.origination
    spv = total("spv_financing")
    spv_debt = spv * (1 - o.spv_equity_share)
    pc_buyers = sum(sh for who, sh in o.spv_bond_buyers.items() if kinds.get(who) == "private_credit_fund")
    bonds = total("bond_issue", "tech_giant") + total("bond_issue", "neocloud")
    loans = {r: total(f"{r}_loan") for r in ("bank", "vendor", "private_credit")}
    equity = total("equity_raise", "neocloud")
    spend = modelled + outside
    fund_equity = spv * o.spv_equity_share * o.spv_fund_equity_share
    external = bonds + spv + sum(loans.values()) + equity
    return {
        "seed": seed,
        "total spend": spend,
        "modelled builders": modelled,
        "outside builders": outside,
        "hyperscaler cash flow": max(modelled - external, 0.0),
        "private credit": spv_debt * pc_buyers + fund_equity + loans["private_credit"],
        "SPV bonds, other buyers": spv_debt * (1 - pc_buyers),
        "PE and sovereign (equity)": equity,
        "corporate debt (bonds)": bonds,
        "bank loans": loans["bank"],
        "vendor financing": loans["vendor"],
        "ABS": 0.0,
    } | diag


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds beside Morgan Stanley's split."""
    mean = rows.drop(columns=["seed", *(k for k in rows.columns if k.startswith("_"))]).mean()
    out = pd.DataFrame({"model (mean over seeds)": mean})
    out["Morgan Stanley"] = [MORGAN_STANLEY.get(k, np.nan) for k in out.index]
    return out.round(0)


def markdown(t: pd.DataFrame) -> str:
    """A markdown table (no optional dependency)."""
    cols = ["", *t.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for name, row in t.iterrows():
        cells = ["-" if pd.isna(v) else f"{v:,.0f}" for v in row]
        lines.append("| " + " | ".join([str(name), *cells]) + " |")
    return "\n".join(lines)


def _run(args: tuple[int, str, str, str, bool, bool]) -> dict:
    return run_mix(*args)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "financing_mix", seeds=5, quick_seeds=1)
    ap.add_argument("--path", default="base", help="AI productivity path (default base)")
    ap.add_argument("--exit-option", choices=("on", "off"), default="on", help="giants price the option not to renew")
    ap.add_argument("--lease-debt", choices=("on", "off"), default="off", help="leases' committed PV as debt")
    ap.add_argument("--until", default="2028-12", help="last month summed, YYYY-MM (default 2028-12; quick 2026-06)")
    a = ex.options(ap, argv)
    until = "2026-06" if a.quick and a.until == "2028-12" else a.until
    seeds = [s + 1 for s in a.seeds]
    executor = "processes" if a.processes > 1 and len(seeds) > 1 else "serial"
    tasks = [(s, a.path, until, "ai_2025", a.exit_option == "on", a.lease_debt == "on") for s in seeds]
    rows = pd.DataFrame(map_tasks(_run, tasks, executor=executor, workers=a.processes))
    prov = {"seeds": seeds, "path": a.path, "until": until, "exit_option": a.exit_option, "lease_debt": a.lease_debt}
    tidy = rows.melt(id_vars="seed", var_name="item", value_name="amount")
    ex.save(tidy, a.out / "mix.parquet", prov)
    t = table(rows)
    ex.save(t.rename_axis("item").reset_index(), a.out / "table.parquet", prov)
    md = markdown(t)
    (a.out / "mix.md").write_text(md + "\n")
    print(f"ai_2025, {a.path} path, start to {until}, seeds {seeds[0]}-{seeds[-1]} (USD bn)\n")
    print(md)
    diag = rows[[k for k in rows.columns if k.startswith("_")]]
    print(
        f"\nexit option {a.exit_option} (per USD of cost; over giants, months and seeds): lowest p_renew "
        f"{diag['_lowest p_renew'].min():.3f}, largest option {diag['_largest option'].max():.3f}, smallest "
        f"spv - bond {diag['_smallest spv - bond'].min():.3f}, giant-months spv first "
        f"{int(diag['_giant-months spv first'].sum())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
