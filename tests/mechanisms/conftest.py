"""A small state for the mechanisms' own tests: the mini scenario (nine institutions, one of each
kind, every contract family), built fresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicontagion.model import ContagionModel

MINI = str(Path(__file__).parents[1] / "data" / "mini.yaml")


@pytest.fixture
def model():
    return ContagionModel(MINI, productivity="base", seed=1, check_invariants=True)


@pytest.fixture
def state(model):
    return model.state


def row(state, ident: str) -> int:
    """The row of institution ``ident``."""
    return state.registry.ids.index(ident)


def contract(state, ident: str) -> int:
    """The row of contract ``ident``."""
    return state.contracts.ids.index(ident)
