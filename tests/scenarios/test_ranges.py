"""Ranges of assumed numbers: parsed, stripped to their values, validated, listed; bad ones are one line."""

from pathlib import Path

import pytest
import yaml

from aicontagion.cli import main
from aicontagion.scenarios.loader import ScenarioError, check_range_ends, load_scenario
from aicontagion.scenarios.ranges import ParamRange
from tests.conftest import MINI


def _with(tmp_path, edit) -> str:
    raw = yaml.safe_load(MINI.read_text())
    edit(raw)
    path = tmp_path / "ranged.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return str(path)


def _ranged(raw, **entries):
    for dotted, spec in entries.items():
        section, key = dotted.split("__")
        raw.setdefault(section, {})[key] = spec


def test_shipped_scenario_has_ranges_and_runs_at_the_values():
    spec = load_scenario("ai_2025")
    paths = [r.path for r in spec.ranges]
    assert "productivity.noise_sigma" in paths and "funding.spread_distress" in paths
    noise = next(r for r in spec.ranges if r.path == "productivity.noise_sigma")
    assert spec.productivity.noise_sigma == noise.value == 0.03
    assert noise.low < noise.value < noise.high and noise.dist == "uniform"
    for r in spec.ranges:  # every value sits inside its range, inside the schema's bounds
        assert r.low <= r.value <= r.high
    check_range_ends(spec)


def test_range_forms_are_parsed(tmp_path):
    path = _with(
        tmp_path,
        lambda raw: _ranged(
            raw,
            productivity__noise_sigma={"value": 0.03, "range": [0.01, 0.05]},
            productivity__noise_persistence={"value": 0.9, "dist": "triangular", "low": 0.8, "high": 0.95},
            productivity__expectation_smoothing={"value": 0.1, "dist": "loguniform", "low": 0.05, "high": 0.2},
        ),
    )
    spec = load_scenario(path)
    by = {r.path: r for r in spec.ranges}
    assert by["productivity.noise_sigma"] == ParamRange("productivity.noise_sigma", 0.03, 0.01, 0.05)
    tri = by["productivity.noise_persistence"]
    assert tri.dist == "triangular" and tri.mode == 0.9
    assert tri.salib_bounds() == pytest.approx([0.8, 0.95, (0.9 - 0.8) / 0.15])
    assert by["productivity.expectation_smoothing"].dist == "loguniform"
    assert spec.productivity.noise_sigma == 0.03 and spec.productivity.noise_persistence == 0.9


def test_ranges_inside_lists_are_named_by_id(tmp_path):
    def edit(raw):
        inst = raw["institutions"][0]
        inst["cash"] = {"value": inst["cash"], "range": [inst["cash"] * 0.5, inst["cash"] * 2 + 1]}

    path = _with(tmp_path, edit)
    spec = load_scenario(path)
    ident = yaml.safe_load(MINI.read_text())["institutions"][0]["id"]
    assert [r.path for r in spec.ranges] == [f"institutions.{ident}.cash"]
    load_scenario(path, **{f"institutions.{ident}.cash": spec.ranges[0].high})  # the path is an override key


@pytest.mark.parametrize(
    "entry, message",
    [
        ({"value": 0.03, "range": [0.05, 0.01]}, "low 0.05 must be below high 0.01"),
        ({"value": 0.09, "range": [0.01, 0.05]}, "value 0.09 is outside its range"),
        ({"value": 0.03, "range": [0.01, float("nan")]}, "not a finite number"),
        ({"value": 0.03, "range": [0.01]}, "range must be a list [low, high]"),
        ({"value": 0.03, "range": ["a", 0.05]}, "low must be a number"),
        ({"value": 0.03, "dist": "normal", "low": 0.01, "high": 0.05}, "unknown distribution 'normal'"),
        ({"value": 0.03, "dist": "uniform", "low": 0.01}, "needs low: and high:"),
        ({"value": 0.03, "range": [0.01, 0.05], "sigma": 1}, "unknown key 'sigma'"),
        ({"value": 0.03, "dist": "triangular", "low": 0.01, "high": 0.05, "mode": 0.07}, "mode 0.07 is outside"),
    ],
)
def test_bad_ranges_are_one_line_errors(tmp_path, capsys, entry, message):
    path = _with(tmp_path, lambda raw: _ranged(raw, productivity__noise_sigma=entry))
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "\n" not in text and text.startswith("ranged.yaml: productivity.noise_sigma: ") and message in text
    assert main(["validate", path]) == 2
    out = capsys.readouterr().err.strip()
    assert out.count("\n") == 0 and message in out


def test_range_ends_must_stay_inside_the_schema(tmp_path, capsys):
    path = _with(tmp_path, lambda raw: _ranged(raw, productivity__noise_sigma={"value": 0.03, "range": [-0.5, 0.05]}))
    spec = load_scenario(path)  # the value is fine: the scenario loads and runs
    with pytest.raises(ScenarioError, match="productivity.noise_sigma: range low -0.5"):
        check_range_ends(spec)
    assert main(["validate", path]) == 2
    assert "range low -0.5" in capsys.readouterr().err


def test_validate_lists_the_ranged_parameters(capsys):
    main(["validate", "ai_2025"])
    out = capsys.readouterr().out
    assert "28 ranged parameters" in out or "ranged parameters" in out
    assert "  productivity.noise_sigma: 0.03 in [0.015, 0.06] (uniform)" in out


def test_an_uncited_range_is_caught(tmp_path):
    from aicontagion.scenarios.citations import check_file

    p = tmp_path / "s.yaml"
    p.write_text(
        "a: {value: 0.2, range: [0.1, 0.4]}  # a: assumed\n"
        "b: {value: 0.2, range: [0.1, 0.4]}  # b: assumed; range: assumed\n"
        "c: {value: 0.2, range: [0.1, 0.4]}  # assumed\n"
    )
    assert {(x.line, x.key) for x in check_file(p)} == {(1, "range")}


def test_every_range_of_the_shipped_scenario_is_tabled_in_docs_calibration():
    """docs/calibration.md, "Ranges for sensitivity analysis", has a row for every ranged number of
    ai_2025 with the scenario's value and range (so a range added to the file is documented)."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "calibration.md").read_text()
    table = text[text.index("## Ranges for sensitivity analysis (ai_2025)") :]
    rows = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] and not cells[0].startswith(("---", "parameter")):
            rows[cells[0].strip("`")] = cells
    for r in load_scenario("ai_2025").ranges:
        assert r.path in rows, f"docs/calibration.md has no range row for {r.path}"
        value, rng = rows[r.path][1], rows[r.path][2]
        assert float(value) == pytest.approx(r.value), r.path
        low, high = (float(x.split()[0]) for x in rng.split(" - ")[:2])
        assert (low, high) == pytest.approx((r.low, r.high)), r.path
