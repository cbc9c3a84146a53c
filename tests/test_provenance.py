"""Provenance: a recorded default seed, what ran in every summary and Parquet file, strict JSON,
``--out`` cleared of a run's own stale files only, ``Sim.save``/``run`` writing the same set, and
``Sim.load`` restoring a saved run."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

import aicontagion as ac
from aicontagion.cli import main
from aicontagion.core.channels import Channels
from aicontagion.core.version import code_version
from aicontagion.results.provenance import FIELDS, PARQUET_KEY, dumps, read_provenance
from aicontagion.runs import records
from aicontagion.runs.multisim import FILES as MULTISIM_FILES
from aicontagion.sim import output_files
from tests.conftest import MINI

DISTRESS = {"institutions.lab.opex": 60.0, "institutions.lab.cash": 5.0}  # a run with defaults (NaN-free)


def _strict(text: str):
    def bad(name):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=bad)


@pytest.fixture(scope="module")
def unseeded():
    return ac.Sim(MINI, productivity="fast", months=24).run()


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    sim = ac.Sim(MINI, productivity="disproven", seed=4, months=36, **DISTRESS).run()
    out = sim.save(tmp_path_factory.mktemp("saved"))
    return sim, out


def test_a_default_seed_is_drawn_recorded_and_repeats_the_run(unseeded):
    assert isinstance(unseeded.seed, int) and unseeded.seed_drawn
    assert unseeded.summary["seed"] == unseeded.pars["seed"] == unseeded.seed
    again = ac.Sim(MINI, productivity="fast", months=24, seed=unseeded.seed).run()
    assert not again.seed_drawn
    pd.testing.assert_frame_equal(again.timeseries, unseeded.timeseries)
    assert dumps(again.summary) == dumps(unseeded.summary)
    assert ac.Sim(MINI, months=2).seed != ac.Sim(MINI, months=2).seed  # fresh entropy each time


def test_summary_carries_the_provenance(unseeded):
    s = unseeded.summary
    assert set(FIELDS) <= set(s)
    assert s["scenario"] == "mini" and s["productivity"] == "fast" and s["months"] == 24
    assert s["code_version"] == code_version() and s["code_version"].startswith(ac.__version__)
    assert s["policies"] == [] and s["channels"] == Channels().model_dump()  # every channel on
    assert len(s["scenario_hash"]) == 16
    row = unseeded.summary_row()
    assert row["seed"] == unseeded.seed and row["scenario_hash"] == s["scenario_hash"]
    assert json.loads(row["policies"]) == [] and row["channels.fire_sales"] is True


def test_code_version_lives_in_core_and_sweeps_use_the_same():
    assert records.code_version is code_version


def test_scenario_hash_follows_the_specification():
    base = ac.Sim(MINI, months=2, seed=1).provenance["scenario_hash"]
    assert ac.Sim(MINI, months=2, seed=2).provenance["scenario_hash"] == base
    assert ac.Sim(MINI, months=2, seed=1, **{"institutions.lab.cash": 6.0}).provenance["scenario_hash"] != base


def test_policies_and_channels_are_recorded():
    sim = ac.Sim(MINI, months=2, seed=1, policies=ac.policies.from_name("bailout"), channels={"fire_sales": False})
    prov = sim.provenance
    assert prov["policies"] and "Bailout" in prov["policies"][0]
    assert prov["channels"] == Channels().model_dump() | {"fire_sales": False}


def test_saved_files_carry_the_provenance_and_strict_json(saved):
    sim, out = saved
    assert sorted(p.name for p in out.iterdir()) == sorted(output_files())
    for name in ("timeseries.parquet", "events.parquet", "summary.parquet"):
        prov = read_provenance(out / name)
        assert prov == _strict(dumps(sim.provenance)), name
        assert PARQUET_KEY in pq.read_schema(out / name).metadata
    text = (out / "summary.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    js = _strict(text)
    for k in FIELDS:
        assert js[k] == _strict(dumps(sim.provenance[k])), k
    assert js["months_to_first_default"] == sim.summary["months_to_first_default"] > 0
    row = pd.read_parquet(out / "summary.parquet").iloc[0]
    assert row["seed"] == 4 and row["scenario"] == "mini" and row["code_version"] == code_version()
    assert row["defaults"] == sim.summary["defaults"]


def test_json_nan_becomes_null():
    assert _strict(dumps({"a": float("nan"), "b": [float("inf"), 1.5]})) == {"a": None, "b": [None, 1.5]}


def test_load_restores_a_saved_run(saved):
    sim, out = saved
    back = ac.Sim.load(out)
    pd.testing.assert_frame_equal(back.timeseries, sim.timeseries)
    pd.testing.assert_frame_equal(back.events, sim.events)
    assert dumps(back.summary) == dumps(sim.summary)
    assert back.pars == _strict(dumps(sim.pars)) and back.seed == 4
    assert back.provenance == _strict(dumps(sim.provenance))
    assert back.series("ai_revenue").equals(sim.series("ai_revenue"))
    assert "loaded from" in repr(back)
    assert back.plot("overview").axes
    with pytest.raises(RuntimeError, match="holds results only"):
        back.run()


def test_load_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a saved run"):
        ac.Sim.load(tmp_path)


def test_series_says_where_a_metric_exists(saved):
    sim, _ = saved
    with pytest.raises(KeyError, match=r"'equity' is not recorded at level 'system'.*kind"):
        sim.series("equity")
    with pytest.raises(KeyError, match=r"unknown metric 'nonexistent'.*system: ai_revenue"):
        sim.series("nonexistent")
    assert list(sim.series("equity", level="kind").columns)  # a column per kind


def test_run_clears_its_own_stale_files_only_and_writes_what_save_writes(tmp_path, saved, capsys):
    out = tmp_path / "res"
    args = ["run", "--scenario", str(MINI), "--months", "12", "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in saved[1].iterdir())
    (out / "notes.txt").write_text("mine")
    (out / "extra.png").write_text("mine too")
    assert main(args + ["--no-plots"]) == 0
    names = {p.name for p in out.iterdir()}
    assert names == set(output_files(figures=False)) | {"notes.txt", "extra.png"}
    assert (out / "notes.txt").read_text() == "mine"
    capsys.readouterr()


def test_compare_writes_series_quantiles_and_bands(tmp_path, capsys):
    out = tmp_path / "c"
    args = ["compare", "--scenario", str(MINI), "--months", "12", "--seeds", "2", "--out", str(out), "--quiet"]
    assert main(args + ["--productivity", "base", "slow"]) == 0
    assert {p.name for p in out.iterdir()} == {"compare.parquet", *MULTISIM_FILES}
    q = pd.read_parquet(out / "quantiles.parquet")
    assert set(q["setup"]) == {"base", "slow"} and (q.loc[q.metric == "losses", "seeds"] == 2).all()
    assert (q["seeds"] <= 2).all()  # fewer where a series has no value yet (growth in the first year)
    assert read_provenance(out / "summaries.parquet")["seeds"] == [0, 1]
    text = capsys.readouterr().out
    assert "over seeds 0, 1" in text
