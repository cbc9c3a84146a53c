"""Timings in days where the liquidity sub-steps resolve them (``funding.liquidity_substeps`` > 1).

Days are counted on the model's 30-day month: an event in month ``m`` on sub-step day ``d`` is at
day ``30 x m + d`` of the run; events of the monthly stages (no day; they run before the
funding stage's sub-steps) are placed at the month's start (day 0). The clock of the shock is
the start of the month of the scenario's first market shock (``markets.<class>.shocks``).

* ``days_shock_to_first_bank_default``: from the first market shock to the first bank's default;
* ``days_first_run_to_first_bank_default``: from the first run on that bank to its default;
* ``days_interbank_freeze``: from the first bank default until interbank lending outstanding
  first falls below half its level at the sub-step before that default (a volume measure of the
  freeze; NaN if it never does);
* ``interbank_volume_drop``: the fall of interbank lending outstanding over the 30 days after
  the first bank default (share of its level before).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from aicontagion.core.kinds import Kind

DAYS = 30
NAN = float("nan")


def event_day(month: int, day) -> float:
    """Day of the run of an event in month index ``month`` on sub-step day ``day`` (None: day 0)."""
    return DAYS * month + (0 if day is None or (isinstance(day, float) and np.isnan(day)) else day)


def substep_timing(state) -> dict:
    """The day timings above, from the event log and the sub-steps' rows (``state.weeks``)."""
    start = pd.Period(state.start, freq="M")
    shocks = [pd.Period(str(s.at), freq="M") for m in state.spec.markets.values() for s in m.shocks]
    shock_day = DAYS * min((p - start).n for p in shocks) if shocks else NAN
    bank = Kind.BANK.label
    rows = [e for e in state.events.rows if e["kind"] == bank]
    defaults = [e for e in rows if e["event"] == "default"]
    out = {k: NAN for k in ("days_shock_to_first_bank_default", "days_first_run_to_first_bank_default")}
    out |= {"days_interbank_freeze": NAN, "interbank_volume_drop": NAN, "first_bank_default": ""}
    if not defaults:
        return out
    first = defaults[0]
    at = event_day(first["step"] - 1, first["day"])
    out["first_bank_default"] = first["institution"]
    out["days_shock_to_first_bank_default"] = at - shock_day
    who = first["institution"]
    runs = [event_day(e["step"] - 1, e["day"]) for e in rows if e["event"] == "run" and e["institution"] == who]
    if runs:
        out["days_first_run_to_first_bank_default"] = at - min(runs)
    weeks = pd.DataFrame(state.weeks)
    if weeks.empty:
        return out
    weeks["at"] = DAYS * weeks["month"] + weeks["day"]
    before = weeks[weeks["at"] < at]
    level = float(before["interbank"].iloc[-1]) if len(before) else float(weeks["interbank"].iloc[0])
    after = weeks[weeks["at"] >= at]
    frozen = after[after["interbank"] < 0.5 * level]
    if level > 0 and len(frozen):
        out["days_interbank_freeze"] = float(frozen["at"].iloc[0] - at)
    month = after[after["at"] <= at + DAYS]
    if level > 0 and len(month):
        out["interbank_volume_drop"] = 1.0 - float(month["interbank"].iloc[-1]) / level
    return out
