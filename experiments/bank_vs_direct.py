"""2008-style bank contagion vs the AI direct-finance path, under shocks of equal size.

    python experiments/bank_vs_direct.py [--quick] [--seeds N] [--months M] [--shock 0.25] [--processes 2]
        [--out results/bank_vs_direct]

Each system's core asset is repriced once, in month 6, by a fall sized so that the direct loss
equals ``--shock`` x the equity of the system's banks: MBS in ``bank_2008`` (replacing its
scheduled repricing), GPUs in ``ai_2025`` (on the base productivity path, so only the shock
differs). Side by side: speed (months to the first default, to 50% and 90% of losses), breadth
(share of each kind defaulted), depth (losses / system assets), who bears the loss. Then, on
ai_2025's disproven path, the two channels through which the direct-finance path returns losses
to banks are switched off and on: private-credit funds' bank credit lines (fund leverage) and
LP fire sales (liquidity floors, rating floors, ETF redemptions). Writes Parquet tables and PNG
figures to --out and prints the tables.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.results.style import KIND_COLOURS, caption, legend_outside, seeds_text, setup_colours
from aicontagion.scenarios.build import build_system

CORE_ASSET = {"bank_2008": "mbs", "ai_2025": "gpu"}


def shock_fall(scenario: str, size: float) -> float:
    """The fall of the core asset whose direct loss is ``size`` x the banks' equity."""
    spec = ac.load_scenario(scenario)
    system = build_system(spec)
    a = list(spec.markets).index(CORE_ASSET[scenario])
    held = system.books.holdings[:, a].sum()
    bank_equity = system.books.equity[system.kind == int(Kind.BANK)].sum()
    return float(np.clip(size * bank_equity / held, 0.0, 0.95))


def shocked(scenario: str, fall: float, months: int) -> dict:
    """Sim arguments: the one-off repricing in month 6 (2025-07 / 2007-07)."""
    spec = ac.load_scenario(scenario)
    at = f"{int(spec.start[:4])}-07"
    cls = CORE_ASSET[scenario]
    kw = {"scenario": scenario, "months": months, f"markets__{cls}__shocks": [{"at": at, "fall": fall}]}
    if scenario == "ai_2025":
        kw["productivity"] = "base"
    return kw


def channels_off(fund_leverage: bool, lp_sales: bool) -> dict:
    """``Sim`` arguments switching the two back-channels to banks off (False) or leaving them on:
    the model's own channel switches (docs/model.md section 3.1)."""
    return {"channels": {"fund_leverage": fund_leverage, "lp_sales": lp_sales}}


def breadth(table: pd.DataFrame, scenario: str) -> dict:
    spec = ac.load_scenario(scenario)
    counts = pd.Series([i.kind for i in spec.institutions]).value_counts()
    return {
        f"defaulted_share.{k}": table[f"defaults_by_kind.{k}"].mean() / n
        for k, n in counts.items()
        if f"defaults_by_kind.{k}" in table and k != "government"
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one seed and short horizons: a smoke run in seconds")
    ap.add_argument("--seeds", type=int, default=None, help="seeds, 0..N-1 (default 5, quick 1)")
    ap.add_argument(
        "--months", type=int, default=None, help="months of the ai_2025 runs (default 240, quick 96; bank_2008: 60, 24)"
    )
    ap.add_argument("--shock", type=float, default=0.25, help="direct loss / banks' equity")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2, quick 1)")
    ap.add_argument("--out", default="results/bank_vs_direct")
    args = ap.parse_args(argv)
    seeds = range(args.seeds or (1 if args.quick else 5))
    args.processes = args.processes or (1 if args.quick else 2)
    months_bank, months_ai = (24, 96) if args.quick else (60, 240)
    months_ai = args.months or months_ai
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    # 1. equal shocks: speed, breadth, depth, who bears the loss
    falls = {s: shock_fall(s, args.shock) for s in CORE_ASSET}
    setups = {s: shocked(s, falls[s], months_bank if s == "bank_2008" else months_ai) for s in CORE_ASSET}
    table = ac.compare(setups, seeds=seeds, processes=args.processes, keep_series=False).summaries
    table.to_parquet(out / "equal_shock_runs.parquet", index=False)
    rows = []
    for s in CORE_ASSET:
        g = table[table.setup == s]
        holders = {
            c.removeprefix("losses_by_holder_kind."): g[c].mean() for c in g if c.startswith("losses_by_holder_kind.")
        }
        rows.append(
            {
                "system": s,
                "shocked_asset": CORE_ASSET[s],
                "price_fall": falls[s],
                "months_to_first_default": g["months_to_first_default"].mean(),
                "months_to_half_loss": g["months_to_half_loss"].mean(),
                "months_to_90pct_loss": g["months_to_90pct_loss"].mean(),
                "defaults": g["defaults"].mean(),
                "loss": g["total_loss"].mean(),
                "loss_ratio": g["system_loss_ratio"].mean(),
                **breadth(g, s),
                **{f"borne_by.{k}": v for k, v in holders.items() if abs(v) > 1e-6},
            }
        )
    pd.DataFrame(rows).to_parquet(out / "side_by_side.parquet", index=False)
    side = pd.DataFrame(rows).set_index("system").T

    # 2. the AI path's two back-channels to banks, on its disproven path
    combos = {
        f"fund_leverage={'on' if fl else 'off'}, lp_sales={'on' if lp else 'off'}": {
            "scenario": "ai_2025",
            "productivity": "disproven",
            "months": months_ai,
            **channels_off(fl, lp),
        }
        for fl in (True, False)
        for lp in (True, False)
    }
    ch = ac.compare(combos, seeds=seeds, processes=args.processes, keep_series=False).summaries
    ch.to_parquet(out / "channels_runs.parquet", index=False)
    cols = [
        c
        for c in (
            "losses_by_holder_kind.bank",
            "losses_by_holder_kind.private_credit_fund",
            "losses_by_holder_kind.pension_lp",
            "total_loss",
            "defaults",
        )
        if c in ch
    ]
    channels = ch.groupby("setup", sort=False)[cols].mean()
    channels.reset_index().to_parquet(out / "channels.parquet", index=False)

    # figures: losses (marked to market) relative to their peak, month by month; seed 0
    fig, ax = plt.subplots(1, 2, figsize=(14, 4.4), layout="constrained")
    colours = setup_colours(setups)
    for s, kw in setups.items():
        sim = ac.Sim(seed=0, **kw).run()
        loss = sim.series("losses")["system"]
        peak = max(float(loss.max()), 1e-9)
        ax[0].plot(
            np.arange(len(loss)),
            loss.values / peak,
            color=colours[s],
            label=f"{s} ({CORE_ASSET[s]} -{falls[s]:.0%})",
        )
    ax[0].set_xlabel("months since start (shock in month 6)")
    ax[0].set_ylabel("losses marked to market / their peak")
    ax[0].set_ylim(0, 1.05)
    ax[0].set_title(f"speed: equal shocks ({args.shock:.0%} of bank equity), seed 0", fontsize=10)
    legend_outside(ax[0], title="system (shocked asset)")
    bank_loss = channels.get("losses_by_holder_kind.bank", pd.Series(0, index=channels.index))
    ax[1].barh(channels.index, bank_loss.values, color=KIND_COLOURS["bank"])
    ax[1].set_xlabel("losses borne through banks (USD bn, mean over seeds)")
    ax[1].set_ylabel("back-channels switched on / off")
    ax[1].set_title(f"ai_2025 disproven: back-channels to banks ({seeds_text(list(seeds))})", fontsize=10)
    caption(
        fig,
        "Left: one run per system (seed 0); losses at the final bearers, marked to market, over their peak "
        f"(they can fall after it). Right: means over {seeds_text(list(seeds))}.",
    )
    fig.savefig(out / "bank_vs_direct.png", dpi=110)
    plt.close(fig)

    pd.set_option("display.width", 200)
    print("Equal shocks, side by side (means over seeds):")
    print(side.to_string())
    print("\nBack-channels to banks (ai_2025, disproven):")
    print(channels.to_string(float_format=lambda v: f"{v:,.1f}"))
    print(f"\n{time.perf_counter() - t0:.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
