"""What each back-channel from the AI build-out returns to the banks, over seeds, each channel on and off.

    python experiments/back_channels.py [--seeds 5] [--paths disproven slow] [--months 240] [--out DIR]

Banks reach the build-out four ways in ai_2025:

* **own holdings**: their tech equity and bonds, marked to market (the ``market`` and ``fire_sale``
  columns of the banks' P&L in the run with every channel on; no switch removes holdings);
* **project loans**: loans they originate to neoclouds and warehouse before selling them on to
  private credit, and the opening loans and lines to SPVs and neoclouds (switch ``origination``
  removes the new ones);
* **fund lines**: credit lines to private-credit funds (switch ``fund_leverage`` closes them at
  the start);
* **LP fire sales**: pensions', insurers' and ETF holders' sales of the assets banks also hold
  (switch ``lp_sales``);
* **subscription lines**: the funds' capital calls paid ``call_lag_months`` later and bridged by
  their banks' subscription lines meanwhile, an LP's default on a call leaving the bridge to the
  fund and, if it fails, to its bank (``mechanisms/subscription_lines.py``; off: the option
  ``origination.call_lag_months`` set to 0, calls paid at once; the lines themselves stay, and
  switch ``fund_leverage`` closes them with the NAV loans).

For each path and seed the script runs every channel on, then each switch off alone (common random
numbers), and reports banks' own losses (``own_losses_by_kind["bank"]``), their P&L by column, their
counterparty losses, and, per switch, what it changes: ``on - off``. Writes ``runs.csv`` and
``summary.md`` to --out and prints the summary.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from aicontagion import Sim
from aicontagion.core.books import Channel
from aicontagion.core.kinds import Kind

SWITCHES = {
    "project loans": "origination",
    "fund lines": "fund_leverage",
    "LP fire sales": "lp_sales",
    "subscription lines": "call_lag_months",
}
OPTIONS = {"call_lag_months": {"origination__call_lag_months": 0}}
"""Switches that are scenario options, not channels: the overrides that turn them off."""


def switched_off(off: str | None) -> dict:
    """``Sim`` keyword arguments that turn ``off`` off (a channel, or an option of :data:`OPTIONS`)."""
    if off is None:
        return {}
    return OPTIONS.get(off, {"channels": {off: False}})


def bank_outcome(path: str, seed: int, months: int, off: str | None) -> dict:
    """Banks' losses (USD bn) in one run, with switch ``off`` off (None: every channel on)."""
    sim = Sim("ai_2025", productivity=path, seed=seed, months=months, **switched_off(off)).run()
    s = sim.model.state
    banks = s.registry.members[Kind.BANK]
    pnl = s.books.pnl[banks].sum(axis=0)
    return {
        "path": path,
        "seed": seed,
        "off": off or "none",
        "bank_losses": float(sim.summary["own_losses_by_kind"]["bank"]),
        "market": float(-pnl[Channel.MARKET]),
        "fire_sale": float(-pnl[Channel.FIRE_SALE]),
        "counterparty": float(-pnl[Channel.COUNTERPARTY]),
        "funding": float(-pnl[Channel.FUNDING]),
        "bank_defaults": int(sim.summary["defaults_by_kind"]["bank"]),
    }


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Per path: mean over seeds of banks' losses with every channel on, the own-holdings part,
    and per switch the banks' losses with it off and what it returns to them (on - off)."""
    rows = []
    for path, g in runs.groupby("path", sort=False):
        on = g[g["off"] == "none"].set_index("seed")
        row = {
            "path": path,
            "bank losses, all on": on["bank_losses"].mean(),
            "own holdings (market + fire-sale marks)": (on["market"] + on["fire_sale"]).mean(),
            "counterparty": on["counterparty"].mean(),
        }
        for label, switch in SWITCHES.items():
            off = g[g["off"] == switch].set_index("seed")
            diff = (on["bank_losses"] - off["bank_losses"]).reindex(on.index)
            row[f"{label}: off"] = off["bank_losses"].mean()
            row[f"{label}: on - off"] = diff.mean()
            row[f"{label}: on - off, range"] = f"{diff.min():.2f} to {diff.max():.2f}"
        rows.append(row)
    return pd.DataFrame(rows).set_index("path").T


def markdown(t: pd.DataFrame) -> str:
    """A markdown table (no optional dependency)."""
    cols = ["", *t.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for name, row in t.iterrows():
        cells = [v if isinstance(v, str) else ("-" if pd.isna(v) else f"{v:,.2f}") for v in row]
        lines.append("| " + " | ".join([str(name), *cells]) + " |")
    return "\n".join(lines)


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--paths", nargs="+", default=["disproven", "slow"])
    ap.add_argument("--months", type=int, default=240)
    ap.add_argument("--out", default="results/back_channels")
    a = ap.parse_args(argv)
    runs = pd.DataFrame(
        [
            bank_outcome(path, seed, a.months, off)
            for path in a.paths
            for seed in range(1, a.seeds + 1)
            for off in (None, *SWITCHES.values())
        ]
    )
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_csv(out / "runs.csv", index=False)
    t = summarise(runs)
    md = markdown(t)
    (out / "summary.md").write_text(md + "\n")
    print(f"ai_2025, banks' own losses (USD bn), mean over seeds 1-{a.seeds}, {a.months} months\n")
    print(md)
    return t


if __name__ == "__main__":
    main()
