"""``--channel NAME=on|off`` switches contagion channels from the command line."""

from __future__ import annotations

import json

import pandas as pd

from aicontagion.cli import main

MINI = "tests/data/mini.yaml"


def test_run_with_a_channel_off_reports_it(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(
        [
            "run",
            "--scenario",
            MINI,
            "--months",
            "3",
            "--channel",
            "fire_sales=off",
            "--out",
            str(out),
            "--quiet",
            "--no-plots",
        ]
    )
    assert code == 0
    assert "channels switched off" in capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text())
    assert summary["channels"]["fire_sales"] is False and summary["channels"]["margin_calls"] is True
    assert bool(pd.read_parquet(out / "summary.parquet")["channels.fire_sales"].iloc[0]) is False


def test_bad_channel_options_are_one_line_errors(tmp_path, capsys):
    for bad in ("fire_sale=off", "fire_sales", "fire_sales=maybe"):
        code = main(
            ["run", "--scenario", MINI, "--months", "2", "--channel", bad, "--out", str(tmp_path / "x"), "--quiet"]
        )
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "channel" in err
        assert not (tmp_path / "x").exists()
