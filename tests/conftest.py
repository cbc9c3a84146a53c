"""Shared fixtures: the small one-of-each-kind system used across the suite.

Property tests explore new random examples on every developer run; CI (``.ci/run`` sets
``HYPOTHESIS_PROFILE=ci``) draws them from a fixed seed, so a landing run is reproducible: a
counterexample found locally is fixed and kept as a named regression test (tests/test_properties.py).
"""

import os
from pathlib import Path

import matplotlib
import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

matplotlib.use("Agg")

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.yaml"
PATHS = ("fast", "base", "slow", "disproven")


@pytest.fixture
def mini_path() -> Path:
    return MINI


@pytest.fixture
def mini_raw() -> dict:
    import yaml

    return yaml.safe_load(MINI.read_text())
