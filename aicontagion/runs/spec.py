"""The sweep spec: its schema (strict pydantic: unknown keys are errors) and design blocks.

A spec names the scenario (or a synthetic generator), months, seeds, policies and a design over
scenario parameters: ``grid`` lists, or ``random`` / ``latin_hypercube`` ranges with a sample
count. Used by :mod:`aicontagion.runs.sweep`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from aicontagion.core.params import Strict
from aicontagion.runs.executors import EXECUTORS  # noqa: F401  (re-exported for the spec checks)
from aicontagion.scenarios.loader import ScenarioError, read_raw
from aicontagion.scenarios.schema import Months

MAX_SEEDS = 1_000_000
Seed = Annotated[int, Field(ge=0, le=2**63 - 1)]

GENERATORS = ("synthetic", "core_periphery_banks")


# ---------------------------------------------------------------- the spec
class PolicyEntry(Strict):
    """One policy: its registry name and constructor arguments (``none``: no policy)."""

    name: str
    args: dict[str, Any] = {}


class Range(Strict):
    """A parameter's range: draws from ``low`` to ``high`` (integers, both ends included, when
    ``integer``)."""

    low: float
    high: float
    integer: bool = False


class Sampled(Strict):
    """``samples`` points drawn over ``ranges``: ``[low, high]`` (floats) or
    ``{low: 1, high: 24, integer: true}`` per parameter."""

    samples: Annotated[int, Field(gt=0, le=1_000_000)]
    ranges: dict[str, Range]

    @field_validator("ranges", mode="before")
    @classmethod
    def _pairs(cls, v):
        if isinstance(v, dict):
            return {
                k: {"low": r[0], "high": r[1]} if isinstance(r, list | tuple) and len(r) == 2 else r
                for k, r in v.items()
            }
        return v

    @field_validator("ranges")
    @classmethod
    def _ordered(cls, v):
        if not v:
            raise ValueError("name at least one parameter")
        for key, r in v.items():
            if not r.low < r.high:
                raise ValueError(f"{key}: low {r.low:g} must be below high {r.high:g}")
            if r.integer and not (float(r.low).is_integer() and float(r.high).is_integer()):
                raise ValueError(f"{key}: an integer range needs integer ends")
        return v


class Design(Strict):
    """Grid lists and at most one of: a sampled block (``random`` or ``latin_hypercube``) or
    explicit ``points`` (a list of ``{parameter: value}`` mappings, e.g. a sensitivity sample)."""

    seed: Seed = 0
    grid: dict[str, list[Any]] = {}
    random: Sampled | None = None
    latin_hypercube: Sampled | None = None
    points: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=1_000_000)] | None = None

    @model_validator(mode="after")
    def _one_sampler(self):
        if sum(x is not None for x in (self.random, self.latin_hypercube, self.points)) > 1:
            raise ValueError("use one of random, latin_hypercube or points")
        if self.points is not None and any(not p for p in self.points):
            raise ValueError("points: every point names at least one parameter")
        for key, values in self.grid.items():
            if not values:
                raise ValueError(f"grid.{key}: give at least one value")
        return self


class SweepSpec(Strict):
    """A whole sweep file."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] | None = None
    scenario: str | dict[Literal["synthetic", "core_periphery_banks"], dict[str, Any]] = "ai_2025"
    months: Months | None = None
    seeds: Annotated[int, Field(gt=0, le=MAX_SEEDS)] | Annotated[list[Seed], Field(max_length=MAX_SEEDS)] = 1
    productivity: str | list[str] | None = None
    policies: list[PolicyEntry] = []
    design: Design = Design()
    series: bool = False

    @field_validator("seeds")
    @classmethod
    def _distinct(cls, v):
        if isinstance(v, list) and (not v or len(set(v)) != len(v)):
            raise ValueError("give a count or a non-empty list of distinct seeds")
        return v

    @field_validator("scenario")
    @classmethod
    def _one_generator(cls, v):
        if isinstance(v, dict) and len(v) != 1:
            raise ValueError(f"name one generator ({' or '.join(GENERATORS)}) with its arguments")
        return v

    @property
    def seed_list(self) -> list[int]:
        """The seeds every design point runs on."""
        return list(range(self.seeds)) if isinstance(self.seeds, int) else list(self.seeds)


def read_spec(spec, model: type[Strict], error: type[ScenarioError], default_name: str):
    """A strict YAML spec (a path, a mapping or an instance of ``model``) read and validated,
    with its label; any problem raises ``error`` in one line (file, field, what). A spec read from
    a file without a ``name`` is named after the file. Shared by sweeps and sensitivity analyses."""
    if isinstance(spec, model):
        return spec, f"{spec.name or default_name}.yaml"
    if isinstance(spec, Mapping):
        raw, label = dict(spec), f"{default_name} spec"
    else:
        path = Path(spec)
        label = path.name
        if not path.is_file():
            raise error(str(spec), "", "no such file")
        try:
            raw = read_raw(path)
        except ScenarioError as exc:
            raise error(exc.file, exc.where, exc.message) from None
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]["loc"][:1]  # the first field in error; of a union's tries, the deepest
        err = max((e for e in errors if e["loc"][:1] == first), key=lambda e: len(e["loc"]))
        where = ".".join(str(p) for p in err.get("loc", ()) if not _union_part(p))
        msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        raise error(label, where, msg) from None
    if parsed.name is None and not isinstance(spec, Mapping):
        parsed = parsed.model_copy(update={"name": Path(spec).stem})
    return parsed, label


def _union_part(part) -> bool:
    """A location step naming a union member (``constrained-int``, ``list[...]``), not a field."""
    return isinstance(part, str) and (
        part.startswith(("function-", "constrained", "list[", "dict[", "literal["))
        or part in ("int", "str", "float", "bool")
    )
