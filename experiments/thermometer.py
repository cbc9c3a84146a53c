"""The risk thermometer: the five indicators of SEED_NOTES section 7 over time, for each productivity path.

    python experiments/thermometer.py [--quick] [--seeds 8] [--months 240] [--out results/thermometer]

Runs ai_2025 under the four AI-productivity paths (fast, base, slow, disproven) on the same seeds
and records the thermometer's reporters (aicontagion.results.metrics.THERMOMETER; docs/model.md 7.19):

1. speed of AI productivity: AI revenue / hurdle, its growth year on year;
2. neoclouds: equity (1 = start), credit spread;
3. SPV debt: price per 100 of face, spread;
4. long-contract quality: take-or-pay share, customer concentration, months left;
5. power and hardware: utilisation of installed compute, power pipeline.

Writes to --out: thermometer.parquet (tidy: path, seed, step, date, indicator, metric, value),
signals.parquet (per run and indicator: the first month a warning threshold is crossed, beside the
first default), thermometer.png (the five indicators, one panel each, the four paths in each:
median and 10-90% band over seeds) and thermometer_detail.png (every reporter).
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.results.metrics import THERMOMETER
from aicontagion.results.style import PATH_COLOURS, caption, date_axis, legend_outside, seeds_text, unit
from aicontagion.runs import experiment_kit as ex

PATHS = ("fast", "base", "slow", "disproven")
# indicator -> its reporters (the first is the indicator's headline, as in plotting.plot_thermometer)
INDICATORS = {
    "1. AI productivity": ("ai_revenue_to_hurdle", "ai_revenue_growth"),
    "2. neoclouds": ("neocloud_equity_index", "neocloud_spread"),
    "3. SPV debt": ("spv_bond_price", "spv_spread"),
    "4. contract quality": ("take_or_pay_share", "customer_concentration", "contract_months_left"),
    "5. power and hardware": ("utilisation", "pipeline_share"),
}
LABELS = {
    "ai_revenue_to_hurdle": "AI revenue / hurdle",
    "ai_revenue_growth": "AI revenue growth (yoy)",
    "neocloud_equity_index": "neocloud equity (1 = start)",
    "neocloud_spread": "neocloud spread",
    "spv_bond_price": "SPV debt price (live debt, per 100)",
    "spv_spread": "SPV spread",
    "take_or_pay_share": "take-or-pay share",
    "customer_concentration": "customer concentration (HHI)",
    "contract_months_left": "contract months left",
    "utilisation": "compute utilisation",
    "pipeline_share": "power pipeline / capacity",
}
# warning thresholds, one per indicator (all assumed): the first month each is crossed is a "signal"
SIGNALS = {
    "1. AI productivity": ("AI revenue growth < 15%/yr while below the hurdle", None),
    "2. neoclouds": ("neocloud spread >= 8%", lambda w: w["neocloud_spread"] >= 0.08),
    "3. SPV debt": ("SPV debt price < 95", lambda w: w["spv_bond_price"] < 95),
    "4. contract quality": ("customer concentration >= 0.9", lambda w: w["customer_concentration"] >= 0.9),
    "5. power and hardware": ("utilisation < 70%", lambda w: w["utilisation"] < 0.7),
}
SIGNALS["1. AI productivity"] = (
    SIGNALS["1. AI productivity"][0],
    lambda w: (w["ai_revenue_growth"] < 0.15) & (w["ai_revenue_to_hurdle"] < 1.0),
)
INDICATOR_OF = {m: ind for ind, ms in INDICATORS.items() for m in ms}
assert set(INDICATOR_OF) == set(THERMOMETER), "every thermometer reporter belongs to one indicator"


def run(seeds, months: int, processes: int = 1, paths=PATHS, progress: bool = False) -> ex.Runs:
    return ex.run_many(
        {p: {"productivity": p} for p in paths},
        seeds,
        processes=processes,
        metrics=THERMOMETER + ("defaults",),
        progress=progress,
        scenario="ai_2025",
        months=months,
    )


def tidy(runs: ex.Runs) -> pd.DataFrame:
    """The thermometer series: path, seed, step, date, indicator, metric, value."""
    s = runs.series[runs.series["metric"].isin(THERMOMETER)]
    out = s.rename(columns={"setup": "path"})[["path", "seed", "step", "date", "metric", "value"]].copy()
    out["date"] = out["date"].astype(str)
    out.insert(4, "indicator", out["metric"].map(INDICATOR_OF))
    return out.reset_index(drop=True)


def signals(runs: ex.Runs) -> pd.DataFrame:
    """Per run and indicator: the first month its warning threshold is crossed (NaN: never), the
    first default, and whether the signal came first."""
    s = runs.series
    rows = []
    first_default = runs.summary.set_index(["setup", "seed"])["months_to_first_default"]
    for (path, seed), g in s.groupby(["setup", "seed"], sort=False):
        w = g.pivot(index="step", columns="metric", values="value")
        d = first_default.loc[(path, seed)]
        for ind, (rule, test) in SIGNALS.items():
            hit = w.index[test(w).fillna(False).to_numpy()]
            m = float(hit.min()) if len(hit) else np.nan
            rows.append(
                {
                    "path": path,
                    "seed": seed,
                    "indicator": ind,
                    "rule": rule,
                    "signal_month": m,
                    "first_default": d,
                    "lead_months": d - m if np.isfinite(m) and np.isfinite(d) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _dates(series: pd.DataFrame) -> pd.Series:
    s = series[["step", "date"]].drop_duplicates("step").set_index("step")["date"]
    return pd.to_datetime(s.astype(str))


def _panel(ax, runs: ex.Runs, metric: str, dates: pd.Series):
    wide = runs.wide(metric)
    for path in dict.fromkeys(wide.columns.get_level_values("setup")):
        b = ex.band(wide[path])
        x = dates.reindex(b.index)
        ax.plot(x, b["q50"], color=PATH_COLOURS.get(path), label=path, lw=1.2)
        ax.fill_between(x, b["q10"], b["q90"], color=PATH_COLOURS.get(path), alpha=0.2, lw=0)
    ax.set_title(LABELS.get(metric, metric), fontsize=9)
    ax.set_ylabel(unit(metric), fontsize=8)
    ax.tick_params(labelsize=7)
    date_axis(ax)
    ax.xaxis.label.set_fontsize(8)


def _what(runs: ex.Runs) -> str:
    months = int(runs.summary["months"].max())
    return f"ai_2025, {seeds_text(runs.summary['seed'].unique())} per path, {months} months"


NOTE = (
    "Bands: 10-90% over seeds, lines: medians. The SPV debt price is an index of live debt: it jumps back "
    "when a defaulted issuer's debt leaves it."
)


def figure(runs: ex.Runs):
    """The five indicators, one panel each (the headline reporter), the paths in each panel."""
    dates = _dates(runs.series)
    fig, axes = plt.subplots(1, 5, figsize=(21, 4.2), layout="constrained")
    for ax, (ind, metrics) in zip(axes, INDICATORS.items(), strict=True):
        _panel(ax, runs, metrics[0], dates)
        ax.set_title(f"{ind}\n{LABELS[metrics[0]]}", fontsize=9)
    axes[0].axhline(1.0, color="k", lw=0.6, ls="--")
    axes[2].axhline(100, color="k", lw=0.6, ls="--")
    legend_outside(axes[-1], title="path")
    fig.suptitle(f"risk thermometer (SEED_NOTES 7): median and 10-90% band; {_what(runs)}", fontsize=10)
    caption(fig, NOTE)
    return fig


def figure_detail(runs: ex.Runs):
    """Every reporter: one column per indicator, its reporters down the column."""
    dates = _dates(runs.series)
    rows = max(len(m) for m in INDICATORS.values())
    fig, axes = plt.subplots(rows, 5, figsize=(21, 3.2 * rows), sharex=True, layout="constrained")
    for j, (ind, metrics) in enumerate(INDICATORS.items()):
        for i in range(rows):
            ax = axes[i, j]
            if i < len(metrics):
                _panel(ax, runs, metrics[i], dates)
                if i == 0:
                    ax.set_title(f"{ind}\n{LABELS[metrics[0]]}", fontsize=9)
            else:
                ax.axis("off")
    legend_outside(axes[0, -1], title="path")
    fig.suptitle(f"every thermometer reporter: median and 10-90% band; {_what(runs)}", fontsize=10)
    caption(fig, NOTE)
    return fig


def snapshot(table: pd.DataFrame, years=(1, 3, 5, 10, 20)) -> pd.DataFrame:
    """Headline reporters at a few horizons: median over seeds, one row per path and metric."""
    heads = [m[0] for m in INDICATORS.values()]
    t = table[table["metric"].isin(heads)]
    steps = [12 * y for y in years if 12 * y <= t["step"].max()]
    t = t[t["step"].isin(steps)]
    out = t.groupby(["metric", "path", "step"], sort=False)["value"].median().unstack("step")
    out.columns = [f"year {s // 12}" for s in out.columns]
    out = out.reset_index()
    out["metric"] = pd.Categorical(out["metric"], heads)
    out["path"] = pd.Categorical(out["path"], PATHS)
    return out.sort_values(["metric", "path"]).reset_index(drop=True)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "thermometer", seeds=8, quick_seeds=2, months=240, quick_months=120)
    args = ex.options(ap, argv)
    out = args.out
    runs = run(args.seeds, args.months, args.processes, progress=not args.quick)
    table = tidy(runs)
    sig = signals(runs)
    ex.save(table, out / "thermometer.parquet")
    ex.save(sig, out / "signals.parquet")
    for name, fig in (("thermometer", figure(runs)), ("thermometer_detail", figure_detail(runs))):
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)

    ex.show(snapshot(table), f"thermometer headline reporters (median over {len(args.seeds)} seeds)")
    lead = (
        sig.groupby(["indicator", "path"], sort=False)
        .agg(
            rule=("rule", "first"),
            signalled=("signal_month", lambda x: x.notna().mean()),
            signal_month=("signal_month", "median"),
            first_default=("first_default", "median"),
            signal_first=("lead_months", lambda x: (x > 0).mean()),
            lead_months=("lead_months", "median"),
        )
        .reset_index()
    )
    ex.show(
        lead,
        "warning signals (thresholds assumed): share of runs signalled, median month, lead over the first default",
        colwidth=50,
    )
    print(f"\n{len(runs.summary)} runs in {ex.elapsed(args):.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
