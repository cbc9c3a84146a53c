"""The month state is declared in one place and every mechanism declares what it touches."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from aicontagion.core.state import GROUPS, OBJECTS, MonthState
from aicontagion.model import ContagionModel
from tests.core.state_access import access

MECHANISMS = sorted(
    p for p in (Path(__file__).parents[2] / "aicontagion" / "mechanisms").glob("*.py") if p.name != "__init__.py"
)


@pytest.mark.parametrize("path", MECHANISMS, ids=lambda p: p.stem)
def test_each_mechanism_declares_the_state_it_touches(path):
    mod = importlib.import_module(f"aicontagion.mechanisms.{path.stem}")
    declared_reads, declared_writes = set(mod.READS), set(mod.WRITES)
    assert declared_reads | declared_writes <= set(GROUPS) | set(OBJECTS)
    reads, writes = access(path)
    assert writes <= declared_writes, f"{path.stem} writes {sorted(writes - declared_writes)} undeclared"
    assert reads <= declared_reads | declared_writes, f"{path.stem} reads {sorted(reads - declared_reads)} undeclared"


def test_mechanisms_never_receive_the_model():
    """No mechanism module names the model: they are functions of the state (or of plain arrays)."""
    for path in MECHANISMS:
        text = path.read_text()
        assert "model." not in text.replace("aicontagion.model.", ""), path.stem


def test_model_holds_one_state_with_every_group():
    m = ContagionModel("tests/data/mini.yaml", seed=1)
    assert isinstance(m.state, MonthState)
    for g in GROUPS:
        assert getattr(m.state, g) is not None
    assert m.state.n == len(m.state.registry.ids) == len(m.institutions)
    m.step()
    assert m.state.month == 0 and m.state.step == m.steps == 1
