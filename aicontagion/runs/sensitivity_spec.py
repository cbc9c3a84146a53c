"""The sensitivity spec (strict: unknown keys are errors), its headline outcomes and quick mode.

See :mod:`aicontagion.runs.sensitivity` for what the spec's fields mean and how an analysis runs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from aicontagion.core.params import Strict
from aicontagion.runs.montecarlo import crisis
from aicontagion.runs.spec import MAX_SEEDS, PolicyEntry, Seed, read_spec
from aicontagion.scenarios.loader import ScenarioError
from aicontagion.scenarios.schema import Months

METHODS = ("morris", "sobol")
INDEX_COLUMNS = ["outcome", "parameter", "method", "mu_star", "mu_star_conf", "sigma", "S1", "S1_conf", "ST", "ST_conf"]
QUICK = {"months": 12, "trajectories": 2, "N": 4, "top": 2}
"""``--quick``: at most 12 months, the first seed, 2 Morris trajectories, Sobol N = 4 over the top 2."""


def _column(name: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda t: t[name].astype(float) if name in t else pd.Series(0.0, index=t.index)


def _first_default(t: pd.DataFrame) -> pd.Series:  # no default: the horizon (a censored time)
    return t["months_to_first_default"].astype(float).fillna(t["months"].astype(float)).clip(upper=t["months"])


OUTCOMES: dict[str, tuple[str, Callable[[pd.DataFrame], pd.Series]]] = {
    "total_loss": ("final-bearer losses, USD bn", _column("total_loss")),
    "loss_bank": ("losses borne by banks, USD bn", _column("losses_by_holder_kind.bank")),
    "loss_pension_lp": (
        "losses borne by pensions, insurers, ETFs, USD bn",
        _column("losses_by_holder_kind.pension_lp"),
    ),
    "loss_private_credit_fund": (
        "losses borne by private-credit funds, USD bn",
        _column("losses_by_holder_kind.private_credit_fund"),
    ),
    "bank_own_loss": ("banks' own losses (marks and write-offs), USD bn", _column("own_losses_by_kind.bank")),
    "defaults": ("defaults (count)", _column("defaults")),
    "months_to_first_default": ("months to the first default (the horizon if none)", _first_default),
    "crisis": ("crisis (share of seeds; montecarlo.crisis)", lambda t: crisis(t).astype(float)),
    "fiscal_cost": ("fiscal cost of the policies, USD bn", _column("fiscal_cost")),
}
"""Headline outcomes: name -> (label with unit, the outcome of each run record)."""


class SensitivityError(ScenarioError):
    """A bad sensitivity spec or an analysis that cannot go on; one line: ``file: field: what``."""


# ---------------------------------------------------------------- the spec
class MorrisOptions(Strict):
    """Morris screening: ``trajectories`` (r) of ``levels`` grid levels; runs = r x (k + 1) x seeds."""

    trajectories: Annotated[int, Field(ge=2, le=10_000)] = 8
    levels: Annotated[int, Field(ge=2, le=64)] = 4
    seed: Seed = 0

    @field_validator("levels")
    @classmethod
    def _even(cls, v):
        if v % 2:
            raise ValueError("levels must be even")
        return v


class SobolOptions(Strict):
    """Sobol indices over the ``top`` parameters; runs = N x (top + 2) x seeds."""

    N: Annotated[int, Field(ge=2, le=2**20)] = 32
    top: Annotated[int, Field(ge=1, le=1000)] = 4
    seed: Seed = 0

    @field_validator("N")
    @classmethod
    def _power_of_two(cls, v):
        if v & (v - 1):
            raise ValueError(f"N must be a power of 2 (got {v})")
        return v


class SensitivitySpec(Strict):
    """A whole sensitivity spec (see the module docstring)."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] | None = None
    scenario: str = "ai_2025"
    months: Months | None = None
    seeds: Annotated[int, Field(gt=0, le=MAX_SEEDS)] | Annotated[list[Seed], Field(min_length=1)] = 1
    productivity: str | None = None
    policies: list[PolicyEntry] = []
    method: Literal["morris", "sobol"] = "sobol"
    parameters: Literal["all"] | Annotated[list[str], Field(min_length=1)] = "all"
    outcomes: Annotated[list[str], Field(min_length=1)] | None = None
    morris: MorrisOptions = MorrisOptions()
    sobol: SobolOptions = SobolOptions()
    resamples: Annotated[int, Field(ge=10, le=100_000)] = 200
    conf_level: Annotated[float, Field(gt=0.5, lt=1.0)] = 0.95

    @model_validator(mode="after")
    def _known(self):
        for o in self.outcomes or ():
            if o not in OUTCOMES:
                raise ValueError(f"unknown outcome {o!r} (expected any of: {', '.join(OUTCOMES)})")
        if isinstance(self.parameters, list) and len(set(self.parameters)) != len(self.parameters):
            raise ValueError("parameters: a parameter is named twice")
        if isinstance(self.seeds, list) and len(set(self.seeds)) != len(self.seeds):
            raise ValueError("seeds: give distinct seeds")
        return self

    @property
    def outcome_names(self) -> list[str]:
        """The outcomes analysed (the fiscal cost only under a policy, by default)."""
        if self.outcomes is not None:
            return list(self.outcomes)
        return [o for o in OUTCOMES if o != "fiscal_cost" or self.policies]

    def quick(self) -> SensitivitySpec:
        """The spec cut down to a smoke run (:data:`QUICK`)."""
        seeds = [self.seeds[0]] if isinstance(self.seeds, list) else 1
        months = min(self.months or QUICK["months"], QUICK["months"])
        return self.model_copy(
            update={
                "seeds": seeds,
                "months": months,
                "morris": self.morris.model_copy(update={"trajectories": QUICK["trajectories"]}),
                "sobol": self.sobol.model_copy(update={"N": QUICK["N"], "top": min(self.sobol.top, QUICK["top"])}),
                "name": f"{self.name or 'sensitivity'}-quick",
            }
        )


def load_spec(spec: str | Path | Mapping | SensitivitySpec) -> tuple[SensitivitySpec, str]:
    """Read and validate a sensitivity spec; raises :class:`SensitivityError` (one line)."""
    return read_spec(spec, SensitivitySpec, SensitivityError, "sensitivity")
