"""Command line: results for good input; exit 2, one line, nothing written for bad input."""

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from aicontagion.cli import main
from tests.conftest import MINI


def _run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_writes_results(tmp_path, capsys):
    out_dir = tmp_path / "res"
    code, out, err = _run(
        [
            "run",
            "--scenario",
            str(MINI),
            "--productivity",
            "disproven",
            "--months",
            "48",
            "--out",
            str(out_dir),
            "--quiet",
        ],
        capsys,
    )
    assert code == 0, err
    assert "months to first default" in out and "losses by holder" in out
    for name in ("timeseries.parquet", "events.parquet", "summary.parquet", "summary.json", "overview.png"):
        assert (out_dir / name).is_file()
    ts = pd.read_parquet(out_dir / "timeseries.parquet")
    assert list(ts.columns) == ["step", "date", "level", "entity", "metric", "value"]
    assert ts["step"].max() == 48
    assert not list(tmp_path.glob(".res.*"))  # the staging folder is gone


def test_compare_runs_paths_on_common_seeds(tmp_path, capsys):
    code, out, err = _run(
        [
            "compare",
            "--scenario",
            str(MINI),
            "--months",
            "12",
            "--seeds",
            "2",
            "--out",
            str(tmp_path / "c"),
            "--quiet",
            "--productivity",
            "base",
            "disproven",
        ],
        capsys,
    )
    assert code == 0, err
    table = pd.read_parquet(tmp_path / "c" / "compare.parquet")
    assert sorted(table["setup"].unique()) == ["base", "disproven"] and len(table) == 4


def _bad(tmp_path, capsys, args):
    out_dir = tmp_path / "out"
    code, out, err = _run(args + ["--out", str(out_dir), "--quiet"], capsys)
    assert code == 2
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("aicontagion: error: ")
    assert "Traceback" not in err
    assert not out_dir.exists()
    return lines[0]


def _write(tmp_path, raw, name="bad.yaml"):
    p = tmp_path / name
    if isinstance(raw, bytes):
        p.write_bytes(raw)
    else:
        p.write_text(raw if isinstance(raw, str) else yaml.safe_dump(raw))
    return str(p)


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda r: r["contracts"][0].update(lender="nobody"), "contracts[0] (spv_bond).lender"),
        (lambda r: r["contracts"][4].update(principal=-1), "contracts[4] (neo_loan).principal"),
        (lambda r: r["institutions"][1].update(kind="hedge_fund"), "institutions[1] (lab).kind"),
        (lambda r: r["institutions"][1].update(colour="red"), "institutions[1] (lab).colour"),
        (lambda r: r.update(productivity="fast"), "productivity"),
    ],
)
def test_bad_scenario_entries(tmp_path, capsys, mini_raw, mutate, expected):
    mutate(mini_raw)
    line = _bad(tmp_path, capsys, ["run", "--scenario", _write(tmp_path, mini_raw)])
    assert "bad.yaml" in line and expected in line


def test_missing_file(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", str(tmp_path / "missing.yaml")])
    assert "missing.yaml" in line and "no such file" in line


def test_yaml_syntax_error(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", _write(tmp_path, "name: [unclosed\n")])
    assert "YAML syntax error" in line and "line" in line


def test_binary_garbage(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", _write(tmp_path, bytes(range(256)))])
    assert "bad.yaml" in line


def test_wrong_shape(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", _write(tmp_path, "[1, 2, 3]\n")])
    assert "mapping" in line


def test_unknown_productivity_path(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", str(MINI), "--productivity", "boom"])
    assert "boom" in line and "fast" in line


def test_bad_option(tmp_path, capsys):
    line = _bad(tmp_path, capsys, ["run", "--scenario", str(MINI), "--months", "-3"])
    assert "--months" in line


def test_validate_reports_citations(tmp_path, capsys):
    code, out, _ = _run(["validate", str(MINI)], capsys)
    assert code == 0 and "mini.yaml: ok" in out


def test_console_script_entry_point(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "aicontagion", "run", "--scenario", str(tmp_path / "x.yaml")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "x.yaml" in proc.stderr
