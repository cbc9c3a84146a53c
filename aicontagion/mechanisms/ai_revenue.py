"""AI demand: productivity paths -> AI end revenue, expectations, compute and the GPU rental index.

**Revenue.** Under a path, annual AI end revenue (USD bn/yr) follows a logistic from the initial
level to ``ceiling x hurdle`` (SEED_NOTES section 3: the hurdle is the revenue that lets about
$3T of capex earn a 12% EBITDA ROI at a 65% margin, about $554B a year), normalised so month 0
is the initial level; after the midpoint it may decline at ``decline`` per year. A persistent
AR(1) shock in logs, drawn from the model's generator, moves it month to month.

**Expectations.** Agents see realised revenue only (the run rate at each month's end). They
track its growth by exponential smoothing and project it ``horizon`` years ahead with growth
fading over half that horizon.
*Sentiment* is that projection divided by the hurdle: above 1 the build-out looks like it pays.

**Value against what was priced in.** With ``equity_pricing: expectations`` listed AI equity is
priced on expected cash flows against what the opening price implied: ``value_ratio`` is the
present value (at ``equity_discount_rate``, for ever, the growth fading with the same time
constant as above) of the revenue path projected now, divided by the present value from now of
the path projected at the opening (the growth priced in). Revenue that grows more slowly than the
priced-in path lowers it even while it grows; on the priced-in path (revenue and its growth as
projected at the opening) it stays at 1.

**Compute.** Installed capacity is measured as the AI revenue it can serve at starting rents
(USD bn/yr). Capex adds ``hurdle revenue / hurdle capex`` of capacity per dollar, after the
power/supply delay; capacity wears out over the GPU life. The GPU rental index is
``(utilisation / initial utilisation) ** elasticity`` with utilisation = revenue / capacity: it
falls when capacity outruns revenue and drives neocloud spot revenue and GPU values.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from aicontagion.scenarios.schema import Compute, PathSpec, Productivity, month_index

READS: tuple[str, ...] = ()
"""None: a pure function of its arguments (it never sees the month state)."""
WRITES: tuple[str, ...] = ()


@dataclass
class DemandState:
    """What the demand block shows the rest of the model this month."""

    revenue: float  # USD bn/yr of AI end revenue (annualised this month)
    expected_revenue: float  # USD bn/yr projected at the horizon
    sentiment: float  # expected revenue / hurdle revenue
    capacity: float  # USD bn/yr of revenue the installed compute can serve
    utilisation: float  # revenue / capacity
    rent_index: float  # GPU rental price relative to the start
    rent_usd: float  # USD per GPU-hour
    pipeline: float  # USD bn/yr of capacity paid for but not yet powered
    value_ratio: float = 1.0  # PV of the projected revenue path / PV of the opening-implied path


def path_revenue(path: PathSpec, productivity: Productivity, start: str, month: np.ndarray | int):
    """Deterministic AI end revenue (USD bn/yr) of a path at ``month`` (months from ``start``)."""
    t = np.asarray(month, dtype=float)
    mid = month_index(path.midpoint, start)
    r0 = productivity.initial_revenue
    top = path.ceiling * productivity.hurdle.revenue
    sig0 = 1.0 / (1.0 + np.exp(path.steepness * mid))
    sig = 1.0 / (1.0 + np.exp(-path.steepness * (t - mid)))
    s = (sig - sig0) / (1.0 - sig0)
    level = r0 + (top - r0) * s
    after = np.maximum(t - mid, 0.0) / 12.0
    return level * (1.0 - path.decline) ** after


def projected_path(revenue, monthly_growth, horizon_months: float, months: np.ndarray) -> np.ndarray:
    """Revenue projected ``months`` ahead, its growth fading over half the horizon (for ever, so
    the path tends to ``revenue x exp(growth x horizon / 2)``; the horizon point is ``E``)."""
    tau = horizon_months / 2.0
    return revenue * np.exp(monthly_growth * tau * (1.0 - np.exp(-np.asarray(months, dtype=float) / tau)))


def path_value(revenue, monthly_growth, horizon_months: float, annual_rate: float, offset: int = 0) -> float:
    """PV (in months of revenue / 12) of a projected path seen ``offset`` months after it was
    projected: the monthly flows after the offset, discounted for ever (after ten fading times the
    path is flat to 5e-5 and the rest is a perpetuity)."""
    n = int(np.ceil(5.0 * horizon_months))
    d = (1.0 + annual_rate) ** (-1.0 / 12.0)
    s = np.arange(1, n + 1)
    flows = projected_path(revenue, monthly_growth, horizon_months, offset + s)
    return float((flows * d**s).sum() + flows[-1] * d**n * d / (1.0 - d))


def value_ratio(revenue, growth, month: int, revenue0, growth0, horizon_months: float, annual_rate: float) -> float:
    """PV of the path projected now over the PV from now of the path projected at the opening."""
    now = path_value(revenue, growth, horizon_months, annual_rate)
    priced = path_value(revenue0, growth0, horizon_months, annual_rate, offset=month)
    return now / max(priced, 1e-12)


class Demand:
    """AI revenue, expectations and compute capacity, advanced one month at a time."""

    def __init__(
        self,
        productivity: Productivity,
        compute: Compute,
        path: PathSpec,
        start: str,
        rng: np.random.Generator,
        initial_capex: float = 0.0,
    ):
        self.p = productivity
        self.c = compute
        self.path = path
        self.start = start
        self.rng = rng
        self.hurdle = productivity.hurdle.revenue
        self.capacity_per_capex = self.hurdle / productivity.hurdle.capex  # revenue per USD of capex
        self.shock = 0.0
        self.growth = np.log1p(productivity.initial_growth) / 12.0  # expected monthly log growth
        r0 = productivity.initial_revenue
        self.capacity = r0 / compute.initial_utilisation
        delay = int(round(compute.power_delay_months))
        # capacity already paid for at the start arrives over the delay, at the opening capex rate
        self.pipeline: deque[float] = deque([initial_capex * self.capacity_per_capex] * delay)
        self.growth0 = self.growth
        self.month = -1  # months since the opening projection (the opening state is month -1)
        self.state = self._observe(r0)
        self.initial = self.state
        self.history: list[float] = [float(r0)]  # realised revenue by month, USD bn/yr

    def _observe(self, revenue: float) -> DemandState:
        h = self.p.expectation_horizon_years * 12.0
        tau = h / 2.0
        expected = revenue * np.exp(self.growth * tau * (1.0 - np.exp(-h / tau)))
        util = revenue / self.capacity
        base_util = self.c.initial_utilisation
        r0 = self.p.initial_revenue
        ratio = value_ratio(revenue, self.growth, self.month + 1, r0, self.growth0, h, self.p.equity_discount_rate)
        rent_index = float(np.clip((util / base_util) ** self.c.rent_elasticity, 0.05, 5.0))
        return DemandState(
            revenue=float(revenue),
            expected_revenue=float(expected),
            sentiment=float(expected / self.hurdle),
            capacity=float(self.capacity),
            utilisation=float(util),
            rent_index=rent_index,
            rent_usd=rent_index * self.c.rent_initial,
            pipeline=float(sum(self.pipeline)),
            value_ratio=ratio,
        )

    def advance(self, month: int, capex_spent: float) -> DemandState:
        """Observe the revenue of ``month`` (its run rate at the month's end, so month 0 already
        shows a month of the path's growth) given the capex (USD bn) spent last month."""
        self.shock = self.p.noise_persistence * self.shock + self.p.noise_sigma * self.rng.standard_normal()
        revenue = float(path_revenue(self.path, self.p, self.start, month + 1)) * float(np.exp(self.shock))
        prev = self.state.revenue
        w = self.p.expectation_smoothing
        self.growth += w * (np.log(max(revenue, 1e-9) / max(prev, 1e-9)) - self.growth)
        new_capacity = capex_spent * self.capacity_per_capex
        if self.pipeline:
            self.pipeline.append(new_capacity)
            arriving = self.pipeline.popleft()
        else:
            arriving = new_capacity
        wear = 1.0 / (self.c.useful_life_years * 12.0)
        self.capacity = self.capacity * (1.0 - wear) + arriving
        self.month = month
        self.state = self._observe(revenue)
        self.history.append(float(revenue))
        return self.state
