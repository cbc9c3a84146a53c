"""Reproduce classic published results with the project's code (issue #3, item 5).

    python experiments/validation.py [--quick] [--out results/validation] [--seeds 100] [--seed 0] [--processes 2]

* Clearing worked examples (Eisenberg-Noe, Rogers-Veraart, DebtRank) against their published numbers.
* Gai & Kapadia (2010) contagion window on directed Erdos-Renyi networks (N = 1000, interbank
  assets 20% of assets, capital 4%, zero recovery, one random initial default), beside the
  analytic window. ``--seeds`` is the number of trials per average degree (one fresh network and
  one random initial default each; trial ``t`` at grid point ``i`` uses the seed ``[seed, i]``).
* Cont-Schaanning fire sales on the EBA 2018 banks (the open INET model's 63 runs) under the
  current rules and the rules of its published figures, compared with the open model's outputs
  (``tests/data/eba_inet_reference.csv``, if present) and with its published figures.

Writes tidy Parquet tables and PNG figures to ``--out`` and prints a summary. The default run
takes a few seconds to a minute; ``--quick`` (fewer z values and trials) a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion import validation as v
from aicontagion.runs.executors import map_tasks

REFERENCE_CSV = Path(__file__).resolve().parents[1] / "tests" / "data" / "eba_inet_reference.csv"
EXPERIMENTS = {
    "price_impact": ("price_impact", "Price impact (%)"),
    "shock": ("shock", "Initial shock to government bonds (%)"),
    "cont_schaanning": ("shock", "Initial shock to government bonds (%)"),
}


# ----------------------------------------------------------------------------- computations


def run_eba() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both conventions of the 63-run sweep, and the comparison with the reference and the figures."""
    runs = pd.concat([v.eba_sweep("current"), v.eba_sweep("published_2019")], ignore_index=True)
    published = v.eba_published_frame()
    key = ["experiment", "rule", "price_impact", "shock"]
    cmp = runs.merge(published, on=key, how="left")
    cmp.loc[cmp["convention"] != "published_2019", ["published_defaults", "published_sold_fraction"]] = np.nan
    if REFERENCE_CSV.exists():
        ref = pd.read_csv(REFERENCE_CSV, comment="#")[key[1:] + ["convention", "defaults", "sold_fraction"]]
        ref = ref.rename(columns={"defaults": "reference_defaults", "sold_fraction": "reference_sold_fraction"})
        for c in ("price_impact", "shock"):
            ref[c] = ref[c].round(9)
            cmp[c] = cmp[c].round(9)
        cmp = cmp.merge(ref, on=key[1:] + ["convention"], how="left")
    return runs, cmp


def run_gk(
    z_values: np.ndarray, trials: int, n: int, seed: int, processes: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tasks = [(float(z), i, trials, n, seed) for i, z in enumerate(z_values)]
    executor = "processes" if processes > 1 else "serial"
    parts = map_tasks(v.gk_point, tasks, executor=executor, workers=processes)
    trials_frame = pd.concat(parts, ignore_index=True)  # equal to v.gk_simulate(z_values, trials, n, seed=seed)
    summary = v.gk_summary(trials_frame)
    windows = pd.DataFrame(
        [(ties, *v.gk_window(ties=ties)) for ties in ("solvent", "default")], columns=["ties", "z_low", "z_high"]
    )
    summary = summary.merge(windows, on="ties")
    summary["in_analytic_window"] = (summary["z"] > summary["z_low"]) & (summary["z"] < summary["z_high"])
    return trials_frame, summary, windows


# ----------------------------------------------------------------------------- figures


def plot_gk(summary: pd.DataFrame, windows: pd.DataFrame, n: int, trials: int):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
    styles = {
        "solvent": ("C0", "losses > capital (project rule)"),
        "default": ("C3", "losses >= capital (GK: solvent iff net worth > 0)"),
    }
    for ties, (color, label) in styles.items():
        s = summary[summary["ties"] == ties]
        w = windows.set_index("ties").loc[ties]
        axes[0].plot(s["z"], s["p_contagion"], "o-", ms=3, color=color, label=label)
        axes[1].plot(s["z"], s["extent"], "o-", ms=3, color=color, label=label)
        for ax in axes:
            ax.axvspan(w["z_low"], w["z_high"], color=color, alpha=0.08)
            ax.axvline(w["z_low"], color=color, ls=":", lw=0.8)
            ax.axvline(w["z_high"], color=color, ls=":", lw=0.8)
    axes[0].set_ylabel("probability of contagion (> 5% default)")
    axes[1].set_ylabel("extent of contagion, given contagion")
    for ax in axes:
        ax.set_xlabel("average degree z")
        ax.set_ylim(-0.02, 1.05)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper right", fontsize=8)
    fig.suptitle(
        f"Gai-Kapadia (2010) benchmark: N={n}, {trials} trials per z, capital 4%, interbank 20%, zero recovery; "
        "shaded: analytic windows",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def plot_eba(cmp: pd.DataFrame):
    """Rows: defaults, share sold; columns: the three experiments of the open model."""
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5))
    for col, (exp, (xname, xlabel)) in enumerate(EXPERIMENTS.items()):
        for conv, color, label in (
            ("current", "C0", "this project, current rules"),
            ("published_2019", "C1", "this project, rules of the published figures"),
        ):
            s = cmp[(cmp["experiment"] == exp) & (cmp["convention"] == conv)]
            x = 100 * s[xname]
            axes[0, col].plot(x, s["defaults"], "-", color=color, label=label)
            axes[1, col].plot(x, 100 * s["sold_fraction"], "-", color=color, label=label)
            if "reference_defaults" in s and conv == "current":
                axes[0, col].plot(x, s["reference_defaults"], "x", color="k", ms=5, label="open INET model (run here)")
                axes[1, col].plot(x, 100 * s["reference_sold_fraction"], "x", color="k", ms=5)
            if conv == "published_2019":
                axes[0, col].plot(
                    x,
                    s["published_defaults"].astype(float),
                    "o",
                    mfc="none",
                    color="C3",
                    ms=6,
                    label="published figure (digitised)",
                )
                axes[1, col].plot(x, 100 * s["published_sold_fraction"], "o", mfc="none", color="C3", ms=6)
        title = {
            "price_impact": "1. price impact (shock 20%, threshold)",
            "shock": "2. shock (impact 1%, threshold)",
            "cont_schaanning": "3. shock (impact 1%, leverage targeting)",
        }[exp]
        axes[0, col].set_title(title, fontsize=10)
        axes[1, col].set_xlabel(xlabel)
    axes[0, 0].set_ylabel("banks defaulted (of 48)")
    axes[1, 0].set_ylabel("tradable assets sold (% of units)")
    axes[0, 0].legend(fontsize=8, loc="lower right")
    for ax in axes.ravel():
        ax.grid(alpha=0.3)
    fig.suptitle("Cont-Schaanning fire sales on the EBA 2018 banks (open INET model rules, 6 rounds)", fontsize=11)
    fig.tight_layout()
    return fig


def plot_rules(runs: pd.DataFrame):
    """The Cont-Schaanning comparison: threshold vs leverage targeting against the shock."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    cur = runs[runs["convention"] == "current"]
    for exp, label in (("shock", "threshold (buffer 4%)"), ("cont_schaanning", "leverage targeting")):
        s = cur[cur["experiment"] == exp]
        axes[0].plot(100 * s["shock"], s["systemic_risk"], "o-", ms=3, label=label)
        axes[1].plot(100 * s["shock"], 100 * s["sold_fraction"], "o-", ms=3, label=label)
    axes[0].set_ylabel("systemic risk (share defaulted, 0 if < 5%)")
    axes[1].set_ylabel("tradable assets sold (% of units)")
    for ax in axes:
        ax.set_xlabel("initial shock to government bonds (%)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Threshold model vs leverage targeting (price impact 1%, current rules)", fontsize=10)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- summary


def eba_agreement(cmp: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for conv, g in cmp.groupby("convention"):
        row = {"convention": conv, "runs": len(g)}
        if "reference_defaults" in g:
            row["defaults = open model"] = f"{int((g['defaults'] == g['reference_defaults']).sum())}/{len(g)}"
            row["max |sold - open model|"] = float((g["sold_fraction"] - g["reference_sold_fraction"]).abs().max())
        pub = g.dropna(subset=["published_defaults"])
        if len(pub):
            row["defaults = figure"] = f"{int((pub['defaults'] == pub['published_defaults']).sum())}/{len(pub)}"
            ps = g.dropna(subset=["published_sold_fraction"])
            gap = (ps["sold_fraction"] - ps["published_sold_fraction"]).abs().max()
            row["max |sold - figure| (pts)"] = float(100 * gap)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer z values and trials (a few seconds)")
    ap.add_argument("--out", default="results/validation", help="output directory")
    ap.add_argument("--seeds", type=int, default=None, help="GK trials per average degree (default 100; quick 20)")
    ap.add_argument("--seed", type=int, default=0, help="base seed of the GK Monte Carlo")
    ap.add_argument("--n", type=int, default=1000, help="GK network size")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2, quick 1)")
    args = ap.parse_args(argv)
    if args.seeds is not None and args.seeds < 1:
        ap.error("--seeds must be at least 1")
    processes = args.processes or (1 if args.quick else 2)
    if processes < 1:
        ap.error("--processes must be at least 1")
    trials = args.seeds or (20 if args.quick else 100)
    z_values = np.r_[0.5, np.arange(1.0, 12.01, 1.0)] if args.quick else np.arange(0.5, 12.01, 0.25)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    examples = v.classic_examples()
    runs, cmp = run_eba()
    gk_trials, gk_sum, windows = run_gk(z_values, trials, args.n, args.seed, processes)

    examples.to_parquet(out / "examples.parquet", index=False)
    runs.to_parquet(out / "eba_runs.parquet", index=False)
    cmp.to_parquet(out / "eba_comparison.parquet", index=False)
    gk_trials.to_parquet(out / "gk_trials.parquet", index=False)
    gk_sum.to_parquet(out / "gk_summary.parquet", index=False)
    for name, fig in (
        ("gk_window.png", plot_gk(gk_sum, windows, args.n, trials)),
        ("eba_experiments.png", plot_eba(cmp)),
        ("eba_rules.png", plot_rules(runs)),
    ):
        fig.savefig(out / name, dpi=120)
        plt.close(fig)

    pd.set_option("display.width", 160)
    print("Clearing worked examples (published vs computed)")
    print(examples.to_string(index=False, float_format=lambda x: f"{x:.7f}"))
    print("\nEBA 2018 fire sales: agreement with the open INET model and its published figures")
    print(eba_agreement(cmp).to_string(index=False))
    cur = runs[runs["convention"] == "current"]
    pick = cur[np.isclose(cur["price_impact"] * 100 % 2.5, 0) | (cur["experiment"] != "price_impact")]
    pick = pick[(pick["experiment"] == "price_impact") | np.isclose(pick["shock"] * 100 % 7.5, 0)]
    print("\nEBA 2018, current rules (selected runs)")
    print(
        pick[["experiment", "rule", "price_impact", "shock", "defaults", "sold_fraction", "systemic_risk"]].to_string(
            index=False, float_format=lambda x: f"{x:.3f}"
        )
    )
    print(f"\nGai-Kapadia benchmark: N={args.n}, {trials} trials per z")
    print(windows.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    table = gk_sum.pivot(index="z", columns="ties", values=["p_contagion", "extent"])
    table = table[np.isclose(table.index % 1.0, 0)]
    print(table.to_string(float_format=lambda x: f"{x:.2f}"))
    print(f"\nwrote {out}/ in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
