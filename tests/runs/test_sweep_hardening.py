"""Sweeps that cannot be fooled: bad values stop before any run, damaged records are re-run,
a folder holds one spec's runs, addresses are checked first, workers die with their parent."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from aicontagion.cli import main
from aicontagion.runs.executors import check_scheduler
from aicontagion.runs.records import trusted_records
from aicontagion.runs.sweep import SweepError, load_sweep, run_sweep, spec_fingerprint
from tests.conftest import MINI


def small_spec(**changes) -> dict:
    spec = {"name": "small", "scenario": str(MINI), "months": 3, "seeds": 2}
    return spec | {"design": {"grid": {"funding.spread_distress": [0.03, 0.08]}}} | changes


@pytest.mark.parametrize(
    "changes, where",
    [
        ({"design": {"grid": {"funding.spread_distress": [-5.0]}}}, "design.grid.funding.spread_distress[0]"),
        ({"design": {"grid": {"funding.spread_distress": [float("nan")]}}}, "design.grid.funding.spread_distress[0]"),
        ({"design": {"grid": {"institutions.giant.cash": ["44"]}}}, "design.grid.institutions.giant.cash[0]"),
        ({"design": {"grid": {"months": [0]}}}, "design.grid.months[0]"),
        ({"seeds": [-1]}, "seeds"),
        ({"months": 10**9}, "months"),
        (
            {"design": {"random": {"samples": 2, "ranges": {"productivity.noise_sigma": [0.0, 50.0]}}}},
            "design.random.ranges.productivity.noise_sigma.high",
        ),
        ({"policies": [{"name": "implicit_guarantee", "args": {"coverage": float("nan")}}]}, "policies"),
    ],
)
def test_values_that_would_fail_every_run_stop_the_sweep_first(tmp_path, changes, where):
    with pytest.raises(SweepError) as info:
        run_sweep(small_spec(**changes), tmp_path / "out", executor="serial", progress=False)
    assert "\n" not in str(info.value) and where in str(info.value)
    assert not (tmp_path / "out").exists()


def test_an_alias_bomb_in_a_grid_value_is_refused_quickly(tmp_path):
    levels = "".join(f"  - &l{k} [{', '.join([f'*l{k - 1}'] * 10) if k else '1'}]\n" for k in range(9))
    path = tmp_path / "bomb.yaml"
    path.write_text(f"scenario: {MINI}\nbombs:\n{levels}design: {{grid: {{funding.spread_distress: [*l8]}}}}\n")
    with pytest.raises(SweepError, match="alias"):
        load_sweep(path)


def test_a_damaged_record_is_run_again_not_trusted(tmp_path):
    out = tmp_path / "sweep"
    first = run_sweep(small_spec(), out, executor="serial", progress=False)
    files = sorted(out.glob("*.parquet"))
    assert first.ran == 4 and len(files) == 4
    files[0].write_bytes(files[0].read_bytes()[:100])  # truncated under its final name
    files[1].write_bytes(b"PAR1" + b"\0" * 50 + b"PAR1")  # garbage with the right magic
    assert len(trusted_records(out)[0]) == 2
    again = run_sweep(small_spec(), out, executor="serial", progress=False)
    assert (again.skipped, again.ran, again.failed) == (2, 2, 0)
    table = pd.read_parquet(out)  # the whole folder reads again
    assert len(table) == 4 and (table["status"] == "ok").all()


def test_a_folder_of_another_spec_is_refused(tmp_path, capsys):
    out = tmp_path / "sweep"
    run_sweep(small_spec(), out, executor="serial", progress=False)
    saved = json.loads((out / "_sweep.json").read_text())
    assert saved["fingerprint"] == spec_fingerprint(load_sweep(small_spec())[0])
    before = sorted(p.name for p in out.iterdir())
    with pytest.raises(SweepError, match="different spec"):
        run_sweep(small_spec(months=4), out, executor="serial", progress=False)
    # the same spec under another name resumes; through the CLI a different one is exit 2
    assert run_sweep(small_spec(name="renamed"), out, executor="serial", progress=False).ran == 0
    spec = tmp_path / "other.yaml"
    spec.write_text(json.dumps(small_spec(seeds=3)))
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert sorted(p.name for p in out.iterdir()) == before


@pytest.mark.parametrize("address", ["garbage", "http://host:8786", "tcp://host", "tcp://host:99999", "tcp://a b:1"])
def test_malformed_scheduler_addresses(address):
    with pytest.raises(ValueError, match="malformed"):
        check_scheduler(address)


def test_an_unreachable_scheduler_writes_nothing(tmp_path, capsys):
    out = tmp_path / "sweep"
    with pytest.raises(SweepError, match="no scheduler answers"):
        run_sweep(small_spec(), out, executor="dask", scheduler_address="tcp://127.0.0.1:1", progress=False)
    spec = tmp_path / "s.yaml"
    spec.write_text(json.dumps(small_spec()))
    argv = ["sweep", str(spec), "--out", str(out), "--executor", "dask", "--scheduler-address", "tcp://127.0.0.1:1"]
    assert main(argv) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert not out.exists()


WORKERS = """
import time
from aicontagion.runs.executors import run_tasks
print("ready", flush=True)
list(run_tasks(time.sleep, [120, 120], executor="processes", workers=2))
"""


def test_pool_workers_die_with_their_parent():
    psutil = pytest.importorskip("psutil")
    parent = subprocess.Popen([sys.executable, "-c", WORKERS], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline().strip() == "ready"
        workers = []
        for _ in range(120):  # the spawned workers start (bounded wait, not a timing assertion)
            workers = [
                p for p in psutil.Process(parent.pid).children() if "resource_tracker" not in " ".join(p.cmdline())
            ]
            if len(workers) == 2:
                break
            time.sleep(0.25)
        assert len(workers) == 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert not alive
    finally:
        if parent.poll() is None:
            parent.kill()


def test_auto_executor_is_serial_for_little_work_and_processes_for_more():
    from aicontagion.runs.executors import SERIAL_BELOW_RUNS_PER_WORKER, choose_executor

    assert choose_executor(3, workers=2) == "serial"
    assert choose_executor(SERIAL_BELOW_RUNS_PER_WORKER * 2, workers=2) == "processes"
    assert choose_executor(1000, workers=1) == "serial"
