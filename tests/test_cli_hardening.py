"""Every user error in the CLI is one line and exit 2, found before any long run (issue 11)."""

import pytest

from aicontagion.cli import main
from aicontagion.viz.captions import plain
from tests.conftest import MINI


def _refused(argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("aicontagion: error: ")
    return err[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "--seed", "-1"], "--seed"),
        (["run", "--months", "0"], "--months must be from 1 to 1200"),
        (["run", "--months", "1000000000"], "--months must be from 1 to 1200"),
        (["compare", "--seeds", "0"], "--seeds"),
        (["compare", "--processes", "0"], "--processes"),
        (["animate", "--out", "x.gif", "--fps", "nan"], "--fps"),
        (["animate", "--out", "x.gif", "--seed", "-2"], "--seed"),
        (["app", "--port", "99999"], "--port must be from 1 to 65535"),
        (["app", "--port", "0"], "--port"),
        (["sweep", "spec.yaml", "--workers", "0"], "--workers"),
        (["sweep", "spec.yaml", "--executor", "dask", "--scheduler-address", "nonsense"], "malformed address"),
        (["sweep", "spec.yaml", "--executor", "dask", "--scheduler-address", "tcp://127.0.0.1:1"], "no scheduler"),
    ],
)
def test_bad_options_are_one_line_before_any_work(tmp_path, monkeypatch, capsys, argv, expected):
    monkeypatch.chdir(tmp_path)
    assert expected in _refused(argv, capsys)
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_out_that_is_a_file_is_refused_before_the_run(tmp_path, capsys):
    existing = tmp_path / "taken"
    existing.write_text("mine")
    for argv in (
        ["run", "--scenario", str(MINI), "--months", "2", "--out", str(existing)],
        ["compare", "--scenario", str(MINI), "--months", "2", "--out", str(existing)],
    ):
        assert "existing file" in _refused(argv, capsys)
    assert "is a folder" in _refused(["animate", "--scenario", str(MINI), "--out", str(tmp_path)], capsys)
    assert existing.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_out_that_cannot_be_written_is_refused_before_the_run(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    argv = ["run", "--scenario", str(MINI), "--months", "2", "--out", str(blocker / "sub" / "out")]
    assert "not a folder" in _refused(argv, capsys)
    argv = ["run", "--scenario", str(MINI), "--months", "2", "--out", "/proc/aicontagion-test/out"]
    assert "cannot write" in _refused(argv, capsys)


def test_mathtext_in_names_is_drawn_as_written(tmp_path, capsys):
    text = MINI.read_text().replace("{id: giant, kind: tech_giant,", "{id: giant, name: '$\\frac{$', kind: tech_giant,")
    path = tmp_path / "dollars.yaml"
    path.write_text(text)
    out = tmp_path / "a.gif"
    argv = ["animate", "--scenario", str(path), "--months", "2", "--out", str(out), "--quiet", "--dpi", "40"]
    assert main(argv) == 0
    assert out.stat().st_size > 0
    assert plain("$\\frac{$ pays $5") == "\\$\\frac{\\$ pays \\$5"
