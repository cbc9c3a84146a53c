"""experiments/financing_mix.py and experiments/back_channels.py on a short horizon."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.test_experiments import load


def test_financing_mix_adds_up_and_sits_beside_morgan_stanley(tmp_path):
    mod = load("financing_mix")
    assert mod.main(["--seeds", "1", "--until", "2026-06", "--out", str(tmp_path)]) == 0
    r = pd.read_parquet(tmp_path / "mix.parquet").set_index("item")["amount"]
    t = pd.read_parquet(tmp_path / "table.parquet").set_index("item")
    assert r["total spend"] == pytest.approx(r["modelled builders"] + r["outside builders"])
    sources = [
        "hyperscaler cash flow",
        "private credit",
        "SPV bonds, other buyers",
        "PE and sovereign (equity)",
        "corporate debt (bonds)",
        "bank loans",
        "vendor financing",
    ]
    assert sum(r[k] for k in sources) >= r["modelled builders"] - 1e-6  # cash flow is the remainder
    assert t.loc["total spend", "Morgan Stanley"] == 2900
    assert (tmp_path / "mix.md").read_text().startswith("|")


def test_back_channels_reports_each_switch_on_and_off(tmp_path):
    mod = load("back_channels")
    t = mod.main(["--seeds", "1", "--paths", "disproven", "--months", "24", "--out", str(tmp_path)])
    runs = pd.read_csv(tmp_path / "runs.csv")
    assert set(runs["off"]) == {"none", "origination", "fund_leverage", "lp_sales", "call_lag_months"}
    on = runs[runs["off"] == "none"].iloc[0]
    for label, switch in mod.SWITCHES.items():
        off = runs[runs["off"] == switch].iloc[0]
        assert t.loc[f"{label}: on - off", "disproven"] == pytest.approx(on["bank_losses"] - off["bank_losses"])
