"""Shared fixtures: the small one-of-each-kind system used across the suite."""

from pathlib import Path

import matplotlib
import pytest

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
