"""MultiSim and compare: each run's system series kept; statistics over seeds as tidy frames; bands."""

import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.core.version import code_version
from aicontagion.results.provenance import read_provenance
from aicontagion.runs.multisim import FILES, OVERVIEW_METRICS, quantile_name
from tests.conftest import MINI

SEEDS = [0, 1, 2, 3]


@pytest.fixture(scope="module")
def runs():
    setups = {"slow": {"productivity": "slow"}, "disproven": {"productivity": "disproven"}}
    return ac.compare(setups, seeds=SEEDS, scenario=MINI, months=18)


def test_compare_keeps_every_runs_system_series(runs):
    assert len(runs.summaries) == 2 * len(SEEDS)
    s = runs.series
    assert list(s.columns) == ["setup", "seed", "step", "date", "metric", "value"]
    assert set(s["setup"]) == {"slow", "disproven"} and set(s["seed"]) == set(SEEDS)
    one = ac.Sim(MINI, productivity="slow", seed=2, months=18).run().series("losses")["system"]
    mine = s[(s.setup == "slow") & (s.seed == 2) & (s.metric == "losses")].set_index("date")["value"]
    np.testing.assert_array_equal(mine.to_numpy(), one.to_numpy())


def test_quantiles_are_tidy_over_seeds(runs):
    q = runs.quantiles(metrics=["losses", "ai_revenue"])
    assert list(q.columns) == ["setup", "step", "date", "metric", "q05", "q50", "q95", "seeds"]
    assert set(q["metric"]) == {"losses", "ai_revenue"}
    assert (q["seeds"] == len(SEEDS)).all()
    assert (q["q05"] <= q["q50"]).all() and (q["q50"] <= q["q95"]).all()
    # by hand, for one setup, metric and month
    s = runs.series
    last = s["step"].max()
    vals = s[(s.setup == "disproven") & (s.metric == "ai_revenue") & (s.step == last)]["value"]
    row = q[(q.setup == "disproven") & (q.metric == "ai_revenue") & (q.step == last)].iloc[0]
    assert row["q50"] == pytest.approx(vals.median())
    assert row["q05"] == pytest.approx(vals.quantile(0.05))
    assert len(q) == 2 * 2 * s["step"].nunique()


def test_mean_and_median(runs):
    m, md = runs.mean("ai_revenue"), runs.median("ai_revenue")
    assert list(m.columns) == ["setup", "step", "date", "metric", "mean"]
    assert list(md.columns) == ["setup", "step", "date", "metric", "median"]
    s = runs.series
    vals = s[(s.setup == "slow") & (s.metric == "ai_revenue") & (s.step == 10)]["value"]
    assert m[(m.setup == "slow") & (m.step == 10)]["mean"].iloc[0] == pytest.approx(vals.mean())
    assert md[(md.setup == "slow") & (md.step == 10)]["median"].iloc[0] == pytest.approx(vals.median())


def test_an_unknown_metric_is_named(runs):
    with pytest.raises(KeyError, match="unknown system metric.*'equity'.*recorded: ai_revenue"):
        runs.quantiles(metrics="equity")


def test_quantile_names():
    assert [quantile_name(q) for q in (0.05, 0.5, 0.95, 0.025, 0.1)] == ["q05", "q50", "q95", "q2.5", "q10"]


def test_summary_quantiles_over_seeds(runs):
    t = runs.summary_quantiles()
    row = t[(t.setup == "slow") & (t.metric == "total_loss")].iloc[0]
    vals = runs.summaries[runs.summaries.setup == "slow"]["total_loss"]
    assert row["mean"] == pytest.approx(vals.mean()) and row["q95"] == pytest.approx(vals.quantile(0.95))
    assert row["seeds"] == len(SEEDS)


def test_plot_draws_a_median_and_a_band_per_setup(runs):
    ax = runs.plot("ai_revenue")
    assert isinstance(ax.figure, matplotlib.figure.Figure)
    assert len(ax.collections) == 2  # one band per setup
    assert len(ax.get_lines()) == 2
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    q = runs.quantiles(metrics="ai_revenue")
    first = q[q.setup == "slow"]
    assert band.min() == pytest.approx(first["q05"].min()) and band.max() == pytest.approx(first["q95"].max())
    assert "4 seeds (0-3)" in ax.get_title() and "USD bn / year" in ax.get_ylabel()
    assert ax.get_legend() is not None
    plt.close(ax.figure)


def test_multisim_one_setup_and_without_series():
    ms = ac.MultiSim(seeds=range(3), scenario=MINI, productivity="slow", months=12).run()
    assert len(ms.summaries) == 3 and set(ms.summaries["setup"]) == {"run"}
    assert ms.quantiles(metrics="losses")["seeds"].eq(3).all()
    lean = ac.MultiSim(seeds=range(2), scenario=MINI, productivity="slow", months=12, keep_series=False).run()
    pd.testing.assert_frame_equal(lean.summaries.drop(columns="setup"), ms.summaries.iloc[:2].drop(columns="setup"))
    with pytest.raises(RuntimeError, match="keep_series=False"):
        lean.quantiles()


def test_save_writes_series_quantiles_and_bands_with_provenance(runs, tmp_path):
    out = runs.save(tmp_path / "m")
    assert sorted(p.name for p in out.iterdir()) == sorted(FILES)
    prov = read_provenance(out / "quantiles.parquet")
    assert prov["seeds"] == SEEDS and set(prov["setups"]) == {"slow", "disproven"}
    assert prov["code_version"] == code_version() and prov["scenario"] == "mini"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "quantiles.parquet"), runs.quantiles())
    assert len(pd.read_parquet(out / "series.parquet")) == len(runs.series)
    fig = runs.plot_overview()
    assert "4 seeds (0-3)" in fig.get_suptitle() and len(fig.axes) == len(OVERVIEW_METRICS)
    assert all(ax.get_ylabel() for ax in fig.axes)
    plt.close(fig)
