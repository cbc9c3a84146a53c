"""Honest calibration: every number in a shipped scenario cites calibration.md or says `assumed`."""

import pytest

from aicontagion.scenarios.citations import calibration_rows, check_file
from aicontagion.scenarios.loader import SCENARIO_DIR, available
from tests.conftest import MINI


@pytest.mark.parametrize("name", available())
def test_shipped_scenarios_cite_every_number(name):
    problems = check_file(SCENARIO_DIR / f"{name}.yaml")
    assert not problems, "\n".join(map(str, problems[:20]))


def test_test_scenario_is_cited_too():
    assert not check_file(MINI)


def test_the_checker_catches_uncited_and_bad_citations(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text(
        "a: 5\n"
        "b: 6  # CAL Hyperion/bonds\n"
        "c: 7  # CAL Hyperion/no such row\n"
        "d: 8  # CAL Nowhere/bonds\n"
        '- {id: x2, principal: 3, rate: 0.1, maturity: "2030-01"}  # principal: assumed; rate: CAL CoreWeave/facility\n'
        "e: 9  # derived (b + 3)\n"
        "f: 0.12  # SEED §3\n"
        "g: 1  # because I said so\n"
    )
    problems = {(x.line, x.key) for x in check_file(p)}
    assert (1, "a") in problems and (3, "line") in problems and (4, "line") in problems
    assert (5, "maturity") in problems and (8, "line") in problems
    assert not any(line in (2, 6, 7) for line, _ in problems)


def test_calibration_table_is_parsed():
    rows = calibration_rows()
    assert "coupon" in rows["hyperion / beignet investor llc (meta spv)"]
    assert any(s.startswith("2008 benchmarks") for s in rows)
