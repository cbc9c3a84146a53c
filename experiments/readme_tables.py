"""Regenerate the result tables in README.md from fresh runs (``make readme``).

    python experiments/readme_tables.py [--seeds 10] [--draws 20] [--skip-guarantees]

Rewrites the blocks between ``<!-- results:NAME -->`` and ``<!-- /results:NAME -->`` markers:
``paths`` (ai_2025 under the four productivity paths), ``bank_vs_direct`` (shocked minus unshocked
runs under shocks of equal size), ``guarantees`` (the policy comparison), ``channels`` (each
contagion channel switched off alone), ``financing_mix`` (the build-out's financing against Morgan
Stanley's split), ``back_channels`` (what each back-channel returns to banks) and ``sensitivity``
(the most influential assumptions per outcome). Each block comes from its experiment script's
output in ``results/``; ``--reuse`` takes the file already there, ``--only`` regenerates some blocks.
The prose around the blocks is written by hand: read it against the new numbers.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from pathlib import Path

import pandas as pd

import aicontagion as ac
from aicontagion.results.provenance import read_provenance

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
        ("of which tech giants", "defaults_by_kind.tech_giant", False),
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
        ("borne by outside buyers of assets the system sold", "losses_by_holder_kind.outside_buyers", False),
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


def _iv(stats: pd.DataFrame, comparison: str, metric: str, pct: bool = False) -> str:
    """``mean [q05, q95]`` of one measure over seeds; "none" where no seed has a value."""
    hit = stats[(stats.comparison == comparison) & (stats.metric == metric)]
    if hit.empty:
        return "none"
    r = hit.iloc[0]
    return f"{_fmt(r['mean'], pct)} [{_fmt(r['q05'], pct)}, {_fmt(r['q95'], pct)}]"


HOLDERS = {
    "bank": "banks",
    "money_market_fund": "MMFs",
    "pension_lp": "pensions/LPs",
    "tech_giant": "giants",
    "ai_lab": "AI labs",
    "neocloud": "neoclouds",
    "spv": "SPVs",
    "private_credit_fund": "credit funds",
    "chip_supplier": "chip suppliers",
    "outside_creditors": "outside creditors",
    "outside_buyers": "outside buyers",
}


def bank_vs_direct_table(run: bool) -> str:
    folder = Path("results/bank_vs_direct")
    if run or not (folder / "excess.parquet").exists():
        from experiments import bank_vs_direct

        bank_vs_direct.main(["--out", str(folder)])
    from aicontagion.results.provenance import read_provenance

    prov = read_provenance(folder / "excess.parquet")
    stats = pd.read_parquet(folder / "excess.parquet")
    falls = pd.read_parquet(folder / "equal_sizes.parquet").set_index(["scenario", "basis"])
    unshocked = pd.read_parquet(folder / "unshocked.parquet")
    seeds, months, sizes = len(prov["seeds"]), prov["months"], prov["sizes"]
    rows = list(dict.fromkeys(stats["row"]))
    out = [
        f"`experiments/bank_vs_direct.py` ({seeds} seeds, {months} months, shock in the 7th month; "
        "shocked minus unshocked run on each seed; mean [5%, 95%] over seeds; `make readme`):",
        "",
    ]
    bases = {
        "capital": f"capital ({sizes['capital']:.0%} of system capital)",
        "bank_exposure": f"bank exposure ({sizes['bank_exposure']:.0%} of bank equity)",
    }
    out += [
        "| scenario / path | basis: shock | speed: months to first excess default; days where resolved "
        "| months to 50% / 90% of excess losses | breadth: excess defaults (share of institutions) "
        "| depth: excess losses (USD bn; / system assets) | who bears the loss (largest, USD bn) "
        "| what reaches banks (USD bn) |",
        "|---" * 8 + "|",
    ]
    for row in rows:
        for basis in ("capital", "bank_exposure"):
            cmp = f"{row} | {basis}"
            sc = row.split()[0]
            f = falls.loc[(sc, basis)]
            holders = stats[(stats.comparison == cmp) & stats.metric.str.startswith("excess_loss.")]
            holders = holders.assign(k=holders.metric.str.removeprefix("excess_loss.")).sort_values("mean", key=abs)
            top = ", ".join(f"{HOLDERS.get(r.k, r.k)} {_fmt(r.mean)}" for r in holders.iloc[::-1].head(2).itertuples())
            speed = _iv(stats, cmp, "months_to_first_excess_default")
            days = _iv(stats, cmp, "days_shock_to_first_bank_default")
            if days != "none":
                speed += f"; {days} days from the shock to the first bank default"
            freeze = _iv(stats, cmp, "days_interbank_freeze")
            if freeze != "none":
                speed += f", interbank lending halved {freeze} days later"
            out.append(
                f"| {row} | {bases[basis]}: {f['asset']} -{f['fall']:.1%} | {speed} | "
                f"{_iv(stats, cmp, 'months_to_50pct_excess')} / {_iv(stats, cmp, 'months_to_90pct_excess')} | "
                f"{_iv(stats, cmp, 'excess_defaults')} ({_iv(stats, cmp, 'excess_defaulted_share', True)}) | "
                f"{_iv(stats, cmp, 'excess_loss')} ({_iv(stats, cmp, 'excess_loss_ratio', True)}) | {top} | "
                f"{_iv(stats, cmp, 'excess_loss.bank')} |"
            )
    out.append("")
    bank = unshocked[unshocked.metric == "losses_by_holder_kind.bank"].set_index("row")
    total = unshocked[unshocked.metric == "total_loss"].set_index("row")
    out += [
        "The unshocked runs themselves (the background the excess is measured against):",
        "",
        "| scenario / path | losses (USD bn) | through banks (USD bn) |",
        "|---|---|---|",
    ]
    for row in rows:
        t, b = total.loc[row], bank.loc[row]
        out.append(
            f"| {row} | {_fmt(t['mean'])} [{_fmt(t['q05'])}, {_fmt(t['q95'])}] | "
            f"{_fmt(b['mean'])} [{_fmt(b['q05'])}, {_fmt(b['q95'])}] |"
        )
    return "\n".join(out) + "\n"


def guarantees_table(run: bool, draws: int) -> str:
    folder = Path("results/guarantees")
    if run or not (folder / "table.md").exists():
        from experiments import guarantees

        guarantees.main(["--draws", str(draws), "--no-sensitivity", "--out", str(folder)])
    meta = read_provenance(folder / "summary_all.parquet")
    head = (
        f"`experiments/guarantees.py --draws {meta.get('draws')} --months {meta.get('months')}` "
        "(common random numbers; `make readme`):"
    )
    return head + "\n\n" + (folder / "table.md").read_text()


def channels_table(run: bool, seeds: int, processes: int) -> str:
    """The block ``channels``: experiments/channels.py's table (each channel switched off alone)."""
    folder = Path("results/channels")
    if run or not (folder / "table.md").exists():
        from experiments import channels

        channels.main(["--seeds", str(seeds), "--processes", str(processes), "--out", str(folder)])
    return (folder / "table.md").read_text()


def script_table(script: str, output: str, run: bool, argv: list[str]) -> str:
    """A block copied from an experiment script's markdown output ``results/<script>/<output>``,
    running ``experiments/<script>.py`` first when ``run`` (or when the file is missing)."""
    folder = Path("results") / script
    if run or not (folder / output).exists():
        module = importlib.import_module(f"experiments.{script}")
        module.main([*argv, "--out", str(folder)])
    return (folder / output).read_text()


BLOCKS = ("paths", "bank_vs_direct", "guarantees", "channels", "financing_mix", "back_channels", "sensitivity")
"""The README's generated blocks, in the order they are made."""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--reuse", action="store_true", help="reuse results/ from earlier runs where present")
    ap.add_argument("--only", nargs="+", choices=BLOCKS, default=list(BLOCKS), help="regenerate only these blocks")
    args = ap.parse_args(argv)
    run = not args.reuse
    makers = {
        "paths": lambda: paths_table(args.seeds, args.processes),
        "bank_vs_direct": lambda: bank_vs_direct_table(run),
        "guarantees": lambda: guarantees_table(run, args.draws),
        "channels": lambda: channels_table(run, min(args.seeds, 8), args.processes),
        "financing_mix": lambda: script_table("financing_mix", "mix.md", run, ["--processes", str(args.processes)]),
        "back_channels": lambda: script_table("back_channels", "summary.md", run, []),
        "sensitivity": lambda: script_table("sensitivity", "table.md", run, ["--processes", str(args.processes)]),
    }
    text = README.read_text()
    for name in args.only:
        text = _replace(text, name, makers[name]())
        README.write_text(text)  # each block as soon as it is made: a long run keeps what it finished
    print(f"updated {README}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
