"""Stress tests: the seed analysis's two scenarios (slow productivity, productivity disproven) against base.

    python experiments/stress_tests.py [--quick] [--seeds 12] [--months 240] [--out results/stress_tests]

Runs ai_2025 under the base, slow and disproven AI-revenue paths on the same seeds (common random
numbers) and measures what SEED_NOTES section 4 describes in words: who defaults first (default
order by kind), who bears the loss (losses by holder kind), the price of SPV debt (the Hyperion
question: does the A+ bond decouple from its tenant?), and the losses of LPs (pensions, insurers,
ETF holders) and banks. Writes to --out:

* runs.parquet            one row per (setup, seed): the flattened summary (aicontagion.compare's columns)
* defaults.parquet        every default: setup, seed, step, date, institution, kind
* default_order.parquet   per setup and kind: share of runs with a default, first month, share first, rank
* losses_by_holder.parquet  setup, seed, holder, loss (USD bn, counted once at the final bearer)
* series.parquet          tidy monthly series: SPV debt price and spread, prices, losses; kind losses
* claims.parquet          the seed's claims next to what the model finds
* default_order.png, losses_by_holder.png, spv_bond_price.png, lp_bank_losses.png
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.results.style import KIND_COLOURS, PATH_COLOURS, caption, date_axis, legend_outside, seeds_text
from aicontagion.runs import experiment_kit as ex
from aicontagion.runs.montecarlo import SYSTEMIC_KINDS, crisis

PATHS = ("base", "slow", "disproven")
KINDS = ("ai_lab", "neocloud", "spv", "tech_giant", "chip_supplier", "private_credit_fund", "bank", "pension_lp")
HOLDERS = KINDS + ("outside_creditors",)
METRICS = (
    "spv_bond_price",
    "spv_spread",
    "neocloud_equity_index",
    "losses",
    "defaults",
    "sentiment",
    "price_tech_equity",
    "price_private_loans",
    "price_spv_bonds",
)
KIND_METRICS = ("losses",)


# ----------------------------------------------------------------------------- analysis
def defaults_table(runs: ex.Runs) -> pd.DataFrame:
    """Every default event: setup, seed, step, date, institution, kind."""
    ev = runs.events
    if ev.empty:
        return pd.DataFrame(columns=["setup", "seed", "step", "date", "institution", "kind"])
    d = ev[ev["event"] == "default"]
    return d[["setup", "seed", "step", "date", "institution", "kind"]].reset_index(drop=True)


def default_order(runs: ex.Runs, kinds=KINDS) -> pd.DataFrame:
    """Per setup and kind: share of runs with a default of that kind, mean defaults, first month
    (mean and median over the runs where it happened), share of runs in which the kind defaulted
    first (ties count for each kind) and its mean rank among the kinds that defaulted."""
    d = defaults_table(runs)
    first = d.groupby(["setup", "seed", "kind"], as_index=False)["step"].min()
    first["rank"] = first.groupby(["setup", "seed"])["step"].rank(method="min")
    rows = []
    for setup, g in runs.summary.groupby("setup", sort=False):
        n = len(g)
        for kind in kinds:
            f = first[(first["setup"] == setup) & (first["kind"] == kind)]
            count = d[(d["setup"] == setup) & (d["kind"] == kind)]
            rows.append(
                {
                    "setup": setup,
                    "kind": kind,
                    "runs": n,
                    "p_default": len(f) / n,
                    "defaults_mean": len(count) / n,
                    "first_month_mean": f["step"].mean() if len(f) else np.nan,
                    "first_month_median": f["step"].median() if len(f) else np.nan,
                    "p_first": (f["rank"] == 1).sum() / n,
                    "rank_mean": f["rank"].mean() if len(f) else np.nan,
                }
            )
    return pd.DataFrame(rows)


def losses_by_holder(runs: ex.Runs) -> pd.DataFrame:
    """Tidy final-bearer losses: setup, seed, holder, loss (USD bn)."""
    cols = [c for c in runs.summary.columns if c.startswith("losses_by_holder_kind.")]
    t = runs.summary.melt(id_vars=["setup", "seed"], value_vars=cols, var_name="holder", value_name="loss")
    t["holder"] = t["holder"].str.removeprefix("losses_by_holder_kind.")
    return t


def peak_loss(runs: ex.Runs, kind: str) -> pd.Series:
    """Per (setup, seed): the largest loss to date (marked to market) of a kind over the run."""
    return runs.wide("losses", level="kind", entity=kind).max().rename(f"{kind}_peak")


def _trough(runs: ex.Runs, metric: str) -> pd.Series:
    """Per (setup, seed): the lowest value of a system series."""
    return runs.wide(metric).min().rename(metric)


def _events_share(runs: ex.Runs, setup: str, events=("strategic_default", "non_renewal"), kind="tech_giant"):
    ev = runs.events
    n = (runs.summary["setup"] == setup).sum()
    if ev.empty:
        return 0.0, 0.0, np.nan
    e = ev[(ev["setup"] == setup) & ev["event"].isin(events) & (ev["kind"] == kind)]
    return e["seed"].nunique() / n, len(e) / n, e.groupby("seed")["step"].min().median()


def claims(runs: ex.Runs, order: pd.DataFrame) -> pd.DataFrame:
    """SEED_NOTES section 4's claims, each next to what the model finds (medians/means over seeds)."""
    s = runs.summary.assign(crisis=crisis(runs.summary))
    troughs = pd.concat(
        [_trough(runs, m) for m in ("spv_bond_price", "price_tech_equity", "price_private_loans")], axis=1
    )
    troughs = troughs.reset_index()
    o = order.set_index(["setup", "kind"])

    def g(setup):
        return s[s["setup"] == setup]

    def tr(setup, metric):
        return troughs.loc[troughs["setup"] == setup, metric].median()

    def first_kind(setup):
        x = o.loc[setup]["p_first"]
        return (x.idxmax(), x.max()) if x.max() > 0 else ("none", 0.0)

    def kind_line(setup, kind):
        r = o.loc[(setup, kind)]
        if r.p_default == 0:
            return f"no {kind} default in any run"
        return f"{kind} defaults in {r.p_default:.0%} of runs, first at month {r.first_month_median:.0f} (median)"

    def systemic(setup):
        cols = [c for c in (f"defaults_by_kind.{k}" for k in SYSTEMIC_KINDS) if c in g(setup)]
        return (g(setup)[cols].sum(axis=1) > 0).mean()

    rows = []

    def add(path, claim, finding, agrees):
        rows.append({"path": path, "claim (SEED_NOTES 4)": claim, "finding (model)": finding, "agrees": agrees})

    for path in ("slow", "disproven"):
        if path not in set(s["setup"]):
            continue
        k, p = first_kind(path)
        add(
            path,
            "neoclouds fall first",
            f"first to default: {k} in {p:.0%} of runs; " + kind_line(path, "neocloud"),
            "yes" if k == "neocloud" else "no",
        )
    if "slow" in set(s["setup"]):
        r = o.loc[("slow", "spv")]
        add(
            "slow",
            "SPVs face extension / refinancing risk",
            kind_line("slow", "spv") + f"; SPV debt trough {tr('slow', 'spv_bond_price'):.1f} per 100",
            "partly"
            if r.p_default == 0 and tr("slow", "spv_bond_price") < 95
            else ("yes" if r.p_default > 0 else "no"),
        )
        lp = g("slow")["losses_by_holder_kind.pension_lp"].mean()
        lp_peak = peak_loss(runs, "pension_lp").loc["slow"].median()
        pcf = g("slow")["own_losses_by_kind.private_credit_fund"].mean()
        add(
            "slow",
            "private-credit LPs take large losses",
            f"pensions/insurers/ETFs bear {lp:,.0f}bn at the end (mean), {lp_peak:,.0f}bn at the worst month (median);"
            f" private-credit funds' own losses {pcf:,.1f}bn",
            "yes" if lp > 50 else "partly" if lp_peak > 50 else "no",
        )
        add(
            "slow",
            "tech valuations fall",
            f"tech equity trough {tr('slow', 'price_tech_equity'):.2f} of its start",
            "yes" if tr("slow", "price_tech_equity") < 0.9 else "no",
        )
        add(
            "slow",
            "an expensive failure, but no systemic collapse",
            f"losses {g('slow')['total_loss'].mean():,.0f}bn ({g('slow')['system_loss_ratio'].mean():.1%} of assets);"
            f" bank/fund/pension default in {systemic('slow'):.0%} of runs; crisis in {g('slow')['crisis'].mean():.0%}",
            "yes" if systemic("slow") == 0 else "no",
        )
    if "disproven" in set(s["setup"]):
        p_runs, per_run, month = _events_share(runs, "disproven")
        add(
            "disproven",
            "a giant chooses a strategic default on its lease",
            f"tech giants walk away (strategic default or non-renewal) in {p_runs:.0%} of runs,"
            f" {per_run:.1f} contracts per run, first at month {month:.0f}",
            "yes" if p_runs > 0.5 else "no",
        )
        r = o.loc[("disproven", "spv")]
        add(
            "disproven",
            "the SPV is forced into restructuring",
            kind_line("disproven", "spv"),
            "yes" if r.p_default > 0.5 else "partly" if r.p_default > 0 else "no",
        )
        giants = g("disproven")["defaults_by_kind.tech_giant"].mean()
        add(
            "disproven",
            "the A+ SPV bond decouples from the giant's credit; its price collapses",
            f"SPV debt trough {tr('disproven', 'spv_bond_price'):.1f} per 100 (base"
            f" {tr('base', 'spv_bond_price'):.1f}) with {giants:.1f} tech-giant defaults per run",
            "yes" if tr("disproven", "spv_bond_price") < 80 and giants == 0 else "partly",
        )
        add(
            "disproven",
            "the private-credit infrastructure market could break",
            kind_line("disproven", "private_credit_fund")
            + f"; private-loan price trough {tr('disproven', 'price_private_loans'):.2f}",
            "yes" if o.loc[("disproven", "private_credit_fund")].p_default > 0 else "no",
        )
        add(
            "disproven",
            "a confidence crisis could follow",
            f"crisis (docs/model.md 8b) in {g('disproven')['crisis'].mean():.0%} of runs; losses"
            f" {g('disproven')['total_loss'].mean():,.0f}bn ({g('disproven')['system_loss_ratio'].mean():.1%}"
            f" of assets); tech equity trough {tr('disproven', 'price_tech_equity'):.2f}",
            "yes" if g("disproven")["crisis"].mean() > 0.5 else "no",
        )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- figures
def _dates(runs: ex.Runs) -> pd.Series:
    s = runs.series[["step", "date"]].drop_duplicates("step").set_index("step")["date"]
    return pd.to_datetime(s.astype(str))


def _what(runs: ex.Runs) -> str:
    return f"ai_2025, {seeds_text(runs.summary['seed'].unique())} per path"


def figure_default_order(runs: ex.Runs):
    d = defaults_table(runs)
    setups = list(dict.fromkeys(runs.summary["setup"]))
    fig, axes = plt.subplots(
        1, len(setups), figsize=(5 * len(setups), 4.0), sharex=True, sharey=True, layout="constrained"
    )
    axes = np.atleast_1d(axes)
    first = d.groupby(["setup", "seed", "kind"], as_index=False)["step"].min()
    months = int(runs.summary["months"].max())
    for ax, setup in zip(axes, setups, strict=True):
        f = first[first["setup"] == setup]
        for y, kind in enumerate(KINDS):
            x = f.loc[f["kind"] == kind, "step"].to_numpy()
            jitter = (np.random.default_rng(y).random(x.size) - 0.5) * 0.3
            ax.scatter(x, y + jitter, s=18, alpha=0.6, color=KIND_COLOURS.get(kind, "grey"))
        ax.set_yticks(range(len(KINDS)), KINDS, fontsize=8)
        ax.set_xlim(0, months)
        ax.set_title(f"{setup}: first default of each kind", fontsize=10)
        ax.set_xlabel("month of the run (one dot per seed)")
    axes[0].set_ylabel("institution kind")
    fig.suptitle(f"when each kind first defaults; {_what(runs)}", fontsize=10)
    return fig


def figure_losses(table: pd.DataFrame):
    seeds = seeds_text(table["seed"].unique())
    mean = table.groupby(["setup", "holder"], sort=False)["loss"].mean().unstack("holder").fillna(0.0)
    mean = mean[[h for h in HOLDERS if h in mean.columns and mean[h].abs().max() > 0.5]]
    fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
    bottom = np.zeros(len(mean))
    for h in mean.columns:
        ax.bar(mean.index, mean[h], bottom=bottom, label=h, color=KIND_COLOURS.get(h, KIND_COLOURS["outside"]))
        bottom += mean[h].to_numpy()
    ax.set_ylabel("losses at the end of the run (USD bn, mean over seeds)")
    ax.set_xlabel("productivity path")
    ax.set_title(f"who bears the loss (final bearers, counted once); ai_2025, {seeds} per path", fontsize=10)
    legend_outside(ax, title="holder kind")
    return fig


def _band_plot(ax, runs: ex.Runs, wide: pd.DataFrame, label_fmt="{setup}"):
    dates = _dates(runs)
    for setup in dict.fromkeys(wide.columns.get_level_values("setup")):
        b = ex.band(wide[setup])
        x = dates.reindex(b.index)
        c = PATH_COLOURS.get(setup)
        ax.plot(x, b["q50"], color=c, label=label_fmt.format(setup=setup))
        ax.fill_between(x, b["q10"], b["q90"], color=c, alpha=0.2, lw=0)
    date_axis(ax)


def figure_spv(runs: ex.Runs):
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    _band_plot(ax[0], runs, runs.wide("spv_bond_price"))
    ax[0].axhline(100, color="k", lw=0.5, ls="--")
    ax[0].set_title("SPV debt price (live debt)", fontsize=10)
    ax[0].set_ylabel("price (per 100 of face)")
    _band_plot(ax[1], runs, runs.wide("spv_spread") * 1e4)
    ax[1].set_title("SPV credit spread (issuers standing)", fontsize=10)
    ax[1].set_ylabel("spread (bp)")
    legend_outside(ax[1], title="path")
    fig.suptitle(f"SPV debt: median and 10-90% band; {_what(runs)}", fontsize=10)
    caption(fig, "The price is an index of live debt: it jumps back when a defaulted issuer's debt leaves it.")
    return fig


def figure_lp_bank(runs: ex.Runs):
    fig, ax = plt.subplots(1, 3, figsize=(17, 4.4), layout="constrained")
    for a, kind, title in zip(
        ax,
        ("pension_lp", "bank", "private_credit_fund"),
        ("pensions, insurers, ETF holders", "banks", "private-credit funds"),
        strict=True,
    ):
        _band_plot(a, runs, runs.wide("losses", level="kind", entity=kind))
        a.set_title(f"{title}", fontsize=10)
        a.set_ylabel("own losses, marked to market (USD bn, to date)")
    legend_outside(ax[-1], title="path")
    fig.suptitle(
        f"losses of pensions, banks and private-credit funds: median and 10-90% band; {_what(runs)}", fontsize=10
    )
    return fig


# ----------------------------------------------------------------------------- main
def run(seeds, months: int, processes: int = 1, paths=PATHS, progress: bool = False) -> ex.Runs:
    """The runs: every path on every seed (common random numbers)."""
    setups = {p: {"productivity": p} for p in paths}
    return ex.run_many(
        setups,
        seeds,
        processes=processes,
        metrics=METRICS,
        kind_metrics=KIND_METRICS,
        progress=progress,
        scenario="ai_2025",
        months=months,
    )


def summary_table(runs: ex.Runs, order: pd.DataFrame) -> pd.DataFrame:
    """One row per setup: defaults, first default, losses and their bearers (final and at the worst month),
    SPV debt trough, crisis share."""
    s = runs.summary.assign(crisis=crisis(runs.summary))
    spv = _trough(runs, "spv_bond_price").groupby(level="setup").median()
    lp_peak = peak_loss(runs, "pension_lp").groupby(level="setup").median()
    bank_peak = peak_loss(runs, "bank").groupby(level="setup").median()
    rows = []
    for setup, g in s.groupby("setup", sort=False):
        o = order[order["setup"] == setup].set_index("kind")
        first = o["p_first"].idxmax() if o["p_first"].max() > 0 else "none"
        rows.append(
            {
                "setup": setup,
                "runs": len(g),
                "first_default_month": g["months_to_first_default"].median(),
                "first_kind": first,
                "defaults": g["defaults"].mean(),
                "labs/neoclouds/spvs": "/".join(
                    f"{g[f'defaults_by_kind.{k}'].mean():.1f}" for k in ("ai_lab", "neocloud", "spv")
                ),
                "loss_bn": g["total_loss"].mean(),
                "loss_ratio": g["system_loss_ratio"].mean(),
                "lp_loss_bn": g["losses_by_holder_kind.pension_lp"].mean(),
                "lp_peak_bn": lp_peak.get(setup, np.nan),
                "bank_loss_bn": g["losses_by_holder_kind.bank"].mean(),
                "bank_peak_bn": bank_peak.get(setup, np.nan),
                "pcf_loss_bn": g["own_losses_by_kind.private_credit_fund"].mean(),
                "spv_trough": spv.get(setup, np.nan),
                "p_crisis": g["crisis"].mean(),
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "stress_tests", seeds=12, quick_seeds=2, months=240, quick_months=180)
    args = ex.options(ap, argv)
    out = args.out
    runs = run(args.seeds, args.months, args.processes, progress=not args.quick)
    order = default_order(runs)
    holders = losses_by_holder(runs)
    claim_table = claims(runs, order)
    ex.save(runs.summary, out / "runs.parquet")
    ex.save(defaults_table(runs), out / "defaults.parquet")
    ex.save(order, out / "default_order.parquet")
    ex.save(holders, out / "losses_by_holder.parquet")
    ex.save(runs.series.assign(date=runs.series["date"].astype(str)), out / "series.parquet")
    ex.save(claim_table, out / "claims.parquet")
    for name, fig in (
        ("default_order", figure_default_order(runs)),
        ("losses_by_holder", figure_losses(holders)),
        ("spv_bond_price", figure_spv(runs)),
        ("lp_bank_losses", figure_lp_bank(runs)),
    ):
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)

    ex.show(
        summary_table(runs, order),
        f"ai_2025, {len(args.seeds)} seeds, {args.months} months (means; medians for months and troughs)",
    )
    o = order[order["p_default"] > 0]
    ex.show(o.drop(columns="runs"), "default order by kind (kinds that defaulted)")
    ex.show(
        holders.groupby(["setup", "holder"], sort=False)["loss"]
        .mean()
        .unstack("setup")
        .loc[list(HOLDERS)]
        .reset_index(),
        "losses by holder kind (USD bn, mean)",
        digits=4,
    )
    ex.show(claim_table, "claims of the seed analysis (SEED_NOTES 4) and what the model finds", colwidth=150)
    print(f"\n{len(runs.summary)} runs in {ex.elapsed(args):.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
