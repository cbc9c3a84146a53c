"""Government guarantees: what they do to the odds of a crisis, the damage, and the fiscal cost.

    python experiments/guarantees.py [--quick] [--draws N] [--out results/guarantees] [--processes 2]

Monte Carlo over AI-productivity uncertainty (aicontagion.runs.montecarlo.sample_paths: a distribution
of revenue paths, not only the four named ones) with common random numbers: every policy runs on
the same (path, seed) draws. Writes <out>/summary.parquet (ai_2025, one row per policy: policy,
p_crisis, loss_given_crisis, loss_p95, fiscal_cost, months_bought...), <out>/summary_all.parquet
(every scenario), <out>/runs_<scenario>.parquet, <out>/sensitivity.parquet (the implicit guarantee
over investment elasticity x coverage) and <out>/tradeoff_<scenario>.png. The same comparison runs
on bank_2008 when that scenario is shipped. ``--quick`` (1 draw, 60 months) is a smoke run of
well under 20 s.
The crisis definition is in docs/model.md ("Crisis").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from aicontagion.policies import Bailout, ImplicitGuarantee, LenderOfLastResort, LoanGuarantee
from aicontagion.results.report import fmt
from aicontagion.results.style import caption, legend_outside, seeds_text, setup_colours
from aicontagion.runs.montecarlo import policy_table, run_setups, sample_paths
from aicontagion.scenarios.loader import available, load_scenario

AI_LOANS = (
    "abilene_loan_jpmorgan",
    "vantage_loan_jpmorgan",
    "vantage_loan_mufg",
    "colossus2_loan_apollo",
    "coreweave_ddtl2_blackstone",
    "coreweave_ddtl1",
)


def mmf_repo_ids() -> tuple[str, ...]:
    """Ids of bank_2008's repo contracts lent by money-market funds."""
    spec = load_scenario("bank_2008")
    kinds = {i.id: i.kind for i in spec.institutions}
    return tuple(c.id for c in spec.contracts if c.type == "repo" and kinds.get(c.lender) == "money_market_fund")


def setups(scenario: str) -> dict[str, dict]:
    """The five policy setups for a scenario (2008 tools aimed at banks on the bank path)."""
    if scenario == "bank_2008":
        return {
            "none": {},
            "implicit_guarantee": {"policies": [ImplicitGuarantee(kinds=("bank",))]},
            # the September 2008 analogue: the money-market funds' repo lending to dealers is guaranteed
            "loan_guarantee": {"policies": [LoanGuarantee(contracts=mmf_repo_ids(), coverage=1.0)]},
            "bailout": {"policies": [Bailout(kinds=("bank",), threshold=0.03, target=0.06, budget=700.0)]},
            "lender_of_last_resort": {"policies": [LenderOfLastResort(kinds=("bank",))]},
        }
    return {
        "none": {},
        "implicit_guarantee": {"policies": [ImplicitGuarantee(kinds=("neocloud", "spv"))]},
        "loan_guarantee": {"policies": [LoanGuarantee(contracts=AI_LOANS, coverage=0.8)]},
        "bailout": {
            "policies": [
                Bailout(
                    kinds=("bank", "private_credit_fund", "neocloud", "spv"), threshold=0.03, target=0.06, budget=700.0
                )
            ]
        },
        "lender_of_last_resort": {"policies": [LenderOfLastResort(kinds=("bank", "private_credit_fund", "neocloud"))]},
    }


def sensitivity(scenario: str, paths, months: int, processes: int, quick: bool = False) -> pd.DataFrame:
    """The implicit guarantee's effect over the investment elasticity and its coverage."""
    rows = []
    for eps in (2.0,) if quick else (0.0, 0.5, 1.0, 2.0):
        for cov in (1.0,) if quick else (0.5, 1.0):
            table = run_setups(
                {"none": {}, "guarantee": {"policies": [ImplicitGuarantee(coverage=cov)]}},
                paths,
                processes=processes,
                scenario=scenario,
                months=months,
                funding__investment_elasticity=eps,
            )
            pt = policy_table(table, months).set_index("policy")
            none, g = pt.loc["none"], pt.loc["guarantee"]
            rows.append(
                {
                    "investment_elasticity": eps,
                    "coverage": cov,
                    "p_crisis_none": none.p_crisis,
                    "p_crisis_guarantee": g.p_crisis,
                    "loss_given_crisis_none": none.loss_given_crisis,
                    "loss_given_crisis_guarantee": g.loss_given_crisis,
                    "damage_ratio": g.loss_given_crisis / none.loss_given_crisis if none.loss_given_crisis else None,
                    "fiscal_cost": g.fiscal_cost,
                }
            )
    return pd.DataFrame(rows)


def tradeoff_figure(summary: pd.DataFrame, title: str, note: str = ""):
    """Probability of a crisis against the loss given a crisis, one colour per policy (marker area
    ~ fiscal cost); both axes start at zero, so small differences look small."""
    fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
    colours = setup_colours(summary["policy"])
    for r in summary.itertuples():
        ax.scatter(
            r.p_crisis,
            r.loss_given_crisis,
            s=40 + 3 * max(r.fiscal_cost, 0),
            alpha=0.6,
            color=colours[r.policy],
            edgecolor="k",
            lw=0.5,
            label=f"{r.policy.replace('_', ' ')} (fiscal cost {fmt(r.fiscal_cost)} bn)",
        )
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(0, max(1.0, summary["loss_given_crisis"].max()) * 1.15)
    ax.set_xlabel("probability of a crisis (share of draws)")
    ax.set_ylabel("loss given a crisis (USD bn)")
    ax.set_title(title, fontsize=10)
    legend_outside(ax, title="policy")
    caption(fig, "marker area ~ fiscal cost. " + note)
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few draws, short sensitivity sweep")
    ap.add_argument("--draws", type=int, default=None, help="productivity draws (default 100, quick 1)")
    ap.add_argument("--seeds", type=int, default=None, help="alias of --draws (one seed per draw)")
    ap.add_argument("--months", type=int, default=None, help="months per run (default 240, quick 60)")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2, quick 1)")
    ap.add_argument("--out", default="results/guarantees")
    args = ap.parse_args(argv)
    draws = args.draws or args.seeds or (1 if args.quick else 100)
    args.processes = args.processes or (1 if args.quick else 2)
    args.months = args.months or (60 if args.quick else 240)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = sample_paths(draws, seed=2025)
    scenarios = ["ai_2025"] + (["bank_2008"] if "bank_2008" in available() else [])
    summaries = []
    for scenario in scenarios:
        table = run_setups(
            setups(scenario),
            paths,
            processes=args.processes,
            progress=not args.quick,
            scenario=scenario,
            months=args.months,
        )
        table.to_parquet(out / f"runs_{scenario}.parquet", index=False)
        summary = policy_table(table, args.months).assign(scenario=scenario)
        summaries.append(summary)
        seeds = seeds_text(range(1, draws + 1))
        note = f"{draws} productivity draws ({seeds}, common random numbers), {args.months} months each."
        fig = tradeoff_figure(summary, f"{scenario}: guarantees over {draws} productivity draws", note)
        fig.savefig(out / f"tradeoff_{scenario}.png", dpi=110)
        plt.close(fig)
    summary = pd.concat(summaries, ignore_index=True)
    summary[summary.scenario == "ai_2025"].drop(columns="scenario").to_parquet(out / "summary.parquet", index=False)
    summary.to_parquet(out / "summary_all.parquet", index=False)
    sens = sensitivity("ai_2025", paths[:2] if args.quick else paths[:40], args.months, args.processes, args.quick)
    sens.to_parquet(out / "sensitivity.parquet", index=False)
    pd.set_option("display.width", 200)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print("\nimplicit guarantee sensitivity (ai_2025):")
    print(sens.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\n{len(summary)} policy rows, {draws} draws each, {time.perf_counter() - t0:.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
