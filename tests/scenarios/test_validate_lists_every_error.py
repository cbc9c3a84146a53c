"""``aicontagion validate`` lists every schema error of a file, one line each, exit 2."""

from __future__ import annotations

from aicontagion.cli import main
from aicontagion.scenarios.loader import read_raw, read_scenario_raw, resolve, validation_errors

BAD = """name: bad
productivity:
  initial_revenue: 20
  default: base
  paths:
    base: {ceiling: 1.0, midpoint: "2030-01", steepness: 0.05}
markets: {}
institutions:
  - {id: a, kind: tech_giant, cash: "44", equity: .nan}
  - {id: b, kind: bank, cash: -5}
"""


def test_every_error_one_line_each(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text(BAD)
    errors = validation_errors(read_raw(f), f.name)
    assert [e.where for e in errors] == [
        "institutions[0] (a).cash",
        "institutions[0] (a).equity",
        "institutions[1] (b).cash",
    ]
    assert main(["validate", str(f)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("aicontagion: error: bad.yaml: institutions[") for line in lines)
    assert "got '44'" in lines[0] and "finite" in lines[1] and ">= 0" in lines[2]


def test_a_valid_file_has_no_errors():
    raw, ranges = read_scenario_raw(resolve("ai_2025"))  # numbers given with ranges take their values
    assert ranges and validation_errors(raw, "ai_2025.yaml") == []
