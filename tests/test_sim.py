"""The front door: Sim, MultiSim, compare; saving, plotting, reproducibility records."""

import json

import matplotlib.figure
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.policies import Policy
from tests.conftest import MINI

SUMMARY_KEYS = {
    "months_to_first_default",
    "months_to_half_loss",
    "months_to_90pct_loss",
    "defaults_by_kind",
    "losses_by_holder_kind",
    "losses_by_channel",
    "system_loss_ratio",
    "fiscal_cost",
    "thermometer",
}
EVENT_COLUMNS = ["step", "date", "institution", "kind", "event", "amount", "cause", "day"]


@pytest.fixture(scope="module")
def sim():
    # the lab's burn is made unsustainable so that the run has defaults to report
    return ac.Sim(
        MINI,
        productivity="disproven",
        seed=4,
        months=60,
        **{"institutions.lab.opex": 60.0, "institutions.lab.cash": 5.0},
    ).run()


def test_outputs_have_the_documented_shape(sim):
    assert SUMMARY_KEYS <= set(sim.summary)
    assert list(sim.events.columns) == EVENT_COLUMNS
    ts = sim.timeseries
    assert set(ts["level"]) == {"system", "kind", "institution"}
    assert ts.groupby(["step", "level", "entity", "metric"]).size().max() == 1  # tidy: one value per key
    for k in ("ai_revenue_to_hurdle", "neocloud_equity_index", "spv_bond_price", "take_or_pay_share", "pipeline_share"):
        assert k in sim.summary["thermometer"]


def test_defaults_are_events_with_causes(sim):
    d = sim.events[sim.events.event == "default"]
    assert len(d) >= 1
    assert len(d) == sum(sim.summary["defaults_by_kind"].values())
    assert d["cause"].str.len().min() > 0


def test_save_writes_parquet_that_reads_back(sim, tmp_path):
    sim.save(tmp_path)
    ts = pd.read_parquet(tmp_path / "timeseries.parquet")
    assert len(ts) == len(sim.timeseries)
    ev = pd.read_parquet(tmp_path / "events.parquet")
    assert list(ev.columns) == EVENT_COLUMNS
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["pars"]["productivity"] == "disproven" and saved["pars"]["seed"] == 4


@pytest.mark.parametrize("what", ["overview", "losses", "thermometer", "defaults", "prices"])
def test_plots_return_figures(sim, what):
    fig = sim.plot(what)
    assert isinstance(fig, matplotlib.figure.Figure) and fig.axes


def test_repr_says_what_ran():
    s = ac.Sim(MINI, productivity="slow", seed=3, months=12, productivity__noise_sigma=0.0)
    assert "slow" in repr(s) and "seed=3" in repr(s) and "noise_sigma" in repr(s)


def test_custom_productivity_path():
    sim = ac.Sim(MINI, productivity={"ceiling": 0.5, "midpoint": "2027-01"}, seed=1, months=12).run()
    assert sim.pars["productivity"].startswith("custom(")


def test_compare_uses_common_random_numbers():
    table = ac.compare(
        {"a": {"productivity": "base"}, "b": {"productivity": "base"}}, seeds=[1, 2], scenario=MINI, months=24
    ).summaries
    a = table[table.setup == "a"].drop(columns="setup").reset_index(drop=True)
    b = table[table.setup == "b"].drop(columns="setup").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_policy_hooks_are_called_and_recorded():
    calls = []

    class Probe(Policy):
        def initialize(self, model):
            calls.append("init")

        def apply(self, model, decisions):
            calls.append("apply")

        def finalize(self, model):
            calls.append("final")

    p = Probe(start=2, end=4, note="x")
    sim = ac.Sim(MINI, seed=1, months=6, policies=[p]).run()
    assert calls[0] == "init" and calls[-1] == "final" and calls.count("apply") == 3  # months 2, 3 and 4
    assert "Probe(end=4, start=2, note='x')" in sim.pars["policies"][0] or "Probe(" in sim.pars["policies"][0]
    with pytest.raises(ValueError, match="before start"):
        Probe(start=5, end=1)


def test_contagion_tree_from_event_causes():
    from aicontagion.results.metrics import contagion_edges, contagion_tree

    sim = ac.Sim("bank_2008", seed=1, months=24).run()
    edges = contagion_edges(sim.events)
    assert {"counterparty", "funding"} <= set(edges["channel"])
    assert set(edges.columns) == {"step", "source", "target", "channel"}
    g = contagion_tree(sim.events)
    defaulted = set(sim.events.loc[sim.events.event == "default", "institution"])
    assert defaulted <= set(g.nodes)
    # every counterparty edge ends at an institution that defaulted
    assert set(edges.loc[edges.channel == "counterparty", "target"]) <= defaulted
