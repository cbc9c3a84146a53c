"""Circular financing: revenue booked inside the loop vs revenue from outside customers, and what breaking a link does.

    python experiments/circular_financing.py [--quick] [--seeds 3] [--months 240] [--out results/circular_financing]

The loop the critics describe (SEED_NOTES section 1): Nvidia invests in OpenAI -> OpenAI buys
compute from Oracle -> Oracle buys Nvidia chips; and Microsoft invests in OpenAI -> OpenAI buys
Azure -> Microsoft's revenue and stake both rise. In ai_2025 these are contracts: Nvidia's 30bn
uncalled commitment to OpenAI (``nvidia_openai_stake``), OpenAI's 60bn/yr offtake from Oracle
(``oracle_openai``), Oracle's chip purchases (its capex, 65% to Nvidia by market share), OpenAI's
31bn/yr Azure offtake (``openai_azure``) and Microsoft's 27% stake (``microsoft_openai_stake``).

Every cash movement of every run is recorded (aicontagion.runs.experiment_kit.FlowLedger), so each
institution's receipts split into

* revenue from outside customers (AI end revenue, the giants' other business, spot rents,
  outside chip buyers: the ``operating_revenue`` the books receive from the outside world);
* revenue booked from other modelled institutions (rent and offtake payments, chip sales,
  interest, fees), traced back (proportionally, over the whole run) to where the payer's money
  came from: outside customers, outside investors (equity raised, bonds, outside loans), asset
  sales, or cash it held at the start;
* funding (capital called, loans drawn, distributions received).

Then each link is broken in turn on the same seeds (common random numbers): no Nvidia
commitment, no Oracle offtake, no Azure offtake, no Microsoft stake. Writes to --out:
flows.parquet (setup, path, seed, year, payer, payee, label, amount), revenue.parquet (per run and
institution), outcomes.parquet (per run), links.parquet (the loop's links by year),
loop_flows.png, revenue_booked.png, break_links.png.
"""

from __future__ import annotations

import sys

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.results.style import PATH_COLOURS, legend_outside, seeds_text
from aicontagion.runs import experiment_kit as ex
from aicontagion.scenarios.loader import load_scenario

PATHS = ("base", "slow", "disproven")
QUICK_PATHS = ("base", "slow")
BREAKS = {
    "loop": {},
    "no_nvidia_stake": {"contracts.nvidia_openai_stake.uncalled": 0},
    "no_oracle_offtake": {"contracts.oracle_openai.annual_payment": 0, "contracts.oracle_openai.termination_fee": 0},
    "no_azure_offtake": {"contracts.openai_azure.annual_payment": 0, "contracts.openai_azure.termination_fee": 0},
    "no_microsoft_stake": {"contracts.microsoft_openai_stake.share": 0},
}
LOOP = ("nvidia", "openai", "oracle", "microsoft", "amd", "coreweave")
# the loop's links: (name, payer, payee, labels)
LINKS = (
    ("Nvidia -> OpenAI (capital called)", "nvidia", "openai", ("capital_call",)),
    ("OpenAI -> Oracle (offtake)", "openai", "oracle", ("rent", "fee")),
    ("Oracle -> Nvidia (chips)", "oracle", "nvidia", ("capex_chips",)),
    ("OpenAI -> Microsoft (Azure)", "openai", "microsoft", ("rent", "fee")),
    ("OpenAI -> AMD (chips offtake)", "openai", "amd", ("rent", "fee")),
)
REVENUE = ("rent", "fee", "capex_chips", "interest")  # booked as income when paid by a modelled institution
FUNDING = ("capital_call", "drawdown", "distribution", "bond_issue", "equity_raise", "central_bank_loan")
ORIGIN = {  # where money entering from the outside world comes from
    "operating_revenue": "customers",
    "equity_raise": "investors",
    "bond_issue": "investors",
    "drawdown": "investors",
    "treasury_issuance": "investors",
    "central_bank_loan": "investors",
    "fire_sale": "asset_sales",
    "liquidation": "asset_sales",
    "secondary_sale": "asset_sales",
}
ORIGINS = ("customers", "investors", "asset_sales", "other", "reserves")


# ----------------------------------------------------------------------------- analysis


def _flow_matrix(flows: pd.DataFrame, pos: dict) -> np.ndarray:
    """``f[i, j]``: what institution ``i`` paid institution ``j`` over the run (outside payments left out)."""
    inside = flows[(flows["payer"] != ex.OUTSIDE) & (flows["payee"] != ex.OUTSIDE)]
    f = np.zeros((len(pos), len(pos)))
    np.add.at(
        f, (inside["payer"].map(pos).to_numpy(), inside["payee"].map(pos).to_numpy()), inside["amount"].to_numpy()
    )
    return f


def trace_origins(flows: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """Where each institution's money came from, looking through other modelled institutions.

    Proportional tracing over the flows given (e.g. a whole run): institution ``i``'s sources are
    its receipts from outside (by :data:`ORIGIN`), from other institutions, and the fall of its
    cash (``reserves``); every payment ``i`` makes carries the mix of ``i``'s sources. Solves
    ``C = (I - A)^-1 E`` with ``A[i, j]`` the share of ``i``'s sources paid by ``j`` and ``E[i]``
    its own outside sources by origin, each as a share of its sources. Rows: institutions;
    columns: :data:`ORIGINS` (shares summing to 1 for any institution with sources).
    """
    n = len(ids)
    pos = {k: i for i, k in enumerate(ids)}
    f = _flow_matrix(flows, pos)
    e = np.zeros((n, len(ORIGINS)))
    ext = flows[flows["payer"] == ex.OUTSIDE]
    o = ext["label"].map(ORIGIN).fillna("other").map(ORIGINS.index).to_numpy()
    np.add.at(e, (ext["payee"].map(pos).to_numpy(), o), ext["amount"].to_numpy())
    into = flows.groupby("payee")["amount"].sum().reindex(ids).fillna(0.0).to_numpy()
    out_ = flows.groupby("payer")["amount"].sum().reindex(ids).fillna(0.0).to_numpy()
    e[:, ORIGINS.index("reserves")] += np.maximum(out_ - into, 0.0)
    sources = e.sum(axis=1) + f.sum(axis=0)
    scale = np.divide(1.0, sources, out=np.zeros(n), where=sources > 1e-12)
    a = f.T * scale[:, None]  # a[i, j] = f[j, i] / S_i
    c = np.linalg.lstsq(np.eye(n) - a, e * scale[:, None], rcond=None)[0]
    return pd.DataFrame(c, index=ids, columns=list(ORIGINS))


def round_trip(
    flows: pd.DataFrame, ids: list[str], source: str, via: str, labels=("capital_call",)
) -> tuple[float, float]:
    """How much of what ``source`` paid into ``via`` (``labels``) came back to ``source``, by the same
    proportional tracing (forward): every institution spends what it receives in the proportions
    of its own uses over the run. Returns (paid in, came back)."""
    n = len(ids)
    pos = {k: i for i, k in enumerate(ids)}
    f = _flow_matrix(flows, pos)
    into = flows.groupby("payee")["amount"].sum().reindex(ids).fillna(0.0).to_numpy()
    out_ = flows.groupby("payer")["amount"].sum().reindex(ids).fillna(0.0).to_numpy()
    uses = out_ + np.maximum(into - out_, 0.0)  # payments plus cash kept
    b = f * np.divide(1.0, uses, out=np.zeros(n), where=uses > 1e-12)[:, None]  # b[i, k]: share of i's uses paid to k
    t = pos[source]
    stay = b.copy()
    stay[:, t] = 0.0  # money reaching the source stops there (first return)
    h = np.linalg.lstsq(np.eye(n) - stay, b[:, t], rcond=None)[0]
    paid = float(
        flows.loc[(flows["payer"] == source) & (flows["payee"] == via) & flows["label"].isin(labels), "amount"].sum()
    )
    return paid, paid * float(h[pos[via]])


def revenue_table(flows: pd.DataFrame, ids: list[str], kinds: dict[str, str]) -> pd.DataFrame:
    """Per institution over the run: revenue from outside customers, revenue booked from modelled
    institutions (and how it was ultimately paid for), funding from inside and outside."""
    mix = trace_origins(flows, ids)
    out = pd.DataFrame(index=pd.Index(ids, name="institution"))
    outside = flows["payer"] == ex.OUTSIDE
    rev_in = flows[~outside & flows["label"].isin(REVENUE) & (flows["payee"] != ex.OUTSIDE)]
    out["revenue_outside"] = flows[outside & (flows["label"] == "operating_revenue")].groupby("payee")["amount"].sum()
    out["revenue_inside"] = rev_in.groupby("payee")["amount"].sum()
    out["funding_inside"] = flows[~outside & flows["label"].isin(FUNDING)].groupby("payee")["amount"].sum()
    out["funding_outside"] = flows[outside & flows["label"].isin(FUNDING)].groupby("payee")["amount"].sum()
    out = out.fillna(0.0)
    # inside revenue by the origin of the payer's money
    paid = rev_in.groupby(["payer", "payee"])["amount"].sum().reset_index()
    w = mix.loc[paid["payer"]].to_numpy() * paid["amount"].to_numpy()[:, None]
    by_origin = pd.DataFrame(w, columns=[f"inside_paid_by_{o}" for o in ORIGINS]).assign(payee=paid["payee"].to_numpy())
    out = out.join(by_origin.groupby("payee").sum()).fillna(0.0)
    out["booked"] = out["revenue_outside"] + out["revenue_inside"]
    out["inside_share"] = np.divide(
        out["revenue_inside"], out["booked"], out=np.zeros(len(out)), where=out["booked"] > 0
    )
    not_customers = out[[f"inside_paid_by_{o}" for o in ORIGINS if o != "customers"]].sum(axis=1)
    out["booked_not_from_customers"] = np.divide(
        not_customers, out["booked"], out=np.zeros(len(out)), where=out["booked"] > 0
    )
    out.insert(0, "kind", out.index.map(kinds))
    return out.reset_index()


def link_flows(flows: pd.DataFrame) -> pd.DataFrame:
    """The loop's links by year: setup, path, seed, year, link, amount."""
    parts = []
    for name, payer, payee, labels in LINKS:
        f = flows[(flows["payer"] == payer) & (flows["payee"] == payee) & flows["label"].isin(labels)]
        parts.append(f.groupby(["setup", "path", "seed", "year"], as_index=False)["amount"].sum().assign(link=name))
    out = pd.concat(parts, ignore_index=True)
    return out[["setup", "path", "seed", "year", "link", "amount"]]


def _received(flows, payee, payer=None, labels=None):
    f = flows[flows["payee"] == payee]
    if payer is not None:
        f = f[f["payer"] == payer]
    if labels is not None:
        f = f[f["label"].isin(labels)]
    return f.groupby(["setup", "path", "seed"])["amount"].sum()


def outcomes(runs: ex.Runs, flows: pd.DataFrame, months: int, ids: list[str] | None = None) -> pd.DataFrame:
    """One row per run: OpenAI's survival and funding, the loop members' revenue, defaults, losses
    (``flows``: the runs' flows with ``setup`` and ``path`` split)."""
    s = runs.summary.copy()
    s[["path", "setup"]] = s["setup"].str.split("|", expand=True)
    key = ["setup", "path", "seed"]
    out = s[key + ["defaults", "total_loss", "system_loss_ratio"]].copy()
    ev = runs.events
    d = ev[ev["event"] == "default"] if len(ev) else pd.DataFrame(columns=["setup", "seed", "step", "institution"])
    d = d.assign(path=d["setup"].str.split("|").str[0], setup=d["setup"].str.split("|").str[1])
    fl = flows
    cols = {
        "openai_months": d[d["institution"] == "openai"].groupby(key)["step"].min(),
        "oracle_default": d[d["institution"] == "oracle"].groupby(key)["step"].min().notna(),
        "openai_outside_equity": _received(fl, "openai", ex.OUTSIDE, ("equity_raise",)),
        "openai_capital_called": _received(fl, "openai", "nvidia", ("capital_call",)),
        "nvidia_revenue": _received(fl, "nvidia", labels=REVENUE + ("operating_revenue",)),
        "nvidia_chips_from_oracle": _received(fl, "nvidia", "oracle", ("capex_chips",)),
        "oracle_revenue": _received(fl, "oracle", labels=REVENUE + ("operating_revenue",)),
        "oracle_from_openai": _received(fl, "oracle", "openai", ("rent", "fee")),
        "microsoft_revenue": _received(fl, "microsoft", labels=REVENUE + ("operating_revenue",)),
        "microsoft_from_openai": _received(fl, "microsoft", "openai", ("rent", "fee")),
    }
    if ids is not None:
        back = {k: round_trip(g, ids, "nvidia", "openai")[1] for k, g in fl.groupby(key)}
        cols["nvidia_stake_came_back"] = pd.Series(back, dtype=float).rename_axis(key)
    for name, series in cols.items():
        out = out.join(series.rename(name), on=key)
    out["oracle_default"] = out["oracle_default"].astype("boolean").fillna(False).astype(bool)
    out["openai_months"] = out["openai_months"].fillna(months)
    return out.fillna(0.0)


def effects(out: pd.DataFrame) -> pd.DataFrame:
    """Mean over seeds of each outcome per path and setup, and its change from the intact loop."""
    num = [c for c in out.columns if c not in ("setup", "path", "seed")]
    m = out.groupby(["path", "setup"], sort=False)[num].mean()
    base = m.xs("loop", level="setup")
    delta = m.sub(base, level="path")
    delta.columns = [f"d_{c}" for c in delta.columns]
    return m.join(delta).reset_index()


# ----------------------------------------------------------------------------- figures
def figure_links(links: pd.DataFrame):
    loop = links[links["setup"] == "loop"]
    paths = list(dict.fromkeys(loop["path"]))
    fig, axes = plt.subplots(1, len(paths), figsize=(5.5 * len(paths) + 2, 4.0), sharey=True, layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, path in zip(axes, paths, strict=True):
        g = loop[loop["path"] == path].groupby(["year", "link"])["amount"].mean().unstack("link").fillna(0.0)
        for k, (name, *_) in enumerate(LINKS):
            if name in g:
                ax.plot(g.index + 2025, g[name], marker="o", ms=3, label=name, color=f"C{k}")
        ax.set_title(f"{path} path", fontsize=10)
        ax.set_xlabel("year")
    axes[0].set_ylabel("flow along the link (USD bn / year, mean over seeds)")
    legend_outside(axes[-1], title="link")
    fig.suptitle(f"the loop's links, year by year; ai_2025, {_seeds(links)}", fontsize=10)
    return fig


def _seeds(frame: pd.DataFrame) -> str:
    return seeds_text(frame["seed"].unique()) if "seed" in frame else "mean over seeds"


def figure_revenue(rev: pd.DataFrame):
    r = rev[(rev["setup"] == "loop") & rev["institution"].isin(LOOP)]
    paths = list(dict.fromkeys(r["path"]))
    parts = {
        "outside customers": ["revenue_outside"],
        "inside, paid with customers' money": ["inside_paid_by_customers"],
        "inside, paid with investors' money": ["inside_paid_by_investors"],
        "inside, other (asset sales, reserves)": [
            "inside_paid_by_asset_sales",
            "inside_paid_by_other",
            "inside_paid_by_reserves",
        ],
    }
    colours = ("#1f77b4", "#aec7e8", "#d62728", "#c7c7c7")
    fig, axes = plt.subplots(1, len(paths), figsize=(5.5 * len(paths) + 2.5, 4.2), sharey=True, layout="constrained")
    axes = np.atleast_1d(axes)
    for ax, path in zip(axes, paths, strict=True):
        g = r[r["path"] == path].groupby("institution")[sum(parts.values(), [])].mean().reindex(list(LOOP))
        bottom = np.zeros(len(g))
        for (label, cols), colour in zip(parts.items(), colours, strict=True):
            v = g[cols].sum(axis=1).to_numpy()
            ax.bar(g.index, v, bottom=bottom, label=label, color=colour)
            bottom += v
        ax.set_title(f"{path} path", fontsize=10)
        ax.tick_params(axis="x", rotation=30, labelsize=8)
    axes[0].set_ylabel("revenue booked over the run (USD bn, mean over seeds)")
    legend_outside(axes[-1], title="paid by")
    fig.suptitle(f"revenue of the loop's members, by who paid; ai_2025, {_seeds(rev)}", fontsize=10)
    return fig


def figure_breaks(eff: pd.DataFrame, seeds: str = "seeds"):
    show = ("d_nvidia_revenue", "d_oracle_revenue", "d_microsoft_revenue", "d_openai_outside_equity", "d_total_loss")
    titles = ("Nvidia revenue", "Oracle revenue", "Microsoft revenue", "OpenAI equity from outside", "total losses")
    e = eff[eff["setup"] != "loop"]
    fig, axes = plt.subplots(2, 3, figsize=(16.5, 7.5), layout="constrained")
    axes = axes.ravel()
    setups = list(dict.fromkeys(e["setup"]))
    paths = list(dict.fromkeys(e["path"]))
    width = 0.8 / len(paths)
    for ax, col, title in zip(axes, show + ("openai_months",), titles + ("OpenAI months survived",), strict=True):
        for k, path in enumerate(paths):
            g = e[e["path"] == path].set_index("setup").reindex(setups)
            v = g[col] if col != "openai_months" else g["d_openai_months"]
            ax.bar(np.arange(len(setups)) + k * width, v, width, label=path, color=PATH_COLOURS.get(path, f"C{k}"))
        ax.axhline(0, color="k", lw=0.5)
        ax.set_xticks(
            np.arange(len(setups)) + width * (len(paths) - 1) / 2, setups, rotation=30, fontsize=7, ha="right"
        )
        ax.set_title(f"change in {title}", fontsize=9)
        ax.set_ylabel("months" if col == "openai_months" else "USD bn")
    legend_outside(axes[2], title="path")
    fig.suptitle(f"breaking one link at a time, vs the intact loop; ai_2025, mean over {seeds}", fontsize=10)
    return fig


# ----------------------------------------------------------------------------- main
def explain(rev: pd.DataFrame, eff: pd.DataFrame, path: str) -> str:
    """What the loop inflates, in words, from the numbers of one path."""
    r = rev[(rev["setup"] == "loop") & (rev["path"] == path)].groupby("institution").mean(numeric_only=True)
    e = eff[eff["path"] == path].set_index("setup")
    lines = [f"What the loop inflates ({path} path, means over seeds, whole run):"]
    for who in ("oracle", "microsoft", "nvidia", "amd"):
        x = r.loc[who]
        lines.append(
            f"  {who}: books {x.booked:,.0f}bn of revenue, {x.revenue_inside:,.0f}bn ({x.inside_share:.0%})"
            f" from modelled institutions; {x.booked_not_from_customers:.1%} of all it books was paid,"
            f" looking through the payers, with investors' money, asset sales or cash reserves"
            f" rather than by end customers"
        )
    o = r.loc["openai"]
    x = e.loc["loop"]
    if x.openai_capital_called > 0:
        lines.append(
            f"  round trip: of the {x.openai_capital_called:,.1f}bn Nvidia paid into OpenAI, about"
            f" {x.nvidia_stake_came_back:,.1f}bn ({x.nvidia_stake_came_back / x.openai_capital_called:.0%})"
            f" came back to Nvidia as revenue (through Oracle, Microsoft, CoreWeave... buying its chips;"
            f" proportional tracing)"
        )
    lines.append(
        f"  openai: receives {o.revenue_outside:,.0f}bn from customers and {o.funding_outside:,.0f}bn of outside"
        f" funding plus {o.funding_inside:,.0f}bn from modelled holders; its payments to Oracle, Microsoft, AMD and"
        f" CoreWeave carry that mix"
    )
    for setup, text in (
        ("no_nvidia_stake", "without Nvidia's commitment to OpenAI"),
        ("no_oracle_offtake", "without OpenAI's Oracle offtake"),
        ("no_azure_offtake", "without OpenAI's Azure offtake"),
        ("no_microsoft_stake", "without Microsoft's OpenAI stake"),
    ):
        if setup not in e.index:
            continue
        x = e.loc[setup]
        lines.append(
            f"  {text}: Nvidia revenue {x.d_nvidia_revenue:+,.1f}bn"
            f" (chips sold to Oracle {x.d_nvidia_chips_from_oracle:+,.1f}),"
            f" Oracle revenue {x.d_oracle_revenue:+,.1f}bn, Microsoft revenue {x.d_microsoft_revenue:+,.1f}bn,"
            f" OpenAI survives {x.d_openai_months:+.0f} months, outside equity raised by OpenAI"
            f" {x.d_openai_outside_equity:+,.1f}bn, defaults {x.d_defaults:+.1f}, losses {x.d_total_loss:+,.0f}bn"
        )
    lines.append(
        "  note: a provider's revenue falls by more than the contract's payments when a contract is removed: the"
        " capacity freed when an offtake ends or its customer defaults is re-let at market rents (docs/model.md"
        " 7.8), so without the contract there is nothing to re-let"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "circular_financing", seeds=3, quick_seeds=1, months=240, quick_months=96)
    args = ex.options(ap, argv)
    out = args.out
    paths = QUICK_PATHS if args.quick else PATHS
    setups = {f"{p}|{b}": {"productivity": p} | ov for p in paths for b, ov in BREAKS.items()}
    runs = ex.run_many(
        setups,
        args.seeds,
        processes=args.processes,
        flows=True,
        progress=not args.quick,
        scenario="ai_2025",
        months=args.months,
    )
    spec = load_scenario("ai_2025")
    ids = [i.id for i in spec.institutions]
    kinds = {i.id: str(i.kind) for i in spec.institutions}
    flows = runs.flows.copy()
    flows[["path", "setup"]] = flows["setup"].str.split("|", expand=True)
    flows = flows[["setup", "path", "seed", "year", "payer", "payee", "label", "amount"]]
    rev = pd.concat(
        [
            revenue_table(g, ids, kinds).assign(setup=k[0], path=k[1], seed=k[2])
            for k, g in flows.groupby(["setup", "path", "seed"], sort=False)
        ],
        ignore_index=True,
    )
    rev = rev[["setup", "path", "seed"] + [c for c in rev.columns if c not in ("setup", "path", "seed")]]
    links = link_flows(flows)
    res = outcomes(runs, flows, args.months, ids)
    eff = effects(res)
    ex.save(flows, out / "flows.parquet")
    ex.save(rev, out / "revenue.parquet")
    ex.save(res, out / "outcomes.parquet")
    ex.save(links, out / "links.parquet")
    for name, fig in (
        ("loop_flows", figure_links(links)),
        ("revenue_booked", figure_revenue(rev)),
        ("break_links", figure_breaks(eff, _seeds(links))),
    ):
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)

    loop = rev[(rev["setup"] == "loop") & rev["institution"].isin(LOOP)]
    table = (
        loop.groupby(["path", "institution"], sort=False)[
            [
                "revenue_outside",
                "revenue_inside",
                "inside_paid_by_customers",
                "inside_paid_by_investors",
                "booked_not_from_customers",
                "funding_inside",
                "funding_outside",
            ]
        ]
        .mean()
        .reset_index()
    )
    ex.show(table, f"revenue booked over {args.months} months, intact loop (USD bn; mean over {len(args.seeds)} seeds)")
    ex.show(
        links[links["setup"] == "loop"]
        .groupby(["path", "link"], sort=False)["amount"]
        .sum()
        .div(len(args.seeds))
        .reset_index(),
        "the loop's links, total over the run (USD bn)",
    )
    cols = [
        "path",
        "setup",
        "openai_months",
        "openai_outside_equity",
        "nvidia_revenue",
        "nvidia_chips_from_oracle",
        "oracle_revenue",
        "oracle_from_openai",
        "microsoft_revenue",
        "defaults",
        "oracle_default",
        "total_loss",
    ]
    ex.show(eff[cols], "breaking one link (same seeds; means)")
    for path in paths:
        print("\n" + explain(rev, eff, path))
    print(f"\n{len(runs.summary)} runs in {ex.elapsed(args):.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
