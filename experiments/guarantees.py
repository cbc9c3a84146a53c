"""Government guarantees: what they do to the odds of a crisis, the damage, and the fiscal cost.

    python experiments/guarantees.py [--quick] [--draws N] [--out results/guarantees] [--processes 2]

Monte Carlo over AI-productivity uncertainty (aicontagion.runs.montecarlo.sample_paths: a distribution
of revenue paths, not only the four named ones) with common random numbers: every policy runs on
the same (path, seed) draws. Writes <out>/summary.csv (one row per policy: policy, p_crisis,
loss_given_crisis, loss_p95, fiscal_cost, months_bought...), <out>/runs.parquet,
<out>/sensitivity.csv (the implicit guarantee over investment elasticity x coverage) and
<out>/tradeoff.png. The same comparison runs on bank_2008 when that scenario is shipped.
The crisis definition is in docs/model.md ("Crisis").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from aicontagion.policies import Bailout, ImplicitGuarantee, LenderOfLastResort, LoanGuarantee  # noqa: E402
from aicontagion.runs.montecarlo import policy_table, run_setups, sample_paths  # noqa: E402
from aicontagion.scenarios.loader import available, load_scenario  # noqa: E402

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
    for eps in (0.0, 2.0) if quick else (0.0, 0.5, 1.0, 2.0):
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


def tradeoff_figure(summary: pd.DataFrame, title: str):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in summary.itertuples():
        ax.scatter(r.p_crisis, r.loss_given_crisis, s=60 + 3 * max(r.fiscal_cost, 0), alpha=0.7)
        ax.annotate(
            f"{r.policy}\nfiscal {r.fiscal_cost:.0f}",
            (r.p_crisis, r.loss_given_crisis),
            fontsize=7,
            xytext=(5, 3),
            textcoords="offset points",
        )
    ax.set_xlabel("probability of a crisis")
    ax.set_ylabel("loss given a crisis (USD bn)")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few draws, short sensitivity sweep")
    ap.add_argument("--draws", type=int, default=None, help="productivity draws (default 100, quick 10)")
    ap.add_argument("--seeds", type=int, default=None, help="alias of --draws (one seed per draw)")
    ap.add_argument("--months", type=int, default=None, help="months per run (default 240, quick 180)")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--out", default="results/guarantees")
    args = ap.parse_args(argv)
    draws = args.draws or args.seeds or (6 if args.quick else 100)
    args.months = args.months or (180 if args.quick else 240)
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
        fig = tradeoff_figure(summary, f"{scenario}: guarantees, {draws} draws")
        fig.savefig(out / f"tradeoff_{scenario}.png", dpi=110)
        plt.close(fig)
    summary = pd.concat(summaries, ignore_index=True)
    summary[summary.scenario == "ai_2025"].drop(columns="scenario").to_csv(out / "summary.csv", index=False)
    summary.to_csv(out / "summary_all.csv", index=False)
    sens = sensitivity("ai_2025", paths[:3] if args.quick else paths[:40], args.months, args.processes, args.quick)
    sens.to_csv(out / "sensitivity.csv", index=False)
    pd.set_option("display.width", 200)
    print(summary.to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    print("\nimplicit guarantee sensitivity (ai_2025):")
    print(sens.to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
    print(f"\n{len(summary)} policy rows, {draws} draws each, {time.perf_counter() - t0:.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
