"""Global sensitivity analysis: the SALib sample runs as a sweep, maps back onto its points, the
indices name the right parameter, and a re-run skips the finished runs."""

import numpy as np
import pandas as pd
import pytest
import yaml

from aicontagion.cli import main
from aicontagion.runs import sensitivity as sa
from aicontagion.runs.sweep import read_sweep
from aicontagion.scenarios.ranges import ParamRange
from tests.conftest import MINI

PARAMS = ["productivity.initial_growth", "productivity.noise_sigma", "funding.spread_distress"]  # file order


@pytest.fixture
def ranged(tmp_path):
    """mini.yaml with three ranged numbers."""
    raw = yaml.safe_load(MINI.read_text())
    raw["productivity"]["noise_sigma"] = {"value": 0.03, "range": [0.01, 0.05]}
    raw["productivity"]["initial_growth"] = {"value": 0.3, "dist": "triangular", "low": 0.2, "high": 0.5}
    raw["funding"] = {"spread_distress": {"value": 0.05, "range": [0.02, 0.1]}}
    path = tmp_path / "ranged.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def toy(monkeypatch):
    """An outcome that depends on one ranged parameter only (read back from the run's record)."""
    monkeypatch.setitem(sa.OUTCOMES, "toy", ("the noise parameter", lambda t: t["param.productivity__noise_sigma"]))


def _spec(path, **kw):
    base = {"scenario": str(path), "months": 2, "seeds": 1, "morris": {"trajectories": 3}, "sobol": {"N": 8}}
    return base | kw


def test_morris_sample_maps_onto_runs_and_the_toy_outcome_ranks_its_parameter(ranged, toy, tmp_path):
    spec, _ = sa.load_spec(_spec(ranged, method="morris", outcomes=["toy", "total_loss"], seeds=[0, 4]))
    params = sa.inputs(spec)
    assert [p.path for p in params] == PARAMS
    stage = sa.run_stage(spec, params, "morris", tmp_path / "out", "serial", None, False, "test")
    X = stage.X
    distinct = np.unique(X, axis=0)  # trajectories may cross: a repeated point runs once
    assert X.shape == (3 * (len(PARAMS) + 1), len(PARAMS)) and stage.runs == len(distinct) * 2
    # every point ran on both seeds, with exactly the sampled values
    runs = read_sweep(tmp_path / "out" / "runs_morris")
    assert sorted(runs["seed"].unique()) == [0, 4] and len(runs) == 2 * len(distinct)
    got = runs[[f"param.{p.replace('.', '__')}" for p in PARAMS]].drop_duplicates().to_numpy()
    assert sorted(map(tuple, got)) == sorted(map(tuple, distinct))
    # the outcomes come back in sample order: the toy outcome is the noise column of X
    np.testing.assert_allclose(stage.Y["toy"].to_numpy(), X[:, 1])
    m = stage.indices[stage.indices["outcome"] == "toy"].set_index("parameter")
    assert m["mu_star"].idxmax() == "productivity.noise_sigma"
    assert m.loc["productivity.initial_growth", "mu_star"] == 0 and m.loc["funding.spread_distress", "mu_star"] == 0
    assert sa.screen(stage.indices[stage.indices["outcome"] == "toy"], 1) == ["productivity.noise_sigma"]


def test_sobol_indices_of_a_known_toy_case():
    params = [ParamRange("a", 0.5, 0.0, 1.0), ParamRange("b", 0.5, 0.0, 1.0), ParamRange("c", 0.5, 0.0, 1.0)]
    prob = sa.problem(params)
    spec = sa.SensitivitySpec(sobol={"N": 256})
    X = sa.sobol_sample.sample(prob, 256, calc_second_order=False, seed=0)
    y = X[:, 0] + 0.1 * X[:, 1]  # a: ~99% of the variance, b: ~1%, c: none
    rows = sa._indices("sobol", prob, X, y, "toy", spec).set_index("parameter")
    assert rows["ST"].idxmax() == "a" and rows.loc["a", "ST"] == pytest.approx(0.99, abs=0.05)
    assert abs(rows.loc["c", "ST"]) < 0.01 and rows["ST_conf"].notna().all()
    assert list(sa._indices("sobol", prob, X, np.zeros(len(X)), "flat", spec)["ST"].isna()) == [True] * 3


def test_full_analysis_writes_tidy_indices_and_resumes(ranged, toy, tmp_path):
    spec = _spec(ranged, method="sobol", outcomes=["toy", "defaults", "crisis"], sobol={"N": 4, "top": 1})
    out = tmp_path / "sa"
    first = sa.run_sensitivity(spec, out, executor="serial", progress=False)
    assert first.sobol_parameters == ["productivity.noise_sigma"]  # Morris screened the toy's parameter in
    assert first.ran == first.runs <= 3 * 4 + 4 * 3
    idx = pd.read_parquet(out / "indices.parquet")
    assert list(idx.columns) == sa.INDEX_COLUMNS
    assert set(idx["method"]) == {"morris", "sobol"} and set(idx["outcome"]) == {"toy", "defaults", "crisis"}
    for outcome in ("toy", "defaults", "crisis"):
        assert (out / "figures" / f"{outcome}.png").stat().st_size > 5000
    assert len(pd.read_parquet(out / "points.parquet")) == 3 * (3 + 1) + 4 * (1 + 2)  # Morris, Sobol points
    again = sa.run_sensitivity(spec, out, executor="serial", progress=False)
    assert again.ran == 0 and again.runs == first.runs  # every run was done: skipped
    pd.testing.assert_frame_equal(again.indices, first.indices)


def test_cli_quick_run_and_one_line_errors(ranged, tmp_path, capsys):
    spec = tmp_path / "sa.yaml"
    spec.write_text(yaml.safe_dump(_spec(ranged, parameters=PARAMS[1:], outcomes=["total_loss"])))
    out = tmp_path / "out"
    assert main(["sensitivity", str(spec), "--out", str(out), "--quick", "--executor", "serial", "--quiet"]) == 0
    assert "most influential assumptions" in capsys.readouterr().out
    assert (out / "indices.parquet").is_file()
    for bad, message in [
        ({"method": "fast"}, "method"),
        ({"parameters": ["productivity.nope"]}, "has no range in ranged.yaml"),
        ({"outcomes": ["nope"]}, "unknown outcome 'nope'"),
        ({"sobol": {"N": 6}}, "power of 2"),
        ({"colour": 1}, "unknown key"),
    ]:
        spec.write_text(yaml.safe_dump(_spec(ranged) | bad))
        assert main(["sensitivity", str(spec), "--out", str(tmp_path / "bad"), "--executor", "serial"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.count("\n") == 0 and message in err, err
        assert not (tmp_path / "bad").exists()


def test_a_scenario_without_ranges_is_refused(tmp_path, capsys):
    spec = tmp_path / "sa.yaml"
    spec.write_text(yaml.safe_dump({"scenario": str(MINI)}))
    assert main(["sensitivity", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "gives no ranges" in capsys.readouterr().err


def test_explicit_points_in_a_sweep_are_checked(ranged):
    from aicontagion.runs.sweep import SweepError, load_sweep

    good = {"scenario": str(ranged), "months": 2, "design": {"points": [{"funding.spread_distress": 0.03}]}}
    load_sweep(good)
    bad = good | {"design": {"points": [{"funding.spread_distress": 0.03}, {"funding.spread_distress": -1.0}]}}
    with pytest.raises(SweepError, match="design.points.funding.spread_distress"):
        load_sweep(bad)
    with pytest.raises(SweepError, match="not a parameter"):
        load_sweep(good | {"design": {"points": [{"funding.nope": 1.0}]}})
