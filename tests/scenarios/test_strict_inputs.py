"""Strict, finite, physical scenario inputs: every bad value is one line naming file, entry and
field, raised by ``validate`` and by ``run`` alike (issue 11)."""

import json
import math

import pytest
import yaml

from aicontagion.cli import main
from aicontagion.core.params import MAX_AMOUNT, BankParams, allowed_range
from aicontagion.policies import PolicyError, from_name
from aicontagion.scenarios.build import build_system
from aicontagion.scenarios.loader import MAX_ALIAS_NODES, MAX_DEPTH, ScenarioError, load_scenario, parse_yaml
from aicontagion.scenarios.schema import MAX_MONTHS, ScenarioSpec
from aicontagion.sim import Sim
from tests.conftest import MINI

TEXT = MINI.read_text()


def _sub(old: str, new: str) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, 1)


def _contract(line: str) -> str:
    return TEXT + f"  - {line}\n"


BOMB = "".join(f"l{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 10) if k else ', '.join(['1'] * 10)}]\n" for k in range(7))

# name -> (mutated file, text the one-line message must contain)
BAD = {
    "nan flow": (_sub("core_cash_flow: 80", "core_cash_flow: .nan"), "institutions[0] (giant).core_cash_flow"),
    "-inf flow": (_sub("core_cash_flow: 80", "core_cash_flow: -.inf"), "finite"),
    "nan equity": (_sub("equity: 200", "equity: .nan"), "institutions[0] (giant).equity"),
    "bool cash": (_sub("cash: 40", "cash: true"), "institutions[0] (giant).cash"),
    "string cash": (_sub("cash: 40", 'cash: "44"'), "(got '44')"),
    "string rate": (_sub("rate: 0.11", "rate: '0.11'"), "contracts[4] (neo_loan).rate"),
    "float months": (_sub("months: 60", "months: 60.0"), "months"),
    "huge amount": (_sub("cash: 40", "cash: 1.0e+300"), f"<= {MAX_AMOUNT:g}"),
    "duplicate key": (_sub("months: 60", "months: 60\nmonths: 61"), "duplicate key 'months'"),
    "self loan": (_sub("lender: fund, borrower: neo", "lender: neo, borrower: neo"), "same institution"),
    "self lease": (_sub("provider: spv, customer: giant", "provider: giant, customer: giant"), "same institution"),
    "self stake": (_sub("holder: fund, issuer: spv", "holder: spv, issuer: spv"), "same institution"),
    "guarantee of itself": (
        _contract("{id: g1, type: guarantee, guarantor: government, covers: g1}"),
        "cannot cover itself",
    ),
    "guarantee of a guarantee": (
        _contract("{id: g1, type: guarantee, guarantor: government, covers: neo_loan}")
        + "  - {id: g2, type: guarantee, guarantor: giant, covers: g1}\n",
        "contracts[15] (g2).covers",
    ),
    "guarantee by the borrower": (
        _contract("{id: g1, type: guarantee, guarantor: neo, covers: neo_loan}"),
        "party to the contract",
    ),
    "nan guarantee cap": (
        _contract("{id: g1, type: guarantee, guarantor: government, covers: neo_loan, cap: .nan}"),
        "contracts[14] (g1).cap",
    ),
    "190% owned": (_sub("issuer: spv, share: 0.2", "issuer: spv, share: 0.9"), "add up to 1.7 of its equity"),
    "matured before the start": (_sub('maturity: "2029-06"', 'maturity: "2010-06"'), "before the scenario's start"),
    "empty system": (TEXT.split("institutions:")[0] + "institutions: []\n", "the system is empty"),
    "kind in capitals": (_sub("kind: tech_giant", "kind: TECH_GIANT"), "unknown kind 'TECH_GIANT'"),
    "kind with a space": (_sub("kind: tech_giant", "kind: 'tech_giant '"), "unknown kind 'tech_giant '"),
    "deep nesting": (TEXT + "x: " + "[" * 3000 + "]" * 3000 + "\n", "nesting depth"),
    "deep block nesting": (
        TEXT + "x:\n" + "".join(" " * k + "b:\n" for k in range(1, 200)) + " " * 200 + "c\n",
        "deeper",
    ),
    "alias bomb": (TEXT + BOMB, "alias"),
    "recursive alias": (TEXT + "x: &a [*a]\n", "recursive"),
    "noise 1000": (_sub("initial_growth: 0.3", "initial_growth: 0.3\n  noise_sigma: 1000"), ">= 0 and <= 1"),
    "months too many": (_sub("months: 60", "months: 1000000000"), f"<= {MAX_MONTHS}"),
    "elasticity 1e6": (_sub("elasticity: 0.5", "elasticity: 1e6"), "markets.tech_equity.elasticity"),
    "nan parameter": (_sub("kind: ai_lab,", "kind: ai_lab, params: {discount_rate: .nan},"), "discount_rate"),
    "parameter range": (_sub("kind: ai_lab,", "kind: ai_lab, params: {discount_rate: 5},"), ">= -0.05 and <= 1"),
    "bool parameter": (_sub("kind: ai_lab,", "kind: ai_lab, params: {discount_rate: true},"), "discount_rate"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_one_line_naming_the_field(tmp_path, name):
    text, expected = BAD[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as info:
        build_system(load_scenario(path))
    msg = str(info.value)
    assert "\n" not in msg and msg.startswith("bad.yaml: ")
    assert expected in msg


@pytest.mark.parametrize("name", ["nan flow", "empty system", "kind in capitals", "guarantee of a guarantee"])
def test_validate_and_run_refuse_alike(tmp_path, capsys, name):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD[name][0])
    out = tmp_path / "out"
    assert main(["validate", str(path)]) == 2
    first = capsys.readouterr().err.strip().splitlines()
    assert main(["run", "--scenario", str(path), "--months", "2", "--out", str(out), "--quiet"]) == 2
    second = capsys.readouterr().err.strip().splitlines()
    assert len(first) == 1 and first == second and first[0].startswith("aicontagion: error: bad.yaml: ")
    assert not out.exists()


def test_unlimited_guarantee_cap_and_yaml12_exponents_are_accepted(tmp_path):
    path = tmp_path / "ok.yaml"
    text = _contract("{id: g1, type: guarantee, guarantor: government, covers: neo_loan, cap: .inf}")
    path.write_text(text.replace("depth: 20000", "depth: 2e4"))
    spec = load_scenario(path)
    assert math.isinf(spec.contracts[-1].cap) and spec.markets["tech_equity"].depth == 20000.0
    build_system(spec)
    assert parse_yaml("a: [1e6, -2.5E-3, '1e6', 1e]", "x.yaml") == {"a": [1e6, -2.5e-3, "1e6", "1e"]}


def test_shipped_scenarios_still_validate():
    for name in ("ai_2025", "bank_2008", "eba_2018", MINI):
        spec = load_scenario(name)
        assert spec.institutions and build_system(spec).n == len(spec.institutions)


def test_caps_are_what_the_messages_say():
    assert MAX_DEPTH >= 10 and MAX_ALIAS_NODES >= 1000
    assert allowed_range(ScenarioSpec, ("productivity", "noise_sigma")) == ">= 0 and <= 1"
    assert allowed_range(ScenarioSpec, ("contracts", 3, "equity", "share")) == ">= 0 and <= 1"
    assert allowed_range(BankParams, ("leverage_target",)) == ">= 0 and <= 1"
    assert allowed_range(ScenarioSpec, ("name",)) is None


def test_yaml_alias_within_the_budget_is_fine():
    assert parse_yaml("base: &b {x: 1}\nc: {<<: *b, x: 2}\nd: *b", "x.yaml") == {
        "base": {"x": 1},
        "c": {"x": 2},
        "d": {"x": 1},
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"productivity__noise_sigma": float("nan")},
        {"institutions.giant.cash": float("inf")},
        {"institutions.giant.cash": True},
        {"institutions.giant.cash": "44"},
        {"funding__spread_distress": -5.0},
    ],
)
def test_sim_overrides_are_as_strict_as_files(overrides):
    with pytest.raises(ScenarioError) as info:
        Sim(MINI, **overrides)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs", [{"months": 0}, {"months": 10**9}, {"months": True}, {"months": 2.5}, {"seed": -1}, {"seed": 1.5}]
)
def test_sim_months_and_seed_are_checked_up_front(kwargs):
    with pytest.raises(ScenarioError, match="months|seed"):
        Sim(MINI, **kwargs)


@pytest.mark.parametrize(
    "args", [{"coverage": float("nan")}, {"coverage": "x"}, {"coverage": True}, {"start": float("nan")}]
)
def test_policy_arguments_must_be_finite_numbers(args):
    with pytest.raises(PolicyError):
        from_name("implicit_guarantee", **args)


def test_a_spec_survives_a_dump_and_reload():
    # Sim(spec, **overrides) validates a dump of the spec again: it must pass the strict schema
    spec = load_scenario(MINI)
    again = ScenarioSpec.model_validate(yaml.safe_load(yaml.safe_dump(spec.model_dump(mode="json"))))
    assert again.model_dump() == spec.model_dump()
    assert Sim(spec, productivity__noise_sigma=0.05).spec.productivity.noise_sigma == 0.05


def test_a_scenario_in_json_syntax_reads_as_its_yaml_with_the_same_checks(tmp_path):
    raw = yaml.safe_load(TEXT)
    path = tmp_path / "mini.json"
    path.write_text(json.dumps(raw))
    assert load_scenario(path).model_dump() == load_scenario(MINI).model_dump()
    path.write_text('{"name": "mini", "name": "again"}')
    with pytest.raises(ScenarioError, match="duplicate key 'name'"):
        load_scenario(path)
    path.write_text('{"name": "mini", "x": ' + "[" * 40 + "]" * 40 + "}")
    with pytest.raises(ScenarioError, match="nested deeper"):
        load_scenario(path)
    raw["institutions"][0]["cash"] = float("nan")
    path.write_text(json.dumps(raw))  # JSON's NaN token
    with pytest.raises(ScenarioError, match=r"institutions\[0\] \(giant\)\.cash"):
        load_scenario(path)


@pytest.mark.parametrize("name", ["x" * 300, "x" * 300 + ".yaml"])
def test_a_name_too_long_for_the_file_system_is_one_line(name):
    with pytest.raises(ScenarioError) as info:
        load_scenario(name)
    assert "\n" not in str(info.value) and len(str(info.value)) < 400
