"""Fuzz: mutated scenario files and sweep specs through the CLI (issue 11).

Every mutant must either be refused (exit 2, exactly one line on stderr, nothing written) or
run (exit 0, a complete output folder, and the same file runs with ``check_invariants=True``);
never a traceback, a hang or a partial output folder. Bounded: a fixed number of examples,
derandomised, each under an alarm.
"""

import contextlib
import io
import re
import shutil
import signal
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicontagion.cli import main
from aicontagion.sim import Sim
from tests.conftest import MINI

TEXT = MINI.read_text()
LINES = TEXT.splitlines(keepends=True)
VALUE = re.compile(r"(?<=: )[^,{}\[\]\s#][^,{}\[\]#\n]*?(?=[,}\n]|\s+#)")  # a scalar after "key: "
SLOTS = [m.span() for m in VALUE.finditer(TEXT)]
NASTY = [
    ".nan", ".inf", "-.inf", "1e308", "-1e308", "1.0e+300", "-5", "0", "-0.0", "1000", "1000000000", "0.5",
    "true", "false", "null", "'44'", '""', "[]", "{}", "[[[[[[1]]]]]]", "tech_giant", "TECH_GIANT", "'tech_giant '",
    "giant", "neo", "external", "'2010-01'", "'2025-13'", "'2199-01'", "*nowhere", "&a 1", "!!python/none ''",
    "neo_loan", "x" * 300,
]  # fmt: skip
MONTHS = "3"
SETTINGS = settings(
    max_examples=60,
    deadline=None,  # wall time is bounded by the alarm below, not by hypothesis's deadline
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
)


@contextlib.contextmanager
def alarm(seconds: int):
    """Fail (not hang) when one example takes longer than ``seconds``."""

    def _raise(*_):
        raise TimeoutError(f"example took more than {seconds} s (a hang?)")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def cli(argv: list[str]) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(argv)
    return rc, err.getvalue()


@st.composite
def mutated_scenario(draw) -> str:
    text = TEXT
    for _ in range(draw(st.integers(1, 2))):
        how = draw(st.sampled_from(["value", "value", "value", "duplicate", "delete", "truncate"]))
        if how == "value":
            start, end = draw(st.sampled_from(SLOTS))
            text = TEXT[:start] + draw(st.sampled_from(NASTY)) + TEXT[end:] if text == TEXT else text
        elif how == "duplicate":
            k = draw(st.integers(0, len(LINES) - 1))
            text = "".join(LINES[: k + 1] + [LINES[k]] + LINES[k + 1 :])
        elif how == "delete":
            k = draw(st.integers(0, len(LINES) - 1))
            text = "".join(LINES[:k] + LINES[k + 1 :])
        else:
            text = text[: draw(st.integers(0, len(text)))]
    return text


def _refused_cleanly(rc: int, err: str, out: Path) -> bool:
    lines = err.strip().splitlines()
    assert rc == 2, (rc, err)
    assert len(lines) == 1 and lines[0].startswith("aicontagion: error: "), err
    assert not out.exists()
    return True


@SETTINGS
@given(text=mutated_scenario())
def test_mutated_scenarios_are_refused_in_one_line_or_run_with_invariants(text):
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        path, out = folder / "mutant.yaml", folder / "out"
        path.write_text(text)
        with alarm(60):
            rc, err = cli(
                ["run", "--scenario", str(path), "--months", MONTHS, "--out", str(out), "--no-plots", "--quiet"]
            )
            if rc != 0:
                _refused_cleanly(rc, err, out)
                vrc, verr = cli(["validate", str(path)])
                vlines = verr.strip().splitlines()
                assert vrc == rc and vlines[0] == err.strip()  # validate refuses as run does, first error first ...
                assert all(line.startswith("aicontagion: error: ") for line in vlines)  # ... and lists every error
                return
            assert {p.name for p in out.iterdir()} >= {"summary.json", "timeseries.parquet", "events.parquet"}
            assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no staging left behind
            Sim(path, months=int(MONTHS), check_invariants=True).run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


SPEC = f"""name: fuzz
scenario: {MINI}
months: 2
seeds: 1
productivity: base
policies: [{{name: implicit_guarantee, args: {{coverage: 0.5}}}}]
design:
  seed: 0
  grid:
    funding.spread_distress: [0.05]
    institutions.giant.cash: [40]
  random:
    samples: 1
    ranges:
      productivity.noise_sigma: [0.01, 0.05]
"""
SPEC_SLOTS = [m.span() for m in re.finditer(r"(?<=[:\[,] )[^\s,\]\}\[\{:]+|(?<=\[)[^\s,\]\[\{]+", SPEC)]


@st.composite
def mutated_spec(draw) -> str:
    start, end = draw(st.sampled_from(SPEC_SLOTS))
    return SPEC[:start] + draw(st.sampled_from(NASTY)) + SPEC[end:]


@settings(SETTINGS, max_examples=30)
@given(text=mutated_spec())
def test_mutated_sweep_specs_are_refused_in_one_line_or_run(text):
    folder = Path(tempfile.mkdtemp(prefix="fuzz-"))
    try:
        path, out = folder / "spec.yaml", folder / "out"
        path.write_text(text)
        with alarm(60):
            rc, err = cli(["sweep", str(path), "--out", str(out), "--executor", "serial", "--quiet"])
            if rc == 2:
                _refused_cleanly(rc, err, out)
                return
            assert rc in (0, 1), (rc, err)  # 1: some runs failed, each recorded with its error
            assert err.strip() == ""
            table = pd.read_parquet(out)
            assert len(table) >= 1 and set(table["status"]) <= {"ok", "error"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
