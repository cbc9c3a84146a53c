"""What each contagion channel does: every channel switched off alone, against all channels on, on the same seeds.

    python experiments/channels.py [--quick] [--seeds 8] [--months 120] [--processes 2] [--out results/channels]

For each setup (ai_2025 under the *disproven* and *base* AI paths, and bank_2008) the script runs
all channels on and then each channel of :data:`aicontagion.core.channels.CHANNEL_NAMES` switched
off alone, every run on the same seeds and the same clock (common random numbers). Per seed it takes
the paired difference (channel off minus all on) of the headline outcomes, and reports the mean
and the 5-95% range of that difference over seeds: a channel whose switch moves nothing shows
``0`` (every paired difference below 1e-9 in absolute value), whatever the level of the outcome.

Writes to --out: runs.parquet (one row per setup, channel and seed: the flattened summary),
effects.parquet (tidy: setup, channel, outcome, on, mean, q05, q95, seeds), table.md (the README's
block ``results:channels``) and effects.png (the change in final-bearer losses with its range).
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import aicontagion as ac
from aicontagion.core.channels import CHANNEL_NAMES
from aicontagion.results.style import caption, seeds_text
from aicontagion.runs import experiment_kit as ex

SETUPS = {
    "ai_2025 disproven": {"scenario": "ai_2025", "productivity": "disproven"},
    "ai_2025 base": {"scenario": "ai_2025", "productivity": "base"},
    "bank_2008": {"scenario": "bank_2008"},
}
OUTCOMES = {
    "total_loss": "losses at final bearers (USD bn)",
    "defaults": "defaults",
    "losses_by_holder_kind.bank": "through banks (USD bn)",
    "losses_by_holder_kind.private_credit_fund": "through private-credit funds (USD bn)",
    "losses_by_holder_kind.pension_lp": "through pensions, insurers, ETFs (USD bn)",
}
ALL_ON = "all on"
ZERO = 1e-9
"""Changes below this (USD bn; rounding of sums in a different order) are shown as no change."""


def run(seeds: list[int], months: int, processes: int) -> pd.DataFrame:
    """Every setup with all channels on and with each channel off alone: one summary row per run."""
    frames = []
    for name, kwargs in SETUPS.items():
        setups = {ALL_ON: dict(kwargs)} | {ch: kwargs | {"channels": {ch: False}} for ch in CHANNEL_NAMES}
        t = ac.compare(setups, seeds=seeds, months=months, processes=processes, keep_series=False).summaries
        frames.append(t.rename(columns={"setup": "channel"}).assign(setup=name))
    return pd.concat(frames, ignore_index=True)


def effects(runs: pd.DataFrame) -> pd.DataFrame:
    """Paired differences (channel off minus all on, same seed) per setup, channel and outcome."""
    rows = []
    for setup, g in runs.groupby("setup", sort=False):
        on = g[g["channel"] == ALL_ON].set_index("seed")
        for channel, h in g[g["channel"] != ALL_ON].groupby("channel", sort=False):
            h = h.set_index("seed").loc[on.index]
            for col in OUTCOMES:
                if col not in g:
                    continue
                d = (h[col].fillna(0.0) - on[col].fillna(0.0)).to_numpy(float)
                rows.append(
                    {
                        "setup": setup,
                        "channel": channel,
                        "outcome": col,
                        "on": float(on[col].fillna(0.0).mean()),
                        "mean": float(d.mean()),
                        "q05": float(np.quantile(d, 0.05)),
                        "q95": float(np.quantile(d, 0.95)),
                        "seeds": int(d.size),
                    }
                )
    return pd.DataFrame(rows)


def _fmt(v: float) -> str:
    if abs(v) < 1:
        return f"{v:+.2g}"
    return f"{v:+,.1f}" if abs(v) < 100 else f"{v:+,.0f}"


def _cell(e: pd.DataFrame, setup: str, channel: str, outcome: str) -> str:
    r = e[(e.setup == setup) & (e.channel == channel) & (e.outcome == outcome)]
    if r.empty:
        return "-"
    r = r.iloc[0]
    if max(abs(r["mean"]), abs(r["q05"]), abs(r["q95"])) < ZERO:
        return "0"
    return f"{_fmt(r['mean'])} [{_fmt(r['q05'])}, {_fmt(r['q95'])}]"


def table(e: pd.DataFrame, seeds: int, months: int) -> str:
    """The README block: per setup, the level with all channels on and each channel's effect."""
    out = [
        f"`experiments/channels.py` ({seeds} seeds, {months} months): each channel switched off alone, "
        "change against all channels on, same seeds and clock; mean [5%, 95%] over seeds of the paired "
        "difference; `0`: no change on any seed (below 1e-9).",
        "",
    ]
    cols = list(OUTCOMES)
    for setup in dict.fromkeys(e["setup"]):
        levels = e[(e.setup == setup)].groupby("outcome")["on"].first()
        out += [
            f"**{setup}** (all on: "
            + ", ".join(f"{OUTCOMES[c].split(' (')[0]} {levels.get(c, float('nan')):,.1f}" for c in cols)
            + "):",
            "",
            "| channel off | " + " | ".join(OUTCOMES[c] for c in cols) + " |",
            "|---" * (len(cols) + 1) + "|",
        ]
        for ch in dict.fromkeys(e.loc[e.setup == setup, "channel"]):
            out.append(f"| {ch} | " + " | ".join(_cell(e, setup, ch, c) for c in cols) + " |")
        out.append("")
    return "\n".join(out)


def figure(e: pd.DataFrame, seeds: int, months: int, path) -> None:
    """Change in final-bearer losses per channel switched off, one panel per setup (own x-scale)."""
    setups = list(dict.fromkeys(e["setup"]))
    fig, axes = plt.subplots(1, len(setups), figsize=(4.2 * len(setups), 4.2), sharey=True)
    for ax, setup in zip(np.atleast_1d(axes), setups, strict=True):
        d = e[(e.setup == setup) & (e.outcome == "total_loss")]
        y = np.arange(len(d))
        ax.barh(y, d["mean"], color="#4c72b0", alpha=0.8)
        ax.errorbar(d["mean"], y, xerr=[d["mean"] - d["q05"], d["q95"] - d["mean"]], fmt="none", ecolor="k", lw=1)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks(y, d["channel"])
        ax.set_title(setup, fontsize=10)
        ax.set_xlabel("change in final-bearer losses (USD bn)")
    fig.suptitle("Each contagion channel switched off alone (change against all on)")
    caption(fig, f"{seeds_text(seeds)}, {months} months; bars: mean of paired differences, whiskers 5-95% over seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "channels", seeds=8, quick_seeds=2, months=120, quick_months=12)
    args = ex.options(ap, argv)
    runs = run(args.seeds, args.months, args.processes)
    e = effects(runs)
    prov = {"seeds": args.seeds, "months": args.months, "channels": list(CHANNEL_NAMES)}
    ex.save(runs, args.out / "runs.parquet", prov)
    ex.save(e, args.out / "effects.parquet", prov)
    text = table(e, len(args.seeds), args.months)
    (args.out / "table.md").write_text(text)
    figure(e, len(args.seeds), args.months, args.out / "effects.png")
    print(text)
    print(f"wrote {args.out} in {ex.elapsed(args):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
