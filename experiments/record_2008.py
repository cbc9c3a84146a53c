"""bank_2008 against the 2008 record: the simulated sequence of distress, day by day.

    python experiments/record_2008.py [--months 120] [--out results/record_2008]

Runs ``bank_2008`` as shipped (its scheduled MBS repricing; weekly liquidity sub-steps) with the
``RescueMerger`` policy (budget: the Maiden Lane loan), then the same with the price-impact
channel off (an ablation that isolates the funding runs from the fire-sale spiral), and prints,
for each: the events of the 20 dealers and the money-market funds by month and day (defaults,
runs, rescues, funds breaking the buck), the summary's timings in days and the interbank volume
around the first default; then the number and months of dealer defaults over the dealers' monthly
leverage-adjustment speed (0.2 shipped, assumed) and the MBS price impact (0.039 shipped, from
Greenwood, Landier and Thesmar 2015). docs/validation.md, "2008 record", quotes it.
Deterministic (the scenario has no random draw): one seed (``--seeds`` and ``--processes`` are
accepted for a uniform command line and ignored; ``--quick`` skips the sweep).
Writes to --out (tidy Parquet with the code version): ``timeline.parquet`` (setup, month, day,
event, institutions), ``weeks.parquet`` (setup and the sub-steps' funding volumes) and
``by_setting.parquet``.
"""

from __future__ import annotations

import sys

import pandas as pd

import aicontagion as ac
from aicontagion.policies import RescueMerger
from aicontagion.runs import experiment_kit as ex

EVENTS = ("default", "run", "rescue_merger", "broke_the_buck", "lender_of_last_resort")


def run(months: int = 120, **kw) -> ac.Sim:
    return ac.Sim("bank_2008", seed=0, months=months, policies=[RescueMerger()], **kw).run()


def timeline(sim: ac.Sim) -> pd.DataFrame:
    """Dealer and money-market-fund events by month, day and event: who."""
    ev = sim.events
    ev = ev[ev.event.isin(EVENTS) & ~ev.institution.str.startswith("bank_")]
    ev = ev.assign(month=ev["date"].astype(str).str[:7], day=ev["day"].fillna(0).astype(int))
    return ev.groupby(["month", "day", "event"]).institution.apply(lambda x: ", ".join(sorted(set(x)))).reset_index()


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
    prov = {"months": args.months, "seed": 0}
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
