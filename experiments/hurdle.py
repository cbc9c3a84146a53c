"""The hurdle: how much AI revenue the build-out needs, and how long the system survives short of it.

    python experiments/hurdle.py [--quick] [--seeds 2] [--months 240] [--out results/hurdle]

1. The seed analysis's back-of-envelope (SEED_NOTES section 3, ``aicontagion.results.hurdle.hurdle``):
   capex x required ROI = EBITDA; / EBITDA margin = revenue; / US GDP = share of GDP, where the
   required ROI is the weighted cost of capital of the financing mix. Swept over the debt cost
   (5-12%), the equity share (10-50%) and the required equity return (10-30%).
2. Simulated survival time: ai_2025 under AI-revenue paths that level off at a multiple of the
   hurdle (the ``ceiling``, 0.2-2.0), at the base path's speed and at the slow path's speed, on
   the same seeds: months to the first default, to the first default outside the AI labs, and
   to losses of 5% of the system's assets.

Writes to --out: sweep.parquet (tidy: debt_cost, equity_share, equity_return, roi, ebitda, revenue,
share_of_gdp, cloud_industries), survival.parquet (one row per run), survival_summary.parquet
(per speed and ceiling), series.parquet (AI revenue / hurdle and losses by month), sweep.png,
survival.png.
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.results.hurdle import CLOUD_REVENUE_2025, SEED_DEBT_COST, US_GDP, hurdle
from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.montecarlo import CRISIS_LOSS_RATIO

DEBT_COSTS = np.round(np.arange(0.05, 0.1201, 0.005), 4)
EQUITY_SHARES = (0.1, 0.2, 0.3, 0.4, 0.5)
EQUITY_RETURNS = (0.1, 0.15, 0.2, 0.25, 0.3)
CEILINGS = (0.2, 0.35, 0.5, 0.65, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
QUICK_CEILINGS = (0.3, 0.6, 0.9, 1.2, 2.0)
# the speeds of the scenario's base and slow paths (ai_2025.yaml: midpoint 2026-07, steepness 0.03 / 0.02)
SPEEDS = {
    "base_speed": {"midpoint": "2026-07", "steepness": 0.03},
    "slow_speed": {"midpoint": "2026-07", "steepness": 0.02},
}


# ----------------------------------------------------------------------------- 1. the back-of-envelope
def sweep(
    debt_costs=DEBT_COSTS, equity_shares=EQUITY_SHARES, equity_returns=EQUITY_RETURNS, capex=3000.0, ebitda_margin=0.65
) -> pd.DataFrame:
    """The hurdle over a grid of financing mixes: one tidy row per (debt cost, equity share, equity return)."""
    d, s, r = (a.ravel() for a in np.meshgrid(debt_costs, equity_shares, equity_returns, indexing="ij"))
    h = hurdle(capex=capex, debt_cost=d, equity_share=s, equity_return=r, ebitda_margin=ebitda_margin)
    return pd.DataFrame(
        {"debt_cost": d, "equity_share": s, "equity_return": r}
        | {k: np.broadcast_to(v, d.shape) for k, v in h.as_dict().items() if k not in ("capex", "ebitda_margin")}
    ).assign(capex=capex, ebitda_margin=ebitda_margin)


def figure_sweep(table: pd.DataFrame):
    seed = hurdle()
    fig, ax = plt.subplots(1, 3, figsize=(16, 4.2))
    at = table[np.isclose(table["equity_return"], 0.2)]
    for s, g in at.groupby("equity_share"):
        ax[0].plot(g["debt_cost"] * 100, g["revenue"], label=f"equity {s:.0%}")
    ax[0].set_title("AI revenue needed (equity return 20%)", fontsize=10)
    at = table[np.isclose(table["equity_share"], 0.3)]
    for r, g in at.groupby("equity_return"):
        ax[1].plot(g["debt_cost"] * 100, g["revenue"], label=f"equity return {r:.0%}")
    ax[1].set_title("AI revenue needed (equity:debt = 3:7)", fontsize=10)
    for a in ax[:2]:
        a.scatter([SEED_DEBT_COST * 100], [seed.revenue], color="k", zorder=5, label=f"seed: {seed.revenue:.0f}")
        a.axhline(CLOUD_REVENUE_2025, color="grey", ls="--", lw=0.8, label="cloud industry 2025 (400)")
        a.set_xlabel("debt cost (%)")
        a.set_ylabel("USD bn / year")
        sec = a.secondary_yaxis("right", functions=(lambda v: v / US_GDP * 100, lambda v: v * US_GDP / 100))
        sec.set_ylabel("% of US GDP")
        a.legend(fontsize=7)
    grid = at.pivot(index="equity_return", columns="debt_cost", values="share_of_gdp") * 100
    im = ax[2].imshow(
        grid.values,
        origin="lower",
        aspect="auto",
        cmap="viridis",
        extent=(grid.columns.min() * 100, grid.columns.max() * 100, grid.index.min() * 100, grid.index.max() * 100),
    )
    ax[2].set_xlabel("debt cost (%)")
    ax[2].set_ylabel("equity return (%)")
    ax[2].set_title("share of US GDP (%), equity:debt = 3:7", fontsize=10)
    fig.colorbar(im, ax=ax[2])
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- 2. survival in the model
def setups(ceilings=CEILINGS, speeds=SPEEDS) -> dict[str, dict]:
    """One setup per (speed, ceiling): a logistic AI-revenue path leveling off at ``ceiling`` x hurdle."""
    return {
        f"{speed}|{c}": {"productivity": {"ceiling": c, "decline": 0.0} | shape}
        for speed, shape in speeds.items()
        for c in ceilings
    }


def survival(runs: ex.Runs, months: int) -> pd.DataFrame:
    """One row per run: months to the first default, to the first default outside the AI labs and to
    losses of ``CRISIS_LOSS_RATIO`` of the system's assets (censored at ``months``: NaN -> months)."""
    s = runs.summary
    out = s[["setup", "seed"]].copy()
    out[["speed", "ceiling"]] = out["setup"].str.split("|", expand=True)
    out["ceiling"] = out["ceiling"].astype(float)
    ev = runs.events
    d = ev[ev["event"] == "default"] if len(ev) else pd.DataFrame(columns=["setup", "seed", "step", "kind"])
    non_lab = d[d["kind"] != "ai_lab"].groupby(["setup", "seed"])["step"].min().rename("first_non_lab_default")
    losses = runs.series[runs.series["metric"] == "losses"].merge(s[["setup", "seed", "system_assets"]])
    hit = losses[losses["value"] >= CRISIS_LOSS_RATIO * losses["system_assets"]]
    crisis_loss = hit.groupby(["setup", "seed"])["step"].min().rename("loss_5pct")
    rev = runs.series[runs.series["metric"] == "ai_revenue_to_hurdle"]
    early = rev[(rev["step"] >= 1) & (rev["step"] <= 60)].groupby(["setup", "seed"])["value"].mean()
    out = out.join(non_lab, on=["setup", "seed"]).join(crisis_loss, on=["setup", "seed"])
    out = out.join(early.rename("revenue_to_hurdle_5y"), on=["setup", "seed"])
    out["first_default"] = s["months_to_first_default"].to_numpy()
    for c in ("first_default", "first_non_lab_default", "loss_5pct"):
        out[f"{c}_censored"] = out[c].isna()
        out[c] = out[c].fillna(months)
    out["defaults"] = s["defaults"].to_numpy()
    out["loss_ratio"] = s["system_loss_ratio"].to_numpy()
    return out


def survival_summary(table: pd.DataFrame) -> pd.DataFrame:
    g = table.groupby(["speed", "ceiling"], sort=True)
    return g.agg(
        runs=("seed", "size"),
        revenue_to_hurdle_5y=("revenue_to_hurdle_5y", "mean"),
        first_default=("first_default", "median"),
        first_non_lab_default=("first_non_lab_default", "median"),
        loss_5pct=("loss_5pct", "median"),
        defaults=("defaults", "mean"),
        loss_ratio=("loss_ratio", "mean"),
    ).reset_index()


def thresholds(summary: pd.DataFrame, months: int) -> pd.DataFrame:
    """Per speed: the lowest ceiling from which no run has any default, or a non-lab default, within the horizon."""
    rows = []
    for speed, g in summary.groupby("speed"):
        g = g.sort_values("ceiling")
        row = {"speed": speed}
        for col in ("first_default", "first_non_lab_default"):
            ok = g[col] >= months
            # the lowest ceiling above which every ceiling survives the horizon
            bad = g.loc[~ok, "ceiling"]
            above = g.loc[ok & (g["ceiling"] > (bad.max() if len(bad) else -np.inf)), "ceiling"]
            row[f"survives_{col}_from"] = above.min() if len(above) else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def figure_survival(summary: pd.DataFrame, months: int):
    fig, ax = plt.subplots(1, 2, figsize=(12, 4.2))
    styles = {"first_default": "-", "first_non_lab_default": "--", "loss_5pct": ":"}
    labels = {
        "first_default": "first default",
        "first_non_lab_default": "first default outside AI labs",
        "loss_5pct": "losses reach 5% of assets",
    }
    colours = {"base_speed": "#1f77b4", "slow_speed": "#ff7f0e"}
    for speed, g in summary.groupby("speed"):
        for col, ls in styles.items():
            ax[0].plot(
                g["ceiling"], g[col], ls=ls, marker="o", ms=3, color=colours.get(speed), label=f"{speed}: {labels[col]}"
            )
        ax[1].plot(g["ceiling"], g["loss_ratio"] * 100, marker="o", ms=3, color=colours.get(speed), label=speed)
    ax[0].axhline(months, color="k", lw=0.5)
    ax[0].set_ylabel(f"months survived (median; {months} = whole horizon)")
    ax[0].set_title("survival time vs long-run AI revenue / hurdle", fontsize=10)
    ax[1].set_ylabel("final losses, % of system assets (mean)")
    ax[1].axhline(CRISIS_LOSS_RATIO * 100, color="k", lw=0.5, ls="--")
    ax[1].set_title("losses vs long-run AI revenue / hurdle", fontsize=10)
    for a in ax:
        a.axvline(1.0, color="grey", lw=0.8, ls="--")
        a.set_xlabel("AI revenue ceiling / hurdle (hurdle = 554 bn/yr)")
        a.legend(fontsize=7)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = ex.parser(__doc__, "hurdle", seeds=2, quick_seeds=1, months=240, quick_months=180)
    args = ex.options(ap, argv)
    out = args.out
    table = sweep()
    ex.save(table, out / "sweep.parquet")
    fig = figure_sweep(table)
    fig.savefig(out / "sweep.png", dpi=110)
    plt.close(fig)

    speeds = {"base_speed": SPEEDS["base_speed"]} if args.quick else SPEEDS
    runs = ex.run_many(
        setups(QUICK_CEILINGS if args.quick else CEILINGS, speeds),
        args.seeds,
        processes=args.processes,
        metrics=("losses", "ai_revenue_to_hurdle"),
        progress=not args.quick,
        scenario="ai_2025",
        months=args.months,
    )
    surv = survival(runs, args.months)
    summ = survival_summary(surv)
    ex.save(surv, out / "survival.parquet")
    ex.save(summ, out / "survival_summary.parquet")
    ex.save(runs.series.assign(date=runs.series["date"].astype(str)), out / "series.parquet")
    fig = figure_survival(summ, args.months)
    fig.savefig(out / "survival.png", dpi=110)
    plt.close(fig)

    seed = hurdle()
    print(
        f"seed (SEED_NOTES 3): capex 3,000 x ROI {seed.roi:.0%} = EBITDA {seed.ebitda:.0f}; / margin 65% ="
        f" revenue {seed.revenue:.0f} bn/yr = {seed.share_of_gdp:.2%} of US GDP = {seed.cloud_industries:.2f}"
        f" cloud industries (debt cost {SEED_DEBT_COST:.1%}, equity 30% at 20%)"
    )
    pick = table[
        np.isclose(table["equity_share"], 0.3)
        & table["debt_cost"].round(4).isin([0.06, 0.07, 0.08, 0.09])
        & table["equity_return"].isin([0.15, 0.2, 0.25])
    ]
    ex.show(
        pick[["debt_cost", "equity_return", "roi", "ebitda", "revenue", "share_of_gdp", "cloud_industries"]],
        "the hurdle at equity:debt = 3:7 (USD bn/yr; share of GDP)",
    )
    lo, hi = table.loc[table["revenue"].idxmin()], table.loc[table["revenue"].idxmax()]
    print(
        f"over the whole grid: {lo.revenue:.0f} bn/yr ({lo.share_of_gdp:.1%} of GDP; debt {lo.debt_cost:.1%},"
        f" equity {lo.equity_share:.0%} at {lo.equity_return:.0%}) to {hi.revenue:.0f} bn/yr"
        f" ({hi.share_of_gdp:.1%}; debt {hi.debt_cost:.1%}, equity {hi.equity_share:.0%} at {hi.equity_return:.0%})"
    )
    ex.show(summ, f"simulated survival (months, median over {len(args.seeds)} seeds; {args.months} = survived)")
    ex.show(thresholds(summ, args.months), "lowest AI revenue ceiling / hurdle from which runs survive the horizon")
    print(f"\n{len(runs.summary)} runs in {ex.elapsed(args):.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
