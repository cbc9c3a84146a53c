"""The build-out to 2028 and how it is financed, beside the Morgan Stanley split.

    python experiments/financing_mix.py [--seeds 5] [--path base] [--until 2028-12] [--out results/financing_mix]

Morgan Stanley (July 2025, CAL Capex and the financing gap/Morgan Stanley): 2,900 of data-centre
spend to 2028, of which 1,400 from hyperscalers' cash flow and a gap of 1,500 = 800 private
credit + 350 PE and sovereign + 200 corporate debt + 150 ABS.

The model's spend is what builders paid for chips and buildings (``capex_spent``: giants and
neoclouds, and the buildings their build-out SPVs paid) plus the unmodelled builders' capex
(``outside_capex``, grown and scaled by sentiment as in the income stage). Its financing, summed
from the month's events: bonds on balance sheet (``bond_issue``), SPV deals (``spv_financing``:
split into the vehicle's bonds bought by private-credit funds, the bonds bought by insurers, ETFs and
outside buyers, and its equity), loans by route (``bank_loan``, ``vendor_loan``,
``private_credit_loan``), new equity (``equity_raise``), and the rest of the modelled spend paid
from the builders' own cash flow. ABS is not modelled (no securitisation).

Writes ``mix.csv`` (per seed) and ``mix.md`` (mean over seeds) to --out and prints the table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind
from aicontagion.mechanisms.income import capex_growth_factor
from aicontagion.model import ContagionModel
from aicontagion.scenarios.loader import load_scenario

MORGAN_STANLEY = {
    "total spend": 2900.0,
    "hyperscaler cash flow": 1400.0,
    "private credit": 800.0,
    "PE and sovereign (equity)": 350.0,
    "corporate debt (bonds)": 200.0,
    "ABS": 150.0,
}


def run_mix(seed: int, path: str, until: str, scenario: str = "ai_2025") -> dict:
    """Spend and its financing (USD bn) from the start to ``until`` on one seed."""
    spec = load_scenario(scenario)
    months = (pd.Period(until, "M") - pd.Period(spec.start, "M")).n + 1
    m = ContagionModel(spec, productivity=path, seed=seed, collect=False)
    modelled = outside = 0.0
    for _ in range(months):
        m.step()
        s = m.state
        modelled += s.operations.capex_spent
        outside += spec.compute.outside_capex / 12.0 * capex_growth_factor(s, s.month) * s.ai.sentiment_capex_response
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
    }


def table(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds beside Morgan Stanley's split."""
    mean = rows.drop(columns="seed").mean()
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


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--path", default="base")
    ap.add_argument("--until", default="2028-12")
    ap.add_argument("--out", default="results/financing_mix")
    a = ap.parse_args(argv)
    rows = pd.DataFrame([run_mix(seed, a.path, a.until) for seed in range(1, a.seeds + 1)])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows.to_csv(out / "mix.csv", index=False)
    t = table(rows)
    md = markdown(t)
    (out / "mix.md").write_text(md + "\n")
    print(f"ai_2025, {a.path} path, start to {a.until}, seeds 1-{a.seeds} (USD bn)\n")
    print(md)
    return t


if __name__ == "__main__":
    main()
