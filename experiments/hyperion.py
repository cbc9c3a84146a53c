"""The Hyperion stress test: the price of a single-tenant SPV's bonds when its tenant walks away.

    python experiments/hyperion.py [--quick] [--seeds 5] [--spv hyperion] [--path disproven] [--readme]
                                   [--relet-demand on|off] [--impose all|repudiate|not_renew|tenant_default]
                                   [--at YYYY-MM ...] [--contract hyperion_lease] [--impose-seeds 4]

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

The imposed exits (section 7.8c of the model description, mechanisms/lease_events.py): the
tenant of ``--contract`` is made to leave it at each ``--at`` month (default: one mid-term month,
2031-01, and the lease's first renewal date) ``--impose`` (default all three ways), seeds
1..``--impose-seeds`` on the *disproven* and *base* paths, project marks on, compared with the
same seed's run without the event. Also written:

* imposed_path.parquet  path, at, how, seed, step, price, value, debt, cover, band, bonds (market
  value of the SPV's debt, USD bn), tenant_equity, spv_equity (book, USD bn); how ``none``: no event
* imposed.parquet       one row per path, at, how, seed: the month of the exit, the price the month
  before / of / after, the drop, project value and cover after, bands, what the tenant paid and the
  PV of the committed rent it left, and the changes against the run without the event a month
  after the exit (bondholders' market value, the tenant's and the SPV's book equity)
* hyperion_imposed.png  the three ways' price paths (seed 1) with the exit marked
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.core.calendar import month_index
from aicontagion.mechanisms.lease_events import HOWS
from aicontagion.mechanisms.valuation import BANDS, project_values
from aicontagion.model import ContagionModel
from aicontagion.policies.lease_exit import LeaseExit
from aicontagion.results.style import caption, legend_outside
from aicontagion.runs import experiment_kit as ex

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
EXITS = ("strategic_default", "non_renewal")


def run_one(
    spv: str,
    path: str,
    seed: int,
    months: int,
    project_marks: bool,
    relet_demand: bool = True,
    policies: tuple = (),
) -> tuple[pd.DataFrame, list]:
    """Month-by-month price, value, debt, cover and band of ``spv``'s debt (and the market value of
    that debt, the book equity of its tenant and its own, USD bn); its tenants' exits."""
    channels = {"project_marks": project_marks, "relet_demand": relet_demand}
    m = ContagionModel("ai_2025", productivity=path, seed=seed, collect=False, channels=channels, policies=policies)
    s = m.state
    j = s.registry.ids.index(spv)
    c = s.contracts
    rows = np.flatnonzero((c.obligor == j) & (c.ctype <= 5))
    leases = np.flatnonzero((c.creditor == j) & (c.ctype >= 8) & (c.ctype <= 9))
    tenants = {s.registry.ids[int(k)] for k in c.obligor[leases] if k >= 0}
    tenant = int(c.obligor[leases[0]]) if leases.size else -1
    out = []
    for _ in range(months):
        m.step()
        live = rows[(c.principal[rows] > 0) & c.active[rows]]
        if live.size:
            w = c.principal[live]
            px = np.append(s.markets.trade_price, 1.0)[c.market[live]]
            bonds = float((w * c.credit_mark[live] * px).sum())
            price = 100.0 * bonds / float(w.sum())
        else:
            price, bonds = np.nan, 0.0
        v = project_values(s)
        out.append(
            {
                "step": int(s.step),
                "price": price,
                "value": float(v["value"][j]),
                "debt": float(v["debt"][j]),
                "cover": float(v["cover"][j]),
                "band": int(s.credit.rating[j]) if s.credit.rating.size else -1,
                "bonds": bonds,
                "tenant_equity": float(s.books.equity[tenant]) if tenant >= 0 else np.nan,
                "spv_equity": float(s.books.equity[j]),
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


IMPOSED_PATHS = ("disproven", "base")


def default_exit_months(contract: str) -> list[str]:
    """One mid-term month (2031-01) and the first renewal date of ``contract`` (its start plus
    one renewal term, less a month: the month the tenant decides whether to renew)."""
    spec = ContagionModel("ai_2025", collect=False).state.spec
    lease = next(x for x in spec.contracts if x.id == contract)
    first = pd.Period(lease.start, freq="M") + 12 * int(lease.renewal_years) - 1
    return ["2031-01", str(first)]


def run_imposed(spv: str, contract: str, hows, ats, seeds, months: int, relet_demand: bool = True):
    """Every imposed exit (path x month x way x seed) against the same seed's run without it."""
    start = ContagionModel("ai_2025", collect=False).state.spec.start
    frames, rows = [], []
    for path in IMPOSED_PATHS:
        for seed in seeds:
            base, _ = run_one(spv, path, seed, months, True, relet_demand)
            frames.append(base.assign(path=path, at="-", how="none", seed=seed))
            ref = base.set_index("step")
            for at in ats:
                step = month_index(at, start) + 1  # the step of the month the exit is imposed in
                for how in hows:
                    event = LeaseExit(contract, at, how)
                    f, _ = run_one(spv, path, seed, months, True, relet_demand, (event,))
                    frames.append(f.assign(path=path, at=at, how=how, seed=seed))
                    g = f.set_index("step")
                    terms = event.terms or {}
                    rows.append(
                        {
                            "path": path,
                            "at": at,
                            "how": how,
                            "seed": seed,
                            "step": step,
                            "happened": event.terms is not None,
                            "paid": terms.get("total", np.nan),
                            "fee": terms.get("fee", np.nan),
                            "rvg": terms.get("rvg_short", np.nan),
                            "rent_left": terms.get("rent_left", np.nan),
                            "price_before": g["price"].get(step - 1, np.nan),
                            "price_month": g["price"].get(step, np.nan),
                            "price_next": g["price"].get(step + 1, np.nan),
                            "price_natural": ref["price"].get(step + 1, np.nan),
                            "drop": g["price"].get(step - 1, np.nan)
                            - min(g["price"].get(step, np.nan), g["price"].get(step + 1, np.nan)),
                            "value": g["value"].get(step + 1, np.nan),
                            "debt": g["debt"].get(step + 1, np.nan),
                            "cover": g["cover"].get(step + 1, np.nan),
                            "band_before": BANDS[int(g["band"].get(step - 1, 0))],
                            "band_after": BANDS[int(g["band"].get(step + 1, 0))],
                            "band_end": BANDS[int(g["band"].iloc[-1])],
                            "d_bonds": g["bonds"].get(step + 1, np.nan) - ref["bonds"].get(step + 1, np.nan),
                            "d_tenant": g["tenant_equity"].get(step + 1, np.nan)
                            - ref["tenant_equity"].get(step + 1, np.nan),
                            "d_spv": g["spv_equity"].get(step + 1, np.nan) - ref["spv_equity"].get(step + 1, np.nan),
                            "price_min": float(g["price"].loc[step:].min()),
                        }
                    )
    return pd.concat(frames, ignore_index=True), pd.DataFrame(rows)


def imposed_figure(path_df: pd.DataFrame, spv: str, ats, seed: int = 1):
    fig, ax = plt.subplots(len(IMPOSED_PATHS), len(ats), figsize=(13, 7.5), layout="constrained", squeeze=False)
    start = ContagionModel("ai_2025", collect=False).state.spec.start
    styles = {
        "none": ("black", "--"),
        "repudiate": ("C3", "-"),
        "not_renew": ("C0", "-"),
        "tenant_default": ("C2", "-"),
    }
    for r, path in enumerate(IMPOSED_PATHS):
        for k, at in enumerate(ats):
            a = ax[r][k]
            d = path_df[(path_df["path"] == path) & (path_df["seed"] == seed)]
            for how, (col, ls) in styles.items():
                g = d[(d["how"] == how) & ((d["at"] == at) | (how == "none"))]
                label = "no imposed exit" if how == "none" else how.replace("_", " ")
                a.plot(g["step"], g["price"], color=col, ls=ls, lw=1.2 if how != "none" else 0.9, label=label)
            a.axvline(month_index(at, start) + 1, color="grey", lw=0.8, ls=":")
            a.set_title(f"{spv} debt price, {path}, tenant leaves in {at} (dotted), seed {seed}", fontsize=9)
            a.set_ylabel("price (per 100 of face)")
            a.set_xlabel("month of the run")
    legend_outside(ax[0][-1], title="")
    caption(
        fig,
        "Imposed exits (mechanisms/lease_events.py): repudiate = expectation damages + guarantee shortfall + "
        "reputation spread; not renew = guarantee shortfall; tenant default = claim capped at lease_claim_months "
        "of rent + guarantee shortfall. Project marks on.",
    )
    return fig


def imposed_block(imp: pd.DataFrame, spv: str, contract: str, seeds) -> str:
    lines = [
        "",
        f"Imposed exits (`python experiments/hyperion.py --readme`): the tenant of `{contract}` is made to leave "
        f"it in the month shown, seeds {', '.join(str(s) for s in seeds)} (means; the drop's range over seeds "
        "in brackets). The tenant pays the fee (damages, nothing, or the capped claim) plus the guarantee "
        "shortfall now; changes (USD bn) against the same seed without the event, a month after the exit.",
        "",
        "| path | exit | how | tenant pays: fee + guarantee | committed rent left (PV) | price before | in the month "
        "| next month | drop | value / debt after | band before -> after (end) | bondholders | tenant equity "
        "| SPV equity |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (path, at, how), g in imp.groupby(["path", "at", "how"], sort=False):
        band = {col: g[col].mode().iloc[0] for col in ("band_before", "band_after", "band_end")}
        lines.append(
            f"| {path} | {at} | {how.replace('_', ' ')} | {g['fee'].mean():.1f} + {g['rvg'].mean():.1f} "
            f"| {g['rent_left'].mean():.1f} | {g['price_before'].mean():.1f} | {g['price_month'].mean():.1f} "
            f"| {g['price_next'].mean():.1f} | {g['drop'].mean():.1f} [{g['drop'].min():.1f}, {g['drop'].max():.1f}] "
            f"| {g['value'].mean():.1f} / {g['debt'].mean():.1f} | {band['band_before']} -> {band['band_after']} "
            f"({band['band_end']}) | {g['d_bonds'].mean():+.2f} | {g['d_tenant'].mean():+.2f} "
            f"| {g['d_spv'].mean():+.2f} |"
        )
    lines += ["", f"![{spv} debt price under the three imposed exits](docs/img/hyperion_imposed.png)", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "hyperion", seeds=5, quick_seeds=1, months=240, quick_months=240)
    ap.add_argument("--spv", default="hyperion")
    ap.add_argument("--path", default="disproven")
    ap.add_argument("--relet-demand", choices=("on", "off"), default="on", help="off: vacated capacity let at once")
    ap.add_argument("--readme", action="store_true", help="write docs/img/hyperion_bond.png and the README block")
    ap.add_argument("--impose", choices=("all", "none", *HOWS), default="all", help="imposed exits to run")
    ap.add_argument("--at", nargs="*", default=None, help="months of the imposed exit (default: 2031-01, 1st renewal)")
    ap.add_argument("--contract", default="hyperion_lease", help="the lease the imposed exit ends")
    ap.add_argument("--impose-seeds", type=int, default=None, help="seeds 1..N of the imposed runs (default 4)")
    args = ex.options(ap, argv)
    seeds = [s + 1 for s in args.seeds]  # seeds 1.. (seed 1 is the README's)
    path_df, walks = run(args.spv, args.path, seeds, args.months, args.relet_demand == "on")
    out = args.out
    ex.save(path_df, out / "path.parquet")
    if len(walks):
        ex.save(walks, out / "walks.parquet")
    fig = figure(path_df, walks, args.spv, args.path)
    fig.savefig(out / "hyperion_bond.png", dpi=110)
    block_imposed = ""
    if args.impose != "none":
        hows = HOWS if args.impose == "all" else (args.impose,)
        ats = args.at or default_exit_months(args.contract)
        n_imp = args.impose_seeds or (1 if args.quick else 4)
        imp_seeds = list(range(1, n_imp + 1))
        imp_path, imp = run_imposed(
            args.spv, args.contract, hows, ats, imp_seeds, args.months, args.relet_demand == "on"
        )
        ex.save(imp_path, out / "imposed_path.parquet")
        ex.save(imp, out / "imposed.parquet")
        fig2 = imposed_figure(imp_path, args.spv, ats)
        fig2.savefig(out / "hyperion_imposed.png", dpi=110)
        if args.readme:
            fig2.savefig(ROOT / "docs" / "img" / "hyperion_imposed.png", dpi=110)
        plt.close(fig2)
        block_imposed = imposed_block(imp, args.spv, args.contract, imp_seeds)
        ex.show(imp.drop(columns=["band_end"]), f"{args.spv}: imposed exits of {args.contract}")
    if args.readme:
        fig.savefig(ROOT / "docs" / "img" / "hyperion_bond.png", dpi=110)
        text = README.read_text()
        pattern = re.compile(r"(<!-- results:hyperion -->\n).*?(<!-- /results:hyperion -->)", re.S)
        if not pattern.search(text):
            raise SystemExit("README.md has no <!-- results:hyperion --> block")
        block = readme_block(walks, args.spv, args.path, seeds) + block_imposed
        README.write_text(pattern.sub(lambda m: m.group(1) + block + m.group(2), text))
    plt.close(fig)
    if len(walks):
        ex.show(walks, f"{args.spv}: the tenant's exits and the bond price")
    print(f"written to {out}/ in {ex.elapsed(args):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
