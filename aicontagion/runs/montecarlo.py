"""Monte Carlo over AI-productivity uncertainty, with common random numbers across setups.

:func:`sample_paths` draws AI-revenue paths from a distribution (not only the four named ones),
:func:`run_setups` runs every setup on the same (path, seed) draws, and :func:`policy_table`
summarises the runs per setup using the crisis measured at the intermediaries
(:mod:`aicontagion.results.crisis`, :data:`~aicontagion.results.crisis.CRISIS_DEFINITION`: capital
shortfalls, funding gaps, fund gates, credit losses), with mark-to-market wealth losses apart.
The old definition (final-bearer losses of 5% of system assets or an intermediary's default) is
kept as ``crisis_old`` for comparison (``CRISIS_LOSS_RATIO``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from aicontagion.runs.multisim import run_summaries

CRISIS_LOSS_RATIO = 0.05
SYSTEMIC_KINDS = ("bank", "private_credit_fund", "pension_lp", "money_market_fund")

# The distribution of AI revenue paths (all parameters assumed; see docs/model.md, "Crisis"):
# ceiling x hurdle lognormal around the hurdle, midpoint anywhere from mid-2025 to 2036,
# steepness 0.02-0.08 a month, and a decline for paths that plateau below half the hurdle.
CEILING_MEDIAN, CEILING_SIGMA, CEILING_RANGE = 1.0, 0.7, (0.1, 3.0)
MIDPOINT_RANGE = ("2025-07", "2036-12")
STEEPNESS_RANGE = (0.02, 0.08)
DECLINE_MAX = 0.08


def _month(index: int) -> str:
    y, m = divmod(index, 12)
    return f"{y:04d}-{m + 1:02d}"


def _index(month: str) -> int:
    y, m = (int(x) for x in month.split("-"))
    return y * 12 + m - 1


def sample_paths(n: int, seed: int = 0) -> list[dict]:
    """``n`` AI-revenue paths (PathSpec fields) drawn from the distribution above, reproducibly."""
    rng = np.random.default_rng(seed)
    lo, hi = _index(MIDPOINT_RANGE[0]), _index(MIDPOINT_RANGE[1])
    out = []
    for _ in range(n):
        ceiling = float(np.clip(CEILING_MEDIAN * np.exp(CEILING_SIGMA * rng.standard_normal()), *CEILING_RANGE))
        out.append(
            {
                "ceiling": round(ceiling, 4),
                "midpoint": _month(int(rng.integers(lo, hi + 1))),
                "steepness": round(float(rng.uniform(*STEEPNESS_RANGE)), 4),
                "decline": round(float(rng.uniform(0, DECLINE_MAX)), 4) if ceiling < 0.5 else 0.0,
            }
        )
    return out


def run_setups(
    setups: Mapping[str, Mapping],
    paths: list[dict],
    seed0: int = 1,
    processes: int = 1,
    progress: bool = False,
    **common,
) -> pd.DataFrame:
    """Run every setup on every path; draw ``k`` uses seed ``seed0 + k`` in every setup (CRN).

    Returns one row per (setup, draw) with the flattened summary and the path's parameters.
    """
    jobs = []
    for name, kw in setups.items():
        for k, path in enumerate(paths):
            jobs.append((name, dict(common) | dict(kw) | {"productivity": path}, seed0 + k))
    table = run_summaries(jobs, processes, progress)
    draws = pd.DataFrame(paths).add_prefix("path.")
    draws["seed"] = [seed0 + k for k in range(len(paths))]
    return table.merge(draws, on="seed", how="left")


def crisis(table: pd.DataFrame) -> pd.Series:
    """Which runs are crises: the summaries' ``crisis`` flag (measured at the intermediaries)."""
    if "crisis" in table:
        return table["crisis"].astype(bool)
    return crisis_old(table)


def crisis_old(table: pd.DataFrame) -> pd.Series:
    """The former definition: final-bearer losses >= 5% of system assets or an intermediary's default."""
    systemic = sum(table.get(f"defaults_by_kind.{k}", 0) for k in SYSTEMIC_KINDS)
    return (table["system_loss_ratio"] >= CRISIS_LOSS_RATIO) | (systemic > 0)


def policy_table(table: pd.DataFrame, months: int) -> pd.DataFrame:
    """Per setup: p_crisis, loss_given_crisis, loss_p95, fiscal_cost, months_bought and more."""
    t = table.assign(crisis=crisis(table))
    first = t["months_to_first_default"].fillna(months).clip(upper=months)
    t = t.assign(months_bought=first)
    rows = []
    for name, g in t.groupby("setup", sort=False):
        c = g[g["crisis"]]
        rows.append(
            {
                "policy": name,
                "runs": len(g),
                "p_crisis": g["crisis"].mean(),
                "p_crisis_old": crisis_old(g).mean(),
                "loss_given_crisis": c["total_loss"].mean() if len(c) else 0.0,
                "loss_mean": g["total_loss"].mean(),
                "loss_p95": g["total_loss"].quantile(0.95),
                "fiscal_cost": g["fiscal_cost"].mean(),
                "fiscal_cost_given_crisis": c["fiscal_cost"].mean() if len(c) else 0.0,
                "months_bought": g["months_bought"].mean(),
                "defaults": g["defaults"].mean(),
            }
        )
    return pd.DataFrame(rows)
