"""Sweeps: spec validation, designs, executors agreeing, resuming, failing runs isolated, records."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from aicontagion.cli import main
from aicontagion.runs.sweep import Design, SweepError, design_points, load_sweep, plan, run_sweep

MINI = str(Path(__file__).parents[1] / "data" / "mini.yaml")
EXAMPLE = Path(__file__).parents[2] / "experiments" / "sweeps" / "example.yaml"
VOLATILE = ["run_id", "code_version", "seconds"]  # differ between sweeps of the same runs
KEYS = ["productivity", "param.funding__spread_distress", "seed"]


def small_spec(**changes) -> dict:
    spec = {
        "name": "small",
        "scenario": MINI,
        "months": 4,
        "seeds": 2,
        "productivity": ["base", "disproven"],
        "design": {"grid": {"funding.spread_distress": [0.03, 0.08]}},
    }
    return spec | changes


def _table(out) -> pd.DataFrame:
    return pd.read_parquet(out).sort_values(KEYS).reset_index(drop=True)


# ---------------------------------------------------------------- the spec
@pytest.mark.parametrize(
    "change, where",
    [
        ({"seedz": 3}, "seedz: unknown key"),
        ({"seeds": 0}, "seeds"),
        ({"seeds": [1, 1]}, "seeds"),
        ({"months": -1}, "months"),
        ({"scenario": "no_such_scenario"}, "scenario: no_such_scenario"),
        ({"productivity": "medium"}, "productivity: unknown path 'medium'"),
        (
            {"design": {"grid": {"funding.spread_distres": [0.1]}}},
            "design.grid.funding.spread_distres: not a parameter",
        ),
        ({"design": {"grid": {"institutions.nobody.cash": [1]}}}, "design.grid.institutions.nobody.cash"),
        ({"design": {"random": {"samples": 3, "ranges": {"funding.spread_distress": [0.2, 0.1]}}}}, "low 0.2"),
        (
            {"design": {"random": {"samples": 3, "ranges": {"months": {"low": 1.5, "high": 3, "integer": True}}}}},
            "ends",
        ),
        ({"design": {"random": {"samples": 2, "ranges": {"x.y": [0, 1]}}}}, "design.random.ranges.x.y"),
        ({"design": {"grid": {"generator.seed": [1, 2]}}}, "generator.* keys need a synthetic scenario"),
        ({"policies": [{"name": "no_such_policy"}]}, "policies: unknown policy 'no_such_policy'"),
        ({"scenario": {"synthetic": {"n_institutions": 30, "hedge_fund": 2}}}, "scenario: synthetic: unknown kind"),
    ],
)
def test_bad_specs_are_one_line_naming_the_field(change, where):
    with pytest.raises(SweepError, match=where.replace("(", r"\(").replace("*", r"\*")) as err:
        load_sweep(small_spec(**change))
    assert "\n" not in str(err.value)


def test_cli_bad_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    spec = tmp_path / "bad.yaml"
    spec.write_text(yaml.safe_dump(small_spec(design={"grid": {"funding.nope": [1]}})))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aicontagion: error: bad.yaml: design.grid.funding.nope:") and "\n" not in err
    assert not out.exists()
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "processes", "--scheduler-address", "x"]) == 2
    assert main(["sweep", str(tmp_path / "missing.yaml"), "--out", str(out)]) == 2
    assert not out.exists()


# ---------------------------------------------------------------- designs
def test_grid_is_a_cartesian_product_and_samples_are_reproducible():
    grid = Design(grid={"a": [1, 2, 3], "b": ["x", "y"]})
    assert len(design_points(grid)) == 6
    lhs = Design(
        seed=3,
        grid={"a": [1, 2]},
        latin_hypercube={"samples": 10, "ranges": {"u": [0, 1], "k": {"low": 1, "high": 5, "integer": True}}},
    )
    points = design_points(lhs)
    assert len(points) == 20 and points == design_points(lhs)
    assert points != design_points(lhs.model_copy(update={"seed": 4}))
    u = np.array([p["u"] for p in points[:10]])
    assert sorted(np.floor(u * 10).astype(int).tolist()) == list(range(10))  # one sample per stratum
    assert all(isinstance(p["k"], int) and 1 <= p["k"] <= 5 for p in points)  # integer range: integers
    rnd = design_points(Design(random={"samples": 50, "ranges": {"v": [2.0, 3.0]}}))
    assert all(2.0 <= p["v"] < 3.0 for p in rnd) and len({p["v"] for p in rnd}) == 50


def test_run_ids_depend_on_parameters_seed_and_code_only(tmp_path):
    spec, _ = load_sweep(small_spec())
    runs = plan(spec, tmp_path, version="v1")
    assert len(runs) == 2 * 2 * 2 and len({r.run_id for r in runs}) == 8
    assert [r.run_id for r in plan(spec, tmp_path / "elsewhere", version="v1")] == [r.run_id for r in runs]
    assert not {r.run_id for r in plan(spec, tmp_path, version="v2")} & {r.run_id for r in runs}


# ---------------------------------------------------------------- executors
def test_executors_give_identical_results(tmp_path):
    from dask.distributed import LocalCluster

    spec = small_spec()
    serial = run_sweep(spec, tmp_path / "serial", executor="serial", progress=False)
    assert (serial.total, serial.ran, serial.failed) == (8, 8, 0)
    run_sweep(spec, tmp_path / "processes", executor="processes", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        run_sweep(spec, tmp_path / "dask", executor="dask", scheduler_address=cluster.scheduler_address, progress=False)
    run_sweep(small_spec(seeds=[0]), tmp_path / "local", executor="dask", workers=1, progress=False)  # LocalCluster
    base = _table(tmp_path / "serial")
    assert len(base) == 8 and (base["status"] == "ok").all()
    for other in ("processes", "dask"):
        pd.testing.assert_frame_equal(base.drop(columns=VOLATILE), _table(tmp_path / other).drop(columns=VOLATILE))
    local = _table(tmp_path / "local")
    pd.testing.assert_frame_equal(
        base[base["seed"] == 0].drop(columns=VOLATILE).reset_index(drop=True), local.drop(columns=VOLATILE)
    )
    # the record: parameters as columns, one row per run, a run's file named by its id
    assert {"param.funding__spread_distress", "param.productivity", "seed", "total_loss", "status"} <= set(base.columns)
    assert sorted(p.stem for p in (tmp_path / "serial").glob("*.parquet")) == sorted(base["run_id"])


def test_an_interrupted_sweep_resumes_with_only_the_missing_runs(tmp_path):
    out = tmp_path / "sweep"
    seen = []

    def kill_after_three(res):
        seen.append(res["run_id"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(small_spec(), out, executor="serial", progress=False, on_result=kill_after_three)
    assert len(list(out.glob("*.parquet"))) == 3
    (out / ".half-written.parquet.123.tmp").write_bytes(b"PAR1 partial")  # what a kill mid-write leaves
    assert len(pd.read_parquet(out)) == 3  # hidden leftovers are not read
    again = []
    result = run_sweep(small_spec(), out, executor="serial", progress=False, on_result=lambda r: again.append(r))
    assert (result.skipped, result.ran) == (3, 5)
    assert not set(seen) & {r["run_id"] for r in again}
    assert len(pd.read_parquet(out)) == 8
    third = run_sweep(small_spec(), out, executor="processes", workers=2, progress=False)
    assert (third.skipped, third.ran) == (8, 0)


def test_a_failing_run_is_recorded_and_the_others_complete(tmp_path, capsys):
    # a stated equity the balance sheet cannot reach passes the schema (checked up front) and fails
    # when the run builds its system
    spec = small_spec(design={"grid": {"institutions.giant.equity": [200.0, 1.0]}})
    out = tmp_path / "sweep"
    result = run_sweep(spec, out, executor="processes", workers=2, progress=False)
    assert (result.total, result.failed) == (8, 4)
    table = pd.read_parquet(out)
    bad = table[table["param.institutions__giant__equity"] < 100]
    good = table[table["param.institutions__giant__equity"] > 100]
    assert (bad["status"] == "error").all() and (good["status"] == "ok").all()
    assert bad["error"].str.contains("equity").all() and good["error"].isna().all()
    assert bad["total_loss"].isna().all() and good["total_loss"].notna().all()  # same columns for every run
    # errors are retried on the next run (unless told not to); successes are not
    assert run_sweep(spec, out, executor="serial", progress=False, retry_errors=False).ran == 0
    assert run_sweep(spec, out, executor="serial", progress=False).ran == 4
    yaml_spec = tmp_path / "failing.yaml"
    yaml_spec.write_text(yaml.safe_dump(spec))
    assert main(["sweep", str(yaml_spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 1
    assert "4 failed" in capsys.readouterr().out


def test_series_are_kept_apart_from_the_summaries(tmp_path):
    out = tmp_path / "sweep"
    run_sweep(small_spec(series=True, seeds=1), out, executor="serial", progress=False)
    summaries = pd.read_parquet(out)
    series = pd.read_parquet(out / "_series")
    assert len(summaries) == 4 and set(series["run_id"]) == set(summaries["run_id"])
    assert {"step", "date", "metric", "value"} <= set(series.columns)


def test_synthetic_scenarios_sweep_generator_and_scenario_parameters(tmp_path):
    spec = {
        "scenario": {"synthetic": {"n_institutions": 40, "seed": 1}},
        "months": 3,
        "seeds": 1,
        "productivity": "disproven",
        "design": {"grid": {"generator.contracts_per_institution": [4, 8], "funding.spread_distress": [0.02, 0.09]}},
    }
    result = run_sweep(spec, tmp_path / "syn", executor="serial", progress=False)
    assert (result.total, result.failed) == (4, 0)
    table = pd.read_parquet(tmp_path / "syn")
    assert set(table["scenario"]) == {"synthetic_40"}
    assert sorted(table["param.generator__contracts_per_institution"]) == [4, 4, 8, 8]


def test_policy_alternatives_are_a_design_axis(tmp_path):
    spec = small_spec(seeds=1, productivity="disproven", design={"grid": {"policies": [[], [{"name": "bailout"}]]}})
    result = run_sweep(spec, tmp_path / "pol", executor="serial", progress=False)
    assert result.failed == 0
    table = pd.read_parquet(tmp_path / "pol")
    assert sorted(table["policies"]) == ["[]", '[{"args": {}, "name": "bailout"}]']
    assert sorted(table["param.policies"]) == ["[]", '[{"args": {}, "name": "bailout"}]']


def test_example_spec_is_valid_and_runs_in_quick_mode(tmp_path):
    spec, label = load_sweep(EXAMPLE)
    assert label == "example.yaml" and len(plan(spec, tmp_path)) == 128
    quick = spec.model_copy(
        update={
            "months": 3,
            "seeds": 1,
            "design": spec.design.model_copy(
                update={"latin_hypercube": spec.design.latin_hypercube.model_copy(update={"samples": 2})}
            ),
        }
    )
    result = run_sweep(quick, tmp_path / "example", executor="serial", progress=False)
    assert (result.total, result.failed) == (8, 0)
