"""The experiment scripts (experiments/*.py) and their shared helpers (aicontagion.runs.experiment_kit)."""

import importlib.util
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import aicontagion as ac
from aicontagion.results.metrics import THERMOMETER
from aicontagion.runs import experiment_kit as ex

ROOT = Path(__file__).resolve().parents[1]


def load(name: str):
    """Import experiments/<name>.py as a module."""
    spec = importlib.util.spec_from_file_location(f"experiment_{name}", ROOT / "experiments" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def assert_tidy(path: Path) -> pd.DataFrame:
    df = pd.read_parquet(path)
    assert len(df) > 0, f"{path.name} is empty"
    assert not isinstance(df.columns, pd.MultiIndex)
    assert all(isinstance(c, str) for c in df.columns), f"{path.name}: column names must be strings"
    assert df.columns.is_unique
    assert not any(c.startswith(("level_", "Unnamed", "__index")) for c in df.columns), f"{path.name}: index leaked"
    return df


def assert_outputs(out: Path, parquet: list[str], png: list[str]) -> dict[str, pd.DataFrame]:
    frames = {name: assert_tidy(out / f"{name}.parquet") for name in parquet}
    for name in png:
        p = out / f"{name}.png"
        assert p.exists() and p.stat().st_size > 5000, f"missing figure {p.name}"
    return frames


# ----------------------------------------------------------------------------- helpers
def test_run_many_summary_equals_compare():
    setups = {"slow": {"productivity": "slow"}}
    runs = ex.run_many(setups, seeds=[3], metrics=("losses",), kind_metrics=("equity",), scenario="ai_2025", months=30)
    ref = ac.compare(setups, seeds=[3], scenario="ai_2025", months=30).summaries
    pd.testing.assert_frame_equal(runs.summary, ref)
    assert set(runs.series["metric"]) == {"losses", "equity"}
    assert list(runs.series.columns[:2]) == ["setup", "seed"]
    assert runs.wide("losses").shape == (31, 1)  # opening record plus 30 months


def test_flow_ledger_sees_all_money_and_changes_nothing():
    sim, ledger = ex.run_with_flows(ac.Sim("ai_2025", productivity="disproven", seed=2, months=60))
    assert ledger.check() < 1e-8  # inflows - outflows == cash change, per institution
    plain = ac.Sim("ai_2025", productivity="disproven", seed=2, months=60).run()
    assert sim.summary_row() == pytest.approx(plain.summary_row(), nan_ok=True)
    f = ledger.frame(by="year")
    assert list(f.columns) == ["year", "payer", "payee", "label", "amount"]
    assert {"operating_revenue", "rent", "capex_chips", "interest"} <= set(f["label"])
    assert (f["amount"] > 0).all() and set(f["year"]) == set(range(5))
    assert "build" not in vars(sim)  # the Sim is left as it was


def test_options_defaults_and_quick(tmp_path):
    ap = ex.parser("Doc line.\n\nmore", "demo", seeds=8, quick_seeds=2, months=240, quick_months=120)
    a = ex.options(ap, ["--out", str(tmp_path / "o")])
    assert a.seeds == list(range(8)) and a.months == 240 and a.processes == 2 and a.out.is_dir()
    q = ex.options(ap, ["--quick", "--out", str(tmp_path / "q")])
    assert q.seeds == [0, 1] and q.months == 120 and q.processes == 1
    c = ex.options(ap, ["--quick", "--seeds", "3", "--months", "12", "--processes", "2", "--out", str(tmp_path)])
    assert c.seeds == [0, 1, 2] and c.months == 12 and c.processes == 2


# ----------------------------------------------------------------------------- flow tracing
def _flows(rows):
    return pd.DataFrame(rows, columns=["payer", "payee", "label", "amount"])


def test_trace_origins_by_hand():
    cf = load("circular_financing")
    ids = ["a", "b", "c"]
    flows = _flows(
        [
            ("outside", "a", "operating_revenue", 30.0),
            ("outside", "a", "equity_raise", 10.0),
            ("a", "b", "rent", 20.0),
            ("a", "outside", "opex", 20.0),
            ("b", "c", "capex_chips", 20.0),
            ("c", "outside", "chip_costs", 20.0),
        ]
    )
    mix = cf.trace_origins(flows, ids)
    assert mix.loc["a", "customers"] == pytest.approx(0.75) and mix.loc["a", "investors"] == pytest.approx(0.25)
    assert mix.loc["c"].to_dict() == pytest.approx(mix.loc["a"].to_dict())  # passed on unchanged
    rev = cf.revenue_table(flows, ids, {k: "x" for k in ids}).set_index("institution")
    assert rev.loc["c", "revenue_inside"] == pytest.approx(20.0)
    assert rev.loc["c", "inside_paid_by_investors"] == pytest.approx(5.0)
    assert rev.loc["c", "booked_not_from_customers"] == pytest.approx(0.25)
    assert rev.loc["a", "revenue_outside"] == pytest.approx(30.0)


def test_round_trip_by_hand():
    cf = load("circular_financing")
    ids = ["n", "o", "r"]
    # n calls 10 into o; o spends half on r, half outside; r spends all it gets on n's chips
    flows = _flows(
        [
            ("outside", "n", "operating_revenue", 100.0),
            ("n", "o", "capital_call", 10.0),
            ("n", "outside", "opex", 95.0),
            ("o", "r", "rent", 5.0),
            ("o", "outside", "opex", 5.0),
            ("r", "n", "capex_chips", 5.0),
        ]
    )
    paid, back = cf.round_trip(flows, ids, "n", "o")
    assert paid == 10.0 and back == pytest.approx(5.0)


# ----------------------------------------------------------------------------- the scripts, quick
def test_stress_tests_quick(tmp_path, capsys):
    mod = load("stress_tests")
    assert mod.main(["--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    f = assert_outputs(
        tmp_path,
        ["runs", "defaults", "default_order", "losses_by_holder", "series", "claims"],
        ["default_order", "losses_by_holder", "spv_bond_price", "lp_bank_losses"],
    )
    assert set(f["runs"]["setup"]) == {"base", "slow", "disproven"}
    assert {"spv_bond_price", "price_tech_equity"} <= set(f["series"]["metric"])
    assert set(f["losses_by_holder"].columns) == {"setup", "seed", "holder", "loss"}
    assert {"pension_lp", "bank", "outside_creditors"} <= set(f["losses_by_holder"]["holder"])
    assert f["default_order"]["p_first"].between(0, 1).all()
    assert len(f["claims"]) >= 8 and set(f["claims"]["agrees"]) <= {"yes", "no", "partly"}
    out = capsys.readouterr().out
    assert "claim" in out and "disproven" in out


def test_hyperion_quick(tmp_path, capsys):
    """Seed 1, disproven, 240 months: every exit of Hyperion's tenant is tabled with the price
    around it; the drop is what the table says; the mark never exceeds par; both marks are run.
    (The hand-worked walk-away and re-let values are tested in tests/mechanisms/test_valuation.py.)"""
    mod = load("hyperion")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    f = assert_outputs(tmp_path, ["path"], ["hyperion_bond"])
    walks = pd.read_parquet(tmp_path / "walks.parquet")
    assert list(walks.columns) == mod.WALK_COLUMNS
    for w in walks.itertuples():
        assert w.tenant == "meta" and w.event in ("non_renewal", "walk_away", "default")
        assert w.drop == pytest.approx(w.price_before - min(w.price_month, w.price_next))
        assert w.band_before in mod.BANDS and w.band_after in mod.BANDS
    assert (f["path"]["price"] <= 100 + 1e-6).all()
    assert set(f["path"]["setup"]) == {"project marks", "book-equity marks (channel off)"}
    # the imposed exits: every way, both months, both paths; each happened in its month
    imp = pd.read_parquet(tmp_path / "imposed.parquet")
    assert set(imp["how"]) == {"repudiate", "not_renew", "tenant_default"}
    assert set(imp["at"]) == {"2031-01", "2032-12"} and set(imp["path"]) == {"disproven", "base"}
    assert imp["happened"].all()
    assert (imp["drop"] == imp["price_before"] - imp[["price_month", "price_next"]].min(axis=1)).all()
    assert (imp.loc[imp["how"] == "not_renew", "fee"] == 0).all()
    assert (tmp_path / "hyperion_imposed.png").exists() and (tmp_path / "imposed_path.parquet").exists()
    assert "hyperion" in capsys.readouterr().out


def test_capex_rule_quick(tmp_path, capsys):
    """Seed 1, 24 months, every path and rule: one row per run, and in the first two years (the
    fleets growing) the return test orders less than the same plan without it."""
    mod = load("capex_rule")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    runs = pd.read_parquet(tmp_path / "runs.parquet")
    assert len(runs) == len(mod.PATHS) * len(mod.SETUPS)
    assert set(runs["setup"]) == set(mod.SETUPS) and set(runs["path"]) == set(mod.PATHS)
    wide = runs.pivot(index="path", columns="setup", values="builders_to_2028")
    assert (wide["own_return"] < wide["sentiment"]).all()
    assert (runs["hyperscalers_2025"] > 0).all()
    assert (tmp_path / "table.md").read_text().count("| own_return |") == len(mod.PATHS)
    assert "own_return" in capsys.readouterr().out


def test_hurdle_quick(tmp_path, capsys):
    mod = load("hurdle")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    f = assert_outputs(tmp_path, ["sweep", "survival", "survival_summary", "series"], ["sweep", "survival"])
    sweep = f["sweep"]
    seed = sweep[
        np.isclose(sweep["debt_cost"], 0.09)
        & np.isclose(sweep["equity_share"], 0.3)
        & np.isclose(sweep["equity_return"], 0.2)
    ]
    assert seed["roi"].iloc[0] == pytest.approx(0.123)
    s = f["survival_summary"].sort_values("ceiling")
    assert s["first_default"].iloc[-1] >= s["first_default"].iloc[0]  # more AI revenue, longer survival
    assert "1.91% of US GDP" in capsys.readouterr().out


def test_circular_financing_quick(tmp_path, capsys):
    mod = load("circular_financing")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    f = assert_outputs(
        tmp_path, ["flows", "revenue", "outcomes", "links"], ["loop_flows", "revenue_booked", "break_links"]
    )
    out = f["outcomes"]
    assert set(out["setup"]) == set(mod.BREAKS)
    loop = out[out["setup"] == "loop"]
    assert (loop["openai_capital_called"] > 0).all()
    no_stake = out[out["setup"] == "no_nvidia_stake"]
    assert (no_stake["openai_capital_called"] == 0).all()
    assert (out.loc[out["setup"] == "no_oracle_offtake", "oracle_from_openai"] == 0).all()
    rev = f["revenue"]
    share = rev[[c for c in rev.columns if c.startswith("inside_paid_by_")]].sum(axis=1)
    np.testing.assert_allclose(share, rev["revenue_inside"], rtol=1e-6, atol=1e-6)
    assert "What the loop inflates" in capsys.readouterr().out


def test_thermometer_quick(tmp_path, capsys):
    mod = load("thermometer")
    assert mod.main(["--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    f = assert_outputs(tmp_path, ["thermometer", "signals"], ["thermometer", "thermometer_detail"])
    t = f["thermometer"]
    assert set(t["path"]) == {"fast", "base", "slow", "disproven"}
    assert set(t["metric"]) == set(THERMOMETER)
    assert t["indicator"].nunique() == 5
    assert "warning signals" in capsys.readouterr().out


def test_guarantees_quick_writes_parquet(tmp_path, capsys):
    mod = load("guarantees")
    assert mod.main(["--quick", "--out", str(tmp_path)]) == 0
    f = assert_outputs(
        tmp_path, ["summary", "summary_all", "sensitivity", "mandate", "runs_ai_2025"], ["tradeoff_ai_2025"]
    )
    assert not list(tmp_path.glob("*.csv"))
    assert set(f["summary"]["policy"]) == {
        "none",
        "implicit_guarantee",
        "state_company",
        "state_company_mandate",
        "state_company_takeover",
        "loan_backstop",
        "bailout",
        "lender_of_last_resort",
    }
    s = f["summary"]
    assert s["p_crisis"].between(0, 1).all()
    assert (s["p_crisis_lo"] <= s["p_crisis"]).all() and (s["p_crisis"] <= s["p_crisis_hi"]).all()
    assert {"intermediary_loss_given_crisis", "wealth_loss_given_crisis", "months_bought_lo", "held_by_bank"} <= set(s)
    assert (s.set_index("policy").loc["none", ["months_bought", "fiscal_cost"]] == 0).all()  # paired with itself
    assert "crisis = a bank below" in (tmp_path / "table.md").read_text()
    assert {"investment_elasticity", "coverage", "damage_ratio"} <= set(f["sensitivity"].columns)
    assert {"lease_share", "book_to_capital", "conservatorship_draws"} <= set(f["mandate"].columns)
    assert "policy rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name",
    [
        "stress_tests",
        "thermometer",
        "hurdle",
        "circular_financing",
        "bank_vs_direct",
        "guarantees",
        "validation",
        "channels",
        "financing_mix",
        "hyperion",
        "record_2008",
    ],
)
def test_every_script_takes_the_common_options(name, capsys):
    mod = load(name)
    with pytest.raises(SystemExit) as exit_:
        mod.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    common = {"--seeds", "--processes", "--out", "--quick"} | ({"--months"} if name != "validation" else set())
    assert common <= set(re.findall(r"--[a-z-]+", text)), name


# ----------------------------------------------------------------------------- bank_vs_direct (issue 15)
def test_bank_vs_direct_equal_sizes_give_the_stated_size():
    mod = load("bank_vs_direct")
    for scenario in mod.CORE_ASSET:
        cap = mod.equal_size_fall(scenario, 0.01, "capital")
        assert cap["asset"] == mod.CORE_ASSET[scenario]
        assert cap["fall"] * cap["exposure.held"] == pytest.approx(0.01 * cap["exposure.capital"])
        bank = mod.equal_size_fall(scenario, 0.05, "bank_exposure")
        exposure = bank["exposure.bank_direct"] + bank["exposure.bank_look_through"]
        assert bank["fall"] * exposure == pytest.approx(0.05 * bank["exposure.bank_equity"])
        assert bank["bank_direct_loss"] == pytest.approx(bank["loss"])  # no look-through at the start here
    assert mod.equal_size_fall("ai_2025", 0.05, "bank_exposure")["core_asset_bank_exposure"] == 0.0
    assert mod.equal_size_fall("ai_2025", 0.05, "bank_exposure")["asset"] == "tech_equity"
    with pytest.raises(ValueError, match="unknown basis"):
        mod.equal_size_fall("ai_2025", 0.01, "assets")


def test_bank_vs_direct_shocks_land_on_one_clock():
    mod = load("bank_vs_direct")
    assert mod.shocked("bank_2008", 0.1, 24)["markets__mbs__shocks"] == [{"at": "2007-07", "fall": 0.1}]
    kw = mod.shocked("ai_2025", 0.2, 24, asset="tech_equity")
    assert kw["markets__tech_equity__shocks"] == [{"at": "2025-07", "fall": 0.2}] and kw["markets__gpu__shocks"] == []
    assert mod.shocked("bank_2008", 0.0, 24)["markets__mbs__shocks"] == []  # unshocked: no scheduled repricing
    sim = ac.Sim(seed=0, **mod.shocked("bank_2008", 0.1, 9)).run()
    price = sim.series("price_mbs")["system"]
    assert price.iloc[mod.SHOCK_STEP - 1] == 1.0 and price.iloc[mod.SHOCK_STEP] < 1.0  # lands in step 7


def test_bank_vs_direct_quick_writes_its_tables(tmp_path, capsys):
    mod = load("bank_vs_direct")
    assert mod.main(["--quick", "--seeds", "1", "--months", "12", "--out", str(tmp_path)]) == 0
    f = assert_outputs(tmp_path, ["equal_sizes", "runs", "excess_runs", "excess", "unshocked"], ["bank_vs_direct"])
    assert set(f["excess"]["row"]) == set(mod.ROWS) and set(f["excess"]["basis"]) == set(mod.BASES)
    assert {"excess_loss", "excess_loss.bank", "months_to_50pct_excess", "months_to_90pct_excess"} <= set(
        f["excess"]["metric"]
    )
    assert {"mean", "q05", "q95", "seeds"} <= set(f["excess"].columns)
    from aicontagion.results.provenance import read_provenance

    assert read_provenance(tmp_path / "excess.parquet")["months"] == 12
    assert "Shocked minus unshocked" in capsys.readouterr().out


# ----------------------------------------------------------------------------- channels (ablations)
def test_channel_effects_are_paired_differences_by_hand():
    mod = load("channels")
    runs = pd.DataFrame(
        {
            "setup": ["s"] * 6,
            "channel": ["all on", "all on", "fire_sales", "fire_sales", "guarantees", "guarantees"],
            "seed": [0, 1, 1, 0, 0, 1],
            "total_loss": [10.0, 20.0, 26.0, 11.0, 10.0, 20.0],
            "defaults": [1.0, 2.0, 2.0, 1.0, 1.0, 2.0],
        }
    )
    e = mod.effects(runs).set_index(["channel", "outcome"])
    # fire_sales off: seed 0 +1, seed 1 +6 (rows matched by seed, not by position)
    assert e.loc[("fire_sales", "total_loss"), "mean"] == pytest.approx(3.5)
    assert e.loc[("fire_sales", "total_loss"), "on"] == pytest.approx(15.0)
    assert e.loc[("fire_sales", "total_loss"), "q95"] == pytest.approx(1 + 0.95 * 5)
    assert (e.loc[("guarantees", "total_loss"), ["mean", "q05", "q95"]] == 0).all()
    assert mod._cell(mod.effects(runs), "s", "guarantees", "total_loss") == "0"


def test_channels_quick_writes_every_channel(tmp_path, capsys):
    from aicontagion.core.channels import CHANNEL_NAMES

    mod = load("channels")
    assert mod.main(["--quick", "--seeds", "1", "--out", str(tmp_path)]) == 0
    f = assert_outputs(tmp_path, ["runs", "effects"], ["effects"])
    for setup in mod.SETUPS:
        assert set(f["effects"].loc[f["effects"].setup == setup, "channel"]) == set(CHANNEL_NAMES)
    assert set(f["runs"]["channel"]) == set(CHANNEL_NAMES) | {"all on"}
    assert "channel off" in (tmp_path / "table.md").read_text()
