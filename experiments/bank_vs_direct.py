"""2008-style bank contagion vs the AI direct-finance path: shocked minus unshocked runs, shocks of equal size.

    python experiments/bank_vs_direct.py [--quick] [--seeds N] [--months M] [--processes 2]
        [--capital-share 0.01] [--bank-share 0.05] [--out results/bank_vs_direct]

Each system is shocked once, in the seventh month of its own clock (2007-07; 2025-07; step 7), by
a permanent fall in one asset's price, of one of two **equal sizes**:

* ``capital``: the core asset (MBS; GPUs) falls so that its direct loss (the fall x the value at
  the start of everyone's holdings of it) is ``--capital-share`` of the system's capital (the
  equity at the start of all institutions but the government);
* ``bank_exposure``: the fall's loss on the bank sector's exposure to the shocked asset is
  ``--bank-share`` of the banks' equity. The exposure is the banks' own holdings of the asset
  plus, looking through one level, their drawn loans to non-banks in proportion to the asset's
  share of each borrower's assets. In ``ai_2025`` banks have no exposure to GPUs at the start
  (none held; their SPV loans fund buildings; CoreWeave's lines are undrawn), so on this basis
  the shocked asset is the AI-linked one banks hold: AI-linked public equity (``tech_equity``).

Every measure is a **counterfactual**: the shocked run minus the same setup without the shock
(``bank_2008`` without its scheduled MBS repricing; ``ai_2025`` has none), on the same seed, the
same horizon (``--months``, both systems) and the same clock: excess losses at the final bearers
(total, by holder kind, over system assets), excess defaults, months from the shock to the first
excess default and to 50% / 90% of the peak excess loss (on the running maximum of the monthly
excess: marks that recover do not move the timing). Rows: bank_2008; ai_2025 on its base and
disproven paths; disproven with each back-channel to banks switched off (private-credit funds'
bank credit lines, ``fund_leverage``; LP fire sales, ``lp_sales``). Means and 5-95% quantiles
over seeds (the spread over seeds). Writes Parquet tables (with provenance) and a figure.
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import aicontagion as ac
from aicontagion.core.kinds import Kind
from aicontagion.results.counterfactual import excess_rows, excess_series, over_seeds
from aicontagion.results.style import KIND_COLOURS, caption, legend_outside, seeds_text, setup_colours
from aicontagion.runs.experiment_kit import elapsed, options, parser, save, show
from aicontagion.scenarios.build import build_system

CORE_ASSET = {"bank_2008": "mbs", "ai_2025": "gpu"}
BANK_ASSET = {"ai_2025": "tech_equity"}
"""On the bank-exposure basis, the asset shocked where banks have no exposure to the core asset."""
SHOCK_STEP = 7
"""The step of the shock's month on each scenario's clock: the seventh month (2007-07; 2025-07);
step 0 is the state at the start, step 1 the first month."""
BASES = ("capital", "bank_exposure")
ROWS = {  # scenario/path rows of the comparison: Sim arguments (the shock is added per basis)
    "bank_2008": {"scenario": "bank_2008"},
    "ai_2025 base": {"scenario": "ai_2025", "productivity": "base"},
    "ai_2025 disproven": {"scenario": "ai_2025", "productivity": "disproven"},
    "ai_2025 disproven, fund_leverage off": {
        "scenario": "ai_2025",
        "productivity": "disproven",
        "channels": {"fund_leverage": False},
    },
    "ai_2025 disproven, lp_sales off": {
        "scenario": "ai_2025",
        "productivity": "disproven",
        "channels": {"lp_sales": False},
    },
}


# ---------------------------------------------------------------- equal sizes
def exposures(scenario: str, asset: str | None = None) -> dict:
    """At the start, for ``asset`` (default: the core asset): the value of all holdings of it, the
    banks' direct holdings, their look-through exposure via drawn loans to non-banks (and via
    undrawn committed lines), the system's capital and the banks' equity (USD bn)."""
    spec = ac.load_scenario(scenario)
    system = build_system(spec)
    a = list(spec.markets).index(asset or CORE_ASSET[scenario])
    books, c = system.books, system.contracts
    kind = np.asarray(system.kind)
    bank, gov = kind == int(Kind.BANK), kind == int(Kind.GOVERNMENT)
    held = books.holdings[:, a]  # units; every price is 1 at the start
    assets = books.assets(c, np.ones(books.holdings.shape[1]))
    share = np.divide(held, assets, out=np.zeros_like(held), where=assets > 0)
    n = c.size
    cred, obl = c.creditor[:n], c.obligor[:n]
    rows = np.flatnonzero(c.is_debt[:n] & c.active[:n] & (cred >= 0) & (obl >= 0))
    rows = rows[bank[cred[rows]] & ~bank[obl[rows]]]
    return {
        "held": float(held.sum()),
        "bank_direct": float(held[bank].sum()),
        "bank_look_through": float((c.principal[rows] * share[obl[rows]]).sum()),
        "bank_undrawn_look_through": float((np.maximum(c.limit[rows] - c.principal[rows], 0) * share[obl[rows]]).sum()),
        "capital": float(books.equity[~gov].sum()),
        "bank_equity": float(books.equity[bank].sum()),
    }


def shock_asset(scenario: str, basis: str) -> str:
    """The asset a shock of ``basis`` hits: the core asset, except on the bank-exposure basis in
    ``ai_2025``, where banks hold no GPUs and lend nothing against them at the start (see
    :func:`exposures`): there the AI-linked asset banks do hold, AI-linked public equity."""
    return BANK_ASSET.get(scenario, CORE_ASSET[scenario]) if basis == "bank_exposure" else CORE_ASSET[scenario]


def equal_size_fall(scenario: str, size: float, basis: str) -> dict:
    """The fall of equal ``size`` on ``basis`` (``capital`` or ``bank_exposure``) of the asset
    :func:`shock_asset` names, with the loss it costs on that basis (the target, unless the fall
    is capped at 95%) and the exposures it was sized on (USD bn at the start)."""
    if basis not in BASES:
        raise ValueError(f"unknown basis {basis!r} (capital, bank_exposure)")
    asset = shock_asset(scenario, basis)
    x = exposures(scenario, asset)
    if basis == "capital":
        target, base = size * x["capital"], x["held"]
    else:
        target, base = size * x["bank_equity"], x["bank_direct"] + x["bank_look_through"]
    fall = float(np.clip(target / base, 0.0, 0.95)) if base > 0 else 0.95
    core = exposures(scenario) if asset != CORE_ASSET[scenario] else x
    return {
        "scenario": scenario,
        "basis": basis,
        "size": size,
        "asset": asset,
        "fall": fall,
        "target": target,
        "loss": fall * base,
        "direct_loss": fall * x["held"],
        "bank_direct_loss": fall * x["bank_direct"],
        **{f"exposure.{k}": v for k, v in x.items()},
        "core_asset_bank_exposure": core["bank_direct"] + core["bank_look_through"],
    }


def shocked(scenario: str, fall: float, months: int, at: int = SHOCK_STEP, asset: str | None = None) -> dict:
    """``Sim`` arguments: ``asset``'s (default: the core asset's) only scheduled shock, a permanent
    ``fall`` in month ``at``; the core asset's scheduled shocks are removed (``fall=0``: no shock
    at all; bank_2008 without its scheduled MBS repricing)."""
    spec = ac.load_scenario(scenario)
    year, month = int(spec.start[:4]), int(spec.start[5:7])
    y, m = divmod(month - 2 + at, 12)
    asset = asset or CORE_ASSET[scenario]
    kw = {"scenario": scenario, "months": months, f"markets__{CORE_ASSET[scenario]}__shocks": []}
    if fall > 0:
        kw[f"markets__{asset}__shocks"] = [{"at": f"{year + y}-{m + 1:02d}", "fall": fall}]
    if scenario == "ai_2025":
        kw["productivity"] = "base"
    return kw


def shock_fall(scenario: str, size: float) -> float:
    """The older sizing (notebook 03): the fall whose direct loss is ``size`` x the banks' equity."""
    x = exposures(scenario)
    return float(np.clip(size * x["bank_equity"] / x["held"], 0.0, 0.95))


def channels_off(fund_leverage: bool, lp_sales: bool) -> dict:
    """``Sim`` arguments switching the two back-channels to banks off (False) or leaving them on."""
    return {"channels": {"fund_leverage": fund_leverage, "lp_sales": lp_sales}}


def setups(falls: pd.DataFrame, months: int) -> tuple[dict, dict]:
    """Every run (``name -> Sim arguments``) and the comparisons (``row | basis -> (shocked, unshocked)``)."""
    runs, pairs = {}, {}
    for row, kw in ROWS.items():
        sc = kw["scenario"]
        base = f"{row} | none"
        runs[base] = shocked(sc, 0.0, months) | kw
        for basis in BASES:
            f = falls[(falls.scenario == sc) & (falls.basis == basis)].iloc[0]
            runs[f"{row} | {basis}"] = shocked(sc, float(f["fall"]), months, asset=f["asset"]) | kw
            pairs[f"{row} | {basis}"] = (f"{row} | {basis}", base)
    return runs, pairs


def n_institutions(scenario: str) -> int:
    return sum(i.kind != "government" for i in ac.load_scenario(scenario).institutions)


# ---------------------------------------------------------------- figure
def figure(ms, pairs, seeds, months, falls, stats, path):
    fig, axes = plt.subplots(1, 3, figsize=(19, 4.6), layout="constrained")
    colours = setup_colours(ROWS)
    series = ms.series
    for ax, basis in zip(axes[:2], BASES, strict=True):
        for row in ROWS:
            hit, base = pairs[f"{row} | {basis}"]
            shares = []
            for seed in seeds:
                one = series[(series.seed == seed) & (series.metric == "losses")]
                ex = excess_series(
                    one[one.setup == hit].set_index("step")["value"], one[one.setup == base].set_index("step")["value"]
                )
                ex = ex[ex.index >= SHOCK_STEP]
                peak = max(float(ex.cummax().iloc[-1]), 1e-9)
                shares.append(ex.values / peak)
            shares = np.array(shares)
            x = np.arange(shares.shape[1])
            ax.plot(x, np.median(shares, axis=0), color=colours[row], label=row)
            ax.fill_between(
                x, np.quantile(shares, 0.05, axis=0), np.quantile(shares, 0.95, axis=0), color=colours[row], alpha=0.15
            )
        f = falls.set_index(["scenario", "basis"])
        shocks = ", ".join(f"{f.loc[(sc, basis), 'asset']} -{f.loc[(sc, basis), 'fall']:.1%}" for sc in CORE_ASSET)
        ax.set_title(f"{basis} basis ({shocks}); {seeds_text(seeds)}", fontsize=10)
        ax.set_xlabel("months since the shock")
        ax.set_ylabel("excess losses / their peak (ratio; peak = 1)")
        ax.set_xlim(0, months - SHOCK_STEP)
        ax.axhline(0, color="k", lw=0.5)
    legend_outside(axes[1], title="scenario / path")
    bank = stats[stats.metric == "excess_loss.bank"].copy()
    labels = bank["comparison"].tolist()
    y = np.arange(len(labels))
    axes[2].barh(y, bank["mean"], color=KIND_COLOURS["bank"])
    axes[2].errorbar(
        bank["mean"],
        y,
        xerr=np.maximum([bank["mean"] - bank["q05"], bank["q95"] - bank["mean"]], 0.0),
        fmt="none",
        ecolor="k",
        capsize=3,
    )
    axes[2].set_yticks(y, labels, fontsize=8)
    axes[2].invert_yaxis()
    axes[2].set_xlabel("excess losses through banks (USD bn)")
    axes[2].set_title(f"what reaches banks: mean, 5-95% over {seeds_text(seeds)}", fontsize=10)
    caption(
        fig,
        f"Shocked minus unshocked run on the same seed, {months} months, shock in month {SHOCK_STEP} of each "
        "scenario's clock. Left, middle: median and 5-95% band over seeds of the monthly excess loss (marked to "
        "market) over its peak.",
    )
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- main
def main(argv=None) -> int:
    ap = parser(__doc__, "bank_vs_direct", seeds=16, quick_seeds=2, months=120, quick_months=36)
    ap.add_argument("--capital-share", type=float, default=0.01, help="capital basis: direct loss / system capital")
    ap.add_argument("--bank-share", type=float, default=0.05, help="bank basis: loss on banks' exposure / their equity")
    args = options(ap, argv)
    if args.months <= SHOCK_STEP + 1:
        ap.error(f"--months must exceed {SHOCK_STEP + 1} (the shock is in month {SHOCK_STEP})")
    sizes = {"capital": args.capital_share, "bank_exposure": args.bank_share}
    falls = pd.DataFrame([equal_size_fall(s, sizes[b], b) for s in CORE_ASSET for b in BASES])
    runs, pairs = setups(falls, args.months)
    ms = ac.compare(runs, seeds=args.seeds, processes=args.processes)
    rows = excess_rows(ms.summaries, ms.series, pairs, SHOCK_STEP)
    split = rows["comparison"].str.split(" | ", regex=False)
    rows.insert(1, "row", split.str[0])
    rows.insert(2, "basis", split.str[1])
    n = {r: n_institutions(kw["scenario"]) for r, kw in ROWS.items()}
    rows["excess_defaulted_share"] = rows["excess_defaults"] / rows["row"].map(n)
    stats = over_seeds(rows.drop(columns=["row", "basis"]))
    stats.insert(1, "row", stats["comparison"].str.split(" | ", regex=False).str[0])
    stats.insert(2, "basis", stats["comparison"].str.split(" | ", regex=False).str[1])
    unshocked = over_seeds(
        ms.summaries[ms.summaries.setup.str.endswith("| none")].assign(
            row=lambda d: d.setup.str.removesuffix(" | none")
        )[["row", "total_loss", "defaults", "losses_by_holder_kind.bank", "months_to_first_default"]],
        by="row",
    )

    prov = {
        "script": "experiments/bank_vs_direct.py",
        "seeds": args.seeds,
        "months": args.months,
        "shock_step": SHOCK_STEP,
        "sizes": sizes,
        "setups": {k: {kk: repr(vv) for kk, vv in v.items()} for k, v in runs.items()},
        "intervals": "5-95% quantiles over seeds",
    }
    save(falls, args.out / "equal_sizes.parquet", prov)
    save(ms.summaries, args.out / "runs.parquet", prov)
    save(rows, args.out / "excess_runs.parquet", prov)
    save(stats, args.out / "excess.parquet", prov)
    save(unshocked, args.out / "unshocked.parquet", prov)
    figure(ms, pairs, args.seeds, args.months, falls, stats, args.out / "bank_vs_direct.png")

    show(falls, "Equal sizes (USD bn; the fall lands in 2007-07 / 2025-07):")
    keys = [
        "months_to_first_excess_default",
        "months_to_50pct_excess",
        "months_to_90pct_excess",
        "excess_defaults",
        "excess_loss",
        "excess_loss_ratio",
        "excess_equity_loss",
        "excess_loss.bank",
    ]
    wide = stats[stats.metric.isin(keys)].copy()
    wide["value"] = [f"{m:,.3g} [{a:,.3g}, {b:,.3g}]" for m, a, b in zip(wide["mean"], wide.q05, wide.q95, strict=True)]
    table = wide.pivot(index="comparison", columns="metric", values="value").reindex(columns=keys)
    show(table.reset_index(), f"Shocked minus unshocked (mean [5%, 95%] over {seeds_text(args.seeds)}):", colwidth=40)
    print(f"\n{elapsed(args):.0f} s; {len(runs) * len(args.seeds)} runs; written to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
