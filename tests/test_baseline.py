"""Fixed-seed results must not change unless tests/baseline.yaml is regenerated on purpose."""

import math

import pytest
import yaml

from tests.baseline_cases import BASELINE, CASES, case_name, summarise_case

EXPECTED = yaml.safe_load(BASELINE.read_text()) if BASELINE.exists() else {}


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


@pytest.mark.parametrize("case", CASES, ids=case_name)
def test_summary_matches_baseline(case):
    name = case_name(case)
    assert name in EXPECTED, f"{name} is missing from baseline.yaml: run `make baseline`"
    want, got = EXPECTED[name], summarise_case(case)
    assert got["default_order"] == want["default_order"]
    for key, value in want.items():
        if key == "default_order":
            continue
        if isinstance(value, dict):
            assert set(got[key]) == set(value), key
            for k, v in value.items():
                assert _close(got[key][k], v), f"{key}.{k}: {got[key][k]} != {v}"
        else:
            assert _close(got[key], value), f"{key}: {got[key]} != {value}"
