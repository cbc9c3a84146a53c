"""The Hyperion stress test: the price of a single-tenant SPV's bonds when its tenant walks away.

    python experiments/hyperion.py [--quick] [--seeds 5] [--spv hyperion] [--path disproven] [--readme]
                                   [--relet-demand on|off]

Runs ai_2025 on the chosen path with the project-finance marks (mechanisms/valuation.py) and with
the ``project_marks`` channel off (the book-equity mark ``1 - h x LGD``), month by month, and
records for the SPV (any SPV id): the principal-weighted price of its debt, its project value,
debt, cover and rating band, and the month its tenant walks away or does not renew.
``--relet-demand off`` lets vacated capacity at once (the ``relet_demand`` channel off; on: it is
let as the market absorbs idle capacity, mechanisms/relet.py). Writes to
--out (default results/hyperion):

* path.parquet   setup, seed, step, price (per 100), value, debt, cover, band
* walks.parquet  seed, step and event of each tenant exit, price before, in the month, drop
* hyperion_bond.png (also docs/img/hyperion_bond.png with --readme, and the README block
  ``results:hyperion`` rewritten)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.mechanisms.valuation import BANDS, project_values
from aicontagion.model import ContagionModel
from aicontagion.results.style import caption, legend_outside
from aicontagion.runs import experiment_kit as ex

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXITS = ("strategic_default", "non_renewal")


def run_one(
    spv: str, path: str, seed: int, months: int, project_marks: bool, relet_demand: bool = True
) -> tuple[pd.DataFrame, list]:
    """Month-by-month price, value, debt, cover and band of ``spv``'s debt; its tenants' exits."""
    channels = {"project_marks": project_marks, "relet_demand": relet_demand}
    m = ContagionModel("ai_2025", productivity=path, seed=seed, collect=False, channels=channels)
    s = m.state
    j = s.registry.ids.index(spv)
    c = s.contracts
    rows = np.flatnonzero((c.obligor == j) & (c.ctype <= 5))
    leases = np.flatnonzero((c.creditor == j) & (c.ctype >= 8) & (c.ctype <= 9))
    tenants = {s.registry.ids[int(k)] for k in c.obligor[leases] if k >= 0}
    out = []
    for _ in range(months):
        m.step()
        live = rows[(c.principal[rows] > 0) & c.active[rows]]
        if live.size:
            w = c.principal[live]
            px = np.append(s.markets.trade_price, 1.0)[c.market[live]]
            price = 100.0 * float((w * c.credit_mark[live] * px).sum() / w.sum())
        else:
            price = np.nan
        v = project_values(s)
        out.append(
            {
                "step": int(s.step),
                "price": price,
                "value": float(v["value"][j]),
                "debt": float(v["debt"][j]),
                "cover": float(v["cover"][j]),
                "band": int(s.credit.rating[j]) if s.credit.rating.size else -1,
            }
        )
    ev = pd.DataFrame(s.events.rows)
    exits = []
    if len(ev):
        e = ev[ev["event"].isin(EXITS) & ev["institution"].isin(tenants)]
        exits = [(int(r.step), str(r.event), str(r.institution)) for r in e.itertuples()]
        exits = [x for x in exits if _is_spv_lease(s, x, j)]
    m.close()
    return pd.DataFrame(out), exits


def _is_spv_lease(state, exit_row, j) -> bool:
    """Whether an exit event concerns a lease of SPV ``j`` (its amount is the lease's yearly payment)."""
    c = state.contracts
    leases = np.flatnonzero((c.creditor == j) & (c.ctype >= 8) & (c.ctype <= 9))
    return bool(np.isin(state.registry.ids.index(exit_row[2]), c.obligor[leases]))


WALK_COLUMNS = [
    "seed",
    "step",
    "event",
    "tenant",
    "price_before",
    "price_month",
    "price_next",
    "drop",
    "value",
    "debt",
    "band_before",
    "band_after",
    "price_off",
]


def run(spv: str, path: str, seeds, months: int, relet_demand: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames, walks = [], []
    for seed in seeds:
        for on in (True, False):
            f, exits = run_one(spv, path, seed, months, on, relet_demand)
            setup = "project marks" if on else "book-equity marks (channel off)"
            frames.append(f.assign(setup=setup, seed=seed))
            if on:
                for step, event, who in exits:
                    g = f.set_index("step")
                    before = g["price"].get(step - 1, np.nan)
                    now = g["price"].get(step, np.nan)
                    after = g["price"].get(step + 1, np.nan)
                    off_run = run_one(spv, path, seed, step + 1, False, relet_demand)[0]
                    off = off_run.set_index("step")["price"].get(step, np.nan)
                    walks.append(
                        {
                            "seed": seed,
                            "step": step,
                            "event": event,
                            "tenant": who,
                            "price_before": before,
                            "price_month": now,
                            "price_next": after,
                            "drop": before - min(now, after),
                            "value": g["value"].get(step + 1, np.nan),
                            "debt": g["debt"].get(step + 1, np.nan),
                            "band_before": BANDS[int(g["band"].get(step - 1, 0))],
                            "band_after": BANDS[int(g["band"].get(step + 1, 0))],
                            "price_off": off,
                        }
                    )
    cols = ["setup", "seed", "step", "price", "value", "debt", "cover", "band"]
    return pd.concat(frames, ignore_index=True)[cols], pd.DataFrame(walks, columns=WALK_COLUMNS)


def figure(path_df: pd.DataFrame, walks: pd.DataFrame, spv: str, path: str):
    fig, ax = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (seed, g) in enumerate(path_df.groupby("seed")):
        col = colours[k % len(colours)]
        on = g[g["setup"] == "project marks"]
        off = g[g["setup"] != "project marks"]
        ax[0].plot(on["step"], on["price"], color=col, lw=1.3, label=f"seed {seed}: project marks")
        ax[0].plot(off["step"], off["price"], color=col, lw=0.9, ls="--", label=f"seed {seed}: book-equity marks")
        ax[1].plot(on["step"], on["cover"], color=col, lw=1.2, label=f"seed {seed}")
        for w in walks[walks["seed"] == seed].itertuples():
            for a in ax:
                a.axvline(w.step, color=col, lw=0.8, ls=":")
            ax[0].annotate(
                w.event.replace("_", " "),
                (w.step, w.price_month),
                fontsize=7,
                color=col,
                xytext=(4, -12),
                textcoords="offset points",
            )
    ax[0].set_title(f"{spv} debt price, {path} path (dotted: tenant leaves)", fontsize=10)
    ax[0].set_ylabel("price (per 100 of face)")
    ax[0].set_xlabel("month of the run")
    ax[1].set_title(f"{spv} cover: project value / debt (rating bands)", fontsize=10)
    for floor, band in zip((2.0, 1.6, 1.25, 1.1, 1.0, 0.8), BANDS[:6], strict=True):
        ax[1].axhline(floor, color="grey", lw=0.4)
        ax[1].text(1, floor, band, fontsize=7, color="grey", va="bottom")
    ax[1].set_ylim(0, 2.5)
    ax[1].set_xlabel("month of the run")
    legend_outside(ax[0], title="")
    caption(
        fig,
        "Project marks: PV of the lease at the tenant's spread, renewal read from the tenant's own incentives, "
        "re-let at market rent, RVG, collateral; shared by seniority. Dashed: the same runs marked from the SPV's "
        "book equity.",
    )
    return fig


def readme_block(walks: pd.DataFrame, spv: str, path: str, seeds) -> str:
    lines = [
        f"ai_2025, *{path}*, seeds {', '.join(str(s) for s in seeds)}, 240 months "
        f"(`python experiments/hyperion.py --readme`): the month {spv}'s tenant leaves",
        "",
        "| seed | month | event | price before | in the month | next month | book-equity mark "
        "| project value / debt after (USD bn) | band before -> after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for w in walks.itertuples():
        lines.append(
            f"| {w.seed} | {w.step} | {w.event.replace('_', ' ')} | {w.price_before:.1f} | {w.price_month:.1f} "
            f"| {w.price_next:.1f} | {w.price_off:.1f} | {w.value:.1f} / {w.debt:.1f} | {w.band_before} -> "
            f"{w.band_after} |"
        )
    if walks.empty:
        lines.append("| - | - | no tenant left | | | | | | |")
    lines.append("")
    lines.append(f"![{spv} debt price with the tenant's exit marked](docs/img/hyperion_bond.png)")
    lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "hyperion", seeds=5, quick_seeds=1, months=240, quick_months=240)
    ap.add_argument("--spv", default="hyperion")
    ap.add_argument("--path", default="disproven")
    ap.add_argument("--relet-demand", choices=("on", "off"), default="on", help="off: vacated capacity let at once")
    ap.add_argument("--readme", action="store_true", help="write docs/img/hyperion_bond.png and the README block")
    args = ex.options(ap, argv)
    seeds = [s + 1 for s in args.seeds]  # seeds 1.. (seed 1 is the README's)
    path_df, walks = run(args.spv, args.path, seeds, args.months, args.relet_demand == "on")
    out = args.out
    ex.save(path_df, out / "path.parquet")
    if len(walks):
        ex.save(walks, out / "walks.parquet")
    fig = figure(path_df, walks, args.spv, args.path)
    fig.savefig(out / "hyperion_bond.png", dpi=110)
    if args.readme:
        fig.savefig(ROOT / "docs" / "img" / "hyperion_bond.png", dpi=110)
        text = README.read_text()
        pattern = re.compile(r"(<!-- results:hyperion -->\n).*?(<!-- /results:hyperion -->)", re.S)
        if not pattern.search(text):
            raise SystemExit("README.md has no <!-- results:hyperion --> block")
        block = readme_block(walks, args.spv, args.path, seeds)
        README.write_text(pattern.sub(lambda m: m.group(1) + block + m.group(2), text))
    plt.close(fig)
    if len(walks):
        ex.show(walks, f"{args.spv}: the tenant's exits and the bond price")
    print(f"written to {out}/ in {ex.elapsed(args):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
