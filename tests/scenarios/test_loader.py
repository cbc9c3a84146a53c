"""Scenario loading: bad input is one clear line naming the file and the field."""

import copy

import pytest
import yaml

from aicontagion.scenarios.build import build_system
from aicontagion.scenarios.loader import ScenarioError, apply_overrides, available, load_scenario, validate
from tests.conftest import MINI


def _error(raw, tmp_path, name="bad.yaml") -> ScenarioError:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw) if not isinstance(raw, str | bytes) else raw) if not isinstance(
        raw, bytes
    ) else path.write_bytes(raw)
    with pytest.raises(ScenarioError) as info:
        build_system(load_scenario(path))
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith(name)
    return info.value


def test_mini_loads_and_balances():
    spec = load_scenario(MINI)
    system = build_system(spec)
    assert system.n == len(spec.institutions)
    # every stated equity is honoured exactly
    for r, inst in enumerate(spec.institutions):
        if inst.equity is not None:
            assert system.books.equity[r] == pytest.approx(inst.equity)


def test_shipped_scenarios_are_listed():
    assert "ai_2025" in available()


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nope.yaml")


def test_unknown_scenario_name():
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("ai_2099")


def test_yaml_syntax_error_names_line(tmp_path):
    err = _error("name: x\ninstitutions: [\n  {id: a\n", tmp_path)
    assert "YAML syntax error" in str(err) and "line" in err.where


def test_binary_garbage(tmp_path):
    err = _error(bytes(range(256)) * 4, tmp_path)
    assert "text" in str(err)


def test_wrong_shape(tmp_path):
    err = _error("- just\n- a list\n", tmp_path)
    assert "mapping" in str(err)


def test_unknown_top_level_key(mini_raw, tmp_path):
    mini_raw["colour"] = "blue"
    err = _error(mini_raw, tmp_path)
    assert err.where == "colour" and "unknown key" in str(err)


def test_unknown_kind(mini_raw, tmp_path):
    mini_raw["institutions"][2]["kind"] = "hedge_fund"
    err = _error(mini_raw, tmp_path)
    assert err.where == "institutions[2] (chips).kind" and "hedge_fund" in str(err)


def test_unknown_institution_key(mini_raw, tmp_path):
    mini_raw["institutions"][0]["cahs"] = 3
    err = _error(mini_raw, tmp_path)
    assert err.where == "institutions[0] (giant).cahs"


def test_dangling_counterparty(mini_raw, tmp_path):
    mini_raw["contracts"][0]["lender"] = "pensoin"
    err = _error(mini_raw, tmp_path)
    assert "contracts[0] (spv_bond).lender" in str(err) and "pensoin" in str(err)


def test_negative_amount(mini_raw, tmp_path):
    mini_raw["contracts"][4]["principal"] = -10
    err = _error(mini_raw, tmp_path)
    assert err.where == "contracts[4] (neo_loan).principal" and "-10" in str(err)


def test_share_above_one(mini_raw, tmp_path):
    mini_raw["contracts"][2]["share"] = 1.5
    err = _error(mini_raw, tmp_path)
    assert err.where == "contracts[2] (spv_equity_fund).share"


def test_end_before_start(mini_raw, tmp_path):
    mini_raw["contracts"][6]["end"] = "2024-01"
    err = _error(mini_raw, tmp_path)
    assert "contracts[6] (lab_offtake)" in str(err) and "before start" in str(err)


def test_bad_date(mini_raw, tmp_path):
    mini_raw["contracts"][0]["maturity"] = "2049-13"
    err = _error(mini_raw, tmp_path)
    assert err.where == "contracts[0] (spv_bond).maturity"


def test_impossible_equity(mini_raw, tmp_path):
    mini_raw["institutions"][0]["equity"] = 1.0  # far below itemised assets less liabilities
    err = _error(mini_raw, tmp_path)
    assert err.where == "institutions[0] (giant).equity" and "negative" in str(err)


def test_unknown_behaviour_param(mini_raw, tmp_path):
    mini_raw["institutions"][6]["params"] = {"leverage_tagret": 0.05}
    err = _error(mini_raw, tmp_path)
    assert err.where == "institutions[6] (bank)" and "params.leverage_tagret" in str(err)
    assert "leverage_target" in str(err)  # the message lists the valid names


def test_unknown_market_in_holdings(mini_raw, tmp_path):
    mini_raw["institutions"][7]["holdings"]["crypto"] = 5
    err = _error(mini_raw, tmp_path)
    assert "holdings" in str(err) and "crypto" in str(err)


def test_overrides_by_dotted_key_and_id(mini_raw):
    raw = apply_overrides(mini_raw, {"productivity.noise_sigma": 0.0, "institutions.giant.cash": 99.0}, "mini.yaml")
    spec = validate(raw, "mini.yaml")
    assert spec.productivity.noise_sigma == 0.0
    assert spec.institutions[0].cash == 99.0
    assert mini_raw["institutions"][0]["cash"] == 40  # the original is untouched


def test_override_unknown_id(mini_raw):
    with pytest.raises(ScenarioError, match="no item with id 'meta'"):
        apply_overrides(copy.deepcopy(mini_raw), {"institutions.meta.cash": 1}, "mini.yaml")


def test_override_unknown_key_is_rejected():
    with pytest.raises(ScenarioError, match="unknown key"):
        load_scenario(MINI, productivity__noise_sigmaa=0.1)
