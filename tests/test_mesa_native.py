"""ContagionModel behaves like a Mesa model: keyword construction, DataCollector, batch_run."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.model import MODEL_REPORTERS, STAGES, ContagionModel
from aicontagion.scenarios.build import build_system
from aicontagion.scenarios.loader import load_scenario

MINI = "tests/data/mini.yaml"


def test_builds_from_keywords_and_equals_sim():
    m = ContagionModel(scenario="ai_2025", productivity="slow", seed=1)
    for _ in range(12):
        m.step()
    sim = ac.Sim("ai_2025", productivity="slow", seed=1, months=12).run()
    np.testing.assert_array_equal(m.state.books.equity, sim.model.state.books.equity)
    assert m.datacollector.get_model_vars_dataframe().shape == (13, len(MODEL_REPORTERS))


def test_a_prebuilt_system_is_copied_not_mutated():
    system = build_system(load_scenario(MINI))
    equity = system.books.equity.copy()
    results = []
    for _ in range(3):
        m = ContagionModel(system, productivity="disproven", seed=4)
        for _ in range(12):
            m.step()
        results.append(m.state.books.equity.sum())
    np.testing.assert_array_equal(system.books.equity, equity)
    assert results[0] == results[1] == results[2]


def test_batch_run_matches_sim():
    """mesa.batch_run (Mesa 3.3.1 runs max_steps + 1 steps and reports the last collected one)."""
    out = pd.DataFrame(
        mesa.batch_run(
            ContagionModel,
            parameters={"scenario": MINI, "productivity": ["base", "disproven"], "seed": [1, 2]},
            iterations=1,
            max_steps=24,
            number_processes=1,
            data_collection_period=1,
            display_progress=False,
        )
    )
    assert len(out.groupby(["productivity", "seed"])) == 4
    for (path, seed), rows in out.groupby(["productivity", "seed"]):
        sim = ac.Sim(MINI, productivity=path, seed=seed, months=int(rows["Step"].max())).run()
        ts = sim.series("system_equity").iloc[:, 0].to_numpy()
        got = rows.sort_values("Step")["system_equity"].to_numpy()
        np.testing.assert_allclose(got, ts[: got.size], rtol=0, atol=1e-9)


def test_months_stops_the_model_for_batch_run():
    m = ContagionModel(MINI, seed=1, months=5)
    while m.running:
        m.step()
    assert m.state.month == 4


def test_agents_have_no_pretend_step():
    m = ContagionModel(MINI, seed=1)
    with pytest.raises(NotImplementedError, match="decide per kind"):
        m.agents.shuffle_do("step")


def test_no_attribute_clashes_with_mesa_model():
    """Mesa 3.5 adds ``scenario`` (and may add more) to Model: the model sets none of its own."""
    m = ContagionModel(MINI, seed=1)
    assert "scenario" not in vars(m)
    assert [s.name for s in STAGES] == ["demand", "income", "decide", "clear", "deleverage", "fund", "record"]
