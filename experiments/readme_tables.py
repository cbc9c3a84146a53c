"""Regenerate the result tables in README.md from fresh runs (``make readme``).

    python experiments/readme_tables.py [--seeds 10] [--draws 20] [--skip-guarantees]

Rewrites the blocks between ``<!-- results:NAME -->`` and ``<!-- /results:NAME -->`` markers:
``paths`` (ai_2025 under the four productivity paths), ``bank_vs_direct`` (equal shocks) and
``guarantees`` (the policy comparison). Each block says how it was produced.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

import aicontagion as ac

README = Path(__file__).resolve().parents[1] / "README.md"
PATHS = ("fast", "base", "slow", "disproven")


def _replace(text: str, name: str, block: str) -> str:
    pattern = re.compile(rf"(<!-- results:{name} -->\n).*?(<!-- /results:{name} -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no <!-- results:{name} --> block")
    return pattern.sub(lambda m: m.group(1) + block + m.group(2), text)


def _fmt(v, pct=False) -> str:
    if v != v:
        return "none"
    return f"{v:.1%}" if pct else f"{v:,.1f}" if abs(v) < 100 else f"{v:,.0f}"


def paths_table(seeds: int, processes: int) -> str:
    t = ac.compare(
        {p: {"productivity": p} for p in PATHS}, seeds=range(seeds), scenario="ai_2025", months=240, processes=processes
    ).summaries
    g = t.groupby("setup", sort=False).mean(numeric_only=True)
    rows = [
        ("months to first default (mean over runs with one)", "months_to_first_default", False),
        ("defaults", "defaults", False),
        ("of which AI labs", "defaults_by_kind.ai_lab", False),
        ("of which neoclouds", "defaults_by_kind.neocloud", False),
        ("of which SPVs", "defaults_by_kind.spv", False),
        ("losses at final bearers (USD bn)", "total_loss", False),
        ("losses / system assets", "system_loss_ratio", True),
        ("borne through AI labs (their outside investors)", "losses_by_holder_kind.ai_lab", False),
        ("borne through neoclouds", "losses_by_holder_kind.neocloud", False),
        ("borne through tech giants' shareholders", "losses_by_holder_kind.tech_giant", False),
        ("borne through pensions, insurers, ETFs", "losses_by_holder_kind.pension_lp", False),
        ("borne through banks", "losses_by_holder_kind.bank", False),
        ("borne through private-credit funds", "losses_by_holder_kind.private_credit_fund", False),
        ("borne by outside creditors", "losses_by_holder_kind.outside_creditors", False),
    ]
    out = [
        f"ai_2025, {seeds} seeds, 240 months, means over seeds (`make readme`):",
        "",
        "| | " + " | ".join(PATHS) + " |",
        "|---" * (len(PATHS) + 1) + "|",
    ]
    for label, col, pct in rows:
        if col in g:
            out.append(f"| {label} | " + " | ".join(_fmt(g.loc[p, col], pct) for p in PATHS) + " |")
    return "\n".join(out) + "\n"


def bank_vs_direct_table(run: bool) -> str:
    folder = Path("results/bank_vs_direct")
    if run or not (folder / "side_by_side.parquet").exists():
        from experiments import bank_vs_direct

        bank_vs_direct.main(["--out", str(folder)])
    side = pd.read_parquet(folder / "side_by_side.parquet").set_index("system")
    channels = pd.read_parquet(folder / "channels.parquet").set_index("setup")
    out = [
        "`experiments/bank_vs_direct.py` (5 seeds; shock = 25% of the banks' equity; `make readme`):",
        "",
        "| | bank_2008 | ai_2025 |",
        "|---|---|---|",
    ]
    for label, col, pct in (
        ("core asset repriced by", "price_fall", True),
        ("months to first default", "months_to_first_default", False),
        ("months to half / 90% of losses", None, False),
        ("institutions defaulted", "defaults", False),
        ("losses / system assets", "loss_ratio", True),
    ):
        if col is None:
            vals = [
                f"{_fmt(side.loc[s, 'months_to_half_loss'])} / {_fmt(side.loc[s, 'months_to_90pct_loss'])}"
                for s in ("bank_2008", "ai_2025")
            ]
        else:
            vals = [_fmt(side.loc[s, col], pct) for s in ("bank_2008", "ai_2025")]
        out.append(f"| {label} | " + " | ".join(vals) + " |")
    bank = channels.get("losses_by_holder_kind.bank", pd.Series(dtype=float))
    out += [
        "",
        "Bank losses on ai_2025's disproven path with its back-channels to banks switched on and off:",
        "",
        "| fund leverage, LP fire sales | losses borne through banks (USD bn) |",
        "|---|---|",
    ]
    out += [f"| {k} | {_fmt(v)} |" for k, v in bank.items()]
    return "\n".join(out) + "\n"


def guarantees_table(run: bool, draws: int) -> str:
    folder = Path("results/guarantees")
    if run or not (folder / "summary_all.parquet").exists():
        from experiments import guarantees

        guarantees.main(["--draws", str(draws), "--out", str(folder)])
    t = pd.read_parquet(folder / "summary_all.parquet")
    out = [
        f"`experiments/guarantees.py` ({int(t['runs'].iloc[0])} productivity draws, common random numbers; "
        "`make readme`):",
        "",
        "| scenario, policy | p(crisis) | loss given crisis | fiscal cost | months to first default |",
        "|---|---|---|---|---|",
    ]
    for r in t.itertuples():
        out.append(
            f"| {r.scenario}, {r.policy} | {r.p_crisis:.2f} | {_fmt(r.loss_given_crisis)} | "
            f"{_fmt(r.fiscal_cost)} | {_fmt(r.months_bought)} |"
        )
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="reuse results/ from earlier runs where present")
    args = ap.parse_args(argv)
    text = README.read_text()
    text = _replace(text, "paths", paths_table(args.seeds, args.processes))
    text = _replace(text, "bank_vs_direct", bank_vs_direct_table(not args.reuse))
    text = _replace(text, "guarantees", guarantees_table(not args.reuse, args.draws))
    README.write_text(text)
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
