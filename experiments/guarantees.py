"""Government guarantees: the odds of a crisis at the intermediaries, the damage, the time bought, the fiscal cost.

    python experiments/guarantees.py [--quick] [--draws N] [--months M] [--out results/guarantees] [--processes 2]

Monte Carlo over AI-productivity uncertainty (aicontagion.runs.montecarlo.sample_paths, seed 2025)
with common random numbers: every policy runs on the same (path, seed) draws, so differences
between policies are paired. Eight setups on ai_2025 (the scenario with an empty state-backed
compute company added, policies.state_company.with_state_company, which changes nothing by itself):

* ``none``;
* ``implicit_guarantee``: markets believe neocloud and SPV debt is backed, from the start;
* ``state_company``: the state-backed compute company, once the trigger fires, finances the neocloud
  and SPV debt private credit will not roll and buys ``LEASE_SHARE`` of the giants' and neoclouds'
  new buildings, which it leases to them; conservatorship on insolvency;
* ``state_company_mandate``: the same company with a mandate from the start (no trigger): it owns
  and leases ``LEASE_SHARE`` of the build-out's buildings from month 0, so its guaranteed book grows
  with the build-out (the Fannie/Freddie case);
* ``state_company_takeover``: the mandate company that also takes over failed SPVs' and neoclouds'
  facilities (policies.takeover): it buys their buildings and GPUs at carrying value with new agency
  bonds instead of letting them be fire-sold, and keeps their customer contracts, so its book grows
  with the distress and the failed borrowers' lenders recover more (the GSE creditor bailout);
* ``loan_backstop``: an explicit (CHIPS-style) 80% guarantee of six named data-centre and GPU loans,
  once the trigger fires;
* ``bailout``: capital injections into banks, private-credit funds, neoclouds and SPVs below 3%
  equity / assets, up to 700bn (TARP's size), once the trigger fires;
* ``lender_of_last_resort``: secured one-month loans to solvent banks, funds and neoclouds short of
  cash, once the trigger fires.

The trigger (:class:`aicontagion.policies.triggers.Trigger`): AI borrowers' principal-weighted spread
at or above 6.5% (the opening 3.5% plus 300 bp; assumed) or the first default among neoclouds, SPVs
and labs (assumed). On bank_2008 the same tools are aimed at the banks (no state company).

The crisis is measured at the intermediaries (aicontagion.results.crisis.CRISIS_DEFINITION, printed
under every table). Writes <out>/summary.parquet (ai_2025, one row per policy, with 90% intervals),
<out>/summary_all.parquet (every scenario), <out>/runs_<scenario>.parquet (one row per run),
<out>/sensitivity.parquet (the implicit guarantee over investment elasticity x coverage),
<out>/mandate.parquet (the state company's mandate over the share of the buildings it owns),
<out>/table.md (the README table) and <out>/tradeoff_<scenario>.png. ``--quick`` is a smoke run
(2 draws, 36 months, ai_2025 and 1 draw of bank_2008) of well under 20 s. bank_2008 runs
``--bank-draws`` (5) draws: the bank path does not depend on AI revenue (every draw gives the same
run; measured), so more draws would only repeat it. The default horizon is 120 months (to 2034):
200 draws x 6 policies at 240 months take about an hour on two cores; a 240-month check over 60
draws gave the same odds and losses (``--months 240 --draws 60``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from aicontagion.policies import (
    Bailout,
    ImplicitGuarantee,
    LenderOfLastResort,
    LoanGuarantee,
    StateCompany,
    Trigger,
    with_state_company,
)
from aicontagion.results.crisis import COMPONENTS, CRISIS_DEFINITION, INTERMEDIARIES
from aicontagion.results.provenance import write_parquet
from aicontagion.results.style import caption, seeds_text, setup_colours
from aicontagion.runs.montecarlo import crisis_old, policy_table, run_setups, sample_paths
from aicontagion.scenarios.loader import available, load_scenario
from aicontagion.sim import Sim

AI_LOANS = (
    "abilene_loan_jpmorgan",
    "vantage_loan_jpmorgan",
    "vantage_loan_mufg",
    "colossus2_loan_apollo",
    "coreweave_ddtl2_blackstone",
    "coreweave_ddtl1",
)
TRIGGER_SPREAD = 0.065
"""AI borrowers' spread that sets the rescues off: the opening 3.5% plus 300 bp (assumed; range 0.05-0.10)."""
LEASE_SHARE = 0.5
"""The company's mandate: share of the giants' and neoclouds' building deliveries it buys and leases
back (assumed; range 0.2-1.0; buildings are half of capex, so 0.5 is a quarter of the build-out)."""
TRIGGER_DEFAULTS = 1
"""Or the first default among them (assumed; range 1-3)."""
Z90 = 1.6448536269514722
BOOTSTRAP = 2000
HOLDERS = ("bank", "money_market_fund", "pension_lp", "private_credit_fund", "outside")


def mmf_repo_ids() -> tuple[str, ...]:
    """Ids of bank_2008's repo contracts lent by money-market funds."""
    spec = load_scenario("bank_2008")
    kinds = {i.id: i.kind for i in spec.institutions}
    return tuple(c.id for c in spec.contracts if c.type == "repo" and kinds.get(c.lender) == "money_market_fund")


def trigger(scenario: str) -> Trigger:
    """The rescues' trigger: on bank_2008 the banks' spreads and defaults, else the AI borrowers'."""
    kinds = ("bank",) if scenario == "bank_2008" else ("neocloud", "spv", "ai_lab")
    return Trigger(spread_above=TRIGGER_SPREAD, defaults_at_least=TRIGGER_DEFAULTS, kinds=kinds)


def setups(scenario: str) -> dict[str, dict]:
    """The policy setups for a scenario (2008 tools aimed at banks on the bank path)."""
    t = trigger  # a fresh Trigger per policy: each latches on its own
    if scenario == "bank_2008":
        return {
            "none": {},
            "implicit_guarantee": {"policies": [ImplicitGuarantee(kinds=("bank",))]},
            # the September 2008 analogue: the money-market funds' repo lending to dealers is guaranteed
            "loan_backstop": {"policies": [LoanGuarantee(contracts=mmf_repo_ids(), coverage=1.0, trigger=t(scenario))]},
            "bailout": {
                "policies": [Bailout(kinds=("bank",), threshold=0.03, target=0.06, budget=700.0, trigger=t(scenario))]
            },
            "lender_of_last_resort": {"policies": [LenderOfLastResort(kinds=("bank",), trigger=t(scenario))]},
        }
    return {
        "none": {},
        "implicit_guarantee": {"policies": [ImplicitGuarantee(kinds=("neocloud", "spv"))]},
        "state_company": {
            "policies": [StateCompany(kinds=("spv", "neocloud"), lease_share=LEASE_SHARE, trigger=t(scenario))]
        },
        "state_company_mandate": {"policies": [StateCompany(kinds=("spv", "neocloud"), lease_share=LEASE_SHARE)]},
        "state_company_takeover": {
            "policies": [StateCompany(kinds=("spv", "neocloud"), lease_share=LEASE_SHARE, takeover=True)]
        },
        "loan_backstop": {"policies": [LoanGuarantee(contracts=AI_LOANS, coverage=0.8, trigger=t(scenario))]},
        "bailout": {
            "policies": [
                Bailout(
                    kinds=("bank", "private_credit_fund", "neocloud", "spv"),
                    threshold=0.03,
                    target=0.06,
                    budget=700.0,
                    trigger=t(scenario),
                )
            ]
        },
        "lender_of_last_resort": {
            "policies": [LenderOfLastResort(kinds=("bank", "private_credit_fund", "neocloud"), trigger=t(scenario))]
        },
    }


def scenario_of(name: str):
    """The scenario run: ai_2025 with the (empty) state company for every setup (common random numbers)."""
    spec = load_scenario(name)
    return with_state_company(spec) if name == "ai_2025" else spec


# ---------------------------------------------------------------- statistics
def wilson(k: int, n: int, z: float = Z90) -> tuple[float, float]:
    """Wilson score interval of a proportion k / n (90% by default)."""
    if n == 0:
        return float("nan"), float("nan")
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))


def mean_ci(values, rng: np.random.Generator) -> tuple[float, float, float]:
    """Mean and 90% percentile-bootstrap interval (NaN for no values)."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return float("nan"), float("nan"), float("nan")
    if x.size == 1:
        return float(x[0]), float(x[0]), float(x[0])
    means = x[rng.integers(0, x.size, size=(BOOTSTRAP, x.size))].mean(axis=1)
    return float(x.mean()), float(np.quantile(means, 0.05)), float(np.quantile(means, 0.95))


def guarantee_table(table: pd.DataFrame, months: int, base: str = "none") -> pd.DataFrame:
    """Per policy: p(crisis) with a 90% Wilson interval; losses given a crisis (intermediaries' and
    wealth) and over all draws, fiscal cost, months bought against ``base`` on the same draws (paired),
    the guaranteed book, who held the guaranteed debt, each mean with a 90% bootstrap interval."""
    rng = np.random.default_rng(0)
    t = table.copy()
    t["first_default"] = t["months_to_first_default"].fillna(months).clip(upper=months)
    t["to_crisis"] = t["months_to_crisis"].fillna(months).clip(upper=months)
    ref = t[t["setup"] == base].set_index("seed")
    rows = []
    for name, g in t.groupby("setup", sort=False):
        g = g.set_index("seed")
        c = g[g["crisis"].astype(bool)]
        k, n = int(len(c)), int(len(g))
        lo, hi = wilson(k, n)
        row = {"policy": name, "runs": n, "crises": k, "p_crisis": k / n, "p_crisis_lo": lo, "p_crisis_hi": hi}
        stats = {
            "intermediary_loss_given_crisis": c["intermediary_loss"],
            "wealth_loss_given_crisis": c["wealth_loss"],
            "intermediary_loss": g["intermediary_loss"],
            "wealth_loss": g["wealth_loss"],
            "total_loss": g["total_loss"],
            "fiscal_cost": g["fiscal_cost"],
            "months_bought": g["first_default"] - ref["first_default"].reindex(g.index),
            "crisis_months_bought": g["to_crisis"] - ref["to_crisis"].reindex(g.index),
            "guaranteed_book_at_crisis": c["guaranteed_book_at_crisis"],
            "guaranteed_book_peak": g["guaranteed_book_peak"],
            "conservatorship_draws": g["conservatorship_draws"],
            "state_owned_capacity": g.get("state_owned_capacity", pd.Series(0.0, index=g.index)),
            "agency_repo": g.get("agency_repo", pd.Series(0.0, index=g.index)),
        }
        for key, values in stats.items():
            row[key], row[f"{key}_lo"], row[f"{key}_hi"] = mean_ci(values, rng)
        for part in COMPONENTS:  # which condition drives p(crisis): each on its own, over all draws
            hit = g.get(f"crisis_{part}", pd.Series(False, index=g.index)).fillna(False).astype(bool)
            row[f"p_{part}"] = float(hit.mean())
        row["p_crisis_old"] = float(crisis_old(g.reset_index()).mean())
        row["p_default"] = float((g["defaults"] > 0).mean())
        row["defaults"] = float(g["defaults"].mean())
        row["months_to_first_default"] = float(g["first_default"].mean())
        held = {h: g.get(f"guaranteed_held_by.{h}", pd.Series(0.0, index=g.index)).fillna(0.0).mean() for h in HOLDERS}
        total = sum(held.values())
        row["held_total"] = float(total)
        for h, v in held.items():
            row[f"held_by_{h}"] = v / total if total > 0 else 0.0
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- outputs
def fmt_ci(v: float, lo: float, hi: float, digits: int = 0, pct: bool = False) -> str:
    """``v [lo, hi]`` (percent if ``pct``); ``-`` for NaN."""
    if not np.isfinite(v):
        return "-"
    if pct:
        return f"{100 * v:.{digits}f}% [{100 * lo:.{digits}f}, {100 * hi:.{digits}f}]"
    return f"{v:,.{digits}f} [{lo:,.{digits}f}, {hi:,.{digits}f}]"


def intermediaries_capital(spec) -> float:
    """Opening equity of the scenario's intermediaries (USD bn; banks, funds, pensions and insurers):
    the yardstick for the guaranteed book (the GSEs' book was many times the banks' capital)."""
    s = Sim(spec, months=1).build().state
    inter = np.isin(s.registry.kind, [int(k) for k in INTERMEDIARIES])
    return float(s.snapshot.equity0[inter].sum())


def markdown(summary: pd.DataFrame, scenario: str, draws: int, months: int) -> str:
    """The README table of one scenario, with 90% intervals and the crisis definition under it."""
    head = (
        "| policy | p(crisis) | by component: bank capital / pension, insurer gap / fund gate / credit losses | "
        "p(crisis), old definition | intermediaries' loss given crisis | "
        "wealth loss given crisis | "
        "intermediaries' loss (all draws) | wealth loss (all draws) | fiscal cost | months bought | "
        "guaranteed book at crisis / peak | state-owned capacity at the end / conservatorship draws | "
        "guaranteed debt held at the end by banks / MMFs / pensions, insurers / private credit / outside |"
    )
    lines = [head, "|" + "---|" * 13]
    for r in summary.itertuples():
        book = f"{r.guaranteed_book_at_crisis:,.0f}" if np.isfinite(r.guaranteed_book_at_crisis) else "-"
        held = (
            f"{r.held_by_bank:.0%} / {r.held_by_money_market_fund:.0%} / {r.held_by_pension_lp:.0%} / "
            f"{r.held_by_private_credit_fund:.0%} / "
            f"{r.held_by_outside:.0%}"
            if r.held_total > 0
            else "-"
        )
        ilgc_hi = r.intermediary_loss_given_crisis_hi
        parts = " / ".join(f"{getattr(r, 'p_' + part, 0.0):.0%}" for part in COMPONENTS)
        lines.append(
            f"| {r.policy.replace('_', ' ')} | {fmt_ci(r.p_crisis, r.p_crisis_lo, r.p_crisis_hi, pct=True)} | "
            f"{parts} | "
            f"{r.p_crisis_old:.0%} | "
            f"{fmt_ci(r.intermediary_loss_given_crisis, r.intermediary_loss_given_crisis_lo, ilgc_hi)} | "
            f"{fmt_ci(r.wealth_loss_given_crisis, r.wealth_loss_given_crisis_lo, r.wealth_loss_given_crisis_hi)} | "
            f"{fmt_ci(r.intermediary_loss, r.intermediary_loss_lo, r.intermediary_loss_hi, 1)} | "
            f"{fmt_ci(r.wealth_loss, r.wealth_loss_lo, r.wealth_loss_hi)} | "
            f"{fmt_ci(r.fiscal_cost, r.fiscal_cost_lo, r.fiscal_cost_hi, 1)} | "
            f"{fmt_ci(r.months_bought, r.months_bought_lo, r.months_bought_hi, 1)} | "
            f"{book} / {r.guaranteed_book_peak:,.0f} | "
            f"{r.state_owned_capacity:,.0f} / {r.conservatorship_draws:,.1f} | {held} |"
        )
    note = (
        f"\n{scenario}, {draws} AI-revenue draws (common random numbers), {months} months each; "
        "USD bn; 90% intervals (Wilson for p(crisis), bootstrap for means); months bought = months to "
        "the first default against no policy on the same draws (paired); losses given a crisis over the "
        "crisis draws only; old definition: final-bearer losses >= 5% of system assets or an "
        f"intermediary's default. {CRISIS_DEFINITION}."
    )
    return "\n".join(lines) + "\n" + note + "\n"


def tradeoff_figure(summary: pd.DataFrame, title: str, note: str = ""):
    """Time bought against the blast radius (intermediaries' and wealth losses) and the fiscal cost:
    one point per policy with its 90% interval on both axes; every axis includes zero, so
    differences inside the intervals look as small as they are."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 4.2), layout="constrained")
    colours = setup_colours(summary["policy"])
    panels = (
        ("intermediary_loss", "intermediaries' loss (USD bn, mean)"),
        ("wealth_loss", "mark-to-market wealth loss (USD bn, mean)"),
        ("fiscal_cost", "fiscal cost (USD bn, mean)"),
    )
    for ax, (key, ylabel) in zip(axes, panels, strict=True):
        for r in summary.itertuples():
            x, y = r.months_bought, getattr(r, key)
            xerr = [[x - r.months_bought_lo], [r.months_bought_hi - x]]
            yerr = [[y - getattr(r, f"{key}_lo")], [getattr(r, f"{key}_hi") - y]]
            ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o", color=colours[r.policy], capsize=3, label=r.policy)
        lo = min(0.0, (summary["months_bought_lo"]).min())
        hi = max(1.0, (summary["months_bought_hi"]).max())
        ax.set_xlim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
        ylo = min(0.0, summary[f"{key}_lo"].min())
        ax.set_ylim(ylo * 1.1, max(1.0, summary[f"{key}_hi"].max()) * 1.1)
        ax.axvline(0, color="grey", lw=0.5)
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_xlabel("months bought (to first default, vs none)")
        ax.set_ylabel(ylabel)
    axes[0].legend(fontsize=7, loc="best")
    fig.suptitle(title, fontsize=10)
    caption(fig, note)
    return fig


def sensitivity(scenario, paths, months: int, processes: int, quick: bool = False) -> pd.DataFrame:
    """The implicit guarantee's effect over the investment elasticity and its coverage."""
    rows = []
    for eps in (2.0,) if quick else (0.0, 1.0, 2.0):
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
            gt = guarantee_table(table, months).set_index("policy")
            rows.append(
                {
                    "investment_elasticity": eps,
                    "coverage": cov,
                    "p_crisis_none": none.p_crisis,
                    "p_crisis_guarantee": g.p_crisis,
                    "wealth_loss_none": gt.loc["none", "wealth_loss"],
                    "wealth_loss_guarantee": gt.loc["guarantee", "wealth_loss"],
                    "damage_ratio": gt.loc["guarantee", "total_loss"] / gt.loc["none", "total_loss"]
                    if gt.loc["none", "total_loss"]
                    else None,
                    "months_bought": gt.loc["guarantee", "months_bought"],
                    "fiscal_cost": g.fiscal_cost,
                }
            )
    return pd.DataFrame(rows)


def mandate_sensitivity(scenario, paths, months: int, processes: int, quick: bool = False) -> pd.DataFrame:
    """The state company with a mandate from the start, over the share of the buildings it owns
    (``LEASE_SHARE``'s range): the size of its book against the intermediaries' capital, the odds,
    the damage and the fiscal cost (paired with no policy on the same draws)."""
    shares = (LEASE_SHARE,) if quick else (0.2, LEASE_SHARE, 1.0)
    setups_ = {"none": {}} | {
        f"mandate_{x:g}": {"policies": [StateCompany(kinds=("spv", "neocloud"), lease_share=x)]} for x in shares
    }
    table = run_setups(setups_, paths, processes=processes, scenario=scenario, months=months)
    gt = guarantee_table(table, months).set_index("policy")
    capital = intermediaries_capital(scenario)
    rows = []
    for x in shares:
        r, none = gt.loc[f"mandate_{x:g}"], gt.loc["none"]
        rows.append(
            {
                "lease_share": x,
                "guaranteed_book_peak": r.guaranteed_book_peak,
                "book_to_capital": r.guaranteed_book_peak / capital,
                "state_owned_capacity": r.state_owned_capacity,
                "p_crisis_none": none.p_crisis,
                "p_crisis": r.p_crisis,
                "intermediary_loss_none": none.intermediary_loss,
                "intermediary_loss": r.intermediary_loss,
                "wealth_loss": r.wealth_loss,
                "fiscal_cost": r.fiscal_cost,
                "conservatorship_draws": r.conservatorship_draws,
                "months_bought": r.months_bought,
            }
        )
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 2 draws, 36 months, one process")
    ap.add_argument("--draws", type=int, default=None, help="productivity draws (default 200, quick 2)")
    ap.add_argument("--seeds", type=int, default=None, help="alias of --draws (one seed per draw)")
    ap.add_argument("--months", type=int, default=None, help="months per run (default 120, quick 36)")
    ap.add_argument("--processes", type=int, default=None, help="worker processes (default 2, quick 1)")
    ap.add_argument(
        "--bank-draws",
        type=int,
        default=5,
        help="draws on bank_2008, whose runs do not depend on AI revenue (default 5)",
    )
    ap.add_argument("--no-sensitivity", action="store_true", help="skip the implicit guarantee's sensitivity")
    ap.add_argument("--reuse", action="store_true", help="summarise the runs_<scenario>.parquet already in --out")
    ap.add_argument("--out", default="results/guarantees")
    args = ap.parse_args(argv)
    draws = args.draws or args.seeds or (2 if args.quick else 200)
    processes = args.processes or (1 if args.quick else 2)
    months = args.months or (36 if args.quick else 120)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = sample_paths(draws, seed=2025)
    scenarios = ["ai_2025"] + (["bank_2008"] if "bank_2008" in available() else [])
    provenance = {"draws": draws, "months": months, "path_seed": 2025, "crisis_definition": CRISIS_DEFINITION}
    summaries, tables = [], []
    for scenario in scenarios:
        run_paths = paths if scenario == "ai_2025" else paths[: 1 if args.quick else max(1, args.bank_draws)]
        runs_file = out / f"runs_{scenario}.parquet"
        if args.reuse and runs_file.exists():
            table = pd.read_parquet(runs_file)
            run_paths = run_paths[: table["seed"].nunique()]
        else:
            table = run_setups(
                setups(scenario),
                run_paths,
                processes=processes,
                progress=not args.quick,
                scenario=scenario_of(scenario),
                months=months,
            )
            write_parquet(table, runs_file, provenance)
        summary = guarantee_table(table, months).assign(scenario=scenario)
        capital = intermediaries_capital(load_scenario(scenario))
        summary["intermediaries_capital"] = capital
        summary["book_to_capital"] = summary["guaranteed_book_peak"] / capital if capital > 0 else np.nan
        summaries.append(summary)
        tables.append(markdown(summary, scenario, len(run_paths), months))
        seeds = seeds_text(range(1, len(run_paths) + 1))
        note = (
            f"{len(run_paths)} AI-revenue draws ({seeds}, common random numbers), {months} months; "
            f"bars: 90% intervals. {CRISIS_DEFINITION}."
        )
        fig = tradeoff_figure(summary, f"{scenario}: time bought against blast radius and fiscal cost", note)
        fig.savefig(out / f"tradeoff_{scenario}.png", dpi=110)
        plt.close(fig)
    summary = pd.concat(summaries, ignore_index=True)
    write_parquet(summary[summary.scenario == "ai_2025"].drop(columns="scenario"), out / "summary.parquet", provenance)
    write_parquet(summary, out / "summary_all.parquet", provenance)
    (out / "table.md").write_text("\n".join(tables))
    if not args.no_sensitivity:
        sens_paths = paths[:1] if args.quick else paths[:20]
        sens = sensitivity(scenario_of("ai_2025"), sens_paths, months, processes, args.quick)
        write_parquet(sens, out / "sensitivity.parquet", provenance)
        mand = mandate_sensitivity(scenario_of("ai_2025"), sens_paths, months, processes, args.quick)
        write_parquet(mand, out / "mandate.parquet", provenance)
    pd.set_option("display.width", 250)
    cols = ["scenario", "policy", "p_crisis", "p_crisis_lo", "p_crisis_hi", "intermediary_loss", "wealth_loss"]
    cols += ["fiscal_cost", "months_bought", "months_bought_lo", "months_bought_hi", "guaranteed_book_peak"]
    cols += ["book_to_capital", "state_owned_capacity", "conservatorship_draws", "agency_repo"]
    cols += [f"p_{part}" for part in COMPONENTS]
    print(summary[cols].to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\n{CRISIS_DEFINITION}.")
    if not args.no_sensitivity:
        print("\nimplicit guarantee sensitivity (ai_2025):")
        print(sens.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
        print("\nstate company mandate over its share of the buildings (ai_2025):")
        print(mand.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\n{len(summary)} policy rows, {draws} draws each, {time.perf_counter() - t0:.0f} s; written to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
