"""The return test of the capex rule: a builder's capex answers to the expected return on its own fleet.

Under ``compute.capex_rule: sentiment`` a builder (a tech giant or a neocloud) orders its plan
times the sector's sentiment relative to the start (``ratio ** elasticity``, clipped to [0, 2]).
Its AI revenue is a fixed share of the system's, so what it builds never earns it anything: a
plan that grows with the published guidance keeps growing however little its fleet earns.

Under ``capex_rule: own_return`` the ratio is the expected return on the builder's own fleet
relative to the start: its expected AI revenue (its share of the revenue the sector projects,
so the sentiment ratio) per dollar of AI capital it has in service,

    return ratio_i = sentiment ratio x fleet_i(0) / fleet_i(t),

so a builder whose fleet grows faster than the revenue the sector expects sees its return fall
and orders less; one whose fleet wears out faster than revenue falls orders more. This is the
accelerator (a firm invests while the expected return on its capital holds up), with the
builder's capital measured at cost.

**The fleet** (USD bn, per builder; tracked under either rule, so the two can be compared): at
the start, its GPUs and data centres at book plus the data centres it leases (each lease's share
of its provider's facility); each month it wears at ``1 / useful_life_years`` (the rate at which
the demand block's compute capacity wears) and grows by the capex the builder paid (chips and
buildings delivered and paid in the month's clearing) and the buildings its build-out vehicles
paid for it (:mod:`~aicontagion.mechanisms.build_out_vehicles`).
Outside builders answer to the system's return in the same way: the sentiment ratio times the
opening compute capacity over today's (:mod:`~aicontagion.mechanisms.ai_revenue`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aicontagion.core.numeric import ratio
from aicontagion.mechanisms.resolution import contract_share
from aicontagion.network.contracts import ContractType

READS = ("ai", "books", "contracts", "spec")
"""State groups this mechanism reads (see :mod:`aicontagion.core.state`)."""
WRITES = ("operations",)
"""State groups this mechanism writes (``operations.fleet``)."""


@dataclass
class Fleet:
    """AI capital in service per builder (USD bn at cost, less wear)."""

    opening: np.ndarray  # (n,) at the start
    now: np.ndarray  # (n,) this month
    added: np.ndarray  # (n,) paid this month, counted at the next month's wear


def active(spec) -> bool:
    """Whether the builders' capex answers to the return on their own fleets."""
    return spec.compute.capex_rule == "own_return"


def opening_fleet(books, contracts, gpu_class: int, gpu_price: float, builders: np.ndarray) -> Fleet:
    """The builders' fleets at the start: GPUs at ``gpu_price`` and data centres at book, plus
    the leased share of their landlords' data centres (0 for non-builders)."""
    n = books.cash.size
    own = books.facility.copy()
    if gpu_class >= 0:
        own = own + books.holdings[:, gpu_class] * gpu_price
    leased = np.zeros(n)
    rows = contracts.rows_of(ContractType.LEASE)
    rows = rows[(contracts.creditor[rows] >= 0) & (contracts.obligor[rows] >= 0)]
    if rows.size:
        space = books.facility[contracts.creditor[rows]] * contract_share(contracts, rows)
        leased = np.bincount(contracts.obligor[rows], weights=space, minlength=n)
    fleet = np.where(builders, own + leased, 0.0)
    return Fleet(fleet.copy(), fleet, np.zeros(n))


def wear(state) -> None:
    """Income stage: the fleet wears for a month and takes in what was paid last month."""
    f: Fleet = state.operations.fleet
    life = state.spec.compute.useful_life_years * 12.0
    f.now = f.now * (1.0 - 1.0 / life) + f.added
    f.added = np.zeros(f.now.size)


def add(state, rows: np.ndarray, amount: np.ndarray) -> None:
    """Count ``amount`` (USD bn) of capital paid this month into the fleets of ``rows``."""
    f: Fleet | None = state.operations.fleet
    if f is not None and rows.size:
        np.add.at(f.added, rows, amount)


def add_paid(state, payer: np.ndarray, paid: np.ndarray) -> None:
    """Count the capex the month's clearing paid (per payment: its payer and the USD bn paid)."""
    f: Fleet | None = state.operations.fleet
    if f is not None and payer.size:
        f.added += np.bincount(payer, weights=paid, minlength=f.added.size)


def return_ratio(state) -> np.ndarray:
    """Per institution, its fleet at the start over its fleet now (1 without the return test or
    for institutions without a fleet): the factor on the sentiment ratio in the capex rule."""
    f: Fleet | None = state.operations.fleet
    if f is None or not active(state.spec):
        return np.ones(state.n)
    return ratio(f.opening, f.now, default=1.0)


def outside_ratio(state) -> float:
    """The outside builders' factor: the opening compute capacity over today's (1 without the
    return test)."""
    if not active(state.spec):
        return 1.0
    d = state.ai.demand
    return float(d.initial.capacity / max(state.ai.demand_state.capacity, 1e-12))


def outside_response(state) -> float:
    """How outside builders scale their capex: the committed sentiment ratio (times the system's
    return factor under the return test), clipped to [0, 2]."""
    level = state.ai.committed_sentiment_ratio * outside_ratio(state)
    return float(min(max(level, 0.0), 2.0))
