"""Counterfactual measurement: a shocked run minus the unshocked run on the same seed and clock.

A shock (or a policy) is measured by its **excess**: the shocked run's series minus the series of
the same setup without the shock, on the same seed, the same horizon and the same clock (months
since the scenario's start). Both runs draw the same random numbers (common random numbers), so
the difference is the shock, not noise.

* :func:`excess_series`: the month-by-month excess of one system series (e.g. ``losses``);
* :func:`months_to_share`: months from the shock until the excess first reaches a share of its
  peak. Losses are marked to market and can fall back (a price recovers, a loss is passed on), so
  the excess is taken as its **running maximum** from the shock on: the timing answers "by when
  had the shock done half (90%) of the most damage it ever did", and does not move because
  marks recover later;
* :func:`excess_rows`: one row per (comparison, seed): excess losses at the horizon (total, by
  holder kind, over system assets), the peak excess, excess defaults (total, by kind), months from
  the shock to the first excess default and to 50% / 90% of the peak excess;
* :func:`over_seeds`: mean and 5-95% quantiles over seeds of every measure (the spread over
  seeds, not a confidence interval of the mean).

These work on the tidy frames of :class:`aicontagion.runs.multisim.MultiSim` (``summaries``: one
row per setup and seed; ``series``: ``setup, seed, step, date, metric, value``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

HOLDER_PREFIX = "losses_by_holder_kind."
DEFAULTS_PREFIX = "defaults_by_kind."


def excess_series(shocked: pd.Series, base: pd.Series) -> pd.Series:
    """``shocked - base`` month by month (both indexed by step); steps present in only one run are
    an error: the two runs must share the clock and the horizon."""
    if not shocked.index.equals(base.index):
        raise ValueError("the shocked and the unshocked run must cover the same months (same clock and horizon)")
    return shocked.astype(float) - base.astype(float)


def months_to_share(excess: pd.Series, share: float, shock_step: int = 0) -> float:
    """Months from ``shock_step`` until the running maximum of ``excess`` (from the shock on) first
    reaches ``share`` of its peak; NaN if the excess never rises above zero.

    ``excess`` is indexed by step (months since the start). A running maximum makes the measure
    robust to marks that recover: the excess 0, 10, 4, 10 reaches 50% of its peak (10) in the
    first month after the shock, not when it last crossed 5.
    """
    after = excess[excess.index >= shock_step].astype(float)
    if after.empty:
        return float("nan")
    peak_path = after.cummax()
    peak = float(peak_path.iloc[-1])
    if not np.isfinite(peak) or peak <= 1e-9:
        return float("nan")
    hit = peak_path[peak_path >= share * peak - 1e-12]
    return float(hit.index[0] - shock_step)


def first_positive(excess: pd.Series, shock_step: int = 0) -> float:
    """Months from ``shock_step`` to the first month with a positive excess (e.g. of defaults); NaN if none."""
    after = excess[(excess.index >= shock_step) & (excess > 0.5)]
    return float(after.index[0] - shock_step) if len(after) else float("nan")


def _wide(series: pd.DataFrame, setup: str, seed: int, metric: str) -> pd.Series:
    rows = series[(series["setup"] == setup) & (series["seed"] == seed) & (series["metric"] == metric)]
    return rows.set_index("step")["value"].sort_index()


DAY_COLUMNS = ("days.days_shock_to_first_bank_default", "days.days_interbank_freeze", "days.interbank_volume_drop")
"""Summary columns (flattened) of the sub-step timings reported per shocked run."""


def excess_rows(
    summaries: pd.DataFrame,
    series: pd.DataFrame,
    pairs: Mapping[str, tuple[str, str]],
    shock_step: int,
    shares: Sequence[float] = (0.5, 0.9),
) -> pd.DataFrame:
    """One row per (comparison, seed): the shocked setup minus the unshocked one.

    Args:
        summaries: one row per ``setup`` and ``seed`` (``MultiSim.summaries``).
        series: the runs' system series (``MultiSim.series``), with ``losses``, ``defaults`` and
            ``system_equity``.
        pairs: comparison name -> ``(shocked setup, unshocked setup)``.
        shock_step: the step of the shock's month (step 1 is a run's first month): timings are
            months after it, 0 if within the shock's own month.
        shares: the shares of the peak excess loss whose timing is measured.

    Columns: ``comparison, seed, excess_loss`` (at the horizon, USD bn), ``excess_peak_loss``,
    ``excess_loss_ratio`` (over the system's assets at the start), ``excess_loss.<holder kind>``,
    ``excess_equity_loss`` (the fall in the system's equity against the unshocked run at the horizon:
    unlike losses, it also counts gains the shock removed), ``excess_defaults``,
    ``excess_defaults.<kind>``, ``months_to_first_excess_default``,
    ``months_to_<pct>pct_excess`` for each share; and, where the shocked run has liquidity
    sub-steps (:mod:`~aicontagion.results.substep_timing`), its ``days_shock_to_first_bank_default``,
    ``days_interbank_freeze`` and ``interbank_volume_drop`` (NaN on the monthly clock, and where
    the unshocked run has a bank default of its own).
    """
    s = summaries.set_index(["setup", "seed"])
    holders = [c for c in s.columns if c.startswith(HOLDER_PREFIX)]
    kinds = [c for c in s.columns if c.startswith(DEFAULTS_PREFIX)]
    out = []
    for name, (hit, base) in pairs.items():
        seeds = sorted(set(s.loc[hit].index) & set(s.loc[base].index))
        for seed in seeds:
            a, b = s.loc[(hit, seed)], s.loc[(base, seed)]
            loss = excess_series(_wide(series, hit, seed, "losses"), _wide(series, base, seed, "losses"))
            dflt = excess_series(_wide(series, hit, seed, "defaults"), _wide(series, base, seed, "defaults"))
            eq = excess_series(_wide(series, hit, seed, "system_equity"), _wide(series, base, seed, "system_equity"))
            equity_loss = float(-eq.iloc[-1]) if len(eq) else 0.0
            row = {
                "comparison": name,
                "seed": int(seed),
                "excess_loss": float(a["total_loss"] - b["total_loss"]),
                "excess_peak_loss": float(loss[loss.index >= shock_step].cummax().iloc[-1]) if len(loss) else 0.0,
                "excess_loss_ratio": float((a["total_loss"] - b["total_loss"]) / a["system_assets"]),
                "excess_equity_loss": equity_loss,
                "excess_defaults": float(a["defaults"] - b["defaults"]),
                "months_to_first_excess_default": first_positive(dflt, shock_step),
            }
            for q in shares:
                row[f"months_to_{round(100 * q)}pct_excess"] = months_to_share(loss, q, shock_step)
            # the shocked run's timings in days, where sub-steps resolve them and the unshocked run
            # has no bank default (so the first bank default is the first excess one)
            clean = float(np.nan_to_num(b.get(DEFAULTS_PREFIX + "bank", 0.0))) == 0.0
            for c in DAY_COLUMNS:
                ok = clean and c in a.index and pd.notna(a[c])
                row[c.removeprefix("days.")] = float(a[c]) if ok else float("nan")
            for c in holders:
                row["excess_loss." + c.removeprefix(HOLDER_PREFIX)] = float(np.nan_to_num(a[c]) - np.nan_to_num(b[c]))
            for c in kinds:
                row["excess_defaults." + c.removeprefix(DEFAULTS_PREFIX)] = float(
                    np.nan_to_num(a[c]) - np.nan_to_num(b[c])
                )
            out.append(row)
    return pd.DataFrame(out)


def over_seeds(rows: pd.DataFrame, by: str | Sequence[str] = "comparison", q: tuple[float, float] = (0.05, 0.95)):
    """Mean and ``q`` quantiles over seeds of every numeric column of ``rows``: long form ``<by>,
    metric, mean, q05, q95, seeds`` (``seeds`` counts the runs with a value: a timing is NaN where
    the excess never rose, a first default NaN where there was none)."""
    by = [by] if isinstance(by, str) else list(by)
    num = rows.drop(columns=["seed"], errors="ignore")
    long = num.melt(id_vars=by, var_name="metric").dropna(subset=["value"])
    long["value"] = long["value"].astype(float)
    g = long.groupby(by + ["metric"], sort=False)["value"]
    lo, hi = q
    out = pd.DataFrame(
        {
            "mean": g.mean(),
            f"q{round(100 * lo):02d}": g.quantile(lo),
            f"q{round(100 * hi):02d}": g.quantile(hi),
            "seeds": g.count(),
        }
    )
    return out.reset_index()


__all__ = ["excess_rows", "excess_series", "first_positive", "months_to_share", "over_seeds"]
