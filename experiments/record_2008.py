"""bank_2008 against the 2008 record: the simulated sequence of distress, day by day.

    python experiments/record_2008.py [--months 120] [--out results/record_2008]

First the sequence with and without what the Fed and the Treasury did: ``bank_2008`` with no
policy, with the ``RescueMerger`` alone (budget: the Maiden Lane loan) and with the whole 2008
bundle (:func:`aicontagion.policies.record_2008`: the rescue merger, the Primary Dealer Credit
Facility from 17 March 2008, the Treasury's money-market guarantee and the AMLF from September,
TARP's capital purchases from October), each with dealer defaults by month, survivors, losses and
fiscal cost, the bundle's interventions by month, and the bundle with each piece left out. Then
``bank_2008`` as shipped (its scheduled MBS repricing; weekly liquidity sub-steps) with the
``RescueMerger`` policy, then the same with the price-impact channel off (an ablation that
isolates the funding runs from the fire-sale spiral), and prints, for each: the events of the 20
dealers and the money-market funds by month and day (defaults, runs, rescues, funds breaking the
buck), the summary's timings in days and the interbank volume around the first default; then the
number and months of dealer defaults over the dealers' monthly leverage-adjustment speed (0.2
shipped, assumed) and the MBS price impact (0.039 shipped, from Greenwood, Landier and Thesmar
2015). docs/validation.md, "2008 record", quotes it. Deterministic (the scenario has no random
draw): one seed (``--seeds`` and ``--processes`` are accepted for a uniform command line and
ignored; ``--quick`` skips the sweep). Writes to --out (tidy Parquet with the code version):
``timeline.parquet`` (setup, month, day, event, institutions), ``weeks.parquet`` (setup and the
sub-steps' funding volumes), ``interventions.parquet`` (the comparison), ``leave_one_out.parquet``
and ``by_setting.parquet``.
"""

from __future__ import annotations

import sys

import pandas as pd

import aicontagion as ac
from aicontagion.policies import RescueMerger, record_2008
from aicontagion.runs import experiment_kit as ex

EVENTS = ("default", "run", "rescue_merger", "broke_the_buck", "lender_of_last_resort")
SETUPS = {"no intervention": list, "RescueMerger only": lambda: [RescueMerger()], "2008 interventions": record_2008}
"""The comparison's policy sets, built afresh for each run."""
POLICY_EVENTS = ("rescue_merger", "lender_of_last_resort", "bailout")


def run(months: int = 120, **kw) -> ac.Sim:
    return ac.Sim("bank_2008", seed=0, months=months, policies=[RescueMerger()], **kw).run()


def timeline(sim: ac.Sim) -> pd.DataFrame:
    """Dealer and money-market-fund events by month, day and event: who."""
    ev = sim.events
    ev = ev[ev.event.isin(EVENTS) & ~ev.institution.str.startswith("bank_")]
    ev = ev.assign(month=ev["date"].astype(str).str[:7], day=ev["day"].fillna(0).astype(int))
    return ev.groupby(["month", "day", "event"]).institution.apply(lambda x: ", ".join(sorted(set(x)))).reset_index()


def dealer_defaults(sim: ac.Sim) -> pd.DataFrame:
    """Defaults of the 20 dealers (the periphery banks are ``bank_...``)."""
    ev = sim.events
    return ev[(ev.event == "default") & (ev.kind == "bank") & ~ev.institution.str.startswith("bank_")]


def compare(months: int = 120) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each of :data:`SETUPS` on the same scenario, seed and horizon: ``(summary, interventions)``.

    The summary has dealer defaults by month, survivors (of 20 dealers), funds that broke the buck,
    total losses (USD bn) and those borne by banks, money-market funds and outside creditors and
    buyers, fiscal cost at month 24 and at the end (USD bn; the Treasury debt that funds the
    interventions pays the Treasury rate); interventions are the
    bundle's loans and injections by month and kind (count, USD bn lent or injected, institutions).
    """
    rows, acts = [], []
    for label, policies in SETUPS.items():
        short = ac.Sim("bank_2008", seed=0, months=min(24, months), policies=policies()).run()
        sim = ac.Sim("bank_2008", seed=0, months=months, policies=policies()).run()
        d = dealer_defaults(sim)
        ev = sim.events
        by_month = d.groupby(d["date"].astype(str).str[:7]).size()
        first = d.sort_values(["step", "day"], na_position="first").head(1)
        rows.append(
            {
                "setup": label,
                "dealer defaults": len(d),
                "by month": ", ".join(f"{m}: {n}" for m, n in by_month.items()),
                "first": ""
                if first.empty
                else f"{first.institution.iloc[0]} {str(first.date.iloc[0])[:7]}/{int(first.day.fillna(0).iloc[0])}",
                "survivors": 20 - d.institution.nunique(),
                "periphery defaults": int(((ev.event == "default") & ev.institution.str.startswith("bank_")).sum()),
                "funds broke the buck": int((ev.event == "broke_the_buck").sum()),
                "total loss": round(sim.summary["total_loss"], 1),
                **{
                    f"loss {k.replace('_', ' ')}": round(float(sim.summary["losses_by_holder_kind"].get(k, 0.0)), 1)
                    for k in ("bank", "money_market_fund", "outside_creditors", "outside_buyers")
                },
                "fiscal cost m24": round(short.summary["fiscal_cost"], 1),
                "fiscal cost end": round(sim.summary["fiscal_cost"], 1),
            }
        )
        if label == "2008 interventions":
            x = ev[ev.event.isin(POLICY_EVENTS)]
            acts.append(
                x.assign(month=x["date"].astype(str).str[:7])
                .groupby(["month", "event"])
                .agg(count=("amount", "size"), usd_bn=("amount", "sum"), institutions=("institution", "nunique"))
                .reset_index()
            )
    return pd.DataFrame(rows), pd.concat(acts, ignore_index=True)


LEAVE_OUT = {
    "without the rescue merger": {"rescue_merger_budget": 0.0},
    "without the PDCF": {"pdcf_haircut": 1.0},  # lends nothing: no collateral value left after the haircut
    "without the MMF guarantee and AMLF": {
        k: "2030-01" for k in ("mmf_guarantee_date", "mmf_guarantee_end", "amlf_date", "amlf_end")
    },
    "without TARP": {"tarp_budget": 0.0},
}
"""The bundle with one intervention left out (each by the override that removes what it does)."""


def leave_one_out(months: int = 120) -> pd.DataFrame:
    """Dealer defaults by month, funds broken, losses and fiscal cost of the bundle less one piece."""
    rows = []
    for label, kw in LEAVE_OUT.items():
        sim = ac.Sim("bank_2008", seed=0, months=months, policies=record_2008(**kw)).run()
        d = dealer_defaults(sim)
        rows.append(
            {
                "bundle": label,
                "dealer defaults": len(d),
                "by month": ", ".join(f"{m}: {n}" for m, n in d.groupby(d["date"].astype(str).str[:7]).size().items()),
                "funds broke the buck": int((sim.events.event == "broke_the_buck").sum()),
                "total loss": round(sim.summary["total_loss"], 1),
                "fiscal cost end": round(sim.summary["fiscal_cost"], 1),
            }
        )
    return pd.DataFrame(rows)


def defaults_by_setting(months: int = 120, speeds=(1.0, 0.5, 0.2, 0.1), impacts=(0.15, 0.039, 0.01)) -> pd.DataFrame:
    """Dealer defaults over the two uncertain numbers behind the spiral: the dealers' monthly
    leverage-adjustment speed (shipped 0.2, assumed) and the MBS price impact (shipped 0.039,
    Greenwood, Landier and Thesmar 2015)."""
    rows = []
    for speed in speeds:
        for impact in impacts:
            sim = run(months, markets__mbs__impact=impact, behaviour__bank__leverage_adjustment=speed)
            ev = sim.events
            d = ev[(ev.event == "default") & (ev.kind == "bank") & ~ev.institution.str.startswith("bank_")]
            d = d.assign(when=d["date"].astype(str).str[:7] + "/" + d["day"].fillna(0).astype(int).astype(str))
            first = d.sort_values(["step", "day"], na_position="first").head(1)
            rows.append(
                {
                    "leverage adjustment": speed,
                    "mbs impact": impact,
                    "dealer defaults": len(d),
                    "first (month/day)": "" if first.empty else f"{first.when.iloc[0]} {first.institution.iloc[0]}",
                    "months": ", ".join(sorted(set(d["date"].astype(str).str[:7]))),
                    "rescued": int((ev.event == "rescue_merger").sum()),
                    "periphery defaults": int(((ev.event == "default") & ev.institution.str.startswith("bank_")).sum()),
                    "funds broke the buck": int((ev.event == "broke_the_buck").sum()),
                }
            )
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = ex.parser(__doc__, "record_2008", seeds=1, quick_seeds=1, months=120)
    args = ex.options(ap, argv)
    pd.set_option("display.width", 200, "display.max_colwidth", 120, "display.max_rows", 200)
    summary, acts = compare(args.months)
    print("\n== bank_2008 with and without the 2008 interventions (seed 0) ==")
    print(summary.to_string(index=False))
    print("\n== the interventions by month (2008 bundle; first 24 months of loans shown) ==")
    print(acts.head(40).round(1).to_string(index=False))
    loo = leave_one_out(args.months)
    print("\n== the 2008 bundle with one intervention left out ==")
    print(loo.to_string(index=False))
    prov = {"months": args.months, "seed": 0}
    ex.save(summary.rename(columns=lambda c: c.replace(" ", "_")), args.out / "interventions.parquet", prov)
    ex.save(loo.rename(columns=lambda c: c.replace(" ", "_")), args.out / "leave_one_out.parquet", prov)
    timelines, weeks = [], []
    for label, kw in (("as shipped", {}), ("price_impact off", {"channels": {"price_impact": False}})):
        sim = run(args.months, **kw)
        s = sim.summary
        print(f"\n== bank_2008 {label}, RescueMerger(budget=29) ==")
        tl = timeline(sim)
        print(tl.to_string(index=False))
        print("days:", s.get("days"))
        print("defaults by kind:", s["defaults_by_kind"], f"total loss {s['total_loss']:,.0f}bn")
        w = pd.DataFrame(sim.model.state.weeks)
        if not w.empty:
            busy = w[w.withdrawn > 0]
            print(busy[["month", "day", "withdrawn", "defaults", "interbank", "repo"]].round(1).to_string(index=False))
        timelines.append(tl.rename(columns={"institution": "institutions"}).assign(setup=label))
        weeks.append(w.assign(setup=label))
    ex.save(pd.concat(timelines, ignore_index=True), args.out / "timeline.parquet", prov)
    ex.save(pd.concat(weeks, ignore_index=True), args.out / "weeks.parquet", prov)
    if not args.quick:
        print("\n== dealer defaults by leverage-adjustment speed and MBS price impact (as shipped otherwise) ==")
        by_setting = defaults_by_setting(args.months)
        print(by_setting.to_string(index=False))
        ex.save(by_setting.rename(columns=lambda c: c.replace(" ", "_")), args.out / "by_setting.parquet", prov)
    return 0


if __name__ == "__main__":
    sys.exit(main())
