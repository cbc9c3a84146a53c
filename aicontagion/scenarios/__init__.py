"""Scenario files (YAML) shipped with the package, their schema, loader and builder."""

from aicontagion.scenarios.build import System, build_system
from aicontagion.scenarios.loader import ScenarioError, available, load_scenario
from aicontagion.scenarios.schema import ScenarioSpec
from aicontagion.scenarios.synthetic import core_periphery_banks, synthetic

__all__ = [
    "ScenarioError",
    "ScenarioSpec",
    "System",
    "available",
    "build_system",
    "core_periphery_banks",
    "load_scenario",
    "synthetic",
]
