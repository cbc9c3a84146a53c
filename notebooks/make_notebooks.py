"""Build the notebooks of this folder from the cells below (stored without outputs).

    .venv/bin/python notebooks/make_notebooks.py

Every notebook reads ``AICONTAGION_QUICK``: when it is ``1`` (the test suite, tests/test_notebooks.py)
it uses few seeds and short horizons and runs in seconds. Edit the cells here, not the .ipynb files.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import aicontagion as ac

QUICK = os.environ.get("AICONTAGION_QUICK") == "1"  # the test suite sets it: few seeds, short runs
pd.set_option("display.width", 200)
pd.set_option("display.max_columns", 30)"""

EXPERIMENTS_PATH = """\
# the experiment scripts live in experiments/ at the repository's root (next to the package)
ROOT = Path(ac.__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "experiments"))"""


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str):
    return new_code_cell(text.strip())


def quickstart():
    return [
        md("""
# aicontagion: quickstart

An agent-based simulator of contagion in the financing of AI infrastructure: giants, AI labs,
chip suppliers, neoclouds, SPVs, private-credit funds, banks and LPs linked by loans, bonds,
stakes, leases and take-or-pay offtakes. One step is one month. This notebook runs the calibrated
scenario `ai_2025`, reads its results, compares the four AI-productivity paths and shows the
seed analysis's hurdle. Set `AICONTAGION_QUICK=1` for a fast run (fewer seeds, shorter horizon).
"""),
        code(
            SETUP
            + """

MONTHS = 60 if QUICK else 240
SEEDS = range(2) if QUICK else range(10)"""
        ),
        md("""
## One run

`ac.Sim(scenario, productivity=..., seed=..., months=...)` builds the system and `run()` steps it.
The `slow` path: AI revenue reaches the hurdle only after about 15 years.
"""),
        code("""
sim = ac.Sim("ai_2025", productivity="slow", seed=1, months=MONTHS).run()
sim"""),
        md("""
The summary answers the simulator's questions: who failed, in what order, how fast, and who bears
the loss (each loss counted once, at its final bearer: docs/model.md section 7.18).
"""),
        code("""
s = sim.summary
print("first default (month):", s["months_to_first_default"])
print("default order:", s["default_order"])
pd.Series(s["losses_by_holder_kind"]).round(1).rename("USD bn")"""),
        code("""
sim.events[sim.events["event"].isin(["default", "strategic_default", "non_renewal"])].head(10)"""),
        code("""
# tidy monthly series: step, date, level (system / kind / institution), entity, metric, value
sim.timeseries.head()"""),
        code("""
sim.series("ai_revenue_to_hurdle").plot(title="AI revenue / hurdle", legend=False);"""),
        code("""
sim.plot("overview");"""),
        code("""
sim.plot("thermometer");"""),
        md("""
## Four productivity paths, same seeds

`ac.compare` runs every setup on the same seeds (common random numbers: the only random draws
are the AI-revenue shocks), so differences between setups are the setups, not noise.
"""),
        code("""
paths = {p: {"productivity": p} for p in ("fast", "base", "slow", "disproven")}
runs = ac.compare(paths, seeds=SEEDS, scenario="ai_2025", months=MONTHS)
table = runs.summaries
cols = ["months_to_first_default", "defaults", "defaults_by_kind.ai_lab", "defaults_by_kind.neocloud",
        "defaults_by_kind.spv", "total_loss", "system_loss_ratio", "losses_by_holder_kind.pension_lp",
        "losses_by_holder_kind.bank"]
table.groupby("setup", sort=False)[cols].mean().round(3)"""),
        md("""
`runs` keeps every run's system series: `runs.quantiles()` gives their quantiles over seeds as a
tidy frame (`setup, step, date, metric, q05, q50, q95, seeds`), `runs.plot(metric)` the median
with a 5-95% band per setup.
"""),
        code("""
runs.quantiles(metrics="losses").tail()"""),
        code("""
runs.plot("losses");"""),
        md("""
## Changing a parameter

Any scenario number can be overridden by a dotted path (list items by their id). Here OpenAI
starts with 22.5bn more cash (and as much more equity: opening balance sheets must balance), and
Nvidia's 30bn commitment to it is removed:
"""),
        code("""
for label, overrides in {
    "as calibrated": {},
    "OpenAI cash 40bn": {"institutions.openai.cash": 40, "institutions.openai.equity": 522.5},
    "no Nvidia commitment": {"contracts.nvidia_openai_stake.uncalled": 0},
}.items():
    r = ac.Sim("ai_2025", productivity="slow", seed=1, months=MONTHS, **overrides).run()
    print(f"{label:22s} first default: {r.summary['months_to_first_default']}, {r.summary['default_order'][:2]}")"""),
        md("""
## The hurdle (SEED_NOTES section 3)

capex x required ROI = EBITDA; / EBITDA margin = revenue; / GDP = share of GDP. The required ROI
is the weighted cost of capital of the financing mix.
"""),
        code("""
from aicontagion.results.hurdle import hurdle

pd.DataFrame({
    "seed (ROI 12%)": hurdle(roi=0.12).as_dict(),
    "debt 9%, equity 30% at 25%": hurdle(debt_cost=0.09, equity_share=0.3, equity_return=0.25).as_dict(),
    "debt 6%, equity 30% at 20%": hurdle(debt_cost=0.06, equity_share=0.3, equity_return=0.2).as_dict(),
}).round(3)"""),
        md("""
## Further

The experiment scripts in `experiments/` (see the README's "Experiments" section) run the
stress tests, the hurdle sweep, the circular-financing loop, the thermometer and the guarantee
comparison; `02_stress_tests.ipynb` and `04_guarantees.ipynb` walk through two of them.
"""),
    ]


def stress_tests():
    return [
        md("""
# Stress tests: slow productivity and productivity disproven

SEED_NOTES section 4 describes two stress tests in words. *Slow productivity*: neoclouds fall
first, SPVs face extension risk, private-credit LPs take large losses, tech valuations fall: an
"expensive failure", no systemic collapse. *Productivity disproven*: a giant walks away from its
lease (a strategic default), the SPV is forced into restructuring, its A+ bond's price collapses,
the private-credit infrastructure market could break and a confidence crisis could follow.

This notebook runs both against the base path on the same seeds, with the functions of
`experiments/stress_tests.py` (the script writes the same tables and figures to `results/`).
"""),
        code(
            SETUP
            + "\n\n"
            + EXPERIMENTS_PATH
            + """

import stress_tests as st

SEEDS = range(2) if QUICK else range(12)
MONTHS = 120 if QUICK else 240"""
        ),
        code("""
runs = st.run(SEEDS, MONTHS, processes=1)
order = st.default_order(runs)
st.summary_table(runs, order)"""),
        md("""
## Who defaults first

Per path and kind: the share of runs with a default, the first month it happened, and the share
of runs in which that kind defaulted first.
"""),
        code("""
order[order["p_default"] > 0]"""),
        code("""
st.figure_default_order(runs);"""),
        md("""
## Who bears the loss

Losses counted once, at the final bearer (public shareholders, pension beneficiaries, ETF holders,
outside creditors).
"""),
        code("""
holders = st.losses_by_holder(runs)
holders.groupby(["setup", "holder"], sort=False)["loss"].mean().unstack("setup").round(1)"""),
        code("""
st.figure_losses(holders);"""),
        md("""
## SPV debt: does the A+ bond decouple from its tenant?

The principal-weighted price of all debt owed by SPVs (Hyperion's bonds, the project loans of
Abilene, Vantage and Colossus 2), per 100 of face.
"""),
        code("""
st.figure_spv(runs);"""),
        md("""
## LPs and banks

Losses to date (marked to market) of the pensions/insurers/ETF holders, the banks and the
private-credit funds.
"""),
        code("""
st.figure_lp_bank(runs);"""),
        md("""
## The seed's claims and what the model finds
"""),
        code("""
with pd.option_context("display.max_colwidth", 200):
    display(st.claims(runs, order))"""),
    ]


def guarantees():
    return [
        md("""
# Government guarantees

SEED_NOTES section 6: if the build-out outgrows private credit, the next step is the state. The
seed's hypothesis (a national AI compute company with an implicit guarantee, the Fannie/Freddie
analogy): near-Treasury borrowing buys much more time and lowers the odds of a crisis, but makes
the crisis, if it comes, far larger. This notebook follows `experiments/guarantees.py`: a Monte
Carlo over AI-revenue paths (`aicontagion.runs.montecarlo.sample_paths`), every policy on the same
draws (common random numbers), with the crisis measured **at the intermediaries** (capital
shortfalls, funding gaps, fund gates, credit losses; `aicontagion.results.crisis`) and
mark-to-market wealth losses reported apart.
"""),
        code(
            SETUP
            + "\n\n"
            + EXPERIMENTS_PATH
            + """

import guarantees as gu
from aicontagion.results.crisis import CRISIS_DEFINITION
from aicontagion.runs.montecarlo import run_setups, sample_paths

DRAWS = 2 if QUICK else 40
MONTHS = 36 if QUICK else 120
print(CRISIS_DEFINITION)"""
        ),
        md("""
## The draws

Each draw is an AI-revenue path: a ceiling (a multiple of the hurdle), a midpoint, a steepness,
and a decline for paths that plateau below half the hurdle.
"""),
        code("""
paths = sample_paths(DRAWS, seed=2025)
pd.DataFrame(paths).head(10)"""),
        md("""
## Seven setups on the same draws

`none`; an implicit guarantee of neoclouds and SPVs (from the start); a **state-backed compute
company** that, once its trigger fires, finances the neocloud and SPV debt private credit will not
roll and buys half of the giants' and neoclouds' new buildings, which it leases to them at cost;
the same company with a **mandate** from the start (its book grows with the build-out, the
Fannie/Freddie case). It borrows as near-sovereign paper held by banks, pensions, insurers and
outside investors, priced on the belief in the guarantee; its holders can post that paper as repo
collateral at a haircut that widens as belief falls; in conservatorship the Treasury injects
exactly its negative net worth. Then an explicit (CHIPS-style) backstop of six named data-centre
and GPU loans; bailouts; a lender of last resort. All but the implicit guarantee and the mandate
act from the month their trigger fires (AI borrowers' spread at 6.5% or the first default among
them). The scenario carries the empty company in every setup, so the draws stay common.

A fund gate counts as a crisis only when material (it holds back at least 1% of the fund's
opening NAV in a month); `p_<component>` says which condition drives p(crisis).
"""),
        code("""
setups = gu.setups("ai_2025")
{name: [repr(p) for p in kw.get("policies", [])] for name, kw in setups.items()}"""),
        code("""
table = run_setups(setups, paths, scenario=gu.scenario_of("ai_2025"), months=MONTHS)
summary = gu.guarantee_table(table, MONTHS)
cols = ["policy", "p_crisis", "p_crisis_lo", "p_crisis_hi", "p_bank_capital", "p_pension_gap", "p_fund_gate",
        "p_credit_loss", "intermediary_loss", "wealth_loss", "fiscal_cost", "months_bought",
        "guaranteed_book_peak", "state_owned_capacity", "conservatorship_draws", "agency_repo"]
summary[cols].round(3)"""),
        md("""
The README's table, with 90% intervals and the crisis definition under it:
"""),
        code("""
from IPython.display import Markdown
Markdown(gu.markdown(summary, "ai_2025", DRAWS, MONTHS))"""),
        code("""
gu.tradeoff_figure(summary, f"ai_2025: time bought against blast radius and fiscal cost, {DRAWS} draws");"""),
        md("""
## Time bought draw by draw

Months to the first default under each policy minus the same draw's months without policy
(common random numbers make the difference paired).
"""),
        code("""
t = table.assign(first=table["months_to_first_default"].fillna(MONTHS))
wide = t.pivot_table(index="seed", columns="setup", values="first", aggfunc="first")
(wide.sub(wide["none"], axis=0)).describe().round(1)"""),
        md("""
## Who holds the guaranteed debt

Principal of the debt the state stands behind at the end of each run (guaranteed shares and the
state company's bonds), by holder.
"""),
        code("""
held = [c for c in table.columns if c.startswith("guaranteed_held_by.")]
table.groupby("setup")[held].mean().round(1)"""),
        md("""
## Sensitivity of the implicit guarantee

How much cheaper funding raises investment (`funding.investment_elasticity`) decides how much
larger exposures are when a bad outcome arrives. Skipped in quick mode.
"""),
        code("""
if not QUICK:
    sens = gu.sensitivity(gu.scenario_of("ai_2025"), paths[:20], MONTHS, processes=1)
    display(sens.round(3))"""),
        md("""
## The mandate's size: can the company's book rival the intermediaries' capital?

The company with a mandate from the start, over the share of the buildings it owns and leases
(0.2, 0.5, 1.0; one share in quick mode): its guaranteed book at its peak against the
intermediaries' opening capital, with the odds, the damage and the fiscal cost.
"""),
        code("""
mand = gu.mandate_sensitivity(gu.scenario_of("ai_2025"), paths[:1] if QUICK else paths[:20], MONTHS, 1, QUICK)
mand.round(3)"""),
    ]


def bank_vs_direct():
    return [
        md("""
# 2008-style bank contagion vs the AI direct-finance path

The seed analysis claims the AI build-out's failure would be an "expensive failure": slower and
less contagious than 2008 because it is financed directly (funds, bonds) rather than through
banks funded short-term, but not contained, because losses can return to banks through the
funds' bank borrowing and through LPs' fire sales. This notebook runs what
`experiments/bank_vs_direct.py` runs, on fewer seeds: each system is shocked once, in the seventh
month of its own clock, by a fall of **equal size** on two stated bases (1% of the system's
capital; 5% of the banks' equity on their exposure), and every measure is the **shocked run minus
the unshocked run** on the same seed, horizon and clock. Then `bank_2008` beside the 2008 record
(`experiments/record_2008.py`; docs/validation.md, "2008 record").
"""),
        code(SETUP + "\n" + EXPERIMENTS_PATH + "\n\nimport bank_vs_direct\nimport record_2008"),
        md("""
## The two systems

`bank_2008`: 20 dealers (Lehman, Bear Stearns, Merrill Lynch, Morgan Stanley and Goldman Sachs at
their FY2007 size and leverage; the others drawn; MBS and repo shares drawn per dealer) and 100
periphery banks linked by one-month interbank loans, money-market funds lending in repo against
MBS and government bonds with haircuts that widen as collateral prices fall; its funding stage
runs in weekly sub-steps. `ai_2025`: the calibrated AI-infrastructure system (long amortising SPV
bonds, take-or-pay leases, appraisal-lagged private loans) on the monthly clock.
"""),
        code("""
for name in ("bank_2008", "ai_2025"):
    spec = ac.load_scenario(name)
    kinds = pd.Series([i.kind for i in spec.institutions]).value_counts().to_dict()
    print(name, kinds, "liquidity sub-steps:", spec.funding.liquidity_substeps)"""),
        md("""
## Shocks of equal size, on both bases
"""),
        code("""
sizes = {"capital": 0.01, "bank_exposure": 0.05}
falls = pd.DataFrame([bank_vs_direct.equal_size_fall(s, sizes[b], b)
                      for s in bank_vs_direct.CORE_ASSET for b in bank_vs_direct.BASES])
falls[["scenario", "basis", "asset", "fall", "target", "direct_loss", "bank_direct_loss"]]"""),
        code("""
from aicontagion.results.counterfactual import excess_rows, over_seeds

months = 36 if QUICK else 120
seeds = range(2 if QUICK else 4)
runs, pairs = bank_vs_direct.setups(falls, months)
ms = ac.compare(runs, seeds=seeds, processes=1)
rows = excess_rows(ms.summaries, ms.series, pairs, bank_vs_direct.SHOCK_STEP)
stats = over_seeds(rows)
keys = ["months_to_first_excess_default", "days_shock_to_first_bank_default", "months_to_50pct_excess",
        "months_to_90pct_excess", "excess_defaults", "excess_loss", "excess_loss_ratio", "excess_loss.bank"]
one = stats[stats.metric.isin(keys)].assign(
    value=lambda d: [f"{m:,.3g} [{a:,.3g}, {b:,.3g}]" for m, a, b in zip(d["mean"], d.q05, d.q95)])
one.pivot(index="comparison", columns="metric", values="value").reindex(columns=[k for k in keys if k in set(one.metric)])"""),
        md("""
## Who bears the excess loss
"""),
        code("""
holders = stats[stats.metric.str.startswith("excess_loss.")]
holders.pivot(index="comparison", columns="metric", values="mean").round(1)"""),
        md("""
## bank_2008 beside the 2008 record

The scheduled MBS repricing with the `RescueMerger` policy, as shipped and with the price-impact
channel off (the fire-sale spiral removed): dealer and money-market-fund events by month and day.
"""),
        code("""
for label, kw in (("as shipped", {}), ("price_impact off", {"channels": {"price_impact": False}})):
    sim = record_2008.run(**kw)
    print(label, sim.summary["days"])
    display(record_2008.timeline(sim))"""),
        md("""
## The AI path's back-channels to banks

On `ai_2025`'s disproven path: private-credit funds' bank credit lines (fund leverage) and LPs'
fire sales, each switched off (the experiment's rows; excess bank losses above).
"""),
        code("""
bank = stats[stats.metric == "excess_loss.bank"].set_index("comparison")[["mean", "q05", "q95"]]
bank[bank.index.str.startswith("ai_2025 disproven")].round(2)"""),
    ]


NOTEBOOKS = {
    "01_quickstart.ipynb": quickstart,
    "02_stress_tests.ipynb": stress_tests,
    "03_bank_vs_direct.ipynb": bank_vs_direct,
    "04_guarantees.ipynb": guarantees,
}


def build(folder: Path = HERE) -> list[Path]:
    """Write every notebook (no outputs, no execution counts); returns their paths."""
    written = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells())
        for i, cell in enumerate(nb.cells):
            cell.id = f"{Path(name).stem.split('_')[0]}-{i:02d}"  # stable ids: rebuilding changes nothing
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.validate(nb)
        path = folder / name
        nbformat.write(nb, path)
        written.append(path)
    return written


if __name__ == "__main__":
    for p in build():
        print(p)
