"""``make demo``: each path's run saved (the same files as ``aicontagion run``), the comparison
with its provenance, the paths figure, and a table that says it shows one seed."""

import pandas as pd

from aicontagion import demo
from aicontagion.results.provenance import read_provenance
from aicontagion.sim import output_files
from tests.conftest import MINI


def test_demo_writes_every_run_and_says_it_is_one_seed(tmp_path, capsys):
    out = tmp_path / "demo"
    assert demo.main(["--scenario", str(MINI), "--months", "12", "--seed", "3", "--out", str(out)]) == 0
    for path in demo.PATHS:
        assert sorted(p.name for p in (out / path).iterdir()) == sorted(output_files())
    table = pd.read_parquet(out / "comparison.parquet")
    assert list(table["setup"]) == list(demo.PATHS) and set(table["seed"]) == {3}
    prov = read_provenance(out / "comparison.parquet")
    assert prov["seed"] == 3 and prov["productivity"] == list(demo.PATHS) and prov["scenario"] == "mini"
    assert (out / "paths.png").stat().st_size > 10_000
    text = capsys.readouterr().out
    assert "one run per setup (seed 3): values of one seed, not means" in text
